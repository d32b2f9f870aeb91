// Internal: how each branch of a tree maps to table columns, and reading them into a table.
#pragma once

#include <bit>
#include <cstring>
#include <limits>
#include <memory>

#include "baler/array.hpp"
#include "baler/io.hpp"
#include "root_internal.hpp"

namespace baler::rootio {

enum class BranchKind {
  Flat,         // fixed bytes per entry: scalars, fixed arrays, leaf lists
  Jagged,       // one variable-size leaf counted by another leaf (fLeafCount)
  Container,    // no leaves of its own (holds sub-branches)
  Unsupported,  // strings, objects, ...
  Vector,       // a top-level std::vector<number or string> branch: per entry a byte count, a version, n, n values
  VectorSize,   // the same branch read as its entries' sizes n (the column count_name)
};

// Elements per std::vector entry header: byte count (4, with kByteCountMask), version (2), n (4).
inline constexpr std::size_t kVectorHeader = 10;

struct BranchPlan {
  const Branch* branch = nullptr;
  BranchKind kind = BranchKind::Flat;
  std::string reason;      // Unsupported: what the branch holds
  std::string count_name;  // Jagged: the counter leaf; Vector and VectorSize: "size(NAME)"
  std::size_t entry_size = 0;  // Flat: bytes per entry; Jagged: bytes per object; Vector: per element (0: strings)
  DType element = DType::F32;  // Vector, VectorSize: the vector's element type (unused for strings)
  bool text = false;           // Vector, VectorSize: a std::vector<std::string> (a text column)
};

// Elements per entry of one leaf (fixed array) we accept: each becomes a column.
inline constexpr std::int32_t kMaxLeafElements = 100000;

// How a branch maps to columns; `what` names the file and tree in errors. Throws Error(Limit) for a leaf beyond kMaxLeafElements.
BranchPlan classify(const Tree& tree, const Branch& b, const std::string& what);
// A top-level TBranchElement of std::vector<T>, T a number or bool (not Double32_t/Float16_t)
// or std::string, as a Vector plan; nullopt for anything else.
std::optional<BranchPlan> vector_plan(const Branch& b);
// Entry `e` of a basket of a Vector branch: checks its header (byte count, n against its
// bytes: n values of `element_size` bytes, or with `element_size` 0 n strings, each a length
// byte, or 255 and a 4-byte length, then its characters) and returns n; `version` receives the
// header's class version, `strings` (element_size 0) the strings. Error(Malformed) naming `where`.
std::int64_t vector_entry(const Basket& basket, std::size_t e, std::size_t element_size, const std::string& where,
                          std::uint16_t* version = nullptr, std::vector<std::string>* strings = nullptr);

// Appends big-endian elements of one dtype to a native-order column.
struct ColumnBuilder {
  ColumnBuilder(std::string n, DType t) : name(std::move(n)), dtype(t), size(dtype_size(t)) {}
  std::string name;
  DType dtype;
  std::size_t size;
  std::vector<std::byte> bytes;

