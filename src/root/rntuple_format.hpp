// RNTuple on-disk format 1.0 (ROOT 6.34), the parts baler's reader and writer share: column
// types and flags, the metadata as parsed (fields, columns, clusters, pages), and the parsing of
// the anchor and the envelopes (rntuple_meta.cpp). rntuple.cpp reads pages into tables;
// rntuple_carry.cpp writes an RNTuple back with its metadata as the source had it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "root_internal.hpp"

namespace baler::rootio::rnt {

enum ColumnType : std::uint16_t {
  kBit = 0x00, kByte = 0x01, kChar = 0x02, kInt8 = 0x03, kUInt8 = 0x04, kInt16 = 0x05,
  kUInt16 = 0x06, kInt32 = 0x07, kUInt32 = 0x08, kInt64 = 0x09, kUInt64 = 0x0A, kReal16 = 0x0B,
  kReal32 = 0x0C, kReal64 = 0x0D, kIndex32 = 0x0E, kIndex64 = 0x0F, kSwitch = 0x10,
  kSplitInt16 = 0x11, kSplitUInt16 = 0x12, kSplitInt32 = 0x13, kSplitUInt32 = 0x14,
  kSplitInt64 = 0x15, kSplitUInt64 = 0x16, kSplitReal16 = 0x17, kSplitReal32 = 0x18,
  kSplitReal64 = 0x19, kSplitIndex32 = 0x1A, kSplitIndex64 = 0x1B, kReal32Trunc = 0x1C,
  kReal32Quant = 0x1D,
};

enum Role : std::uint16_t { kLeaf = 0, kCollection = 1, kRecord = 2, kVariant = 3, kStreamer = 4 };

inline constexpr std::uint16_t kFieldRepetitive = 0x01, kFieldProjected = 0x02, kFieldChecksum = 0x04;
inline constexpr std::uint16_t kColumnDeferred = 0x01, kColumnRange = 0x02;
inline constexpr std::uint16_t kEnvHeader = 1, kEnvFooter = 2, kEnvPageList = 3;

// Sanity limits on metadata counts (the format allows more; real files have far fewer).
inline constexpr std::uint64_t kMaxFields = 1u << 22;
inline constexpr std::uint64_t kMaxArraySize = 1u << 16;  // std::array<T, N> mapped to N columns

struct Locator {
  std::uint64_t offset = 0, size = 0;
  std::size_t at = 0;   // where it starts in the (uncompressed) envelope that holds it
  bool large = false;   // the 20-byte form: head, 64-bit size, offset
};

struct FieldDesc {
  std::uint32_t parent = 0;
  std::uint16_t role = 0, flags = 0;
  std::string name, type, alias;
  std::uint64_t array_size = 0;
  std::uint32_t source = 0;                   // projected fields
  std::vector<std::uint32_t> children;        // field ids, in id order
  std::vector<std::uint32_t> columns;         // physical column ids, in id order
  std::vector<std::uint32_t> alias_columns;   // physical ids behind a projected field
  bool projected() const { return flags & kFieldProjected; }
};

struct ColumnDesc {
  std::uint16_t type = 0, bits = 0;
  std::uint32_t field = 0;
  std::uint16_t flags = 0, repr = 0;
  std::int64_t first_element = 0;
  double min = 0, max = 0;
};

struct PageDesc {
  std::uint32_t elements = 0;
  bool checksum = false;  // 8 bytes of XXH3 follow the page (not counted in where.size)
  Locator where;
  std::size_t list = 0;   // the page list envelope that locates it
};

struct ClusterColumn {
  std::vector<PageDesc> pages;
  std::int64_t element_offset = 0;
  bool suppressed = false;
  std::uint32_t compression = 0;  // ROOT's settings: 100 * algorithm + level; 0 none
  std::uint64_t elements = 0;     // sum over pages
};

struct Cluster {
  std::uint64_t first_entry = 0, entries = 0;
  std::vector<ClusterColumn> columns;  // by physical column id (may be shorter: extension)
};

// The anchor object (ROOT::RNTuple) as its key stores it.
struct Anchor {
  std::uint64_t seek_header = 0, nbytes_header = 0, len_header = 0;
  std::uint64_t seek_footer = 0, nbytes_footer = 0, len_footer = 0;
  std::uint64_t max_key_size = 0;
  std::size_t fields_at = 0, object_end = 0;  // the checksummed fields, in the payload
};

struct Ntuple {
  std::string what;  // "file: RNTuple 'x'"
  std::string name, description;
  std::uint64_t max_key_size = 0;
  std::uint64_t header_checksum = 0;
  std::vector<FieldDesc> fields;
  std::vector<ColumnDesc> columns;
  std::vector<Cluster> clusters;  // in entry order
  std::uint64_t entries = 0;
  // Kept for a rewrite (carry_ntuple): the anchor payload, the header as stored (maybe
  // compressed), the footer and the page lists uncompressed, and the page list locators' places
  // in the footer.
  std::vector<std::byte> anchor, header_stored, footer;
  std::vector<std::vector<std::byte>> page_lists;
  std::vector<Locator> list_locators;
  // Clusters in page-list order (group by group, as each list lists them): their index in
  // `clusters`.
  std::vector<std::size_t> listed_clusters;
};

std::string hex(std::uint64_t v);

// Parses an anchor payload (byte count, class version, fields, XXH3 checksum). Throws Error
// naming `what`.
Anchor parse_anchor(std::span<const std::byte> payload, const std::string& what);

// Reads an RNTuple's anchor, envelopes and page lists (every count, length and checksum
// checked).
Ntuple open_ntuple(const RootFile& file, const Entry& entry);

// The same from what carry_ntuple kept: anchor payload, stored header, uncompressed footer and
// page lists.
Ntuple parse_ntuple(const std::string& what, std::span<const std::byte> anchor, std::span<const std::byte> header_stored,
                    std::span<const std::byte> footer, const std::vector<std::span<const std::byte>>& page_lists);

// Column types.
int fixed_bits(std::uint16_t t);  // bits per element; 0 variable (Trunc, Quant), -1 unknown
bool is_index_type(std::uint16_t t);
bool is_integer_type(std::uint16_t t);
bool is_real_type(std::uint16_t t);
std::string column_type_name(std::uint16_t t);
// Checks a column's bit width and range against its type. Throws Error(Malformed).
void check_column(const Ntuple& nt, const ColumnDesc& c, std::uint32_t id);
std::uint64_t page_bytes(const ColumnDesc& c, std::uint64_t elements);
std::uint64_t load_le(const std::byte* p, std::size_t n);

// The physical column behind logical column k of field f in cluster ci: the representation
// that is not suppressed there, or one the cluster does not list (a deferred column added
// later). Throws Error(Malformed) when there is none.
std::uint32_t active_column(const Ntuple& nt, const FieldDesc& f, std::size_t k, std::size_t ci, const std::string& what);

// A page's bytes as stored (`where.size` bytes, then its checksum when it has one), checked.
std::vector<std::byte> read_stored_page(const RootFile& file, const Ntuple& nt, const PageDesc& page, const std::string& what);
// The page's elements, unpacked: stored bytes checked against the checksum and decompressed.
std::vector<std::byte> unpack_page(const Ntuple& nt, const ColumnDesc& c, const PageDesc& page,
                                   std::span<const std::byte> stored, const std::string& what);

// The values the tables give back for one logical column of a field (table_streams).
struct ColumnStream {
  std::uint32_t field = 0;
  std::size_t k = 0;                   // logical column of the field
  std::vector<std::uint64_t> counts;   // elements per cluster (entry order)
  bool real = false;
  DType source = DType::I64;           // the table column's dtype (U64 for index, U8 for chars)
  std::vector<std::int64_t> ints;      // integers (bit patterns of uint64 when source is U64)
  std::vector<double> reals;
};

// The element streams of every column read into tables, from the tables read_rntuple makes
// (flat, then the collections in its order). Throws Error(Malformed) when a table lacks a
// column or a counter disagrees with its collection.
std::vector<ColumnStream> table_streams(const Ntuple& nt, const Dataset& flat, const std::vector<const Dataset*>& collections);

}  // namespace baler::rootio::rnt
