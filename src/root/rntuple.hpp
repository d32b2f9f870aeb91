// Native reader of ROOT's RNTuple (on-disk format 1.0, ROOT 6.34): the ROOT::RNTuple anchor key,
// the header, footer and page-list envelopes, and the column pages, read whole into TreeTables.
//
// Mapping of top-level fields (describe_rntuple lists it per file):
//   - a leaf of a fundamental type (bool, std::(u)int8..64_t, char, float, double), whatever
//     its column encoding (plain, split, zigzag, delta, Real16, Real32Trunc, Real32Quant,
//     several representations) -> one column of `flat` with the field's own dtype;
//   - std::array<T, N> of such a leaf -> columns name[0] .. name[N-1];
//   - std::string -> a TextColumn of `flat`;
//   - enum / std::atomic wrappers -> their inner value under the wrapper's name;
//   - a record (struct, untyped record) -> its members as `record.member` (recursively);
//   - a collection (std::vector<T>, ROOT::VecOps::RVec<T>, untyped collections as written by
//     ROOT's RNTupleImporter, sets, optionals) of such leaves or of a record of them -> a
//     TreeCollection named after the collection field. Its per-entry object count is a
//     column of `flat`, the collection's counter, named:
//       1. after a ROOT::RNTupleCardinality field projected onto the collection, when there is
//          one (the importer's `nMuon` for `_collection0`), with that field's integer type;
//       2. else `n<field>` (uint32) when no top-level field has that name;
//       3. else `#<field>` (uint32), which no RNTuple field name can be.
//     The collection's `objects` columns are named: for a collection of leaves, the
//     collection field's name (`Muon_pt`, arrays `Muon_p4[0]`..); for an untyped record (the
//     importer's form), the member names as written (`Muon_pt`); for a typed record
//     (std::vector<Muon>), `collection.member` (`Muon.pt`).
//   - projected fields that alias data read elsewhere (the importer's RVec views such as
//     `Muon_pt`) are skipped with a note naming their source; a cardinality projection is the
//     counter of its collection (or, when that collection is not read, a flat count column).
//   - anything else (nested collections, variants, ROOT-streamed classes, std::bitset, unknown
//     column types) -> TreeTables::skipped, "name (reason)".
//
// Hostile input: every size, count, offset and checksum (anchor, envelopes, pages: XXH3-64) is
// checked before use; errors are baler::Error(Malformed | Corrupt | Limit | Unsupported) naming
// the file, the RNTuple and, where there is one, the field.
#pragma once

#include <string>
#include <vector>

#include "root_internal.hpp"
#include "tree_tables.hpp"

namespace baler::rootio {
class RootFileWriter;
}

namespace baler::rootio {

// Largest total of decoded column bytes one RNTuple may need in memory (Error(Limit) beyond).
inline constexpr std::uint64_t kMaxRNTupleBytes = std::uint64_t{4} << 30;

// Paths of the RNTuple anchors in a file (keys of class ROOT::RNTuple, or
// ROOT::Experimental::RNTuple of the same layout), in key order.
std::vector<std::string> list_rntuples(const RootFile& file);

// Reads RNTuple `path` ("Events", "dir/ntuple"; a ";cycle" suffix is ignored) whole.
// class_name is "ROOT::RNTuple", title the RNTuple's description.
TreeTables read_rntuple(const RootFile& file, const std::string& path);

// One line per top-level field: name, type name, and how it maps (flat column, collection,
// counter, skipped and why). Reads only the metadata (anchor, header, footer, page lists).
std::vector<std::string> describe_rntuple(const RootFile& file, const std::string& path);

// An RNTuple carried for a rewrite as an RNTuple: its anchor payload, its header as stored, its
// footer and page lists (uncompressed), and the stored bytes of the pages the tables cannot give
// back. A page of a column read into a table is rebuilt on writing when encoding the tables'
// values in its column's type gives its stored content back (and the encoding loses nothing
// whatever the values: not for Real16, Real32Trunc, Real32Quant or doubles kept as floats).
struct NtupleCarry {
  std::vector<std::byte> bytes;      // anchor, header, footer, page lists, then the raw pages
  std::vector<std::int64_t> layout;  // the sizes of anchor, header, footer, each page list
  Dataset page_table;                // one row per page in page-list order: raw_bytes (0: rebuilt)
  std::size_t pages = 0, raw_pages = 0;
};

// `tables`: what read_rntuple read of the same RNTuple.
NtupleCarry carry_ntuple(const RootFile& file, const Entry& entry, const TreeTables& tables);

// What write_ntuple needs: the carried parts and the tables (flat, then the collections in
// read_rntuple's order), and the anchor key's place and name.
struct NtupleWrite {
  std::string what, directory, class_name, name, title;
  std::int16_t cycle = 1;
  bool small_key = false;
  std::vector<std::int64_t> layout;
  std::span<const std::byte> bytes;
  const Dataset* pages = nullptr;
  const Dataset* flat = nullptr;
  std::vector<const Dataset*> collections;
};

// Writes the RNTuple: header, the pages cluster by cluster (blobs of class RBlob, as ROOT
// writes them), the page lists and the footer with the new positions (checksums recomputed),
// and the anchor key. Error(Malformed) for carried parts or tables that disagree.
void write_ntuple(RootFileWriter& w, const NtupleWrite& in);

}  // namespace baler::rootio
