// Internal: a TTree read whole into tree_tables.hpp's shape, and ROOT leaf-list descriptors.
#pragma once

#include <optional>

#include "root_table.hpp"
#include "tree_tables.hpp"

namespace baler::rootio {

// The leaf list of a branch as ROOT writes branch titles: "Jet_Px[NJet]/F", "a[2][3]/I",
// "x/D:y/I:z/B", "s/C".
std::string branch_descriptor(const Tree& tree, const Branch& b);

// The TTree (or TNtuple) `entry` of `file` whole: flat branches and strings (TLeafC) in `flat`,
// the jagged branches of each counter as a collection (counts checked against the counter
// column). Branches that cannot be read are listed in `skipped`; `branch_names` and
// `descriptors` receive the kept branches in tree order. Throws Error(Malformed|Limit|...)
// naming the file, tree and branch.
TreeTables read_ttree_tables(const RootFile& file, const Entry& entry, std::vector<std::string>& descriptors,
                             std::vector<std::string>& branch_names);

}  // namespace baler::rootio

namespace baler {
// The table spec.object names when it is a member of a tree as read_root_bundle lays it out
// ("/events/NJet"), with options.columns picked; nullopt when spec.object names no such thing
// (then it names a tree). Throws Error(Usage) naming the tables of the tree for an unknown one.
std::optional<Dataset> read_root_member(const DataSpec& spec, const ReadOptions& options,
                                        std::vector<std::string>* notes);
// The per-entry table of the RNTuple spec.object names (or the file's only tree, when that is
// an RNTuple), options.columns picked, with notes for skipped fields and the collections it
// leaves out; nullopt when spec names a TTree. Throws find_tree's Error(Usage) for no such name.
std::optional<Dataset> read_rntuple_entries(const DataSpec& spec, const ReadOptions& options,
                                           std::vector<std::string>* notes);
}  // namespace baler
