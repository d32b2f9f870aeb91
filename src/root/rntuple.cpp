// RNTuple reader: anchor, envelopes (header, footer, page lists), pages and their encodings,
// and the mapping of fields onto TreeTables (see rntuple.hpp).
#include "rntuple.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>

namespace baler::rootio {
namespace {

// ---------------------------------------------------------------------------------------------
// Format constants.

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

constexpr std::uint16_t kFieldRepetitive = 0x01, kFieldProjected = 0x02, kFieldChecksum = 0x04;
constexpr std::uint16_t kColumnDeferred = 0x01, kColumnRange = 0x02;
constexpr std::uint16_t kEnvHeader = 1, kEnvFooter = 2, kEnvPageList = 3;

// Sanity limits on metadata counts (the format allows more; real files have far fewer).
constexpr std::uint64_t kMaxFields = 1u << 22;
constexpr std::uint64_t kMaxArraySize = 1u << 16;  // std::array<T, N> mapped to N columns
constexpr int kMaxFeatureWords = 16;

// ---------------------------------------------------------------------------------------------
// Metadata.

struct Locator {
  std::uint64_t offset = 0, size = 0;
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
  bool checksum = false;
  Locator where;
};

struct ClusterColumn {
  std::vector<PageDesc> pages;
  std::int64_t element_offset = 0;
  bool suppressed = false;
  std::uint64_t elements = 0;  // sum over pages
};

struct Cluster {
  std::uint64_t first_entry = 0, entries = 0;
  std::vector<ClusterColumn> columns;  // by physical column id (may be shorter: extension)
};

struct Ntuple {
  std::string what;  // "file: RNTuple 'x'"
  std::string name, description;
  std::uint64_t max_key_size = 0;
  std::uint64_t header_checksum = 0;
  std::vector<FieldDesc> fields;
  std::vector<ColumnDesc> columns;
  std::vector<Cluster> clusters;
  std::uint64_t entries = 0;
};

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

// ---------------------------------------------------------------------------------------------
// Envelope primitives: frames, strings, locators.

struct Frame {
  ByteReader body;     // the frame's payload (after size and, for a list, the item count)
  std::uint32_t items = 0;
};

// Reads the frame at r's position and moves r past it. `list`: a list frame is required,
// else a record frame. Each list item takes at least `min_item` bytes (checked).
Frame read_frame(ByteReader& r, bool list, std::string_view field, std::size_t min_item = 8) {
  const auto size = r.le<std::int64_t>(field);
  if ((size < 0) != list)
    r.fail(std::string(field) + ": expected a " + (list ? "list" : "record") + " frame");
  if (size == std::numeric_limits<std::int64_t>::min()) r.fail(std::string(field) + ": bad frame size");
  const auto abs = static_cast<std::uint64_t>(size < 0 ? -size : size);
  const std::uint64_t preamble = list ? 12 : 8;
  if (abs < preamble)
    r.fail(std::string(field) + ": frame size " + std::to_string(abs) + " is smaller than its preamble");
  ByteReader body(r.bytes(abs - 8, field), r.what());
  Frame f{std::move(body), 0};
  if (list) {
    f.items = f.body.le<std::uint32_t>(field);
    if (min_item > 0 && f.items > f.body.remaining() / min_item)
      f.body.fail(std::string(field) + ": list frame declares " + std::to_string(f.items) +
                  " items in " + std::to_string(f.body.remaining()) + " bytes");
  }
  return f;
}

std::string read_string(ByteReader& r, std::string_view field) {
  const auto n = r.le<std::uint32_t>(field);
  const auto s = r.bytes(n, field);
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

Locator read_locator(ByteReader& r, std::string_view field) {
  const auto head = r.le<std::int32_t>(field);
  Locator loc;
  if (head >= 0) {
    loc.size = static_cast<std::uint64_t>(head);
    loc.offset = r.le<std::uint64_t>(field);
    return loc;
  }
  const auto word = static_cast<std::uint32_t>(head);
  const std::uint32_t own_size = word & 0xFFFFu;
  const auto type_byte = static_cast<std::int8_t>(static_cast<std::uint8_t>(word >> 24));
  const int type = type_byte < 0 ? -static_cast<int>(type_byte) : type_byte;
  if (type != 0x01)
    throw Error(ErrorCode::Unsupported, r.what() + ": " + std::string(field) +
                                            ": locator of type " + std::to_string(type) +
                                            " (only file locators are supported)");
  if (own_size < 20) r.fail(std::string(field) + ": large locator of " + std::to_string(own_size) + " bytes");
  loc.size = r.le<std::uint64_t>(field);
  loc.offset = r.le<std::uint64_t>(field);
  r.skip(own_size - 20, field);
  return loc;
}

// Feature flags: 64-bit words while the sign bit is set; any set bit is a feature we lack.
void read_feature_flags(ByteReader& r) {
  for (int i = 0;; ++i) {
    if (i == kMaxFeatureWords) r.fail("more than " + std::to_string(kMaxFeatureWords) + " feature flag words");
    const auto w = r.le<std::uint64_t>("feature flags");
    const auto bits = w & ~(std::uint64_t{1} << 63);
    if (bits != 0)
      throw Error(ErrorCode::Unsupported, r.what() + ": uses format feature flag(s) " + hex(bits) +
                                              " of word " + std::to_string(i) +
                                              " (a newer RNTuple format)");
    if (!(w >> 63)) break;
  }
}

// Reads and checks an envelope: the decompressed bytes, of length `length`, with the type
// and length preamble and the XXH3 checksum verified. Returns the bytes; `checksum` gets the
// stored checksum.
std::vector<std::byte> read_envelope(const RootFile& file, const Ntuple& nt, const Locator& loc,
                                     std::uint64_t length, std::uint16_t type,
                                     const std::string& name, std::uint64_t* checksum = nullptr) {
  const std::string what = nt.what + ": " + name + " envelope";
  require(length >= 16, ErrorCode::Malformed,
          what + ": length " + std::to_string(length) + " is too small");
  require(length <= kMaxObjectBytes, ErrorCode::Limit,
          what + ": length " + std::to_string(length) + " is beyond the limit " +
              std::to_string(kMaxObjectBytes));
  require(loc.size <= length, ErrorCode::Malformed,
          what + ": stored size " + std::to_string(loc.size) + " exceeds its length " +
              std::to_string(length));
  require(nt.max_key_size == 0 || loc.size <= nt.max_key_size, ErrorCode::Unsupported,
          what + ": " + std::to_string(loc.size) + " bytes span several keys (max key size " +
              std::to_string(nt.max_key_size) + ")");
  auto raw = file.source().read(loc.offset, loc.size, name + " envelope of RNTuple '" + nt.name + "'");
  std::vector<std::byte> data =
      raw.size() == length ? std::move(raw) : decompress_blocks(raw, length, what);
  require(data.size() == length, ErrorCode::Malformed, what + ": wrong decompressed size");
  ByteReader r(data, what);
  const auto head = r.le<std::uint64_t>("envelope preamble");
  const auto env_type = static_cast<std::uint16_t>(head & 0xFFFF);
  const auto env_len = head >> 16;
  if (env_type != type)
    r.fail("envelope type " + std::to_string(env_type) + ", expected " + std::to_string(type));
  if (env_len != length)
    r.fail("envelope says its length is " + std::to_string(env_len) + " but the link says " +
           std::to_string(length));
  std::uint64_t stored = 0;
  for (int i = 0; i < 8; ++i)
    stored |= std::uint64_t{std::to_integer<std::uint8_t>(data[length - 8 + i])} << (8 * i);
  const auto computed = XXH3_64bits(data.data(), length - 8);
  require(stored == computed, ErrorCode::Corrupt,
          what + ": checksum mismatch (stored " + hex(stored) + ", computed " + hex(computed) + ")");
  if (checksum) *checksum = stored;
  return data;
}

// Payload of an envelope (between preamble and checksum).
ByteReader envelope_body(const std::vector<std::byte>& data, const std::string& what) {
  return ByteReader(std::span<const std::byte>(data).subspan(8, data.size() - 16), what);
}

// ---------------------------------------------------------------------------------------------
// Schema (header and footer's schema extension).

void read_schema(ByteReader& r, Ntuple& nt, std::vector<std::pair<std::uint32_t, std::uint32_t>>& aliases) {
  auto fl = read_frame(r, true, "field list");
  require(nt.fields.size() + fl.items <= kMaxFields, ErrorCode::Limit,
          nt.what + ": more than " + std::to_string(kMaxFields) + " fields");
  for (std::uint32_t i = 0; i < fl.items; ++i) {
    auto fr = read_frame(fl.body, false, "field record");
    auto& b = fr.body;
    FieldDesc f;
    b.skip(8, "field and type version");
    f.parent = b.le<std::uint32_t>("parent field id");
    f.role = b.le<std::uint16_t>("structural role");
    f.flags = b.le<std::uint16_t>("field flags");
    f.name = read_string(b, "field name");
    f.type = read_string(b, "type name");
    f.alias = read_string(b, "type alias");
    read_string(b, "field description");
    if (f.flags & kFieldRepetitive) f.array_size = b.le<std::uint64_t>("array size");
    if (f.flags & kFieldProjected) f.source = b.le<std::uint32_t>("source field id");
    if (f.flags & kFieldChecksum) b.skip(4, "type checksum");
    nt.fields.push_back(std::move(f));
  }
  auto cl = read_frame(r, true, "column list");
  for (std::uint32_t i = 0; i < cl.items; ++i) {
    auto cr = read_frame(cl.body, false, "column record");
    auto& b = cr.body;
    ColumnDesc c;
    c.type = b.le<std::uint16_t>("column type");
    c.bits = b.le<std::uint16_t>("bits on storage");
    c.field = b.le<std::uint32_t>("column field id");
    c.flags = b.le<std::uint16_t>("column flags");
    c.repr = b.le<std::uint16_t>("representation index");
    if (c.flags & kColumnDeferred) c.first_element = b.le<std::int64_t>("first element index");
    if (c.flags & kColumnRange) {
      c.min = std::bit_cast<double>(b.le<std::uint64_t>("column minimum"));
      c.max = std::bit_cast<double>(b.le<std::uint64_t>("column maximum"));
    }
    nt.columns.push_back(c);
  }
  auto al = read_frame(r, true, "alias column list");
  for (std::uint32_t i = 0; i < al.items; ++i) {
    auto ar = read_frame(al.body, false, "alias column record");
    const auto physical = ar.body.le<std::uint32_t>("physical column id");
    const auto field = ar.body.le<std::uint32_t>("alias field id");
    aliases.emplace_back(physical, field);
  }
  read_frame(r, true, "extra type information list");  // not needed
}

// Links fields to their children and columns; checks every id.
void link_schema(Ntuple& nt, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& aliases) {
  const auto nf = nt.fields.size();
  for (std::size_t i = 0; i < nf; ++i) {
    auto& f = nt.fields[i];
    require(f.parent < nf, ErrorCode::Malformed,
            nt.what + ": field '" + f.name + "' has parent id " + std::to_string(f.parent) +
                " beyond the " + std::to_string(nf) + " fields");
    if (f.parent != i) nt.fields[f.parent].children.push_back(static_cast<std::uint32_t>(i));
    if (f.projected())
      require(f.source < nf, ErrorCode::Malformed,
              nt.what + ": field '" + f.name + "' is projected from missing field " +
                  std::to_string(f.source));
  }
  for (std::size_t i = 0; i < nt.columns.size(); ++i) {
    const auto& c = nt.columns[i];
    require(c.field < nf, ErrorCode::Malformed,
            nt.what + ": column " + std::to_string(i) + " belongs to missing field " +
                std::to_string(c.field));
    nt.fields[c.field].columns.push_back(static_cast<std::uint32_t>(i));
  }
  for (const auto& [physical, field] : aliases) {
    require(physical < nt.columns.size() && field < nf, ErrorCode::Malformed,
            nt.what + ": alias column links column " + std::to_string(physical) + " to field " +
                std::to_string(field) + " (" + std::to_string(nt.columns.size()) + " columns, " +
                std::to_string(nf) + " fields)");
    nt.fields[field].alias_columns.push_back(physical);
  }
}

// ---------------------------------------------------------------------------------------------
// Page lists.

void read_page_list(const RootFile& file, Ntuple& nt, const Locator& loc, std::uint64_t length,
                    std::uint32_t expected_clusters, std::size_t group) {
  const std::string name = "page list " + std::to_string(group);
  const auto data = read_envelope(file, nt, loc, length, kEnvPageList, name);
  auto r = envelope_body(data, nt.what + ": " + name);
  const auto header_sum = r.le<std::uint64_t>("header checksum");
  require(header_sum == nt.header_checksum, ErrorCode::Corrupt,
          nt.what + ": " + name + " belongs to another header (checksum " + hex(header_sum) +
              ", header " + hex(nt.header_checksum) + ")");
  auto sl = read_frame(r, true, "cluster summaries");
  const std::size_t first_cluster = nt.clusters.size();
  for (std::uint32_t i = 0; i < sl.items; ++i) {
    auto sr = read_frame(sl.body, false, "cluster summary");
    Cluster c;
    c.first_entry = sr.body.le<std::uint64_t>("first entry");
    const auto word = sr.body.le<std::uint64_t>("entries and flags");
    c.entries = word & ((std::uint64_t{1} << 56) - 1);
    if ((word >> 56) & 0x01)
      throw Error(ErrorCode::Unsupported, nt.what + ": cluster " + std::to_string(first_cluster + i) +
                                              " is sharded (a newer RNTuple format)");
    nt.clusters.push_back(std::move(c));
  }
  require(sl.items == expected_clusters, ErrorCode::Malformed,
          nt.what + ": " + name + " has " + std::to_string(sl.items) +
              " cluster summaries but the footer says " + std::to_string(expected_clusters));
  auto top = read_frame(r, true, "page locations", 12);
  require(top.items == sl.items, ErrorCode::Malformed,
          nt.what + ": " + name + " has page locations for " + std::to_string(top.items) +
              " clusters and " + std::to_string(sl.items) + " cluster summaries");
  for (std::uint32_t ci = 0; ci < top.items; ++ci) {
    auto& cluster = nt.clusters[first_cluster + ci];
    auto outer = read_frame(top.body, true, "cluster column list", 20);
    require(outer.items <= nt.columns.size(), ErrorCode::Malformed,
            nt.what + ": cluster " + std::to_string(first_cluster + ci) + " lists " +
                std::to_string(outer.items) + " columns but the schema has " +
                std::to_string(nt.columns.size()));
    cluster.columns.resize(outer.items);
    for (std::uint32_t k = 0; k < outer.items; ++k) {
      auto inner = read_frame(outer.body, true, "column page list", 16);
      auto& cc = cluster.columns[k];
      cc.pages.reserve(inner.items);
      for (std::uint32_t p = 0; p < inner.items; ++p) {
        PageDesc pd;
        const auto n = inner.body.le<std::int32_t>("page element count");
        pd.checksum = n < 0;
        pd.elements = n < 0 ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(n))
                            : static_cast<std::uint32_t>(n);
        pd.where = read_locator(inner.body, "page locator");
        cc.elements += pd.elements;
        cc.pages.push_back(pd);
      }
      cc.element_offset = inner.body.le<std::int64_t>("column element offset");
      cc.suppressed = cc.element_offset < 0;
      if (!cc.suppressed) inner.body.skip(4, "column compression settings");
      require(!cc.suppressed || cc.pages.empty(), ErrorCode::Malformed,
              nt.what + ": suppressed column " + std::to_string(k) + " of cluster " +
                  std::to_string(first_cluster + ci) + " has pages");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Opening: anchor, header, footer, page lists.

Ntuple open_ntuple(const RootFile& file, const Entry& entry) {
  Ntuple nt;
  nt.what = file.name() + ": RNTuple '" + entry.path + "'";
  nt.name = entry.path;
  const auto payload = file.payload(entry.key, "RNTuple anchor '" + entry.path + "'");
  ByteReader r(payload, nt.what + ": anchor");
  const auto count = r.be<std::uint32_t>("anchor byte count");
  if (!(count & 0x40000000u)) r.fail("anchor has no byte count");
  const auto object_bytes = count & ~0x40000000u;
  r.need(object_bytes, "anchor object");
  const auto object_end = r.pos() + object_bytes;
  r.skip(2, "anchor class version");
  const std::size_t fields_at = r.pos();
  const auto epoch = r.be<std::uint16_t>("version epoch");
  const auto major = r.be<std::uint16_t>("version major");
  const auto minor = r.be<std::uint16_t>("version minor");
  const auto patch = r.be<std::uint16_t>("version patch");
  const std::string version = std::to_string(epoch) + "." + std::to_string(major) + "." +
                              std::to_string(minor) + "." + std::to_string(patch);
  require(epoch == 1, ErrorCode::Unsupported,
          nt.what + ": format version " + version + " (only epoch 1, ROOT >= 6.34, is supported)");
  const auto seek_header = r.be<std::uint64_t>("seek header");
  const auto nbytes_header = r.be<std::uint64_t>("nbytes header");
  const auto len_header = r.be<std::uint64_t>("len header");
  const auto seek_footer = r.be<std::uint64_t>("seek footer");
  const auto nbytes_footer = r.be<std::uint64_t>("nbytes footer");
  const auto len_footer = r.be<std::uint64_t>("len footer");
  nt.max_key_size = r.be<std::uint64_t>("max key size");
  if (r.pos() > object_end) r.fail("anchor fields run past the object's byte count");
  // The checksum covers the anchor's fields (epoch to the last field the writer knew).
  const auto fields = std::span<const std::byte>(payload).subspan(fields_at, object_end - fields_at);
  r.seek(object_end, "anchor checksum");
  const auto stored = r.be<std::uint64_t>("anchor checksum");
  const auto computed = XXH3_64bits(fields.data(), fields.size());
  require(stored == computed, ErrorCode::Corrupt,
          nt.what + ": anchor checksum mismatch (stored " + hex(stored) + ", computed " +
              hex(computed) + ")");

  std::vector<std::pair<std::uint32_t, std::uint32_t>> aliases;
  {
    const auto data = read_envelope(file, nt, {seek_header, nbytes_header}, len_header, kEnvHeader,
                                    "header", &nt.header_checksum);
    auto h = envelope_body(data, nt.what + ": header");
    read_feature_flags(h);
    const auto name = read_string(h, "ntuple name");
    nt.description = read_string(h, "ntuple description");
    read_string(h, "writer");
    (void)name;
    read_schema(h, nt, aliases);
  }
  std::vector<std::tuple<Locator, std::uint64_t, std::uint32_t>> groups;
  {
    const auto data = read_envelope(file, nt, {seek_footer, nbytes_footer}, len_footer, kEnvFooter, "footer");
    auto f = envelope_body(data, nt.what + ": footer");
    read_feature_flags(f);
    const auto header_sum = f.le<std::uint64_t>("header checksum");
    require(header_sum == nt.header_checksum, ErrorCode::Corrupt,
            nt.what + ": footer belongs to another header (checksum " + hex(header_sum) +
                ", header " + hex(nt.header_checksum) + ")");
    auto ext = read_frame(f, false, "schema extension");
    if (ext.body.remaining() > 0) read_schema(ext.body, nt, aliases);
    auto gl = read_frame(f, true, "cluster groups");
    for (std::uint32_t i = 0; i < gl.items; ++i) {
      auto gr = read_frame(gl.body, false, "cluster group");
      gr.body.skip(16, "cluster group entry range");
      const auto nclusters = gr.body.le<std::uint32_t>("cluster count");
      const auto length = gr.body.le<std::uint64_t>("page list length");
      const auto loc = read_locator(gr.body, "page list locator");
      groups.emplace_back(loc, length, nclusters);
    }
  }
  link_schema(nt, aliases);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& [loc, length, nclusters] = groups[g];
    read_page_list(file, nt, loc, length, nclusters, g);
  }
  std::stable_sort(nt.clusters.begin(), nt.clusters.end(),
                   [](const Cluster& a, const Cluster& b) { return a.first_entry < b.first_entry; });
  for (std::size_t i = 0; i < nt.clusters.size(); ++i) {
    const auto& c = nt.clusters[i];
    require(c.first_entry == nt.entries, ErrorCode::Malformed,
            nt.what + ": cluster " + std::to_string(i) + " starts at entry " +
                std::to_string(c.first_entry) + ", expected " + std::to_string(nt.entries));
    require(c.entries <= kMaxElements - nt.entries, ErrorCode::Limit,
            nt.what + ": more than " + std::to_string(kMaxElements) + " entries");
    nt.entries += c.entries;
  }
  return nt;
}

// ---------------------------------------------------------------------------------------------
// Column types.

// Bits per element of a fixed-width column type; 0 for variable (Trunc, Quant), -1 unknown.
int fixed_bits(std::uint16_t t) {
  switch (t) {
    case kBit: return 1;
    case kByte: case kChar: case kInt8: case kUInt8: return 8;
    case kInt16: case kUInt16: case kSplitInt16: case kSplitUInt16: case kReal16: case kSplitReal16:
      return 16;
    case kInt32: case kUInt32: case kSplitInt32: case kSplitUInt32: case kReal32: case kSplitReal32:
    case kIndex32: case kSplitIndex32:
      return 32;
    case kInt64: case kUInt64: case kSplitInt64: case kSplitUInt64: case kReal64: case kSplitReal64:
    case kIndex64: case kSplitIndex64:
      return 64;
    case kSwitch: return 96;
    case kReal32Trunc: case kReal32Quant: return 0;
    default: return -1;
  }
}

bool is_index_type(std::uint16_t t) {
  return t == kIndex32 || t == kIndex64 || t == kSplitIndex32 || t == kSplitIndex64;
}
bool is_integer_type(std::uint16_t t) {
  switch (t) {
    case kBit: case kChar: case kInt8: case kUInt8: case kInt16: case kUInt16: case kInt32:
    case kUInt32: case kInt64: case kUInt64: case kSplitInt16: case kSplitUInt16: case kSplitInt32:
    case kSplitUInt32: case kSplitInt64: case kSplitUInt64:
      return true;
    default: return false;
  }
}
bool is_real_type(std::uint16_t t) {
  switch (t) {
    case kReal16: case kSplitReal16: case kReal32: case kSplitReal32: case kReal64: case kSplitReal64:
    case kReal32Trunc: case kReal32Quant:
      return true;
    default: return false;
  }
}

std::string column_type_name(std::uint16_t t) {
  static const char* names[] = {"Bit", "Byte", "Char", "Int8", "UInt8", "Int16", "UInt16", "Int32",
                                "UInt32", "Int64", "UInt64", "Real16", "Real32", "Real64",
                                "Index32", "Index64", "Switch", "SplitInt16", "SplitUInt16",
                                "SplitInt32", "SplitUInt32", "SplitInt64", "SplitUInt64",
                                "SplitReal16", "SplitReal32", "SplitReal64", "SplitIndex32",
                                "SplitIndex64", "Real32Trunc", "Real32Quant"};
  return t < std::size(names) ? names[t] : "type " + hex(t);
}

// Checks a column's bit width and range against its type. Throws Error(Malformed).
void check_column(const Ntuple& nt, const ColumnDesc& c, std::uint32_t id) {
  const auto bad = [&](const std::string& s) {
    throw Error(ErrorCode::Malformed, nt.what + ": field '" + nt.fields[c.field].name + "': column " +
                                          std::to_string(id) + " (" + column_type_name(c.type) + ") " + s);
  };
  const int fixed = fixed_bits(c.type);
  if (fixed > 0 && c.bits != fixed) bad("has " + std::to_string(c.bits) + " bits per element");
  if (c.type == kReal32Trunc && (c.bits < 10 || c.bits > 31))
    bad("has " + std::to_string(c.bits) + " bits (10 to 31 allowed)");
  if (c.type == kReal32Quant) {
    if (c.bits < 1 || c.bits > 32) bad("has " + std::to_string(c.bits) + " bits (1 to 32 allowed)");
    if (!(c.flags & kColumnRange)) bad("has no value range");
    if (!std::isfinite(c.min) || !std::isfinite(c.max) || !(c.min <= c.max)) bad("has a bad value range");
  }
}

std::optional<DType> fundamental_dtype(const std::string& type) {
  static const std::map<std::string, DType> types = {
      {"bool", DType::Bool},          {"char", DType::I8},           {"std::int8_t", DType::I8},
      {"std::uint8_t", DType::U8},    {"std::int16_t", DType::I16},  {"std::uint16_t", DType::U16},
      {"std::int32_t", DType::I32},   {"std::uint32_t", DType::U32}, {"std::int64_t", DType::I64},
      {"std::uint64_t", DType::U64},  {"float", DType::F32},         {"double", DType::F64}};
  const auto it = types.find(type);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// Page decoding.

std::uint64_t load_le(const std::byte* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
  return v;
}

// Element i of an array of `n` elements of `size` bytes, split ("byte planes") or not.
std::uint64_t element(const std::byte* p, std::size_t i, std::size_t n, std::size_t size, bool split) {
  if (!split) return load_le(p + i * size, size);
  std::uint64_t v = 0;
  for (std::size_t b = 0; b < size; ++b)
    v |= std::uint64_t{std::to_integer<std::uint8_t>(p[b * n + i])} << (8 * b);
  return v;
}

// `nbits` bits of item i of a tightly packed LSB-first bit stream.
std::uint32_t packed_bits(std::span<const std::byte> p, std::size_t i, unsigned nbits) {
  const std::uint64_t bit = std::uint64_t{i} * nbits;
  const std::size_t at = static_cast<std::size_t>(bit / 8);
  const std::size_t take = std::min<std::size_t>(8, p.size() - at);
  const std::uint64_t window = load_le(p.data() + at, take) >> (bit % 8);
  return static_cast<std::uint32_t>(window & ((std::uint64_t{1} << nbits) - 1));
}

// Storage of a bool value (std::vector<bool> has no data()).
struct Flag {
  std::uint8_t v = 0;
};

template <typename S>
S zigzag(std::make_unsigned_t<S> u) {
  return static_cast<S>((u >> 1) ^ (~(u & 1) + 1));
}

// Converts a decoded element to the field's type; integers out of the target's range fail.
template <typename T, typename S>
T convert(S v, const std::string& what) {
  if constexpr (std::is_same_v<T, char>) {
    return static_cast<char>(v);
  } else if constexpr (std::is_same_v<T, Flag>) {
    return Flag{static_cast<std::uint8_t>(v != 0 ? 1 : 0)};
  } else if constexpr (std::is_integral_v<T> && (std::is_integral_v<S>)) {
    if constexpr (std::is_same_v<S, bool>) {
      return static_cast<T>(v ? 1 : 0);
    } else {
      if (!std::in_range<T>(v))
        throw Error(ErrorCode::Malformed, what + ": value " + std::to_string(v) +
                                              " does not fit the field's type");
      return static_cast<T>(v);
    }
  } else if constexpr (std::is_floating_point_v<T> && std::is_floating_point_v<S>) {
    return static_cast<T>(v);
  } else {
    throw Error(ErrorCode::Internal, what + ": column type does not match the field type");
  }
}

// Decodes the `n` elements of one page of column `c` into out[0..n).
template <typename T>
void decode_page(const ColumnDesc& c, std::span<const std::byte> in, std::size_t n, T* out,
                 const std::string& what) {
  const int fixed = fixed_bits(c.type);
  const std::uint64_t bits = fixed > 0 ? static_cast<std::uint64_t>(fixed) : c.bits;
  require(bits > 0 && in.size() >= (std::uint64_t{n} * bits + 7) / 8, ErrorCode::Malformed,
          what + ": page of " + std::to_string(in.size()) + " bytes is too short for " +
              std::to_string(n) + " elements of " + column_type_name(c.type));
  const std::byte* p = in.data();
  auto unsigned_values = [&](std::size_t size, bool split, auto tag) {
    using U = decltype(tag);
    for (std::size_t i = 0; i < n; ++i) out[i] = convert<T>(static_cast<U>(element(p, i, n, size, split)), what);
  };
  auto signed_values = [&](std::size_t size, bool split, bool zz, auto tag) {
    using S = decltype(tag);
    using U = std::make_unsigned_t<S>;
    for (std::size_t i = 0; i < n; ++i) {
      const auto u = static_cast<U>(element(p, i, n, size, split));
      out[i] = convert<T>(zz ? zigzag<S>(u) : static_cast<S>(u), what);
    }
  };
  switch (c.type) {
    case kBit:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(((std::to_integer<unsigned>(p[i / 8]) >> (i % 8)) & 1u) != 0, what);
      return;
    case kChar:
      if constexpr (std::is_same_v<T, char>) {
        std::memcpy(out, p, n);
        return;
      } else {
        return signed_values(1, false, false, std::int8_t{});
      }
    case kByte: case kUInt8: return unsigned_values(1, false, std::uint8_t{});
    case kInt8: return signed_values(1, false, false, std::int8_t{});
    case kInt16: return signed_values(2, false, false, std::int16_t{});
    case kUInt16: return unsigned_values(2, false, std::uint16_t{});
    case kInt32: return signed_values(4, false, false, std::int32_t{});
    case kUInt32: case kIndex32: return unsigned_values(4, false, std::uint32_t{});
    case kInt64: return signed_values(8, false, false, std::int64_t{});
    case kUInt64: case kIndex64: return unsigned_values(8, false, std::uint64_t{});
    case kSplitInt16: return signed_values(2, true, true, std::int16_t{});
    case kSplitUInt16: return unsigned_values(2, true, std::uint16_t{});
    case kSplitInt32: return signed_values(4, true, true, std::int32_t{});
    case kSplitUInt32: return unsigned_values(4, true, std::uint32_t{});
    case kSplitInt64: return signed_values(8, true, true, std::int64_t{});
    case kSplitUInt64: return unsigned_values(8, true, std::uint64_t{});
    case kSplitIndex32: case kSplitIndex64: {
      // Delta encoded within the page: a running sum (unsigned, wrapping).
      const std::size_t size = c.type == kSplitIndex32 ? 4 : 8;
      std::uint64_t sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        sum += element(p, i, n, size, true);
        if (size == 4) sum &= 0xFFFFFFFFu;
        out[i] = convert<T>(sum, what);
      }
      return;
    }
    case kReal16: case kSplitReal16:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(half_to_float(Half{static_cast<std::uint16_t>(element(p, i, n, 2, c.type == kSplitReal16))}), what);
      return;
    case kReal32: case kSplitReal32:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(std::bit_cast<float>(static_cast<std::uint32_t>(element(p, i, n, 4, c.type == kSplitReal32))), what);
      return;
    case kReal64: case kSplitReal64:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(std::bit_cast<double>(element(p, i, n, 8, c.type == kSplitReal64)), what);
      return;
    case kReal32Trunc:
      // The high `bits` bits of a float, packed; the dropped low mantissa bits are zero.
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(std::bit_cast<float>(packed_bits(in, i, c.bits) << (32 - c.bits)), what);
      return;
    case kReal32Quant: {
      // q in [0, 2^bits - 1] maps linearly onto [min, max].
      const double quant_max = static_cast<double>((std::uint64_t{1} << c.bits) - 1);
      const double scale = (c.max - c.min) / quant_max;
      for (std::size_t i = 0; i < n; ++i) {
        const double q = static_cast<double>(packed_bits(in, i, c.bits));
        out[i] = convert<T>(q * scale + c.min, what);
      }
      return;
    }
    default:
      throw Error(ErrorCode::Internal, what + ": no decoder for column " + column_type_name(c.type));
  }
}

std::uint64_t page_bytes(const ColumnDesc& c, std::uint64_t elements) {
  return (elements * c.bits + 7) / 8;  // elements < 2^31, bits <= 96: no overflow
}

// ---------------------------------------------------------------------------------------------
// Reading columns.

class Reader {
 public:
  Reader(const RootFile& file, const Ntuple& nt) : file_(file), nt_(nt) {}

  // The physical column behind logical column k of field f in cluster ci (the representation
  // that is not suppressed there), or nullopt when the cluster does not list it (a deferred
  // column added later).
  std::uint32_t active_column(const FieldDesc& f, std::size_t k, std::size_t ci,
                              const std::string& what) const {
    const auto& cols = f.columns;
    const auto& cluster = nt_.clusters[ci];
    std::uint32_t fallback = std::numeric_limits<std::uint32_t>::max();
    std::uint16_t nrep = 0;
    for (auto id : cols) nrep = std::max<std::uint16_t>(nrep, nt_.columns[id].repr + 1);
    for (std::uint16_t rep = 0; rep < nrep; ++rep) {
      std::size_t idx = 0;
      for (auto id : cols) {
        if (nt_.columns[id].repr != rep) continue;
        if (idx++ != k) continue;
        if (id >= cluster.columns.size()) {
          if (fallback == std::numeric_limits<std::uint32_t>::max()) fallback = id;
        } else if (!cluster.columns[id].suppressed) {
          return id;
        }
      }
    }
    require(fallback != std::numeric_limits<std::uint32_t>::max(), ErrorCode::Malformed,
            what + ": cluster " + std::to_string(ci) + " has no active column " + std::to_string(k));
    return fallback;
  }

  // Values of logical column k of field f: counts[ci] elements from each cluster, as T.
  template <typename T>
  std::vector<T> read(const FieldDesc& f, std::size_t k, const std::vector<std::uint64_t>& counts,
                      const std::string& what) {
    std::uint64_t total = 0;
    std::vector<std::uint32_t> ids(counts.size());
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      ids[ci] = active_column(f, k, ci, what);
      const auto& cluster = nt_.clusters[ci];
      const std::uint64_t have = ids[ci] < cluster.columns.size() ? cluster.columns[ids[ci]].elements : 0;
      const auto& desc = nt_.columns[ids[ci]];
      check_column(nt_, desc, ids[ci]);
      const bool deferred = (desc.flags & kColumnDeferred) && have < counts[ci];
      require(have == counts[ci] || deferred, ErrorCode::Malformed,
              what + ": cluster " + std::to_string(ci) + " holds " + std::to_string(have) +
                  " elements of column " + std::to_string(ids[ci]) + " but " +
                  std::to_string(counts[ci]) + " are needed");
      require(counts[ci] <= kMaxElements - total, ErrorCode::Limit, what + ": too many elements");
      total += counts[ci];
    }
    const auto bytes = total * sizeof(T);
    require(bytes <= kMaxRNTupleBytes - std::min(used_, kMaxRNTupleBytes), ErrorCode::Limit,
            what + ": the RNTuple needs more than " + std::to_string(kMaxRNTupleBytes) +
                " bytes of decoded columns");
    used_ += bytes;
    std::vector<T> out(static_cast<std::size_t>(total));
    std::size_t at = 0;
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      const auto& cluster = nt_.clusters[ci];
      const auto id = ids[ci];
      const std::uint64_t have = id < cluster.columns.size() ? cluster.columns[id].elements : 0;
      at += static_cast<std::size_t>(counts[ci] - have);  // leading zeros of a deferred column
      if (id >= cluster.columns.size()) continue;
      const auto& desc = nt_.columns[id];
      for (std::size_t pi = 0; pi < cluster.columns[id].pages.size(); ++pi) {
        const auto& page = cluster.columns[id].pages[pi];
        const std::string pwhat = what + ": cluster " + std::to_string(ci) + ", column " +
                                  std::to_string(id) + ", page " + std::to_string(pi);
        const auto data = read_page(desc, page, pwhat);
        decode_page<T>(desc, data, page.elements, out.data() + at, pwhat);
        at += page.elements;
      }
    }
    return out;
  }

  // Reads index column 0 of collection-like field f (counts[ci] entries per cluster) and turns
  // the cluster-relative end offsets into per-item sizes; `totals` gets each cluster's sum.
  std::vector<std::uint64_t> sizes(const FieldDesc& f, const std::vector<std::uint64_t>& counts,
                                   std::vector<std::uint64_t>& totals, const std::string& what) {
    auto v = read<std::uint64_t>(f, 0, counts, what);
    totals.assign(counts.size(), 0);
    std::size_t at = 0;
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      std::uint64_t prev = 0;
      for (std::uint64_t i = 0; i < counts[ci]; ++i, ++at) {
        const auto end = v[at];
        require(end >= prev, ErrorCode::Malformed,
                what + ": collection offsets decrease in cluster " + std::to_string(ci) +
                    " (item " + std::to_string(i) + ")");
        v[at] = end - prev;
        prev = end;
      }
      require(prev <= kMaxElements, ErrorCode::Limit, what + ": collection too large");
      totals[ci] = prev;
    }
    return v;
  }

