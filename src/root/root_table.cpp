// TTree branches into a table: flat branches (scalars, fixed arrays, leaf-lists) one row per
// entry, or jagged branches of one counter flattened to one row per object.
#include <algorithm>
#include <cstring>
#include <map>

#include "root_table.hpp"

namespace baler::rootio {
namespace {

std::size_t leaf_bytes(const Leaf& l) {
  return static_cast<std::size_t>(l.len) * l.element_bytes();
}

// Adds one builder per element of each leaf of `plan`, named as root.hpp describes.
void add_builders(const Tree& tree, const BranchPlan& plan, std::vector<ColumnBuilder>& out) {
  if (plan.kind == BranchKind::Vector && plan.text) return;  // a text column (read_jagged_objects)
  if (plan.kind == BranchKind::Vector) return out.emplace_back(plan.branch->name, plan.element), void();
  if (plan.kind == BranchKind::VectorSize) return out.emplace_back(plan.count_name, DType::I32), void();
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
    const std::size_t size = l.element_bytes();
    if (l.packed.kind != PackedReal::None) {
      for (std::int32_t j = 0; j < l.len; ++j, p += size) (builders++)->append_real(unpack_real(l.packed, p));
      continue;
    }
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

// First entry of each basket of `b` (from fBasketEntry), then the tree's entry count; checked
// to start at 0 and never decrease.
std::vector<std::int64_t> basket_starts(const RootFile& file, const Tree& tree, const Branch& b) {
  const std::size_t n = basket_count(b);
  const std::string where = file.name() + ": branch '" + b.name + "'";
  require(b.basket_entry.size() >= n, ErrorCode::Malformed,
          where + ": " + std::to_string(n) + " baskets but " + std::to_string(b.basket_entry.size()) +
              " basket entry positions");
  std::vector<std::int64_t> starts(b.basket_entry.begin(), b.basket_entry.begin() + static_cast<std::ptrdiff_t>(n));
  starts.push_back(tree.entries);
  for (std::size_t i = 0; i < n; ++i)
    require((i > 0 || starts[0] == 0) && starts[i] <= starts[i + 1], ErrorCode::Malformed,
            where + ": basket " + std::to_string(i) + " starts at entry " + std::to_string(starts[i]) +
                ", out of order (next " + std::to_string(starts[i + 1]) + ", tree entries " +
                std::to_string(tree.entries) + ")");
  require(n > 0 || tree.entries == 0, ErrorCode::Malformed,
          where + ": no baskets for " + std::to_string(tree.entries) + " entries");
  return starts;
}

// Reads a jagged branch; `counts` receives the objects per entry (checked against a previous
// branch of the group when not empty); a std::vector<std::string>'s strings go to `text`.
void read_jagged(const RootFile& file, const Tree& tree, const BranchPlan& plan,
                 std::vector<ColumnBuilder>& builders, std::size_t first,
                 std::vector<std::int64_t>& counts, const std::string& first_branch, TextColumn* text,
                 const std::vector<std::int64_t>* known) {
  const Branch& b = *plan.branch;
  const bool check = !counts.empty();
  const std::size_t size = plan.entry_size;  // bytes of one object
  const bool vector = plan.kind == BranchKind::Vector;
  for_each_basket(file, tree, b, [&](const Basket& stored, std::int64_t entry0, std::size_t i) {
    const std::string where = file.name() + ": branch '" + b.name + "' basket " + std::to_string(i);
    // A basket written without its entry offsets: they follow from the counter's values.
    std::vector<std::int64_t> generated;
    if (stored.generate_offsets && stored.entries > 0 && plan.kind == BranchKind::Jagged) {
      require(known != nullptr, ErrorCode::Unsupported,
              where + ": its entry offsets are left to the reader (kGenerateOffsetMap); read the whole tree");
      generated.assign(1, 0);
      for (std::int64_t e = 0; e < stored.entries; ++e) {
        const auto global = static_cast<std::size_t>(entry0 + e);
        require(global < known->size() && (*known)[global] >= 0 &&
                    (*known)[global] <= static_cast<std::int64_t>(stored.data.size() / std::max<std::size_t>(size, 1)),
                ErrorCode::Malformed, where + ": entry " + std::to_string(global) + ": its counter is out of range");
        generated.push_back(generated.back() + (*known)[global] * static_cast<std::int64_t>(size));
        require(generated.back() <= static_cast<std::int64_t>(stored.data.size()), ErrorCode::Malformed,
                where + ": the counter's values need more than the basket's " + std::to_string(stored.data.size()) + " bytes");
      }
      require(generated.back() == static_cast<std::int64_t>(stored.data.size()), ErrorCode::Malformed,
              where + ": the counter's values cover " + std::to_string(generated.back()) + " of the basket's " +
                  std::to_string(stored.data.size()) + " bytes");
    }
    const auto& offsets = generated.empty() ? stored.offsets : generated;
    require(stored.entries == 0 || !offsets.empty(), ErrorCode::Malformed,
            where + ": a variable-size branch basket has no entry offsets");
    for (std::int64_t e = 0; e < stored.entries; ++e) {
      const auto global = static_cast<std::size_t>(entry0 + e);
      std::int64_t n = 0, lo = 0;
      if (plan.text) {  // a std::vector<std::string>: its strings go to the text column
        n = vector_entry(stored, static_cast<std::size_t>(e), 0, where, nullptr, &text->values);
      } else {
        if (vector) vector_entry(stored, static_cast<std::size_t>(e), size, where);
        lo = offsets[static_cast<std::size_t>(e)] + (vector ? static_cast<std::int64_t>(kVectorHeader) : 0);
        const auto hi = offsets[static_cast<std::size_t>(e) + 1];
        require((hi - lo) % static_cast<std::int64_t>(size) == 0, ErrorCode::Malformed,
                where + ": entry " + std::to_string(e) + " holds " + std::to_string(hi - lo) +
                    " bytes, not a multiple of " + std::to_string(size));
        n = (hi - lo) / static_cast<std::int64_t>(size);
      }
      if (check)
        require(global < counts.size() && counts[global] == n, ErrorCode::Malformed,
                where + ": entry " + std::to_string(global) + " has " + std::to_string(n) +
                    (plan.text ? " strings" : " objects") + " but branch '" + first_branch + "' has a different count");
      else
        counts.push_back(n);
      if (plan.text) continue;
      for (std::int64_t k = 0; k < n; ++k) {
        const std::byte* p = stored.data.data() + lo + k * static_cast<std::int64_t>(size);
        if (vector) builders[first].append_be(p);
        else append_record(tree, b, p, builders.data() + first);
      }
    }
  });
}

}  // namespace

FlatBranchReader::FlatBranchReader(const RootFile& file, const Tree& tree, const BranchPlan& plan)
    : file_(&file), tree_(&tree), plan_(&plan), starts_(basket_starts(file, tree, *plan.branch)) {}

const Basket& FlatBranchReader::basket(std::size_t i) {
  if (cached_ == i) return basket_;
  cached_ = kNone;
  const Branch& b = *plan_->branch;
  basket_ = read_basket(*file_, b, i, "branch '" + b.name + "'");
  ++decoded_;
  const std::string where = file_->name() + ": branch '" + b.name + "' basket " + std::to_string(i);
  const auto size = plan_->entry_size;
  require(basket_.entries == starts_[i + 1] - starts_[i], ErrorCode::Malformed,
          where + ": holds " + std::to_string(basket_.entries) + " entries but the branch places it at entries " +
              std::to_string(starts_[i]) + ".." + std::to_string(starts_[i + 1]));
  if (plan_->kind == BranchKind::VectorSize)
    for (std::size_t e = 0; e < static_cast<std::size_t>(basket_.entries); ++e)
      vector_entry(basket_, e, plan_->entry_size, where);
  else if (basket_.offsets.empty())
    require(basket_.data.size() == static_cast<std::size_t>(basket_.entries) * size, ErrorCode::Malformed,
            where + ": " + std::to_string(basket_.data.size()) + " data bytes for " +
                std::to_string(basket_.entries) + " entries of " + std::to_string(size) + " bytes");
  else
    for (std::size_t e = 0; e < static_cast<std::size_t>(basket_.entries); ++e)
      require(basket_.offsets[e + 1] - basket_.offsets[e] == static_cast<std::int64_t>(size),
              ErrorCode::Malformed, where + ": entry " + std::to_string(e) + " has the wrong size");
  cached_ = i;
  return basket_;
}

void FlatBranchReader::read(std::int64_t a, std::int64_t b, ColumnBuilder* builders) {
  require(0 <= a && a <= b && b <= tree_->entries, ErrorCode::Internal,
          "entries " + std::to_string(a) + ":" + std::to_string(b) + " of " + std::to_string(tree_->entries));
  const auto last = starts_.end() - 1;
  while (a < b) {
    const auto i = static_cast<std::size_t>(std::upper_bound(starts_.begin(), last, a) - starts_.begin()) - 1;
    const Basket& bk = basket(i);
    const std::int64_t end = std::min(b, starts_[i + 1]);
    for (std::int64_t e = a; e < end; ++e) {
      const auto k = static_cast<std::size_t>(e - starts_[i]);
      const std::size_t at = bk.offsets.empty() ? k * plan_->entry_size : static_cast<std::size_t>(bk.offsets[k]);
      if (plan_->kind == BranchKind::VectorSize)
        builders->append_be(bk.data.data() + at + 6);  // n, big-endian, after byte count and version
      else
        append_record(*tree_, *plan_->branch, bk.data.data() + at, builders);
    }
    a = end;
  }
}

FlatTableReader::FlatTableReader(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans) {
  for (const auto& plan : plans) {
    firsts_.push_back(builders_.size());
    add_builders(tree, plan, builders_);
    readers_.emplace_back(file, tree, plan);
  }
}

Dataset FlatTableReader::read(std::int64_t a, std::int64_t b) {
  std::vector<ColumnBuilder> cols;
  for (const auto& c : builders_) cols.emplace_back(c.name, c.dtype);
  // Capped: b comes from the file's entry count, checked only as the baskets are decoded.
  const auto rows = static_cast<std::size_t>(std::min<std::int64_t>(b - a, std::int64_t{1} << 20));
  for (auto& c : cols) c.bytes.reserve(rows * c.size);
  for (std::size_t k = 0; k < readers_.size(); ++k) readers_[k].read(a, b, cols.data() + firsts_[k]);
  Dataset out;
  out.kind = DataKind::Table;
  for (auto& c : cols) out.columns.push_back(c.finish());
  return out;
}

std::optional<BranchPlan> vector_plan(const Branch& b) {
  static const std::map<std::string, DType> elements = {
      {"bool", DType::Bool}, {"Bool_t", DType::Bool}, {"char", DType::I8}, {"Char_t", DType::I8},
      {"unsignedchar", DType::U8}, {"UChar_t", DType::U8}, {"short", DType::I16}, {"Short_t", DType::I16},
      {"unsignedshort", DType::U16}, {"UShort_t", DType::U16}, {"int", DType::I32}, {"Int_t", DType::I32},
      {"unsignedint", DType::U32}, {"UInt_t", DType::U32}, {"long", DType::I64}, {"Long_t", DType::I64},
      {"unsignedlong", DType::U64}, {"ULong_t", DType::U64}, {"longlong", DType::I64}, {"Long64_t", DType::I64},
      {"unsignedlonglong", DType::U64}, {"ULong64_t", DType::U64}, {"float", DType::F32}, {"Float_t", DType::F32},
      {"double", DType::F64}, {"Double_t", DType::F64}};
  std::string c;
  for (char ch : b.element_class) if (ch != ' ') c += ch;
  if (c.rfind("std::", 0) == 0) c.erase(0, 5);
  if (b.class_name != "TBranchElement" || !b.branches.empty() || b.leaves.size() != 1 || b.external ||
      c.rfind("vector<", 0) != 0 || c.back() != '>')
    return std::nullopt;
  const std::string element = c.substr(7, c.size() - 8);
  if (element == "string" || element == "TString") {
    BranchPlan p{&b, BranchKind::Vector, "", "size(" + b.name + ")", 0};
    p.text = true;
    return p;
  }
  const auto it = elements.find(element);
  if (it == elements.end()) return std::nullopt;
  BranchPlan p{&b, BranchKind::Vector, "", "size(" + b.name + ")", dtype_size(it->second)};
  p.element = it->second;
  return p;
}

std::int64_t vector_entry(const Basket& basket, std::size_t e, std::size_t element_size, const std::string& where,
                          std::uint16_t* version, std::vector<std::string>* strings) {
  require(e + 1 < basket.offsets.size(), ErrorCode::Malformed, where + ": a std::vector basket has no entry offsets");
  const auto lo = static_cast<std::size_t>(basket.offsets[e]), hi = static_cast<std::size_t>(basket.offsets[e + 1]);
  require(hi - lo >= kVectorHeader, ErrorCode::Malformed,
          where + ": entry " + std::to_string(e) + " has " + std::to_string(hi - lo) + " bytes, less than a std::vector header");
  const auto* p = reinterpret_cast<const unsigned char*>(basket.data.data()) + lo;
  const auto be = [&](std::size_t at) {
    return (std::uint32_t{p[at]} << 24) | (std::uint32_t{p[at + 1]} << 16) | (std::uint32_t{p[at + 2]} << 8) | p[at + 3];
  };
  const std::uint32_t count = be(0), n = be(6);
  const std::uint64_t values = hi - lo - kVectorHeader;
  std::uint64_t used = std::uint64_t{n} * element_size;
  if (element_size == 0 && n <= values) {  // strings: walk them (each at least its length byte)
    used = 0;
    std::uint32_t k = 0;
    for (; k < n && used < values; ++k) {
      std::uint64_t len = p[kVectorHeader + used], head = 1;
      if (len == 255 && values - used >= 5) len = be(kVectorHeader + used + 1), head = 5;
      if (len > values - used - head) break;  // runs past the entry
      if (strings) strings->emplace_back(reinterpret_cast<const char*>(p + kVectorHeader + used + head), len);
      used += head + len;
    }
    if (k < n) used = values + 1;  // fewer strings than n
  }
  require((count & kByteCountMask) && (count & ~kByteCountMask) == hi - lo - 4 && n <= values && used == values,
          ErrorCode::Malformed,
          where + ": entry " + std::to_string(e) + ": a std::vector of " + std::to_string(n) + " elements in " +
              std::to_string(values) + " bytes (byte count " + std::to_string(count & ~kByteCountMask) + ")");
  if (version) *version = static_cast<std::uint16_t>((std::uint16_t{p[4]} << 8) | p[5]);
  return n;
}

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

std::vector<ColumnBuilder> plan_columns(const Tree& tree, const std::vector<BranchPlan>& plans) {
  std::vector<ColumnBuilder> out;
  for (const auto& plan : plans) add_builders(tree, plan, out);
  return out;
}

Dataset read_jagged_objects(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans,
                            std::vector<std::int64_t>& counts, const std::vector<std::int64_t>* known) {
  std::vector<ColumnBuilder> builders;
  Dataset out;
  out.kind = DataKind::Table;
  counts.clear();
  for (const auto& plan : plans) {
    const std::size_t first = builders.size();
    add_builders(tree, plan, builders);
    TextColumn* text = nullptr;
    if (plan.text) text = &out.text.emplace_back(TextColumn{plan.branch->name, first + out.text.size(), {}});
    read_jagged(file, tree, plan, builders, first, counts, plans.front().branch->name, text, known);
  }
  for (auto& b : builders) out.columns.push_back(b.finish());
  return out;
}

Dataset build_table(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans) {
  if (plans.empty() || plans.front().kind != BranchKind::Jagged)
    return FlatTableReader(file, tree, plans).read(0, tree.entries);
  std::vector<std::int64_t> counts;
  Dataset objects = read_jagged_objects(file, tree, plans, counts);
  ColumnBuilder index("event_index", DType::I64);
  for (std::size_t e = 0; e < counts.size(); ++e)
    for (std::int64_t k = 0; k < counts[e]; ++k) {
      const auto v = static_cast<std::int64_t>(e);
      const auto at = index.bytes.size();
      index.bytes.resize(at + 8);
      std::memcpy(index.bytes.data() + at, &v, 8);
    }
  objects.columns.insert(objects.columns.begin(), index.finish());
  return objects;
}

}  // namespace baler::rootio
