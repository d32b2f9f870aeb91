// A whole TTree as tables (tree_tables.hpp): flat branches and strings one row per entry, the
// jagged branches of each counter one table of objects, and a leaf-list descriptor per branch.
#include <algorithm>
#include <cstring>
#include <map>

#include "root_tree_tables.hpp"

namespace baler::rootio {

// Each entry of a TLeafC branch is a length byte (255: a 4-byte big-endian length follows) and
// that many bytes, at the basket's entry offsets.
TextColumn read_strings(const RootFile& file, const Tree& tree, const Branch& b, std::size_t position) {
  TextColumn t{b.name, position, {}};
  std::int64_t entry = 0;
  const std::size_t n = basket_count(b);
  for (std::size_t i = 0; i < n; ++i) {
    const Basket basket = read_basket(file, b, i, "branch '" + b.name + "'");
    const std::string where = file.name() + ": branch '" + b.name + "' basket " + std::to_string(i);
    const bool sequential = basket.offsets.empty();  // no offset table: the entries follow each other
    require(basket.entries == 0 || sequential || basket.offsets.size() == static_cast<std::size_t>(basket.entries) + 1,
            ErrorCode::Malformed, where + ": a string branch basket has an entry offset table of the wrong size");
    std::size_t next = 0;
    for (std::int64_t e = 0; e < basket.entries; ++e) {
      const auto lo = sequential ? next : static_cast<std::size_t>(basket.offsets[static_cast<std::size_t>(e)]);
      std::size_t hi = sequential ? basket.data.size() : static_cast<std::size_t>(basket.offsets[static_cast<std::size_t>(e) + 1]);
      require(lo < hi && hi <= basket.data.size(), ErrorCode::Malformed,
              where + ": entry " + std::to_string(e) + " has no length byte");
      const auto* p = reinterpret_cast<const unsigned char*>(basket.data.data()) + lo;
      std::size_t len = p[0], head = 1;
      if (len == 255) {
        require(hi - lo >= 5, ErrorCode::Malformed, where + ": entry " + std::to_string(e) + ": truncated long length");
        len = (std::size_t{p[1]} << 24) | (std::size_t{p[2]} << 16) | (std::size_t{p[3]} << 8) | p[4];
        head = 5;
      }
      require(len <= hi - lo - head, ErrorCode::Malformed,
              where + ": entry " + std::to_string(e) + " declares " + std::to_string(len) + " characters in " +
                  std::to_string(hi - lo - head) + " bytes");
      if (sequential) next = lo + head + len;
      t.values.emplace_back(reinterpret_cast<const char*>(p + head), len);
    }
    entry += basket.entries;
  }
  require(entry == tree.entries, ErrorCode::Malformed,
          file.name() + ": branch '" + b.name + "' has " + std::to_string(entry) + " entries in its baskets but the tree has " +
              std::to_string(tree.entries));
  return t;
}

namespace {

// The fixed dimensions of a leaf, from its title ("a[2][3]" -> {2, 3}) when they multiply to
// its length, else {len} (or none for a scalar).
std::vector<std::int64_t> fixed_dims(const Leaf& l) {
  std::vector<std::int64_t> dims;
  std::int64_t product = 1;
  for (auto open = l.title.find('['); open != std::string::npos; open = l.title.find('[', open + 1)) {
    const auto close = l.title.find(']', open);
    if (close == std::string::npos) break;
    const std::string inside = l.title.substr(open + 1, close - open - 1);
    if (inside.empty() || inside.size() > 9 || inside.find_first_not_of("0123456789") != std::string::npos) continue;
    dims.push_back(std::stoll(inside));
    product *= dims.back();
  }
  if (product == l.len && (l.len > 1 || !dims.empty())) return dims;
  return l.len == 1 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{l.len};
}

std::string leaf_descriptor(const Leaf& l) {
  if (l.class_name == "TLeafC") return l.name + "/C";  // fLen is the longest string, not a dimension
  std::string s = l.name;
  if (l.jagged()) s += "[" + l.count_name + "]";
  for (const auto d : fixed_dims(l)) s += "[" + std::to_string(d) + "]";
  return s + "/" + root_type_code(*l.dtype);
}

}  // namespace

std::string branch_descriptor(const Tree& tree, const Branch& b) {
  std::string s;
  for (const int id : b.leaves) s += (s.empty() ? "" : ":") + leaf_descriptor(tree.leaves[static_cast<std::size_t>(id)]);
  return s;
}

TTreePlan::TTreePlan(const std::filesystem::path& path, const Entry& e) : file(path), entry(e) {
  what = file.name() + ": tree '" + entry.path + "'";
  tree = parse_tree(file.payload(entry.key, "tree '" + entry.path + "'"), entry.key.keylen, what);
  require(tree.entries >= 0, ErrorCode::Malformed, what + ": negative entry count " + std::to_string(tree.entries));
  std::vector<Group> groups;
  std::size_t position = 0;  // columns of the entries table so far (numeric and text)
  for (const Branch* b : all_branches(tree)) {
    BranchPlan p = classify(tree, *b, what);
    // A branch filled on its own (fEntries not the tree's) cannot be a column of the tree's
    // tables: its baskets travel as stored when the tree is rewritten in place.
    if (p.kind != BranchKind::Container && b->entries != tree.entries && !b->leaves.empty()) {
      skipped.push_back(b->name + " (" + std::to_string(b->entries) + " entries, the tree " + std::to_string(tree.entries) + ")");
      continue;
    }
    if (p.kind == BranchKind::Container) continue;
    if (p.kind == BranchKind::Unsupported && b->element_class.size() && &tree.branches.front() <= b &&
        b <= &tree.branches.back()) {
      // A top-level std::string: each entry a length byte (255: then 4 bytes) and its characters,
      // as a TLeafC's: a text column.
      if ((b->element_class == "string" || b->element_class == "std::string" || b->element_class == "TString") &&
          b->class_name == "TBranchElement" &&
          b->branches.empty() && b->leaves.size() == 1 && !b->external) {
        strings.push_back(b);
        string_positions.push_back(position++);
        descriptors.push_back(b->name + "/C");
        branch_names.push_back(b->name);
        kept.push_back(b);
        continue;
      }
      if (auto v = vector_plan(*b)) {  // a top-level std::vector<number>: its sizes and its values
        BranchPlan sizes = *v;
        sizes.kind = BranchKind::VectorSize;
        flat.push_back(sizes);
        ++position;
        groups.push_back(Group{v->count_name, {*v}, 0});
        descriptors.push_back(b->name + "[" + v->count_name + "]/" + (v->text ? 'C' : root_type_code(v->element)));
        branch_names.push_back(b->name);
        kept.push_back(b);
        continue;
      }
    }
    if (p.kind == BranchKind::Unsupported) {
      const Leaf* l = b->leaves.size() == 1 ? &tree.leaves[static_cast<std::size_t>(b->leaves[0])] : nullptr;
      if (!l || l->class_name != "TLeafC" || b->class_name != "TBranch") {
        skipped.push_back(b->name + " (" + p.reason + ")");
        continue;
      }
      strings.push_back(b);
      string_positions.push_back(position++);
    } else if (p.kind == BranchKind::Flat) {
      flat.push_back(p);
      for (const int id : b->leaves) position += static_cast<std::size_t>(tree.leaves[static_cast<std::size_t>(id)].len);
    } else {
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.counter == p.count_name; });
      if (g == groups.end()) g = groups.insert(groups.end(), Group{p.count_name, {}, 0});
      g->plans.push_back(p);
    }
    descriptors.push_back(branch_descriptor(tree, *b));
    branch_names.push_back(b->name);
    kept.push_back(b);
  }
  // A collection needs its counter as an integer column of its own (a scalar branch of that
  // name): the object counts. Else its branches are left out.
  const auto columns = FlatTableReader(file, tree, flat).columns();
  for (auto& g : groups) {
    const auto c = std::find_if(columns.begin(), columns.end(), [&](const ColumnBuilder& col) { return col.name == g.counter; });
    if (c != columns.end() && (is_signed_int(c->dtype) || is_unsigned_int(c->dtype))) {
      g.counter_plan = static_cast<std::size_t>(std::find_if(flat.begin(), flat.end(), [&](const BranchPlan& f) {
                                                  return (f.kind == BranchKind::VectorSize ? f.count_name : f.branch->name) ==
                                                         g.counter;
                                                }) - flat.begin());
      if (g.counter_plan < flat.size()) {
        collections.push_back(std::move(g));
        continue;
      }
    }
    for (const auto& pl : g.plans) {
      skipped.push_back(pl.branch->name + " (counted by '" + g.counter + "', which is not an integer branch of its own)");
      const auto at = std::find(kept.begin(), kept.end(), pl.branch) - kept.begin();
      branch_names.erase(branch_names.begin() + at);
      descriptors.erase(descriptors.begin() + at);
      kept.erase(kept.begin() + at);
    }
  }
}