 private:
  std::vector<std::byte> read_page(const ColumnDesc& c, const PageDesc& page, const std::string& what) {
    require(nt_.max_key_size == 0 || page.where.size <= nt_.max_key_size, ErrorCode::Unsupported,
            what + ": page of " + std::to_string(page.where.size) + " bytes spans several keys");
    const std::uint64_t length = page_bytes(c, page.elements);
    require(length <= kMaxObjectBytes, ErrorCode::Limit,
            what + ": page of " + std::to_string(length) + " bytes is beyond the limit");
    const std::uint64_t stored = page.where.size + (page.checksum ? 8 : 0);
    auto raw = file_.source().read(page.where.offset, stored, what.substr(nt_.what.size() + 2));
    const auto body = std::span<const std::byte>(raw).first(static_cast<std::size_t>(page.where.size));
    if (page.checksum) {
      const auto want = load_le(raw.data() + page.where.size, 8);
      const auto got = XXH3_64bits(body.data(), body.size());
      require(want == got, ErrorCode::Corrupt,
              what + ": page checksum mismatch (stored " + hex(want) + ", computed " + hex(got) + ")");
    }
    if (body.size() == length) return std::vector<std::byte>(body.begin(), body.end());
    return decompress_blocks(body, length, what);
  }

  const RootFile& file_;
  const Ntuple& nt_;
  std::uint64_t used_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Plan: how each top-level field maps.

// One output value stream: a numeric field (maybe a std::array of N), or a string.
struct Leaf {
  std::uint32_t field = 0;  // the field whose columns hold the values
  std::string name;
  bool text = false;
  DType dtype = DType::F64;
  std::uint64_t repeat = 0;  // std::array size; 0 for a scalar
};

enum class Kind { Flat, Collection, Counter, Skipped };

struct TopPlan {
  std::uint32_t field = 0;
  Kind kind = Kind::Skipped;
  std::vector<Leaf> leaves;
  std::vector<std::string> skipped;  // members not read ("name (reason)")
  std::string reason;                // Skipped
  std::string counter;               // Collection: the counter column; Counter: its collection
  DType counter_dtype = DType::U32;
  std::uint32_t collection = 0;      // Counter: the collection field it counts (when read)
  bool counts_read_collection = false;
};

class Planner {
 public:
  explicit Planner(const Ntuple& nt) : nt_(nt) {}

