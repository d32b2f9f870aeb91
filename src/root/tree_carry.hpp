// A TTree written back as it was stored: its metadata object (every branch kind, title, leaf
// and streamer detail as the source has them) with the basket positions rewritten, and every
// basket in its source frame. The baskets of branches read into tables are rebuilt from the
// tables' values (tree_carry: BasketLayout); the others travel as their stored bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "root_tree_tables.hpp"

namespace baler::rootio {

// How the entries of a branch read into a table sit in its baskets.
enum class BasketLayout : std::uint8_t {
  Fixed,    // entry after entry, `record` bytes each, no entry offsets
  Objects,  // each entry a run of `record`-byte objects (a counted leaf), entry offsets
  Text,     // each entry a length byte (255: then a 4-byte length) and its characters, offsets
  Vector,   // each entry a std::vector: byte count, version, n, then n `record`-byte values, offsets
};

// The basket table's columns (one row per free basket, branches in all_branches order):
// branch (int32, its index in all_branches), cycle, key_version, keylen, version, buffer_size,
// nevbuf_size, nevbuf, last, objlen, vector_version (int32: a rebuilt std::vector basket's
// header version, else 0), raw_bytes (int64: its content's bytes in the
// carried bytes, 0 when rebuilt from the tables), seek (int64: where the source had it, which
// older cycles of the tree refer to), io_bits (int32: the TBasket's fIOBits, written after
// fNevBufSize when that is negative), and text columns name, title (the key's).
struct TreeCarry {
  // The TTree key's payload, then the raw basket contents in row order, then the payloads of
  // the older cycles kept.
  std::vector<std::byte> bytes;
  Dataset baskets;
  std::size_t raw_baskets = 0;   // baskets carried as bytes
  std::vector<Key> older;        // older cycles kept (their baskets are all the newest's)
  std::vector<std::string> older_left_out;  // "name;cycle (why)"
};

// Reads every free basket of `plan`'s tree. A basket of a branch the plan reads into a table is
// rebuilt on writing when rebuilding gives its stored bytes back (layout, entry offsets, bools
// 0/1); else it is carried as bytes. Throws Error(Unsupported) for a tree that cannot be
// rewritten in place (baskets in another file, basket keys with bytes this writer would not
// write), Error(Malformed) for a damaged basket.
// `older`: keys of older cycles of the same tree (ROOT's backups of its metadata); each is kept
// when every basket it refers to is one of the newest cycle's.
TreeCarry carry_tree(const TTreePlan& plan, const std::vector<Entry>& older = {});

// Whether the leaf-list writer (root_writer.hpp) gives back the tree as ROOT, uproot and JSROOT
// read it: plain TBranches of numeric or string leaves, each read into a table, without
// sub-branches, whose names the writer takes and whose titles and leaf titles are the ones it
// writes (branch_descriptor). Such a tree needs nothing carried besides its tables.
bool leaf_lists_rebuild(const TTreePlan& plan);

// One basket's content rebuilt from values: entries' bytes (big-endian) then, when
// `offsets_at` >= 0, the entry-offset table as ROOT writes it (count n + 1, each entry's start
// counted from the key start, `offsets_at` being the key length, then 0).
struct BasketBuilder {
  BasketLayout layout = BasketLayout::Fixed;
  std::vector<std::byte> bytes;
  std::vector<std::int32_t> starts;
  // Appends one entry: `columns` values of row `row` each (Fixed/Objects: rows [row, row + n)).
  void begin_entry() { starts.push_back(static_cast<std::int32_t>(bytes.size())); }
  void append_values(const std::vector<const Array*>& columns, std::size_t row, std::size_t rows);
  void append_text(const std::string& s);
  // A std::vector entry's header: byte count (of `value_bytes` after the header), `version`, `n`
  // (then append_values its n values, or append_text its n strings).
  void append_vector_header(std::size_t n, std::size_t value_bytes, std::uint16_t version);
  // A std::vector<std::string> entry: its header (the byte count of the strings as written),
  // then each string as append_text writes it.
  void append_text_vector(std::span<const std::string> strings, std::uint16_t version);
  std::vector<std::byte> finish(std::int32_t offsets_at);
};

}  // namespace baler::rootio
