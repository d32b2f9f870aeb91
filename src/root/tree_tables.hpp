// A tree of a ROOT file (TTree, TNtuple, TNtupleD or RNTuple) read whole as tables: one table of
// per-entry values and one table per jagged collection. The shape both readers produce and both
// the bundle code (compress) and the native writer (decompress -o x.root) consume.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler::rootio {

// One jagged collection: every branch (field) counted by the same per-entry counter.
struct TreeCollection {
  std::string name;     // TTree: the counter leaf ("NJet"); RNTuple: the collection field ("Muon")
  std::string counter;  // the column of TreeTables::flat that holds each entry's object count
  Dataset objects;      // one row per object, entry after entry; rows = sum of the counter
};

// The table name of a collection in a bundle: its own, or for the RNTuple importer's untyped
// collections (`_collection0`) its counter (`nMuon`), as a TTree's collection goes by its counter.
inline std::string collection_table_name(const TreeCollection& c) {
  return c.name.starts_with("_collection") ? c.counter : c.name;
}

struct TreeTables {
  std::string path;        // "events", "dir/tree"
  std::string class_name;  // "TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple"
  std::string title;
  std::int64_t entries = 0;
  Dataset flat;            // per-entry columns (scalars, fixed arrays as a[0].., counters, text)
  std::vector<TreeCollection> collections;
  std::vector<std::string> skipped;  // "name (reason)" for each branch or field not read
  // RNTuple projections that are views of a collection read here (the importer's Muon_pt of
  // _collection0): no loss, their values are the collection's. "name (projection of ...)".
  std::vector<std::string> views;
};

}  // namespace baler::rootio
