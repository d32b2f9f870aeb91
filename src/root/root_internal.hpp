// Internal pieces of the native ROOT reader: file access, keys, streamed TTree metadata, baskets.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "baler/bytes.hpp"
#include "baler/dtype.hpp"
#include "baler/error.hpp"

namespace baler::rootio {

// Streamed-object framing shared by the reader and the writer: a byte count carries this bit;
// a class tag is new (kNewClassTag, then the name) or a reference (kClassMask | offset); offsets
// count from the key start plus kMapOffset.
inline constexpr std::uint32_t kByteCountMask = 0x40000000;
inline constexpr std::uint32_t kNewClassTag = 0xFFFFFFFF;
inline constexpr std::uint32_t kClassMask = 0x80000000;
inline constexpr std::uint32_t kMapOffset = 2;
// TBasket fIOBits baler reads: kGenerateOffsetMap (no entry-offset table; readers rebuild it).
inline constexpr std::uint8_t kGenerateOffsetMap = 1;

// Writes `v` big-endian over the bytes of `out` at `at`, a position read from a payload (checked;
// `what` names the payload).
template <typename T> void put_be_at(std::vector<std::byte>& out, std::size_t at, T v, const std::string& what) {
  using U = std::make_unsigned_t<T>;
  require(at <= out.size() && sizeof(U) <= out.size() - at, ErrorCode::Malformed,
          what + ": a position to patch (" + std::to_string(at) + ") is outside it");
  auto u = static_cast<U>(v);
  for (std::size_t i = sizeof(U); i-- > 0; u >>= 8) out[at + i] = static_cast<std::byte>(u & 0xFF);
}

// ROOT's letter for a numeric leaf type in branch titles ("x/F"): O B b S s I i L l F D.
inline char root_type_code(DType t) {
  switch (t) {
    case DType::Bool: return 'O';
    case DType::I8: return 'B';
    case DType::U8: return 'b';
    case DType::I16: return 'S';
    case DType::U16: return 's';
    case DType::I32: return 'I';
    case DType::U32: return 'i';
    case DType::I64: return 'L';
    case DType::U64: return 'l';
    case DType::F32: return 'F';
    default: return 'D';
  }
}

// Key classes read as trees: TTree, and TNtuple/TNtupleD, which stream a TTree base first.
inline bool is_ttree_class(const std::string& c) { return c == "TTree" || c == "TNtuple" || c == "TNtupleD"; }
// Key classes of RNTuple anchors (format 1.0).
inline bool is_rntuple_class(const std::string& c) { return c == "ROOT::RNTuple" || c == "ROOT::Experimental::RNTuple"; }
// Key classes of directories.
inline bool is_directory_class(const std::string& c) { return c == "TDirectory" || c == "TDirectoryFile"; }
// Either: what `file.root:NAME` names.
inline bool is_tree_or_rntuple(const std::string& c) { return is_ttree_class(c) || is_rntuple_class(c); }

// "a, b, c" of the first `shown` names, then ", ..." when there are more (notes that list
// skipped branches or fields).
inline std::string first_names(const std::vector<std::string>& names, std::size_t shown = 6) {
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) list += (i ? ", " : "") + names[i];
  return names.size() > shown ? list + ", ..." : list;
}

// Largest uncompressed payload of one key (TTree metadata, one basket) we accept; ROOT writes
// baskets of a few MB. Larger declared sizes are refused before allocating (Error(Limit)).
inline constexpr std::uint64_t kMaxObjectBytes = std::uint64_t{1} << 30;
// Nesting limit for directories, sub-branches and objects inside objects.
inline constexpr int kMaxDepth = 32;

// Random access to a file on disk; every read is checked against the file size (Error(Malformed)
// naming `what` when it runs past the end, Error(Io) when the system read fails).
class FileSource {
 public:
  explicit FileSource(const std::filesystem::path& path);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const { return size_; }
  const std::string& name() const { return name_; }
  std::vector<std::byte> read(std::uint64_t offset, std::uint64_t n, const std::string& what) const;

 private:
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
  std::string name_;
};

