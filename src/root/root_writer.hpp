// Native ROOT file WRITER for TTrees (and TNtuple / TNtupleD): flat branches (scalars, fixed
// arrays, leaf lists), jagged branches counted by an earlier integer branch, and strings
// (TLeafC), in baskets streamed to disk and compressed with ROOT's block framing. The files
// follow the layout ROOT 6 writes (TTree v20, TBranch v13, TLeaf v2, TBasket v3, 64-bit basket
// keys, TStreamerInfo records for every class in them) so that ROOT, uproot and JSROOT read them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "baler/dtype.hpp"

namespace baler::rootio {

struct RootLeafSpec {
  std::string name;
  DType dtype = DType::F32;          // Bool, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64
  std::vector<std::int32_t> dims;    // fixed array per entry (or per object): {3} -> "a[3]"; empty = scalar
  bool text = false;                 // TLeafC: one string per entry (dtype ignored)
};

struct RootBranchSpec {
  std::string name;
  std::vector<RootLeafSpec> leaves;  // one leaf, or several (a leaf list "x/D:y/I:z/B")
  // Jagged: the name of an EARLIER branch of the same tree with one scalar integer leaf; then
  // exactly one leaf, and (counter value) x (elements per object) values per entry.
  std::string counter;
};

struct RootTreeSpec {
  std::string name, title;
  std::string class_name = "TTree";  // or "TNtuple" (every branch one F32 scalar leaf) / "TNtupleD" (F64)
  std::vector<RootBranchSpec> branches;
};

struct RootWriteOptions {
  std::string compression = "zlib";  // zlib | zstd | lzma | lz4 | none
  int level = 1;                     // zlib, lzma 1-9; lz4 1-12; zstd 1-22
  std::int32_t basket_bytes = 32000;  // a branch's basket is written when its data reach this
  // For tests of files over 2 GB: the first basket goes at this offset (when larger than where
  // it would go); the bytes before it are a hole (sparse on most file systems), listed as free.
  std::uint64_t first_offset = 0;
};

// An object carried through as its streamed bytes (a histogram, a TParameter, ...): written as
// a key of its class in `directory`. Object and class references inside a streamed object
// count from the start of its key, so the key keeps the source key's form (`small_key`: 32-bit
// seek pointers) and therefore its length.
struct RootRawObject {
  std::string directory;  // "" or "a/b" (made with make_directory first)
  std::string class_name, name, title;
  std::int16_t cycle = 1;
  bool small_key = false;
  std::span<const std::byte> payload;  // the uncompressed object
};

// A basket written as its source file stored it (a tree rewritten in place): its key's name,
// title, cycle, form and length, its TBasket header, and its uncompressed content.
struct RootRawBasket {
  std::string directory;
  std::string name, title;
  std::int16_t cycle = 1;
  bool small_key = false;
  std::int32_t keylen = 0;  // must equal what the key header and the TBasket fields take
  std::int16_t version = 3;
  std::int32_t buffer_size = 0, nevbuf_size = 0, nevbuf = 0, last = 0;  // nevbuf_size as stored
  std::uint8_t io_bits = 0;  // written after a negative nevbuf_size (ROOT 6.20+'s fIOBits)
  std::span<const std::byte> payload;
};
struct RootBasketPlace {
  std::int64_t seek = 0;
  std::int32_t nbytes = 0;
};

struct RootBranchData {
  // Native-endian values of the appended entries, entry after entry (leaf list: each entry's
  // leaves in order); jagged: the objects of these entries, in order.
  std::span<const std::byte> values;
  std::span<const std::string> text;  // TLeafC branches: one string per appended entry
};

// Writes a new ROOT file atomically: a temporary beside `path`, renamed by commit(); destroyed
// without commit(), nothing appears at `path` and the temporary is removed. Trees are written
// one after another into the top directory. Memory is O(branches x basket_bytes).
// Errors: Error(Usage) for a bad spec or call order, or data of the wrong size (naming the
// branch); Error(Malformed) for a negative counter value; Error(Limit) for one entry over
// 256 MiB; Error(Io) when the file cannot be written.
class RootFileWriter {
 public:
  explicit RootFileWriter(const std::filesystem::path& path, RootWriteOptions options = {});
  ~RootFileWriter();
  RootFileWriter(const RootFileWriter&) = delete;
  RootFileWriter& operator=(const RootFileWriter&) = delete;

  // Makes directory `path` ("a/b": a, then b inside it) unless it exists; `title` is the last
  // one's title and its key's class (TDirectoryFile, or TDirectory as ROOT 5 wrote them).
  // Error(Usage) for an empty part or a name taken by another key.
  void make_directory(const std::string& path, const std::string& title = "",
                      const std::string& class_name = "TDirectoryFile");
  // Writes a carried object (between trees, not while one is open).
  void write_object(const RootRawObject& object);
  // Writes a basket of a tree rewritten in place (not while a tree is open); returns where.
  // Error(Malformed) when the key would not have the length the basket says.
  RootBasketPlace write_raw_basket(const RootRawBasket& basket);
  // Writes `bytes` uncompressed as a key of class RBlob that no directory lists (how ROOT
  // stores an RNTuple's envelopes and pages); returns where the bytes start in the file.
  std::uint64_t write_blob(std::span<const std::byte> bytes);
  // The source file's StreamerInfo list (its key's uncompressed payload and key form): written
  // as the file's list, with this writer's own records appended for the classes and versions
  // it lacks (so that carried objects keep the records that describe them). `listed`: the top
  // directory lists the StreamerInfo key among its keys, as uproot's files do. `key_title`: the title of
  // the source's StreamerInfo key (its length places the list's references: kept), `cycle` its cycle.
  void set_source_streamer_infos(std::span<const std::byte> payload, bool small_key, bool listed,
                                 const std::string& key_title, std::int16_t cycle);

  // The tree goes into `directory` ("" the top one; "a/b" made with make_directory first).
  void begin_tree(const RootTreeSpec& spec, const std::string& directory = "");
  // `data` holds one item per branch, in spec order.
  void append(std::int64_t entries, std::span<const RootBranchData> data);
  // Writes the last baskets and the tree's key.
  void end_tree();
  // Ends an open tree, writes the streamer infos, the key list, the free segments and the
  // header, and renames the file onto `path`.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The TLeaf class this writer writes for a leaf ("TLeafF", "TLeafL" for any 64-bit integer, "TLeafC").
const char* root_leaf_class(const RootLeafSpec& leaf);

// ROOT's checksum of a class this writer describes in its streamer infos ("TTree", "TBranch",
// "TLeafI", ...), computed from its member table as ROOT does; 0 for other classes.
std::uint32_t root_class_checksum(std::string_view class_name);

}  // namespace baler::rootio