std::vector<TextColumn> TTreePlan::read_strings() const {
  std::vector<TextColumn> out;
  for (std::size_t k = 0; k < strings.size(); ++k)
    out.push_back(rootio::read_strings(file, tree, *strings[k], string_positions[k]));
  return out;
}

std::vector<std::int64_t> TTreePlan::counts(std::size_t k) const {
  const Dataset d = FlatTableReader(file, tree, {flat.at(collections.at(k).counter_plan)}).read(0, tree.entries);
  std::vector<std::int64_t> out(d.rows());
  for (std::size_t e = 0; e < out.size(); ++e) out[e] = static_cast<std::int64_t>(d.columns.at(0).values.value(e));
  return out;
}

Dataset TTreePlan::read_collection(std::size_t k, const std::vector<std::int64_t>& expected) const {
  const Group& g = collections.at(k);
  std::vector<std::int64_t> counts;
  Dataset objects = read_jagged_objects(file, tree, g.plans, counts, &expected);
  require(counts.size() == expected.size(), ErrorCode::Malformed,
          what + ": collection '" + g.counter + "' has " + std::to_string(counts.size()) + " entries");
  for (std::size_t e = 0; e < counts.size(); ++e)
    require(counts[e] == expected[e], ErrorCode::Malformed,
            what + ": entry " + std::to_string(e) + ": counter '" + g.counter + "' is " + std::to_string(expected[e]) +
                " but branch '" + g.plans.front().branch->name + "' holds " + std::to_string(counts[e]) + " objects");
  return objects;
}

DataLayout TTreePlan::collection_layout(std::size_t k, std::uint64_t rows) const {
  DataLayout l;
  l.rows = rows;
  for (const auto& c : plan_columns(tree, collections.at(k).plans)) {
    l.names.push_back(c.name);
    l.dtypes.push_back(c.dtype);
  }
  for (const auto& p : collections.at(k).plans)  // a std::vector<std::string>: the group's one plan
    if (p.text) l.text_names.push_back(p.branch->name), l.text_positions.push_back(0);
  return l;
}

}  // namespace baler::rootio