  // Appends the leaves of field `id` (named `name`) to `out`. Returns "" or the reason it is
  // not readable; members of records that are not readable go to `skipped`.
  std::string leaf(std::uint32_t id, const std::string& name, std::vector<Leaf>& out,
                   std::vector<std::string>& skipped, int depth, bool typed_prefix = true) {
    const auto& f = nt_.fields[id];
    if (depth > kMaxDepth) return "nested deeper than " + std::to_string(kMaxDepth);
    if (f.projected()) return "projected field";
    switch (f.role) {
      case kCollection: return "nested collection";
      case kVariant: return "std::variant";
      case kStreamer: return "ROOT-streamed (unsplit) class " + f.type;
      case kRecord: {
        std::size_t before = out.size();
        for (auto c : f.children) {
          const auto& m = nt_.fields[c];
          const std::string mname = typed_prefix ? name + "." + m.name : m.name;
          const auto why = leaf(c, mname, out, skipped, depth + 1);
          if (!why.empty()) skipped.push_back(mname + " (" + why + ")");
        }
        if (out.size() == before) return "record with no readable members";
        return "";
      }
      case kLeaf: break;
      default: return "unknown structural role " + std::to_string(f.role);
    }
    if (f.flags & kFieldRepetitive) {
      if (!f.columns.empty()) return "std::bitset (" + f.type + ")";
      if (f.children.size() != 1) return "fixed-size array without one item field";
      if (f.array_size == 0 || f.array_size > kMaxArraySize)
        return "std::array of " + std::to_string(f.array_size) + " items";
      const auto& item = nt_.fields[f.children[0]];
      if (item.role != kLeaf || (item.flags & kFieldRepetitive) || !item.children.empty())
        return "array of " + item.type;
      const auto dt = fundamental_dtype(item.type);
      if (!dt) return "array of " + item.type;
      const auto why = check_columns(item, 1, *dt);
      if (!why.empty()) return why;
      out.push_back({f.children[0], name, false, *dt, f.array_size});
      return "";
    }
    if (f.columns.empty()) {
      if (f.children.size() == 1) return leaf(f.children[0], name, out, skipped, depth + 1);  // enum, atomic
      return "type " + f.type + " without columns";
    }
    if (!f.children.empty()) return "type " + f.type;
    if (f.type == "std::string") {
      const auto why = check_columns(f, 2, std::nullopt);
      if (!why.empty()) return why;
      out.push_back({id, name, true, DType::U8, 0});
      return "";
    }
    const auto dt = fundamental_dtype(f.type);
    if (!dt) return "type " + f.type;
    const auto why = check_columns(f, 1, *dt);
    if (!why.empty()) return why;
    out.push_back({id, name, false, *dt, 0});
    return "";
  }

