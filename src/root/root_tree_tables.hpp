// Internal: a TTree read whole into tree_tables.hpp's shape, and ROOT leaf-list descriptors.
#pragma once

#include <filesystem>
#include <optional>

#include "baler/data_stream.hpp"
#include "root_table.hpp"
#include "tree_tables.hpp"

namespace baler::rootio {

// The leaf list of a branch as ROOT writes branch titles: "Jet_Px[NJet]/F", "a[2][3]/I",
// "x/D:y/I:z/B", "s/C".
std::string branch_descriptor(const Tree& tree, const Branch& b);

// Reads a TLeafC branch: one string per entry, a text column at `position` of the entries table.
TextColumn read_strings(const RootFile& file, const Tree& tree, const Branch& b, std::size_t position);

// A TTree (or TNtuple) planned as tables (tree_tables.hpp's layout) without reading a basket, so
// that its tables can be read one at a time: the entries table streams its flat branches
// (strings read whole), each collection is read whole. Not movable (the plans point into
// `tree`). Throws Error(Malformed|...) naming the file and tree.
struct TTreePlan {
  TTreePlan(const std::filesystem::path& path, const Entry& entry);
  TTreePlan(const TTreePlan&) = delete;
  TTreePlan& operator=(const TTreePlan&) = delete;

  RootFile file;
  Entry entry;
  Tree tree;
  std::string what;  // "file: tree 'name'"
  std::vector<BranchPlan> flat;                // the entries table's numeric branches
  std::vector<const Branch*> strings;          // its string branches (TLeafC)
  std::vector<std::size_t> string_positions;   // their places among its columns
  struct Group {
    std::string counter;
    std::vector<BranchPlan> plans;             // the jagged branches it counts, tree order
    std::size_t counter_plan = 0;              // the counter's index in `flat`
  };
  std::vector<Group> collections;
  std::vector<std::string> descriptors, branch_names;  // kept branches, tree order
  std::vector<const Branch*> kept;                     // the same branches
  std::vector<std::string> skipped;                    // "name (reason)"

  std::vector<TextColumn> read_strings() const;
  // Collection k's counter values, one per entry.
  std::vector<std::int64_t> counts(std::size_t k) const;
  // Collection k whole; its objects per entry must equal `counts` (Error(Malformed)).
  Dataset read_collection(std::size_t k, const std::vector<std::int64_t>& counts) const;
  // Its layout (names, dtypes) with `rows` objects.
  DataLayout collection_layout(std::size_t k, std::uint64_t rows) const;
};

}  // namespace baler::rootio

namespace baler {
// What a ROOT spec names when it is not a TTree read branch by branch: the per-entry table of
// an RNTuple (named, or the file's only tree; notes for skipped fields and the collections it
// leaves out), or one table of a tree as open_root_bundle lays it out ("/events/NJet"), with
// options.columns picked. nullopt: spec names a TTree (or nothing, for plan_tree to say so).
// Throws Error(Usage) naming the tables of the tree for an unknown table.
std::optional<Dataset> read_whole_tree_table(const DataSpec& spec, const ReadOptions& options,
                                             std::vector<std::string>* notes);
}  // namespace baler
