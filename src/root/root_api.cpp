// The ROOT reader's public entry points: find a tree, select its branches, read them.
#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "baler/root.hpp"
#include "rntuple.hpp"
#include "root_tree_tables.hpp"

namespace baler {
namespace {

using namespace rootio;


std::string strip_cycle(const std::string& s) {
  const auto semi = s.rfind(';');
  return semi == std::string::npos ? s : s.substr(0, semi);
}

Entry find_tree(const RootFile& file, const std::string& object) {
  std::vector<Entry> trees;
  for (auto& e : file.entries())
    if (is_tree_or_rntuple(e.key.class_name)) trees.push_back(e);
  std::string names;
  for (const auto& t : trees) names += (names.empty() ? "" : ", ") + t.path;
  if (object.empty()) {
    require(trees.size() == 1, ErrorCode::Usage,
            file.name() + ": " + std::to_string(trees.size()) +
                " trees; name one as file.root:tree (trees: " + names + ")");
    return trees.front();
  }
  std::string want = strip_cycle(object);
  if (!want.empty() && want.front() == '/') want.erase(0, 1);
  for (const auto& t : trees)
    if (t.path == want) return t;
  throw Error(ErrorCode::Usage, file.name() + ": no tree '" + object + "' (trees: " +
                                    (names.empty() ? std::string("none") : names) + ")");
}

bool matches(const std::string& pattern, const std::string& name) {
  return pattern == name || ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

struct Selected {
  BranchPlan plan;
  bool exact = false;  // named exactly by a pattern (not only by a glob)
};

// Branches matching the patterns, in pattern order (each branch once; tree order within a
// pattern), or every branch in tree order when there are no patterns.
std::vector<Selected> select_plans(const Tree& tree, const std::vector<std::string>& patterns,
                                   const std::string& what) {
  const auto branches = all_branches(tree);
  std::vector<Selected> out;
  if (patterns.empty()) {
    for (const Branch* b : branches) out.push_back({classify(tree, *b, what), true});
    return out;
  }
  std::map<const Branch*, std::size_t> taken;
  for (const auto& pattern : patterns) {
    bool used = false;
    for (const Branch* b : branches) {
      if (!matches(pattern, b->name)) continue;
      used = true;
      auto it = taken.find(b);
      if (it == taken.end()) {
        taken[b] = out.size();
        out.push_back({classify(tree, *b, what), pattern == b->name});
      } else if (pattern == b->name) {
        out[it->second].exact = true;
      }
    }
    require(used, ErrorCode::Usage, what + ": no branch matches '" + pattern + "'");
  }
  return out;
}

// Chooses per-event or per-object mode and checks the selection; returns the branches to read.
std::vector<BranchPlan> decide(const std::vector<Selected>& sel, bool explicit_selection,
                               const std::string& what, std::vector<std::string>* notes) {
  // Skipped branches are gathered by reason into one note line (a tree may skip dozens).
  std::vector<std::pair<std::string, std::vector<std::string>>> skipped;  // reason, branches
  auto skip = [&](const std::string& reason, const std::string& name) {
    auto it = std::find_if(skipped.begin(), skipped.end(), [&](const auto& s) { return s.first == reason; });
    if (it == skipped.end()) it = skipped.insert(skipped.end(), {reason, {}});
    it->second.push_back("'" + name + "'");
  };
  const bool per_object =
      explicit_selection && std::any_of(sel.begin(), sel.end(), [](const Selected& s) {
        return s.plan.kind == BranchKind::Jagged;
      });
  std::vector<BranchPlan> out;
  std::string counter, first;
  for (const auto& s : sel) {
    const auto& name = s.plan.branch->name;
    switch (s.plan.kind) {
      case BranchKind::Unsupported:
        require(!s.exact || !explicit_selection, ErrorCode::Unsupported,
                what + ": branch '" + name + "' holds " + s.plan.reason + ", which baler cannot read");
        skip(s.plan.reason, name);
        break;
      case BranchKind::Jagged:
        if (!per_object) {
          skip("jagged, counted by " + s.plan.count_name +
                   "; select a counter's branches for one row per object, or compress the whole file to keep every "
                   "collection",
               name);
          break;
        }
        if (counter.empty()) counter = s.plan.count_name, first = name;
        require(s.plan.count_name == counter, ErrorCode::Usage,
                what + ": jagged branches '" + first + "' (counted by " + counter + ") and '" +
                    name + "' (counted by " + s.plan.count_name +
                    ") have different numbers of objects; select one group");
        out.push_back(s.plan);
        break;
      case BranchKind::Flat:
        if (!per_object) {
          out.push_back(s.plan);
          break;
        }
        require(!s.exact, ErrorCode::Usage,
                what + ": per-event branch '" + name +
                    "' cannot go into a per-object table of jagged branches counted by " + counter);
        skip("per-event, in a per-object table", name);
        break;
      case BranchKind::Container: break;
      case BranchKind::Vector:
      case BranchKind::VectorSize:  // only the whole-file bundle plans std::vector branches
        throw Error(ErrorCode::Internal, what + ": branch '" + name + "': a std::vector plan in a column selection");
    }
  }
  if (notes && !skipped.empty()) {
    std::size_t count = 0;
    std::string text;
    for (const auto& [reason, names] : skipped) {
      count += names.size();
      text += (text.empty() ? "" : "; ") + std::to_string(names.size()) + " " + reason + " (" + first_names(names, names.size()) + ")";
    }
    notes->push_back(left_out_note(what + ": " + std::to_string(count) + " branch" + (count == 1 ? "" : "es") + ": " + text));
  }
  require(!out.empty(), ErrorCode::Unsupported, what + ": no readable branches selected");
  return out;
}

}  // namespace

namespace rootio {

std::unique_ptr<PlannedTree> plan_tree(const DataSpec& spec, const ReadOptions& options,
                                       std::vector<std::string>* notes) {
  require(options.kind != "field", ErrorCode::Usage,
          spec.path.string() + ": a ROOT tree is a table; it cannot be read as a field");
  auto t = std::make_unique<PlannedTree>(spec.path);
  const Entry entry = find_tree(t->file, spec.object);
  t->what = t->file.name() + ": tree '" + entry.path + "'";
  const auto payload = t->file.payload(entry.key, "tree '" + entry.path + "'");
  t->tree = parse_tree(payload, entry.key.keylen, t->what);
  const auto selected = select_plans(t->tree, options.columns, t->what);
  t->plans = decide(selected, !options.columns.empty(), t->what, notes);
  return t;
}

}  // namespace rootio

namespace {

// The per-entry table of an RNTuple, options.columns picked, with notes for the fields it
// skips and the collections it leaves out.
Dataset rntuple_entries(const RootFile& file, const Entry& entry, const DataSpec& spec, const ReadOptions& options,
                        std::vector<std::string>* notes) {
  TreeTables t = read_rntuple(file, entry.path);
  const std::string what = file.name() + ": RNTuple '" + entry.path + "'";
  if (notes && !t.skipped.empty())
    notes->push_back(left_out_note(what + ": " + std::to_string(t.skipped.size()) + " field(s): " +
                                   first_names(t.skipped, t.skipped.size())));
  if (notes && !t.collections.empty()) {
    std::vector<std::string> names;
    for (const auto& c : t.collections) names.push_back(collection_table_name(c));
    notes->push_back(left_out_note(what + ": " + std::to_string(t.collections.size()) +
                                   " collection(s) not in the per-entry table (" + first_names(names, names.size()) +
                                   "); name one as " + spec.path.string() + ":/" + entry.path + "/" + names.front() +
                                   ", or compress the whole file to keep them all"));
  }
  const auto keep = select_column_indices(all_column_names(t.flat), options.columns, what);
  return keep_columns(std::move(t.flat), keep);
}

// One table of a tree as open_root_bundle lays it out (`object` = "tree/table").
Dataset tree_table(const DataSpec& spec, const std::string& object, const ReadOptions& options,
                   std::vector<std::string>* notes) {
  const auto slash = object.rfind('/');
  const std::string tree = object.substr(0, slash);
  const RootBundleSource b = open_root_bundle(DataSpec{spec.path, tree, FileFormat::Root}, [&](const std::string& n) {
    if (notes) notes->push_back(n);
  });
  std::string names;
  for (std::size_t k = 0; k < b.objects.size(); ++k) {
    const std::string& path = b.objects[k];
    if (path == "/" + object) {
      const auto source = b.open(k);
      Dataset data = source->read_rows(0, source->layout().rows);
      const auto keep = select_column_indices(all_column_names(data), options.columns, spec.path.string() + ":" + path);
      return keep_columns(std::move(data), keep);
    }
    names += (names.empty() ? "" : ", ") + path;
  }
  throw Error(ErrorCode::Usage, spec.path.string() + ": tree '" + tree + "' has no table '" + object.substr(slash + 1) +
                                    "' (it holds " + names + ")");
}

}  // namespace

std::optional<Dataset> read_whole_tree_table(const DataSpec& spec, const ReadOptions& options,
                                             std::vector<std::string>* notes) {
  std::string object = strip_cycle(spec.object);
  if (!object.empty() && object.front() == '/') object.erase(0, 1);
  const RootFile file(spec.path);
  std::vector<Entry> trees;  // TTrees and RNTuples, in one walk of the keys
  for (auto& e : file.entries())
    if (is_tree_or_rntuple(e.key.class_name)) trees.push_back(std::move(e));
  // An RNTuple named, or the file's only tree: its entries table.
  for (const auto& t : trees)
    if ((object.empty() ? trees.size() == 1 : t.path == object) && is_rntuple_class(t.key.class_name)) {
      require(options.kind != "field", ErrorCode::Usage,
              spec.path.string() + ": an RNTuple is a table; it cannot be read as a field");
      return rntuple_entries(file, t, spec, options, notes);
    }
  // "tree/table", where "tree/table" is no tree itself (a tree inside a directory) and "tree" is.
  const auto slash = object.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  const auto named = [&](const std::string& path) {
    return std::any_of(trees.begin(), trees.end(), [&](const Entry& t) { return t.path == path; });
  };
  if (named(object) || !named(object.substr(0, slash))) return std::nullopt;
  require(options.kind != "field", ErrorCode::Usage,
          spec.path.string() + ": a ROOT tree is a table; it cannot be read as a field");
  return tree_table(spec, object, options, notes);
}

Dataset read_root_dataset(const DataSpec& spec, const ReadOptions& options,
                          std::vector<std::string>* notes) {
  if (auto table = read_whole_tree_table(spec, options, notes)) return std::move(*table);
  const auto t = plan_tree(spec, options, notes);
  return build_table(t->file, t->tree, t->plans);
}

Dataset read_root_dataset(const DataSpec& spec, const ReadOptions& options) {
  return read_root_dataset(spec, options, nullptr);
}

std::vector<std::string> list_root_trees(const std::filesystem::path& path) {
  const RootFile file(path);
  std::vector<std::string> out;
  for (const auto& e : file.entries())
    if (is_tree_or_rntuple(e.key.class_name)) out.push_back(e.path);
  return out;
}

}  // namespace baler