  // A collection field's index column is present and valid.
  std::string index_ok(const FieldDesc& f) {
    if (f.children.size() != 1) return "collection with " + std::to_string(f.children.size()) + " item fields";
    return check_columns(f, 1, std::nullopt, true);
  }

 private:
  // Checks that every representation of f has `per_rep` columns of types a field of dtype
  // `dt` can read (a string: index + char; `index`: one index column).
  std::string check_columns(const FieldDesc& f, std::size_t per_rep, std::optional<DType> dt,
                            bool index = false) {
    std::map<std::uint16_t, std::vector<std::uint32_t>> reps;
    for (auto id : f.columns) reps[nt_.columns[id].repr].push_back(id);
    if (reps.empty()) return "no columns";
    for (const auto& [rep, ids] : reps) {
      if (ids.size() != per_rep)
        return "representation " + std::to_string(rep) + " has " + std::to_string(ids.size()) +
               " columns, expected " + std::to_string(per_rep);
      for (std::size_t k = 0; k < ids.size(); ++k) {
        const auto& c = nt_.columns[ids[k]];
        if (fixed_bits(c.type) < 0) return "unknown column type " + hex(c.type);
        check_column(nt_, c, ids[k]);
        bool ok;
        if (index || (!dt && k == 0)) ok = is_index_type(c.type);
        else if (!dt) ok = c.type == kChar || c.type == kByte || c.type == kInt8 || c.type == kUInt8;
        else if (is_float(*dt)) ok = is_real_type(c.type);
        else ok = is_integer_type(c.type);
        if (!ok) return "column type " + column_type_name(c.type) + " for " + f.type;
      }
    }
    return "";
  }

