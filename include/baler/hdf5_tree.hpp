// The tree of an HDF5 file (groups, datasets, their attributes) read whole, and a writer that
// rebuilds a file from several dataset sinks plus that tree. No HDF5 include here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "baler/data_stream.hpp"

namespace baler {

// Limits of a tree, checked by read_hdf5_tree and by the byte encoding (hdf5_tree_section).
inline constexpr std::uint64_t kMaxHdf5Objects = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxHdf5Attributes = std::uint64_t{1} << 16;   // per object
inline constexpr std::uint64_t kMaxHdf5AttributeBytes = std::uint64_t{1} << 26;  // per value
inline constexpr std::uint64_t kMaxHdf5NameBytes = 4096;                        // path or name
inline constexpr std::uint64_t kMaxHdf5FixedString = std::uint64_t{1} << 16;     // bytes per element

// Values in an attribute of `shape`: Error(Malformed) naming `what` for a negative dimension,
// Error(Limit) when the product of its non-zero dimensions (each one included) exceeds
// kMaxHdf5AttributeBytes, so that a zero dimension cannot hide an absurd one.
inline std::uint64_t hdf5_attribute_elements(std::span<const std::int64_t> shape, const std::string& what) {
  std::uint64_t nonzero = 1;
  bool empty = false;
  for (const std::int64_t d : shape) {
    if (d < 0) throw Error(ErrorCode::Malformed, what + ": negative dimension " + std::to_string(d));
    if (d == 0) empty = true;
    else if (static_cast<std::uint64_t>(d) > kMaxHdf5AttributeBytes ||
             (nonzero *= static_cast<std::uint64_t>(d)) > kMaxHdf5AttributeBytes)
      throw Error(ErrorCode::Limit, what + ": shape " + shape_string(shape) + " exceeds the limit of " +
                                        std::to_string(kMaxHdf5AttributeBytes) + " values per attribute");
  }
  return empty ? 0 : nonzero;
}

struct Hdf5Attribute {
  std::string name;
  bool is_string = false;            // else numeric
  DType dtype = DType::F64;          // numeric: element type (Bool = HDF5 enum FALSE/TRUE as h5py writes it)
  std::vector<std::int64_t> shape;   // empty = scalar dataspace
  std::vector<std::byte> bytes;      // numeric: values in C order, native little-endian
  std::vector<std::string> strings;  // string: values in C order
  bool variable_length = true;       // string: vlen (h5py's default for str) or fixed-size
  std::uint32_t fixed_size = 0;      // string, fixed-size: bytes per element
  bool utf8 = true;                  // string: H5T_CSET_UTF8 (else ASCII)
  friend bool operator==(const Hdf5Attribute&, const Hdf5Attribute&) = default;
};

struct Hdf5Object {
  std::string path;                       // "/" for the root group, "/g", "/g/ds"
  bool is_dataset = false;
  std::vector<Hdf5Attribute> attributes;  // in creation order if tracked, else name order
  friend bool operator==(const Hdf5Object&, const Hdf5Object&) = default;
};

struct Hdf5Tree {
  std::vector<Hdf5Object> objects;  // "/" first, then every group and dataset in name order (a group before its members)
  friend bool operator==(const Hdf5Tree&, const Hdf5Tree&) = default;
};

// Every group and dataset of the file with their attributes. Attributes of a type baler cannot
// keep (compound, reference, opaque, ...), soft/external links and named datatypes are skipped,
// each with one note through on_note (may be null) naming the object and the attribute. Throws
// Error(Io) if the file cannot be opened, Error(Malformed|Limit) for an absurd file.
Hdf5Tree read_hdf5_tree(const std::filesystem::path& path, const std::function<void(const std::string&)>& on_note);

// Writes a new HDF5 file holding several datasets plus the groups and attributes of a tree,
// atomically: nothing at `path` until commit(); destroyed without commit(): no file.
// Groups and datasets it creates track attribute creation order, so that a tree read back
// lists each object's attributes in the order write_attributes wrote them.
class Hdf5TreeWriter {
 public:
  explicit Hdf5TreeWriter(const std::filesystem::path& path);
  ~Hdf5TreeWriter();
  Hdf5TreeWriter(const Hdf5TreeWriter&) = delete;
  Hdf5TreeWriter& operator=(const Hdf5TreeWriter&) = delete;

  // A sink writing dataset `object` (absolute path, intermediate groups created) in exactly the
  // layouts write_hdf5 uses (field N-d; 2-D matrix + names attribute; 1-D compound). Its commit()
  // finishes that dataset only. One sink at a time: Error(Internal) while another is open.
  std::unique_ptr<DataSink> dataset_sink(const std::string& object, const DataLayout& layout);
  // Creates the tree's groups that do not exist yet, then writes every object's attributes
  // (replacing an attribute of the same name that a dataset layout wrote, e.g. `names`, and
  // removing one the tree does not list, so that the object holds exactly the tree's). A
  // dataset of the tree must have been written by a sink: Error(Malformed) otherwise.
  void write_attributes(const Hdf5Tree& tree);
  // Error(Internal) while a sink is open or after one was destroyed unfinished.
  void commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace baler