  void append_be(const std::byte* p) {
    const std::size_t at = bytes.size();
    bytes.resize(at + size);
    std::byte* d = bytes.data() + at;
    if (dtype == DType::Bool) {
      d[0] = std::byte{p[0] != std::byte{0}};  // any nonzero byte is true; keep bools 0/1
      return;
    }
    switch (size) {
      case 1: d[0] = p[0]; break;
      case 2: copy_swapped<std::uint16_t>(d, p); break;
      case 4: copy_swapped<std::uint32_t>(d, p); break;
      default: copy_swapped<std::uint64_t>(d, p); break;
    }
  }
  // A decoded Double32_t (F64) or Float16_t (F32) value.
  void append_real(double v) {
    const std::size_t at = bytes.size();
    bytes.resize(at + size);
    if (dtype == DType::F32) {
      const auto f = static_cast<float>(v);
      std::memcpy(bytes.data() + at, &f, 4);
    } else {
      std::memcpy(bytes.data() + at, &v, 8);
    }
  }
  template <typename U> static void copy_swapped(std::byte* d, const std::byte* p) {
    U v;
    std::memcpy(&v, p, sizeof(U));
    if constexpr (std::endian::native == std::endian::little) v = byteswap_value(v);
    std::memcpy(d, &v, sizeof(U));
  }
  Column finish() {
    Column c;
    c.name = name;
    c.values.dtype = dtype;
    c.values.shape = {static_cast<std::int64_t>(bytes.size() / size)};
    c.values.bytes = std::move(bytes);
    return c;
  }
};

// Entries [a, b) of one flat branch, decoding only the baskets that overlap the range; the last
// decoded basket is kept, so sequential ranges decode each basket once. Every basket is checked
// (entry count against fBasketEntry, data bytes against the entry size) when decoded.
class FlatBranchReader {
 public:
  // Throws Error(Malformed) when the branch's basket entry table is inconsistent.
  FlatBranchReader(const RootFile& file, const Tree& tree, const BranchPlan& plan);
  // Appends the values of entries [a, b) to builders[0..] (one per column of the branch).
  void read(std::int64_t a, std::int64_t b, ColumnBuilder* builders);
  // Baskets decoded so far (a cached basket read again does not count).
  std::size_t decoded() const { return decoded_; }
  // Baskets of the branch.
  std::size_t baskets() const { return starts_.size() - 1; }

 private:
  const Basket& basket(std::size_t i);
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  const RootFile* file_;
  const Tree* tree_;
  const BranchPlan* plan_;
  std::vector<std::int64_t> starts_;  // first entry of each basket, then tree.entries
  std::size_t cached_ = kNone;
  std::size_t decoded_ = 0;
  Basket basket_;
};

// Entries [a, b) of planned flat branches as a table (columns named as root.hpp describes).
// `file`, `tree` and `plans` must outlive the reader.
class FlatTableReader {
 public:
  FlatTableReader(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans);
  // Column names and dtypes, in table order.
  const std::vector<ColumnBuilder>& columns() const { return builders_; }
  Dataset read(std::int64_t a, std::int64_t b);
  // One reader per planned branch, in plan order.
  const std::vector<FlatBranchReader>& branches() const { return readers_; }

 private:
  std::vector<ColumnBuilder> builders_;  // empty: names and dtypes only
  std::vector<std::size_t> firsts_;      // first column of each branch
  std::vector<FlatBranchReader> readers_;
};

// A tree found in a file, parsed, with its selected branches planned (root.hpp's selection
// rules). Not movable: the plans point into `tree`.
struct PlannedTree {
  explicit PlannedTree(const std::filesystem::path& path) : file(path) {}
  RootFile file;
  Tree tree;
  std::string what;  // "file: tree 'name'"
  std::vector<BranchPlan> plans;
  bool per_object() const { return !plans.empty() && plans.front().kind == BranchKind::Jagged; }
};
// Opens spec's tree and plans options.columns; skipped branches add a line to *notes (if set).
// Throws what read_root_dataset throws for a bad file or selection.
std::unique_ptr<PlannedTree> plan_tree(const DataSpec& spec, const ReadOptions& options,
                                       std::vector<std::string>* notes);

// The columns (names as root.hpp describes, dtypes; no values) that `plans` read into.
std::vector<ColumnBuilder> plan_columns(const Tree& tree, const std::vector<BranchPlan>& plans);

// The jagged branches of one counter (`plans`, all Jagged) as a table of objects, entry after
// entry; `counts` receives each entry's object count (the branches must agree: Error(Malformed)).
// `known`, the counter's values when read before, gives the entry offsets of baskets written
// without them (kGenerateOffsetMap; without `known` such a basket is Error(Unsupported)).
Dataset read_jagged_objects(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans,
                            std::vector<std::int64_t>& counts, const std::vector<std::int64_t>* known = nullptr);

// Reads the planned branches (all Flat, or all Jagged with one counter) into a table.
// Jagged: the first column is `event_index` (int64), then one row per object.
Dataset build_table(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans);

}  // namespace baler::rootio