  const Ntuple& nt_;
};

bool is_cardinality(const FieldDesc& f) { return f.type.rfind("ROOT::RNTupleCardinality<", 0) == 0; }

std::string type_label(const FieldDesc& f) {
  if (!f.type.empty()) return f.type;
  return f.role == kCollection ? "untyped collection" : f.role == kRecord ? "untyped record" : "?";
}

std::string field_path(const Ntuple& nt, std::uint32_t id) {
  std::string p = nt.fields[id].name;
  for (int d = 0; d < kMaxDepth && nt.fields[id].parent != id; ++d) {
    id = nt.fields[id].parent;
    p = nt.fields[id].name + "." + p;
  }
  return p;
}

std::vector<TopPlan> make_plan(const Ntuple& nt) {
  Planner planner(nt);
  std::vector<TopPlan> plans;
  std::set<std::string> top_names;
  std::vector<std::uint32_t> tops;
  for (std::uint32_t i = 0; i < nt.fields.size(); ++i)
    if (nt.fields[i].parent == i) {
      tops.push_back(i);
      top_names.insert(nt.fields[i].name);
    }
  std::map<std::uint32_t, std::size_t> collection_plan;  // collection field -> plan index
  for (const auto id : tops) {
    const auto& f = nt.fields[id];
    TopPlan p;
    p.field = id;
    if (f.projected()) {
      if (is_cardinality(f)) {
        p.kind = Kind::Counter;
        p.counter_dtype = f.type == "ROOT::RNTupleCardinality<std::uint64_t>" ? DType::U64 : DType::U32;
      } else {
        p.reason = "projection of " + field_path(nt, f.source) + ", whose values are read there";
      }
      plans.push_back(std::move(p));
      continue;
    }
    if (f.role == kCollection) {
      p.reason = planner.index_ok(f);
      if (p.reason.empty()) {
        const auto child = f.children[0];
        const auto& item = nt.fields[child];
        std::string why;
        if (item.role == kRecord) {
          // Untyped collection of an untyped record (the importer): members keep their names.
          const bool untyped = f.type.empty() && item.type.empty();
          why = planner.leaf(child, f.name, p.leaves, p.skipped, 1, !untyped);
        } else {
          why = planner.leaf(child, f.name, p.leaves, p.skipped, 1);
        }
        if (why.empty()) {
          p.kind = Kind::Collection;
          collection_plan[id] = plans.size();
        } else {
          p.reason = why == "nested collection" ? "collection of collections" : "collection of " + why;
        }
      }
    } else {
      p.reason = planner.leaf(id, f.name, p.leaves, p.skipped, 0);
      if (p.reason.empty()) p.kind = Kind::Flat;
    }
    plans.push_back(std::move(p));
  }
  // Cardinality projections: the counter of the collection they count, if it is read.
  for (auto& p : plans) {
    if (p.kind != Kind::Counter) continue;
    const auto& f = nt.fields[p.field];
    std::uint32_t coll = f.source;
    if (!f.alias_columns.empty()) coll = nt.columns[f.alias_columns[0]].field;
    if (f.alias_columns.size() != 1 || !is_index_type(nt.columns[f.alias_columns[0]].type)) {
      p.kind = Kind::Skipped;
      p.reason = "cardinality without one index column";
      continue;
    }
    p.collection = coll;
    const auto it = collection_plan.find(coll);
    if (it != collection_plan.end() && plans[it->second].counter.empty()) {
      plans[it->second].counter = f.name;
      plans[it->second].counter_dtype = p.counter_dtype;
      p.counter = nt.fields[coll].name;
      p.counts_read_collection = true;
    }
  }
  for (auto& p : plans) {
    if (p.kind != Kind::Collection || !p.counter.empty()) continue;
    const auto& name = nt.fields[p.field].name;
    p.counter = top_names.count("n" + name) ? "#" + name : "n" + name;
    p.counter_dtype = DType::U32;
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Building the tables.

class TableBuilder {
 public:
  void add(std::string name, Array values) { ds_.columns.push_back({std::move(name), std::move(values)}); ++n_; }
  void add_text(std::string name, std::vector<std::string> values) {
    ds_.text.push_back({std::move(name), n_++, std::move(values)});
  }
  Dataset take() { return std::move(ds_); }

 private:
  Dataset ds_;
  std::size_t n_ = 0;
};

template <typename T, typename Store>
Array to_array(DType dt, const std::vector<Store>& v, std::size_t start, std::size_t stride, std::size_t n) {
  Array a(dt, {static_cast<std::int64_t>(n)});
  auto out = a.as<T>();
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<Store, Flag>) out[i] = v[start + i * stride].v != 0;
    else out[i] = v[start + i * stride];
  }
  return a;
}

// Reads one leaf (counts[ci] values per cluster) into `out`.
void read_leaf(Reader& rd, const Ntuple& nt, const Leaf& leaf, const std::vector<std::uint64_t>& counts,
               TableBuilder& out) {
  const auto& f = nt.fields[leaf.field];
  const std::string what = nt.what + ", field '" + leaf.name + "'";
  if (leaf.text) {
    std::vector<std::uint64_t> totals;
    const auto lengths = rd.sizes(f, counts, totals, what);
    const auto chars = rd.read<char>(f, 1, totals, what);
    std::vector<std::string> values;
    values.reserve(lengths.size());
    std::size_t at = 0;
    for (auto len : lengths) {
      values.emplace_back(chars.data() + at, static_cast<std::size_t>(len));
      at += static_cast<std::size_t>(len);
    }
    out.add_text(leaf.name, std::move(values));
    return;
  }
  std::uint64_t n = 0;
  for (auto c : counts) n += c;
  const std::uint64_t repeat = leaf.repeat ? leaf.repeat : 1;
  std::vector<std::uint64_t> item_counts(counts);
  for (auto& c : item_counts) {
    require(c <= kMaxElements / repeat, ErrorCode::Limit, what + ": too many array items");
    c *= repeat;
  }
  visit_dtype(leaf.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Half>) {
      throw Error(ErrorCode::Internal, what + ": half-precision field type");
    } else {
      using Store = std::conditional_t<std::is_same_v<T, bool>, Flag, T>;
      static_assert(sizeof(Store) == sizeof(T));
      const auto values = rd.read<Store>(f, 0, item_counts, what);
      if (!leaf.repeat) {
        Array a(leaf.dtype, {static_cast<std::int64_t>(values.size())});
        if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), values.size() * sizeof(Store));
        out.add(leaf.name, std::move(a));
        return;
      }
      for (std::uint64_t k = 0; k < leaf.repeat; ++k)
        out.add(leaf.name + "[" + std::to_string(k) + "]",
                to_array<T>(leaf.dtype, values, static_cast<std::size_t>(k),
                            static_cast<std::size_t>(leaf.repeat), static_cast<std::size_t>(n)));
    }
  });
}

