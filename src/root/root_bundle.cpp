// A ROOT file's trees as bundle members (root.hpp): one table per tree of per-entry values and
// one per jagged collection, with what the native writer needs to rebuild the tree.
#include <algorithm>
#include <cstring>

#include "baler/root.hpp"
#include "rntuple.hpp"
#include "root_tree_tables.hpp"

namespace baler {
namespace {

Hdf5Attribute string_attribute(std::string name, std::vector<std::string> values, bool scalar) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.is_string = true;
  if (!scalar) a.shape = {static_cast<std::int64_t>(values.size())};
  a.strings = std::move(values);
  return a;
}

Hdf5Attribute int_attribute(std::string name, std::int64_t v) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.dtype = DType::I64;
  a.bytes.resize(8);
  std::memcpy(a.bytes.data(), &v, 8);
  return a;
}

// Adds "/a", "/a/b", ... for "a/b/c" (a tree inside directories), once each.
void add_groups(Hdf5Tree& index, const std::string& path) {
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string g = "/" + path.substr(0, slash);
    if (std::none_of(index.objects.begin(), index.objects.end(), [&](const Hdf5Object& o) { return o.path == g; }))
      index.objects.push_back({g, false, {}});
  }
}

// A per-entry or per-object table's columns as branches (an RNTuple's, which has no leaf lists
// of its own): a run `a[0]`..`a[N-1]` is one array branch "a[N]/T", text "s/C"; a collection's
// branches are counted by its counter ("pt[nMuon]/F") and follow every per-entry branch.
void add_branches(const Dataset& d, const std::string& counter, std::vector<std::string>& names,
                  std::vector<std::string>& leaves) {
  const auto order = column_order(d.columns.size(), [&] {
    std::vector<std::size_t> p;
    for (const auto& t : d.text) p.push_back(t.position);
    return p;
  }());
  const std::string count = counter.empty() ? "" : "[" + counter + "]";
  for (std::size_t k = 0; k < order.size();) {
    const auto [is_text, j] = order[k];
    if (is_text) {
      names.push_back(d.text[j].name);
      leaves.push_back(d.text[j].name + "/C");
      ++k;
      continue;
    }
    const Column& c = d.columns[j];
    std::size_t run = 1;  // columns base[0], base[1], ... of one dtype, in order
    const auto open = c.name.rfind('[');
    if (c.name.ends_with("[0]") && open != std::string::npos) {
      const std::string base = c.name.substr(0, open);
      while (k + run < order.size() && !order[k + run].first &&
             d.columns[order[k + run].second].name == base + "[" + std::to_string(run) + "]" &&
             d.columns[order[k + run].second].values.dtype == c.values.dtype)
        ++run;
      names.push_back(base);
      leaves.push_back(base + count + "[" + std::to_string(run) + "]/" + rootio::root_type_code(c.values.dtype));
    } else {
      names.push_back(c.name);
      leaves.push_back(c.name + count + "/" + rootio::root_type_code(c.values.dtype));
    }
    k += run;
  }
}

}  // namespace

bool is_root_bundle(const Hdf5Tree& index) {
  return std::any_of(index.objects.begin(), index.objects.end(), [](const Hdf5Object& o) {
    return std::any_of(o.attributes.begin(), o.attributes.end(), [](const Hdf5Attribute& a) { return a.name == "ROOT.class"; });
  });
}

RootBundle read_root_bundle(const DataSpec& spec, const std::function<void(const std::string&)>& on_note) {
  const rootio::RootFile file(spec.path);
  std::vector<rootio::Entry> trees;
  std::string want = spec.object;
  if (!want.empty() && want.front() == '/') want.erase(0, 1);
  if (const auto semi = want.rfind(';'); semi != std::string::npos) want.erase(semi);
  std::string names;
  for (const auto& e : file.entries())
    if (rootio::is_tree_or_rntuple(e.key.class_name)) {
      names += (names.empty() ? "" : ", ") + e.path;
      if (want.empty() || e.path == want) trees.push_back(e);
    }
  require(!trees.empty(), ErrorCode::Usage,
          want.empty() ? file.name() + " holds no tree"
                       : file.name() + ": no tree '" + spec.object + "' (trees: " + (names.empty() ? "none" : names) + ")");
  RootBundle out;
  out.index.objects.push_back({"/", false, {}});
  for (const auto& entry : trees) {
    std::vector<std::string> descriptors, branches;
    rootio::TreeTables t;
    if (rootio::is_rntuple_class(entry.key.class_name)) {
      t = rootio::read_rntuple(file, entry.path);
      add_branches(t.flat, "", branches, descriptors);
      for (const auto& c : t.collections) add_branches(c.objects, c.counter, branches, descriptors);
    } else {
      t = rootio::read_ttree_tables(file, entry, descriptors, branches);
    }
    const std::string what = file.name() + ": " + (rootio::is_rntuple_class(t.class_name) ? "RNTuple '" : "tree '") + t.path + "'";
    // An RNTuple's projections (the importer's views such as Muon_pt of _collection0) are no
    // loss: their values are the collection's, written back as branches of the same names.
    std::erase_if(t.skipped, [](const std::string& s) { return s.find(" (projection of ") != std::string::npos; });
    if (!t.skipped.empty() && on_note) {
      std::string list;
      for (std::size_t i = 0; i < t.skipped.size() && i < 6; ++i) list += (i ? ", " : "") + t.skipped[i];
      if (t.skipped.size() > 6) list += ", ...";
      on_note(what + ": " + std::to_string(t.skipped.size()) + (rootio::is_rntuple_class(t.class_name) ? " field" : " branch") +
              (t.skipped.size() == 1 ? "" : rootio::is_rntuple_class(t.class_name) ? "s" : "es") + " left out: " + list);
    }
    if (t.flat.columns.empty() && t.flat.text.empty()) {
      if (on_note) on_note(what + ": no branch baler can read; the tree is left out");
      continue;
    }
    add_groups(out.index, t.path);
    const std::string group = "/" + t.path;
    Hdf5Object g{group, false, {}};
    g.attributes.push_back(string_attribute("ROOT.class", {t.class_name}, true));
    g.attributes.push_back(string_attribute("ROOT.title", {t.title}, true));
    g.attributes.push_back(int_attribute("ROOT.entries", t.entries));
    g.attributes.push_back(string_attribute("ROOT.branches", branches, false));
    g.attributes.push_back(string_attribute("ROOT.leaves", descriptors, false));
    // Members: the entries table, then one per collection (named after it, made distinct).
    std::vector<std::string> names{"entries"}, counters;
    out.members.emplace_back(group + "/entries", std::move(t.flat));
    for (auto& c : t.collections) {
      std::string name = rootio::collection_table_name(c);
      while (std::find(names.begin(), names.end(), name) != names.end()) name += "_";
      names.push_back(name);
      counters.push_back(c.counter);
      out.members.emplace_back(group + "/" + name, std::move(c.objects));
    }
    g.attributes.push_back(string_attribute("ROOT.members", names, false));
    g.attributes.push_back(string_attribute("ROOT.counters", counters, false));
    out.index.objects.push_back(std::move(g));
    for (const auto& n : names) out.index.objects.push_back({group + "/" + n, true, {}});
  }
  require(!out.members.empty(), ErrorCode::Unsupported, file.name() + ": no tree baler can read");
  std::sort(out.index.objects.begin(), out.index.objects.end(),
            [](const Hdf5Object& a, const Hdf5Object& b) { return a.path < b.path; });
  return out;
}

}  // namespace baler