// Decompresses ROOT's block framing (9-byte headers "ZL"/"XZ"/"L4"/"ZS", one block per
// <= 16 MiB) of `in` into exactly `uncompressed_size` bytes. Throws Error(Malformed) naming
// `what` and the block, Error(Limit) when uncompressed_size > kMaxObjectBytes.
std::vector<std::byte> decompress_blocks(std::span<const std::byte> in,
                                         std::uint64_t uncompressed_size, const std::string& what);
// Name of the algorithm of the first block ("zlib", "lzma", "lz4", "zstd", "?").
std::string block_algorithm_name(std::span<const std::byte> in);

// A TKey header.
struct Key {
  std::int32_t nbytes = 0;  // key + payload on disk
  std::int16_t version = 0;
  std::int32_t objlen = 0;  // uncompressed payload
  std::int16_t keylen = 0;
  std::int16_t cycle = 0;
  std::uint64_t seek_key = 0;
  std::string class_name, name, title;
};
// Reads a TKey header at the reader's position.
Key read_key_header(ByteReader& r);
// Reads a length-prefixed TString.
std::string read_tstring(ByteReader& r, std::string_view field);

struct FileHeader {
  std::int32_t version = 0;  // ROOT version, e.g. 62004 (the large-file flag removed)
  bool large = false;        // 64-bit seek pointers
  std::uint64_t begin = 0, end = 0;
  std::int32_t nbytes_name = 0;
  std::int32_t compress = 0;
  std::uint64_t seek_info = 0;  // the StreamerInfo key (0: none)
  std::int32_t nbytes_info = 0;
};

// An object in a directory, with its path ("dir/sub/name").
struct Entry {
  std::string path;
  Key key;
};

// An open ROOT file: header, directories and key payloads.
class RootFile {
 public:
  explicit RootFile(const std::filesystem::path& path);
  const FileHeader& header() const { return header_; }
  const std::string& name() const { return source_.name(); }
  const FileSource& source() const { return source_; }
  // Every key in the file, directories first-level then recursively, highest cycle only (or
  // every cycle, the highest first).
  std::vector<Entry> entries(bool all_cycles = false) const;
  // The key of the file's StreamerInfo list (TList), if the header points to one.
  std::optional<Key> streamer_info_key() const;
  // The decompressed payload (objlen bytes) of a key. `what` names it in errors.
  std::vector<std::byte> payload(const Key& key, const std::string& what) const;

 private:
  void list_directory(std::uint64_t dir_offset, const std::string& prefix, int depth,
                      std::set<std::uint64_t>& visited, std::vector<Entry>& out, bool all_cycles) const;

  FileSource source_;
  FileHeader header_;
};

// A leaf of a branch: the on-disk element type and count.
// How a TLeafD32 (Double32_t) or TLeafF16 (Float16_t) element is stored, from the range in
// its title ("x/d[xmin,xmax,nbits]", as TStreamerElement::GetRange reads it): an unsigned
// 32-bit integer a with the value a / factor + xmin, a float, or a float's exponent byte and
// its mantissa truncated to nbits (a 16-bit word, the sign above it).
struct PackedReal {
  enum Kind : std::uint8_t { None, Factor, Float, Nbits } kind = None;
  double xmin = 0, factor = 0;
  int nbits = 0;
  std::size_t bytes() const { return kind == Nbits ? 3 : 4; }
};
// The PackedReal of a TLeafD32 (`float16` false) or TLeafF16 leaf of title `title`; throws
// Error(Unsupported) naming `what` for a mantissa width ROOT's reader could not use.
PackedReal packed_real(const std::string& title, bool float16, const std::string& what);
// Decodes one stored element (big-endian) of a PackedReal as ROOT's TBufferFile does.
double unpack_real(const PackedReal& p, const std::byte* at);

struct Leaf {
  std::string name, title, class_name;
  std::int32_t len = 1;              // elements per entry (per object when jagged)
  bool is_unsigned = false;
  std::optional<DType> dtype;        // set for numeric leaves (TLeafO/B/S/I/L/G/F/D; D32 F64, F16 F32)
  PackedReal packed;                 // TLeafD32 and TLeafF16: how each element is stored
  // Bytes of one element in a basket.
  std::size_t element_bytes() const { return packed.kind != PackedReal::None ? packed.bytes() : dtype_size(*dtype); }
  int count_leaf = -1;               // index in Tree::leaves of the counter leaf, if jagged
  std::string count_name;            // counter name (from the reference or the title)
  bool jagged() const { return count_leaf >= 0 || !count_name.empty(); }
};