Array counter_array(DType dt, const std::vector<std::uint64_t>& sizes, const std::string& what) {
  Array a(dt, {static_cast<std::int64_t>(sizes.size())});
  if (dt == DType::U64) {
    std::memcpy(a.bytes.data(), sizes.data(), sizes.size() * 8);
    return a;
  }
  auto out = a.as<std::uint32_t>();
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    require(sizes[i] <= 0xFFFFFFFFu, ErrorCode::Limit,
            what + ": entry " + std::to_string(i) + " has " + std::to_string(sizes[i]) + " items");
    out[i] = static_cast<std::uint32_t>(sizes[i]);
  }
  return a;
}

std::string strip_path(const std::string& path) {
  std::string p = path;
  const auto semi = p.rfind(';');
  if (semi != std::string::npos) p.erase(semi);
  if (!p.empty() && p.front() == '/') p.erase(0, 1);
  return p;
}


Entry find_rntuple(const RootFile& file, const std::string& path) {
  const auto want = strip_path(path);
  std::string names;
  for (const auto& e : file.entries()) {
    if (!is_rntuple_class(e.key.class_name)) continue;
    if (e.path == want) return e;
    names += (names.empty() ? "" : ", ") + e.path;
  }
  throw Error(ErrorCode::Usage, file.name() + ": no RNTuple '" + path + "' (RNTuples: " +
                                    (names.empty() ? std::string("none") : names) + ")");
}

