// The ROOT reader's public entry points: find a tree, select its branches, read them.
#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "baler/root.hpp"
#include "root_table.hpp"

namespace baler {
namespace {

using namespace rootio;

bool is_tree_class(const std::string& c) { return c == "TTree"; }

std::string strip_cycle(const std::string& s) {
  const auto semi = s.rfind(';');
  return semi == std::string::npos ? s : s.substr(0, semi);
}

Entry find_tree(const RootFile& file, const std::string& object) {
  std::vector<Entry> trees;
  for (auto& e : file.entries())
    if (is_tree_class(e.key.class_name)) trees.push_back(e);
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
  auto note = [&](const std::string& s) {
    if (notes) notes->push_back(what + ": " + s);
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
        note("skipped branch '" + name + "': " + s.plan.reason);
        break;
      case BranchKind::Jagged:
        if (!per_object) {
          note("skipped jagged branch '" + name + "' (counted by " + s.plan.count_name +
               "); select it to get one row per object");
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
        note("skipped per-event branch '" + name + "' in a per-object table");
        break;
      case BranchKind::Container: break;
    }
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

Dataset read_root_dataset(const DataSpec& spec, const ReadOptions& options,
                          std::vector<std::string>* notes) {
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
    if (is_tree_class(e.key.class_name)) out.push_back(e.path);
  return out;
}

}  // namespace baler
