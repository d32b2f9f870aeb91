// ROOT files read natively (no ROOT installation): keys, directories, TTrees into tables.
//
// Supported: files of ROOT 5.26 and later (TTree class versions 16-20, TBranch 10-13, TLeaf 2),
// small and large (64-bit) files, directories, baskets stored raw or compressed with zlib,
// LZMA, LZ4 (xxhash64 checksum checked) or zstd, free baskets and baskets embedded in the
// TTree object. Branches of class TBranch whose leaves are bool, 8-64-bit signed/unsigned
// integers, float or double.
//
// Column naming (one 1-D column per value of an entry, in branch order; dtypes as on disk):
//   scalar branch `x`                      -> `x`
//   fixed-size array `a[3]` (flat index)   -> `a[0]`, `a[1]`, `a[2]`  (a[2][3] gives a[0]..a[5])
//   leaf-list branch `p` with leaves x:y:z -> `p.x`, `p.y`, `p.z` (arrays: `p.x[0]`, ...)
//   jagged branches (fLeafCount, e.g. `Jet_Px[NJet]`), flattened -> `event_index` (int64, the
//   entry number) first, then `Jet_Px`, ... with one row per object.
//
// Selection (ReadOptions::columns, names or fnmatch globs matched against branch names; the
// branches come in pattern order, each once):
//   - none: every flat branch in tree order; jagged and unsupported branches are skipped with
//     a note.
//   - when the selection matches jagged branches, the table is per object: every selected
//     jagged branch must share one counter (e.g. all `Jet_*` counted by `NJet`); per-event
//     branches matched by a glob are then skipped with a note (named exactly: Error(Usage)).
//   - a branch of an unsupported type (strings, objects) named exactly is Error(Unsupported);
//     matched by a glob, it is skipped with a note.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "baler/data_stream.hpp"
#include "baler/hdf5_tree.hpp"
#include "baler/io.hpp"

namespace baler {

// Reads TTree `spec.object` ("tree", "dir/tree"; empty = the file's only tree) of a ROOT file
// as a table (see above), or, when spec.object names a table of a tree as read_root_bundle lays
// it out ("/events/entries", "/events/NJet"), that table (ReadOptions::columns then picks its
// columns by name or glob). Throws Error(Io|Malformed|Unsupported|Limit) naming the file, branch
// and basket; Error(Usage) for a selection that matches nothing or a tree that does not exist.
Dataset read_root_dataset(const DataSpec& spec, const ReadOptions& options);
// The same, appending one line per skipped branch to `*notes` (when not null).
Dataset read_root_dataset(const DataSpec& spec, const ReadOptions& options,
                          std::vector<std::string>* notes);

// Opens the tree for reading in entry ranges when the selection is per entry (flat branches:
// scalars, fixed arrays, leaf lists): read_rows(a, b) decodes only the baskets overlapping
// [a, b) (the last basket of each branch is kept for the next range) and read_rows(0, rows)
// equals read_root_dataset. Returns null for a per-object (jagged) selection, which is read
// whole. Notes and errors as read_root_dataset (a basket is checked when it is decoded).
std::unique_ptr<DataSource> open_root_source(const DataSpec& spec, const ReadOptions& options,
                                             std::vector<std::string>* notes);

// Every tree of a ROOT file (or the one spec.object names) as the members of a bundle (format
// 1.3), each tree `T` as:
//   group "/T"            attributes ROOT.class ("TTree", "TNtuple", ...), ROOT.title,
//                         ROOT.entries, ROOT.branches (names, tree order), ROOT.leaves (each
//                         branch's leaf list as ROOT titles it: "Jet_Px[NJet]/F", "x/D:y/I", "s/C"),
//                         ROOT.members (the member names below: "entries", then one per
//                         collection) and ROOT.counters (each collection's counter column)
//   table "/T/entries"    one row per entry: flat branches (scalars, fixed arrays as a[0]...,
//                         leaf lists as p.x), counters, strings (text columns)
//   table "/T/<counter>"  one per jagged collection, one row per object: the branches counted by
//                         <counter> ("/events/NJet": Jet_Px, Jet_Py, ...), counts checked; a
//                         name taken already gets "_" appended
// Branches that cannot be read (objects, another file's baskets) are left out with one note per
// tree naming them. Throws Error(Usage) for a tree that does not exist or a file without trees,
// else as read_root_dataset.
struct RootBundle {
  Hdf5Tree index;
  std::vector<std::pair<std::string, Dataset>> members;  // object path, table
};
RootBundle read_root_bundle(const DataSpec& spec, const std::function<void(const std::string&)>& on_note);
// The same tables opened one at a time (what compress and verify read): a TTree's entries table
// streams its flat branches basket by basket in row ranges (strings read whole); a collection
// reads its counter when opened and its branches whole at the first read; an RNTuple is read
// whole once for all its tables. Notes and errors (for the file and the tree structure) as
// read_root_bundle when opened; errors in the baskets when read.
struct RootBundleSource {
  Hdf5Tree index;
  std::vector<std::string> objects;  // the tables' paths, in order
  std::function<std::unique_ptr<DataSource>(std::size_t k)> open;
};
RootBundleSource open_root_bundle(const DataSpec& spec, const std::function<void(const std::string&)>& on_note);
// Writes the trees of a bundle index in that layout back as a new ROOT file, atomically (nothing
// at `out` on failure): each group with ROOT.class becomes that tree (TNtuple/TNtupleD kept),
// its branches rebuilt from ROOT.branches and ROOT.leaves with the values `member` returns for
// each member path ("/events/entries", "/events/NJet"). Baskets zlib-compressed (level 1).
// Throws Error(Malformed) when the index and the members disagree (a column missing, a
// collection's rows not the sum of its counter), Error(Io).
// How write_root_bundle writes: `rntuples_as_ttrees` writes each RNTuple as a TTree of its
// tables' columns (leaf lists, as for a TTree) instead of as an RNTuple; fields the tables do
// not hold (carried as stored pages) then have no place and are named in a left-out note
// (io.hpp) to `on_note`, as is an RNTuple with no table at all.
struct RootWriteOptions {
  bool rntuples_as_ttrees = false;
  std::function<void(const std::string&)> on_note;
};
void write_root_bundle(const std::filesystem::path& out, const Hdf5Tree& index,
                       const std::function<Dataset(const std::string& member)>& member,
                       const RootWriteOptions& options = {});
// The same for a bundle held in memory (read_root_bundle's); a member the index names but the
// bundle lacks is Error(Malformed).
void write_root_bundle(const std::filesystem::path& out, const RootBundle& bundle, const RootWriteOptions& options = {});
// Whether a bundle index describes ROOT trees (a group with a ROOT.class attribute).
bool is_root_bundle(const Hdf5Tree& index);
// The members of a ROOT bundle that carry stored bytes for the ROOT writer (the file's objects,
// a tree's stored metadata and basket frames), not data tables.
std::vector<std::string> root_carried_members(const Hdf5Tree& index);

// Human-readable listing of keys, directories, trees and branches (types, compression).
std::string describe_root_file(const std::filesystem::path& path);

// Paths of the TTrees in a ROOT file ("events", "dir/tree").
std::vector<std::string> list_root_trees(const std::filesystem::path& path);

}  // namespace baler