std::string dtype_str(DType t) { return std::string(dtype_name(t)); }

}  // namespace

std::vector<std::string> list_rntuples(const RootFile& file) {
  std::vector<std::string> out;
  for (const auto& e : file.entries())
    if (is_rntuple_class(e.key.class_name)) out.push_back(e.path);
  return out;
}

TreeTables read_rntuple(const RootFile& file, const std::string& path) {
  const auto entry = find_rntuple(file, path);
  const auto nt = open_ntuple(file, entry);
  const auto plans = make_plan(nt);
  TreeTables t;
  t.path = entry.path;
  t.class_name = "ROOT::RNTuple";
  t.title = nt.description;
  t.entries = static_cast<std::int64_t>(nt.entries);
  Reader rd(file, nt);
  TableBuilder flat;
  std::vector<std::uint64_t> entries;
  for (const auto& c : nt.clusters) entries.push_back(c.entries);
  for (const auto& p : plans) {
    const auto& f = nt.fields[p.field];
    switch (p.kind) {
      case Kind::Skipped: (f.projected() ? t.views : t.skipped).push_back(f.name + " (" + p.reason + ")"); break;
      case Kind::Flat:
        for (const auto& leaf : p.leaves) read_leaf(rd, nt, leaf, entries, flat);
        for (const auto& s : p.skipped) t.skipped.push_back(s);
        break;
      case Kind::Counter:
        if (p.counts_read_collection) break;  // the collection's own counter column
        {
          // A cardinality whose collection is not read: a flat column of counts.
          const std::string what = nt.what + ", field '" + f.name + "'";
          FieldDesc view;
          view.columns = f.alias_columns;
          std::vector<std::uint64_t> totals;
          const auto sizes = rd.sizes(view, entries, totals, what);
          flat.add(f.name, counter_array(p.counter_dtype, sizes, what));
        }
        break;
      case Kind::Collection: {
        const std::string what = nt.what + ", field '" + f.name + "'";
        std::vector<std::uint64_t> totals;
        const auto sizes = rd.sizes(f, entries, totals, what);
        flat.add(p.counter, counter_array(p.counter_dtype, sizes, what));
        TableBuilder objects;
        for (const auto& leaf : p.leaves) read_leaf(rd, nt, leaf, totals, objects);
        t.collections.push_back({f.name, p.counter, objects.take()});
        for (const auto& s : p.skipped) t.skipped.push_back(s);
        break;
      }
    }
  }
  t.flat = flat.take();
  return t;
}