// Payload of one basket: the entries' bytes and, for variable-size entries, where each starts.
struct Basket {
  std::vector<std::byte> data;
  std::vector<std::int64_t> offsets;  // empty, or entries + 1 positions into data (last = size)
  std::int64_t entries = 0;
  bool generate_offsets = false;  // fIOBits kGenerateOffsetMap: offsets left to the reader (from counts)
};

struct Branch {
  std::string name, title, class_name;
  std::int32_t compress = 0;
  std::int32_t write_basket = 0;
  std::int64_t entries = 0;
  std::vector<std::int32_t> basket_bytes;
  std::vector<std::int64_t> basket_entry, basket_seek;
  std::vector<int> leaves;        // indices in Tree::leaves
  std::vector<Branch> branches;   // sub-branches
  std::vector<Basket> embedded;   // baskets streamed inside the TTree object
  // Where fBasketBytes[0] and fBasketSeek[0] are in the TTree payload (rewriting a tree in place),
  // and the width of an fBasketSeek entry there (4 in a TBranch v8 of a small file, else 8).
  std::size_t basket_bytes_at = 0, basket_seek_at = 0;
  std::size_t seek_width = 8;
  bool external = false;          // fFileName: its baskets are in another file
  std::string element_class;      // TBranchElement fClassName ("vector<float>", a class)
};

struct Tree {
  std::string name, title;
  std::int16_t version = 0;
  std::int64_t entries = 0;
  std::vector<Branch> branches;
  std::vector<Leaf> leaves;
};

// Parses a TTree payload (the key's decompressed bytes). `keylen` is the key header length
// (object references count from the key start). Throws Error(Malformed|Unsupported) naming `what`.
Tree parse_tree(std::span<const std::byte> payload, int keylen, const std::string& what);

// The (class name, class version) of every TStreamerInfo record in a StreamerInfo key's TList
// payload (`keylen`: its key's length). Other list members (ROOT's listOfRules) are skipped.
// Throws Error(Malformed) naming `what`.
std::vector<std::pair<std::string, int>> streamer_info_versions(std::span<const std::byte> payload, int keylen,
                                                                const std::string& what);

// A free basket's key and TBasket header as stored.
struct BasketFrame {
  Key key;  // name, title, cycle, key version, fKeylen (with the TBasket header), fObjlen
  std::int16_t version = 0;
  std::int32_t buffer_size = 0, nevbuf_size = 0, nevbuf = 0, last = 0;  // nevbuf_size as stored
  std::uint8_t io_bits = 0;  // fIOBits, present when the stored fNevBufSize is negative (ROOT 6.20+)
  std::int32_t header_bytes = 0;  // key header and TBasket fields as read (fKeylen may be more)
};
// Free basket `index` of `branch` as stored: its frame and its uncompressed payload (fObjlen
// bytes: the entries' data up to fLast - fKeylen, then the entry-offset table if any).
std::pair<BasketFrame, std::vector<std::byte>> read_basket_raw(const RootFile& file, const Branch& branch,
                                                               std::size_t index, const std::string& what);
// Baskets of a branch in their own keys (the first ones; embedded ones follow).
std::size_t free_basket_count(const Branch& b);

// Number of baskets of a branch (free ones, then embedded ones) and basket i's first entry.
std::size_t basket_count(const Branch& b);
// Reads basket `index` of `branch` (free: from the file, decompressed; embedded: a copy).
// Checks its entry count against the branch tables. Errors name `what` (file + branch).
Basket read_basket(const RootFile& file, const Branch& branch, std::size_t index,
                   const std::string& what);

// Depth-first list of every branch of a tree (sub-branches after their parent).
std::vector<const Branch*> all_branches(const Tree& tree);

}  // namespace baler::rootio
