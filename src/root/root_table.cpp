// TTree branches into a table: flat branches (scalars, fixed arrays, leaf-lists) one row per
// entry, or jagged branches of one counter flattened to one row per object.
#include <algorithm>
#include <cstring>

#include "root_table.hpp"

namespace baler::rootio {
namespace {

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

std::size_t leaf_bytes(const Leaf& l) {
  return static_cast<std::size_t>(l.len) * dtype_size(*l.dtype);
}

// Adds one builder per element of each leaf of `plan`, named as root.hpp describes.
void add_builders(const Tree& tree, const BranchPlan& plan, std::vector<ColumnBuilder>& out) {
  const bool multi = plan.branch->leaves.size() > 1;
  for (int id : plan.branch->leaves) {
    const Leaf& l = tree.leaves[static_cast<std::size_t>(id)];
    const std::string base = multi ? plan.branch->name + "." + l.name : plan.branch->name;
    for (std::int32_t j = 0; j < l.len; ++j)
      out.emplace_back(l.len == 1 ? base : base + "[" + std::to_string(j) + "]", *l.dtype);
  }
}

// Appends the values of one entry (or one object) starting at `p`.
void append_record(const Tree& tree, const Branch& b, const std::byte* p,
                   ColumnBuilder* builders) {
  for (int id : b.leaves) {
    const Leaf& l = tree.leaves[static_cast<std::size_t>(id)];
    const std::size_t size = dtype_size(*l.dtype);
    for (std::int32_t j = 0; j < l.len; ++j, p += size) (builders++)->append_be(p);
  }
}

// Reads every basket of a branch, checking the entry total; calls f(basket, first_entry, index).
template <typename F>
void for_each_basket(const RootFile& file, const Tree& tree, const Branch& b, F&& f) {
  std::int64_t entry = 0;
  const std::size_t n = basket_count(b);
  for (std::size_t i = 0; i < n; ++i) {
    const Basket basket = read_basket(file, b, i, "branch '" + b.name + "'");
    f(basket, entry, i);
    entry += basket.entries;
  }
  require(entry == tree.entries, ErrorCode::Malformed,
          file.name() + ": branch '" + b.name + "' has " + std::to_string(entry) +
              " entries in its baskets but the tree has " + std::to_string(tree.entries));
}

void read_flat(const RootFile& file, const Tree& tree, const BranchPlan& plan,
               std::vector<ColumnBuilder>& builders, std::size_t first) {
  const Branch& b = *plan.branch;
  for_each_basket(file, tree, b, [&](const Basket& basket, std::int64_t, std::size_t i) {
    const std::string where = file.name() + ": branch '" + b.name + "' basket " + std::to_string(i);
    const auto size = plan.entry_size;
    if (basket.offsets.empty())
      require(basket.data.size() == static_cast<std::size_t>(basket.entries) * size,
              ErrorCode::Malformed,
              where + ": " + std::to_string(basket.data.size()) + " data bytes for " +
                  std::to_string(basket.entries) + " entries of " + std::to_string(size) + " bytes");
    for (std::int64_t e = 0; e < basket.entries; ++e) {
      std::size_t at = static_cast<std::size_t>(e) * size;
      if (!basket.offsets.empty()) {
        at = static_cast<std::size_t>(basket.offsets[static_cast<std::size_t>(e)]);
        require(basket.offsets[static_cast<std::size_t>(e) + 1] - basket.offsets[static_cast<std::size_t>(e)] ==
                    static_cast<std::int64_t>(size),
                ErrorCode::Malformed, where + ": entry " + std::to_string(e) + " has the wrong size");
      }
      append_record(tree, b, basket.data.data() + at, builders.data() + first);
    }
  });
}

// Reads a jagged branch; `counts` receives the objects per entry (checked against a previous
// branch of the group when not empty).
void read_jagged(const RootFile& file, const Tree& tree, const BranchPlan& plan,
                 std::vector<ColumnBuilder>& builders, std::size_t first,
                 std::vector<std::int64_t>& counts, const std::string& first_branch) {
  const Branch& b = *plan.branch;
  const bool check = !counts.empty();
  const std::size_t size = plan.entry_size;  // bytes of one object
  for_each_basket(file, tree, b, [&](const Basket& basket, std::int64_t entry0, std::size_t i) {
    const std::string where = file.name() + ": branch '" + b.name + "' basket " + std::to_string(i);
    require(basket.entries == 0 || !basket.offsets.empty(), ErrorCode::Malformed,
            where + ": a variable-size branch basket has no entry offsets");
    for (std::int64_t e = 0; e < basket.entries; ++e) {
      const auto lo = basket.offsets[static_cast<std::size_t>(e)];
      const auto hi = basket.offsets[static_cast<std::size_t>(e) + 1];
      require((hi - lo) % static_cast<std::int64_t>(size) == 0, ErrorCode::Malformed,
              where + ": entry " + std::to_string(e) + " holds " + std::to_string(hi - lo) +
                  " bytes, not a multiple of " + std::to_string(size));
      const std::int64_t n = (hi - lo) / static_cast<std::int64_t>(size);
      const auto global = static_cast<std::size_t>(entry0 + e);
      if (check)
        require(global < counts.size() && counts[global] == n, ErrorCode::Malformed,
                where + ": entry " + std::to_string(global) + " has " + std::to_string(n) +
                    " objects but branch '" + first_branch + "' has a different count");
      else
        counts.push_back(n);
      for (std::int64_t k = 0; k < n; ++k)
        append_record(tree, b, basket.data.data() + lo + k * static_cast<std::int64_t>(size),
                      builders.data() + first);
    }
  });
}

}  // namespace

BranchPlan classify(const Tree& tree, const Branch& b, const std::string& what) {
  BranchPlan p{&b, BranchKind::Flat, "", "", 0};
  if (b.leaves.empty()) return {&b, BranchKind::Container, "no leaves", "", 0};
  if (b.class_name.find("(baskets in ") != std::string::npos)
    return {&b, BranchKind::Unsupported, "baskets in another file", "", 0};
  if (b.class_name != "TBranch")
    return {&b, BranchKind::Unsupported, "objects (" + b.class_name + ")", "", 0};
  for (int id : b.leaves) {
    const Leaf& l = tree.leaves[static_cast<std::size_t>(id)];
    if (!l.dtype) {
      p.kind = BranchKind::Unsupported;
      p.reason = l.class_name == "TLeafC" ? "strings (TLeafC)" : "objects (" + l.class_name + ")";
      return p;
    }
    if (l.len == 0) return {&b, BranchKind::Unsupported, "zero-length leaf '" + l.name + "'", "", 0};
    require(l.len <= kMaxLeafElements, ErrorCode::Limit,
            what + ": branch '" + b.name + "': leaf '" + l.name + "' declares " + std::to_string(l.len) +
                " elements per entry, more than the limit " + std::to_string(kMaxLeafElements));
    if (l.jagged()) {
      p.kind = BranchKind::Jagged;
      p.count_name = l.count_name;
    }
    p.entry_size += leaf_bytes(l);
  }
  if (p.kind == BranchKind::Jagged && b.leaves.size() > 1)
    return {&b, BranchKind::Unsupported, "a leaf list with variable-size leaves", "", 0};
  return p;
}

Dataset build_table(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans) {
  std::vector<ColumnBuilder> builders;
  const bool jagged = !plans.empty() && plans.front().kind == BranchKind::Jagged;
  if (jagged) builders.emplace_back("event_index", DType::I64);
  std::vector<std::int64_t> counts;
  for (const auto& plan : plans) {
    const std::size_t first = builders.size();
    add_builders(tree, plan, builders);
    if (jagged)
      read_jagged(file, tree, plan, builders, first, counts, plans.front().branch->name);
    else
      read_flat(file, tree, plan, builders, first);
  }
  if (jagged) {
    for (std::size_t e = 0; e < counts.size(); ++e)
      for (std::int64_t k = 0; k < counts[e]; ++k) {
        const auto v = static_cast<std::int64_t>(e);
        const auto at = builders[0].bytes.size();
        builders[0].bytes.resize(at + 8);
        std::memcpy(builders[0].bytes.data() + at, &v, 8);
      }
  }
  Dataset out;
  out.kind = DataKind::Table;
  for (auto& b : builders) out.columns.push_back(b.finish());
  return out;
}

}  // namespace baler::rootio