std::vector<std::string> describe_rntuple(const RootFile& file, const std::string& path) {
  const auto entry = find_rntuple(file, path);
  const auto nt = open_ntuple(file, entry);
  const auto plans = make_plan(nt);
  std::vector<std::string> out;
  auto leaves = [&](const TopPlan& p) {
    std::string s;
    for (const auto& l : p.leaves) {
      s += (s.empty() ? "" : ", ") + l.name;
      if (l.repeat) s += "[0.." + std::to_string(l.repeat - 1) + "]";
      s += " " + (l.text ? std::string("text") : dtype_str(l.dtype));
    }
    for (const auto& k : p.skipped) s += "; skipped " + k;
    return s;
  };
  for (const auto& p : plans) {
    const auto& f = nt.fields[p.field];
    std::string line = f.name + " (" + type_label(f) + "): ";
    switch (p.kind) {
      case Kind::Skipped: line += "skipped (" + p.reason + ")"; break;
      case Kind::Flat: line += "flat " + leaves(p); break;
      case Kind::Counter:
        line += p.counts_read_collection
                    ? "counter (" + dtype_str(p.counter_dtype) + ") of collection '" + p.counter + "'"
                    : "flat column of the item counts of '" + field_path(nt, p.collection) + "' (" +
                          dtype_str(p.counter_dtype) + ")";
        break;
      case Kind::Collection:
        line += "collection, counter '" + p.counter + "' (" + dtype_str(p.counter_dtype) +
                "), object columns " + leaves(p);
        break;
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace baler::rootio
