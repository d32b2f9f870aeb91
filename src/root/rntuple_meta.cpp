// RNTuple metadata (rntuple_format.hpp): the anchor, the header, footer and page list envelopes,
// column types, and stored pages, each length, count and checksum checked before use.
#include "rntuple_format.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

namespace baler::rootio::rnt {

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

namespace {

constexpr int kMaxFeatureWords = 16;

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

// `base`: the start of the envelope r reads (for Locator::at).
Locator read_locator(ByteReader& r, std::string_view field, const std::byte* base = nullptr) {
  Locator loc;
  if (base) loc.at = static_cast<std::size_t>(r.here() - base);
  const auto head = r.le<std::int32_t>(field);
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
  loc.large = true;
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

// Checks an envelope's uncompressed bytes: the type and length preamble and the XXH3
// checksum. Returns the stored checksum.
std::uint64_t check_envelope(std::span<const std::byte> data, std::uint64_t length, std::uint16_t type,
                             const std::string& what) {
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
  const auto stored = load_le(data.data() + length - 8, 8);
  const auto computed = XXH3_64bits(data.data(), length - 8);
  require(stored == computed, ErrorCode::Corrupt,
          what + ": checksum mismatch (stored " + hex(stored) + ", computed " + hex(computed) + ")");
  return stored;
}

void check_envelope_size(const Ntuple& nt, std::uint64_t stored, std::uint64_t length, const std::string& what) {
  require(length >= 16, ErrorCode::Malformed,
          what + ": length " + std::to_string(length) + " is too small");
  require(length <= kMaxObjectBytes, ErrorCode::Limit,
          what + ": length " + std::to_string(length) + " is beyond the limit " +
              std::to_string(kMaxObjectBytes));
  require(stored <= length, ErrorCode::Malformed,
          what + ": stored size " + std::to_string(stored) + " exceeds its length " +
              std::to_string(length));
  require(nt.max_key_size == 0 || stored <= nt.max_key_size, ErrorCode::Unsupported,
          what + ": " + std::to_string(stored) + " bytes span several keys (max key size " +
              std::to_string(nt.max_key_size) + ")");
}

std::vector<std::byte> unpack_envelope(const Ntuple& nt, std::vector<std::byte> stored, std::uint64_t length,
                                       const std::string& what) {
  check_envelope_size(nt, stored.size(), length, what);
  return stored.size() == length ? std::move(stored) : decompress_blocks(stored, length, what);
}

// Reads an envelope (stored at `loc`, `length` bytes uncompressed) and checks it.
std::vector<std::byte> read_envelope(const RootFile& file, const Ntuple& nt, const Locator& loc,
                                     std::uint64_t length, std::uint16_t type,
                                     const std::string& name, std::uint64_t* checksum = nullptr,
                                     std::vector<std::byte>* stored = nullptr) {
  const std::string what = nt.what + ": " + name + " envelope";
  check_envelope_size(nt, loc.size, length, what);
  auto raw = file.source().read(loc.offset, loc.size, name + " envelope of RNTuple '" + nt.name + "'");
  if (stored) *stored = raw;
  auto data = unpack_envelope(nt, std::move(raw), length, what);
  const auto sum = check_envelope(data, length, type, what);
  if (checksum) *checksum = sum;
  return data;
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

// Parses page list envelope `group` (uncompressed, `data`) into nt.clusters.
void parse_page_list(Ntuple& nt, std::span<const std::byte> data, std::uint64_t length,
                     std::uint32_t expected_clusters, std::size_t group) {
  const std::string name = "page list " + std::to_string(group);
  check_envelope(data, length, kEnvPageList, nt.what + ": " + name + " envelope");
  ByteReader r(data.subspan(8, data.size() - 16), nt.what + ": " + name);
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
        pd.where = read_locator(inner.body, "page locator", data.data());
        pd.list = group;
        cc.elements += pd.elements;
        cc.pages.push_back(pd);
      }
      cc.element_offset = inner.body.le<std::int64_t>("column element offset");
      cc.suppressed = cc.element_offset < 0;
      if (!cc.suppressed) cc.compression = inner.body.le<std::uint32_t>("column compression settings");
      require(!cc.suppressed || cc.pages.empty(), ErrorCode::Malformed,
              nt.what + ": suppressed column " + std::to_string(k) + " of cluster " +
                  std::to_string(first_cluster + ci) + " has pages");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Opening: anchor, header, footer, page lists.

struct Group {
  Locator where;
  std::uint64_t length = 0;
  std::uint32_t clusters = 0;
};

void parse_header(Ntuple& nt, std::span<const std::byte> data, std::uint64_t length,
                  std::vector<std::pair<std::uint32_t, std::uint32_t>>& aliases) {
  nt.header_checksum = check_envelope(data, length, kEnvHeader, nt.what + ": header envelope");
  ByteReader h(data.subspan(8, data.size() - 16), nt.what + ": header");
  read_feature_flags(h);
  read_string(h, "ntuple name");
  nt.description = read_string(h, "ntuple description");
  read_string(h, "writer");
  read_schema(h, nt, aliases);
}

std::vector<Group> parse_footer(Ntuple& nt, std::span<const std::byte> data, std::uint64_t length,
                                std::vector<std::pair<std::uint32_t, std::uint32_t>>& aliases) {
  check_envelope(data, length, kEnvFooter, nt.what + ": footer envelope");
  ByteReader f(data.subspan(8, data.size() - 16), nt.what + ": footer");
  read_feature_flags(f);
  const auto header_sum = f.le<std::uint64_t>("header checksum");
  require(header_sum == nt.header_checksum, ErrorCode::Corrupt,
          nt.what + ": footer belongs to another header (checksum " + hex(header_sum) +
              ", header " + hex(nt.header_checksum) + ")");
  auto ext = read_frame(f, false, "schema extension");
  if (ext.body.remaining() > 0) read_schema(ext.body, nt, aliases);
  auto gl = read_frame(f, true, "cluster groups");
  std::vector<Group> groups;
  for (std::uint32_t i = 0; i < gl.items; ++i) {
    auto gr = read_frame(gl.body, false, "cluster group");
    gr.body.skip(16, "cluster group entry range");
    Group g;
    g.clusters = gr.body.le<std::uint32_t>("cluster count");
    g.length = gr.body.le<std::uint64_t>("page list length");
    g.where = read_locator(gr.body, "page list locator", data.data());
    groups.push_back(g);
  }
  return groups;
}

// Orders the clusters by entry (keeping where each list put them) and counts the entries.
void finish(Ntuple& nt) {
  std::vector<std::size_t> order(nt.clusters.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return nt.clusters[a].first_entry < nt.clusters[b].first_entry; });
  std::vector<Cluster> sorted;
  nt.listed_clusters.assign(order.size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    nt.listed_clusters[order[i]] = i;
    sorted.push_back(std::move(nt.clusters[order[i]]));
  }
  nt.clusters = std::move(sorted);
  for (std::size_t i = 0; i < nt.clusters.size(); ++i) {
    const auto& c = nt.clusters[i];
    require(c.first_entry == nt.entries, ErrorCode::Malformed,
            nt.what + ": cluster " + std::to_string(i) + " starts at entry " +
                std::to_string(c.first_entry) + ", expected " + std::to_string(nt.entries));
    require(c.entries <= kMaxElements - nt.entries, ErrorCode::Limit,
            nt.what + ": more than " + std::to_string(kMaxElements) + " entries");
    nt.entries += c.entries;
  }
}

}  // namespace

Anchor parse_anchor(std::span<const std::byte> payload, const std::string& what) {
  ByteReader r(payload, what + ": anchor");
  Anchor a;
  const auto count = r.be<std::uint32_t>("anchor byte count");
  if (!(count & 0x40000000u)) r.fail("anchor has no byte count");
  const auto object_bytes = count & ~0x40000000u;
  r.need(object_bytes, "anchor object");
  a.object_end = r.pos() + object_bytes;
  r.skip(2, "anchor class version");
  a.fields_at = r.pos();
  const auto epoch = r.be<std::uint16_t>("version epoch");
  const auto major = r.be<std::uint16_t>("version major");
  const auto minor = r.be<std::uint16_t>("version minor");
  const auto patch = r.be<std::uint16_t>("version patch");
  const std::string version = std::to_string(epoch) + "." + std::to_string(major) + "." +
                              std::to_string(minor) + "." + std::to_string(patch);
  require(epoch == 1, ErrorCode::Unsupported,
          what + ": format version " + version + " (only epoch 1, ROOT >= 6.34, is supported)");
  a.seek_header = r.be<std::uint64_t>("seek header");
  a.nbytes_header = r.be<std::uint64_t>("nbytes header");
  a.len_header = r.be<std::uint64_t>("len header");
  a.seek_footer = r.be<std::uint64_t>("seek footer");
  a.nbytes_footer = r.be<std::uint64_t>("nbytes footer");
  a.len_footer = r.be<std::uint64_t>("len footer");
  a.max_key_size = r.be<std::uint64_t>("max key size");
  if (r.pos() > a.object_end) r.fail("anchor fields run past the object's byte count");
  // The checksum covers the anchor's fields (epoch to the last field the writer knew).
  const auto fields = payload.subspan(a.fields_at, a.object_end - a.fields_at);
  r.seek(a.object_end, "anchor checksum");
  const auto stored = r.be<std::uint64_t>("anchor checksum");
  const auto computed = XXH3_64bits(fields.data(), fields.size());
  require(stored == computed, ErrorCode::Corrupt,
          what + ": anchor checksum mismatch (stored " + hex(stored) + ", computed " + hex(computed) + ")");
  return a;
}

Ntuple open_ntuple(const RootFile& file, const Entry& entry) {
  Ntuple nt;
  nt.what = file.name() + ": RNTuple '" + entry.path + "'";
  nt.name = entry.path;
  nt.anchor = file.payload(entry.key, "RNTuple anchor '" + entry.path + "'");
  const Anchor a = parse_anchor(nt.anchor, nt.what);
  nt.max_key_size = a.max_key_size;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> aliases;
  Locator at_header{a.seek_header, a.nbytes_header};
  const auto header = read_envelope(file, nt, at_header, a.len_header, kEnvHeader, "header", nullptr, &nt.header_stored);
  parse_header(nt, header, a.len_header, aliases);
  nt.footer = read_envelope(file, nt, {a.seek_footer, a.nbytes_footer}, a.len_footer, kEnvFooter, "footer");
  const auto groups = parse_footer(nt, nt.footer, a.len_footer, aliases);
  link_schema(nt, aliases);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string name = "page list " + std::to_string(g);
    nt.page_lists.push_back(read_envelope(file, nt, groups[g].where, groups[g].length, kEnvPageList, name));
    nt.list_locators.push_back(groups[g].where);
    parse_page_list(nt, nt.page_lists.back(), groups[g].length, groups[g].clusters, g);
  }
  finish(nt);
  return nt;
}

Ntuple parse_ntuple(const std::string& what, std::span<const std::byte> anchor, std::span<const std::byte> header_stored,
                    std::span<const std::byte> footer, const std::vector<std::span<const std::byte>>& page_lists) {
  Ntuple nt;
  nt.what = what;
  const Anchor a = parse_anchor(anchor, what);
  nt.max_key_size = a.max_key_size;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> aliases;
  const auto header = unpack_envelope(nt, {header_stored.begin(), header_stored.end()}, a.len_header, what + ": header envelope");
  parse_header(nt, header, a.len_header, aliases);
  const auto groups = parse_footer(nt, footer, footer.size(), aliases);
  link_schema(nt, aliases);
  require(groups.size() == page_lists.size(), ErrorCode::Malformed,
          what + ": the footer has " + std::to_string(groups.size()) + " cluster groups but " +
              std::to_string(page_lists.size()) + " page lists are carried");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    require(groups[g].length == page_lists[g].size(), ErrorCode::Malformed,
            what + ": page list " + std::to_string(g) + " has " + std::to_string(page_lists[g].size()) +
                " bytes, the footer says " + std::to_string(groups[g].length));
    nt.list_locators.push_back(groups[g].where);
    parse_page_list(nt, page_lists[g], groups[g].length, groups[g].clusters, g);
  }
  finish(nt);
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

std::uint64_t page_bytes(const ColumnDesc& c, std::uint64_t elements) {
  return (elements * c.bits + 7) / 8;  // elements < 2^31, bits <= 96: no overflow
}

std::uint64_t load_le(const std::byte* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
  return v;
}

std::uint32_t active_column(const Ntuple& nt, const FieldDesc& f, std::size_t k, std::size_t ci, const std::string& what) {
  const auto& cluster = nt.clusters[ci];
  constexpr auto kNone = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t fallback = kNone;
  std::uint16_t nrep = 0;
  for (auto id : f.columns) nrep = std::max<std::uint16_t>(nrep, nt.columns[id].repr + 1);
  for (std::uint16_t rep = 0; rep < nrep; ++rep) {
    std::size_t idx = 0;
    for (auto id : f.columns) {
      if (nt.columns[id].repr != rep) continue;
      if (idx++ != k) continue;
      if (id >= cluster.columns.size()) {
        if (fallback == kNone) fallback = id;
      } else if (!cluster.columns[id].suppressed) {
        return id;
      }
    }
  }
  require(fallback != kNone, ErrorCode::Malformed,
          what + ": cluster " + std::to_string(ci) + " has no active column " + std::to_string(k));
  return fallback;
}

std::vector<std::byte> read_stored_page(const RootFile& file, const Ntuple& nt, const PageDesc& page, const std::string& what) {
  require(nt.max_key_size == 0 || page.where.size <= nt.max_key_size, ErrorCode::Unsupported,
          what + ": page of " + std::to_string(page.where.size) + " bytes spans several keys");
  require(page.where.size <= kMaxObjectBytes, ErrorCode::Limit,
          what + ": page of " + std::to_string(page.where.size) + " bytes is beyond the limit");
  const std::uint64_t stored = page.where.size + (page.checksum ? 8 : 0);
  return file.source().read(page.where.offset, stored, what.substr(std::min(what.size(), nt.what.size() + 2)));
}

std::vector<std::byte> unpack_page(const Ntuple& nt, const ColumnDesc& c, const PageDesc& page,
                                   std::span<const std::byte> stored, const std::string& what) {
  const std::uint64_t length = page_bytes(c, page.elements);
  require(length <= kMaxObjectBytes, ErrorCode::Limit,
          what + ": page of " + std::to_string(length) + " bytes is beyond the limit");
  require(stored.size() == page.where.size + (page.checksum ? 8 : 0), ErrorCode::Malformed,
          what + ": page of " + std::to_string(stored.size()) + " bytes stored, its locator says " +
              std::to_string(page.where.size));
  const auto body = stored.first(static_cast<std::size_t>(page.where.size));
  if (page.checksum) {
    const auto want = load_le(stored.data() + page.where.size, 8);
    const auto got = XXH3_64bits(body.data(), body.size());
    require(want == got, ErrorCode::Corrupt,
            what + ": page checksum mismatch (stored " + hex(want) + ", computed " + hex(got) + ")");
  }
  (void)nt;
  if (body.size() == length) return std::vector<std::byte>(body.begin(), body.end());
  return decompress_blocks(body, length, what);
}

}  // namespace baler::rootio::rnt
