// An RNTuple written back as an RNTuple (rntuple.hpp carry_ntuple, write_ntuple): its header as
// stored, its footer and page lists with the page positions rewritten, and every page either
// rebuilt from the tables' values in its column's encoding or carried as stored.
#include <xxhash.h>

#include <bit>
#include <cstring>
#include <algorithm>
#include <map>

#include "rntuple.hpp"
#include "rntuple_format.hpp"
#include "root_write_buffer.hpp"
#include "root_writer.hpp"

namespace baler::rootio {
namespace {

using namespace rnt;

constexpr std::uint64_t kMaxBlob = std::uint64_t{64} << 20;

// Whether a page of column type `t` holding values of `source` is rebuilt from them without
// loss whatever the values are (floats narrowed, halves, truncated or quantised reals are not).
bool rebuildable(std::uint16_t t, const ColumnStream& s) {
  if (s.real)
    return ((t == kReal32 || t == kSplitReal32) && s.source == DType::F32) ||
           ((t == kReal64 || t == kSplitReal64) && s.source == DType::F64);
  return is_integer_type(t) || is_index_type(t);
}

// Value v of a stream as a column of `bits` bits holds it (two's complement for signed columns);
// false when it does not fit.
bool narrow(std::int64_t raw, DType source, int bits, bool is_signed, bool either, std::uint64_t& out) {
  const bool uns = source == DType::U64;
  const auto u = static_cast<std::uint64_t>(raw);
  const std::uint64_t mask = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  out = u & mask;
  if (bits == 64) return is_signed ? (!uns || raw >= 0) : (uns || raw >= 0);
  const std::int64_t lo = is_signed || either ? -(std::int64_t{1} << (bits - 1)) : 0;
  const std::int64_t hi = is_signed ? (std::int64_t{1} << (bits - 1)) - 1 : static_cast<std::int64_t>(mask);
  if (uns && raw < 0) return false;  // above INT64_MAX
  return raw >= lo && raw <= hi;
}

void put_le(std::byte* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

// Encodes values [from, from + n) of s as a page of column c (uncompressed); false when the
// column type cannot hold them exactly.
bool encode_page(const ColumnDesc& c, const ColumnStream& s, std::size_t from, std::size_t n, std::vector<std::byte>& out) {
  if (!rebuildable(c.type, s) || from + n > (s.real ? s.reals.size() : s.ints.size())) return false;
  out.assign(static_cast<std::size_t>(page_bytes(c, n)), std::byte{0});
  if (c.type == kBit) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto v = s.ints[from + i];
      if (v != 0 && v != 1) return false;
      if (v) out[i / 8] |= static_cast<std::byte>(1u << (i % 8));
    }
    return true;
  }
  const std::size_t size = static_cast<std::size_t>(c.bits / 8);
  bool split = false, zz = false, delta = false, is_signed = false, either = false;
  switch (c.type) {
    case kChar: either = true; break;
    case kInt8: case kInt16: case kInt32: case kInt64: is_signed = true; break;
    case kSplitInt16: case kSplitInt32: case kSplitInt64: split = zz = is_signed = true; break;
    case kSplitUInt16: case kSplitUInt32: case kSplitUInt64: case kSplitReal32: case kSplitReal64: split = true; break;
    case kSplitIndex32: case kSplitIndex64: split = delta = true; break;
    default: break;
  }
  std::vector<std::byte> plain(split ? n * size : 0);
  std::byte* dst = split ? plain.data() : out.data();
  std::uint64_t prev = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t bits = 0;
    if (s.real) {
      const double d = s.reals[from + i];
      bits = size == 4 ? std::bit_cast<std::uint32_t>(static_cast<float>(d)) : std::bit_cast<std::uint64_t>(d);
    } else {
      if (!narrow(s.ints[from + i], s.source, static_cast<int>(8 * size), is_signed, either, bits)) return false;
      if (zz) {  // zigzag of the value as a signed number of `size` bytes
        const int w = static_cast<int>(8 * size);
        const auto sv = static_cast<std::int64_t>(bits << (64 - w)) >> (64 - w);
        bits = (static_cast<std::uint64_t>(sv) << 1) ^ static_cast<std::uint64_t>(sv >> 63);
        if (w < 64) bits &= (std::uint64_t{1} << w) - 1;
      }
      if (delta) {
        const std::uint64_t d = bits - prev;
        prev = bits;
        bits = size == 4 ? d & 0xFFFFFFFFu : d;
      }
    }
    put_le(dst + i * size, bits, size);
  }
  if (split) shuffle_bytes(plain.data(), out.data(), n, size);
  return true;
}

// Where each (cluster, physical column) takes its values: the stream and the first element.
struct Source {
  std::size_t stream = 0;
  std::size_t first = 0;
};
using SourceMap = std::map<std::pair<std::size_t, std::uint32_t>, Source>;

SourceMap map_sources(const Ntuple& nt, const std::vector<ColumnStream>& streams) {
  SourceMap out;
  for (std::size_t si = 0; si < streams.size(); ++si) {
    const auto& s = streams[si];
    const auto& f = nt.fields[s.field];
    const std::string what = nt.what + ", field '" + f.name + "'";
    require(s.counts.size() == nt.clusters.size(), ErrorCode::Internal, what + ": stream of another cluster count");
    std::size_t base = 0;
    for (std::size_t ci = 0; ci < nt.clusters.size(); ++ci) {
      const auto id = active_column(nt, f, s.k, ci, what);
      const auto& cluster = nt.clusters[ci];
      if (id < cluster.columns.size()) {
        const auto have = cluster.columns[id].elements;
        require(have <= s.counts[ci], ErrorCode::Malformed,
                what + ": cluster " + std::to_string(ci) + " holds " + std::to_string(have) + " elements of column " +
                    std::to_string(id) + " but " + std::to_string(s.counts[ci]) + " are needed");
        out[{ci, id}] = {si, base + static_cast<std::size_t>(s.counts[ci] - have)};
      }
      base += static_cast<std::size_t>(s.counts[ci]);
    }
  }
  return out;
}

// Calls fn(cluster index, column id, page) for every page, in page-list order.
template <typename F>
void for_each_page(const Ntuple& nt, F&& fn) {
  for (const auto ci : nt.listed_clusters) {
    const auto& cluster = nt.clusters[ci];
    for (std::uint32_t id = 0; id < cluster.columns.size(); ++id)
      for (const auto& page : cluster.columns[id].pages) fn(ci, id, page);
  }
}

Algo algo_of(std::uint32_t settings) {
  switch (settings / 100) {
    case 1: return Algo::Zlib;
    case 2: return Algo::Lzma;
    case 4: return Algo::Lz4;
    case 5: return Algo::Zstd;
    default: return Algo::None;
  }
}

void put_le_at(std::vector<std::byte>& b, std::size_t at, std::uint64_t v, std::size_t n, const std::string& what) {
  require(at <= b.size() && n <= b.size() - at, ErrorCode::Malformed, what + ": a locator lies outside its envelope");
  put_le(b.data() + at, v, n);
}

void patch_locator(std::vector<std::byte>& env, const Locator& loc, std::uint64_t offset, std::uint64_t size,
                   const std::string& what) {
  if (loc.large) {
    put_le_at(env, loc.at + 4, size, 8, what);
    put_le_at(env, loc.at + 12, offset, 8, what);
    return;
  }
  require(size < (std::uint64_t{1} << 31), ErrorCode::Limit, what + ": a page of " + std::to_string(size) + " bytes");
  put_le_at(env, loc.at, size, 4, what);
  put_le_at(env, loc.at + 4, offset, 8, what);
}

void reseal(std::vector<std::byte>& env) {
  put_le(env.data() + env.size() - 8, XXH3_64bits(env.data(), env.size() - 8), 8);
}

std::vector<std::int64_t> int_values(const Dataset& d, const char* name, const std::string& what) {
  for (const auto& c : d.columns)
    if (c.name == name && c.values.dtype == DType::I64) {
      const auto v = c.values.as<std::int64_t>();
      return {v.begin(), v.end()};
    }
  throw Error(ErrorCode::Malformed, what + ": the page table has no int64 column " + name);
}

}  // namespace

NtupleCarry carry_ntuple(const RootFile& file, const Entry& entry, const TreeTables& tables) {
  const Ntuple nt = open_ntuple(file, entry);
  std::vector<const Dataset*> collections;
  for (const auto& c : tables.collections) collections.push_back(&c.objects);
  const auto streams = table_streams(nt, tables.flat, collections);
  const auto sources = map_sources(nt, streams);
  NtupleCarry out;
  out.layout = {static_cast<std::int64_t>(nt.anchor.size()), static_cast<std::int64_t>(nt.header_stored.size()),
                static_cast<std::int64_t>(nt.footer.size())};
  for (const auto& list : nt.page_lists) out.layout.push_back(static_cast<std::int64_t>(list.size()));
  for (const auto* part : {&nt.anchor, &nt.header_stored, &nt.footer})
    out.bytes.insert(out.bytes.end(), part->begin(), part->end());
  for (const auto& list : nt.page_lists) out.bytes.insert(out.bytes.end(), list.begin(), list.end());
  std::vector<std::int64_t> raw;
  std::vector<std::byte> encoded;
  std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> done;  // elements placed per (cluster, column)
  for_each_page(nt, [&](std::size_t ci, std::uint32_t id, const PageDesc& page) {
    const std::string what = nt.what + ": cluster " + std::to_string(ci) + ", column " + std::to_string(id);
    auto stored = read_stored_page(file, nt, page, what);
    const auto it = sources.find({ci, id});
    bool rebuilt = false;
    auto& at = done[{ci, id}];
    if (it != sources.end()) {
      const auto& desc = nt.columns[id];
      const auto unpacked = unpack_page(nt, desc, page, stored, what);
      rebuilt = encode_page(desc, streams[it->second.stream], it->second.first + at, page.elements, encoded) && encoded == unpacked;
    }
    at += page.elements;
    raw.push_back(rebuilt ? 0 : static_cast<std::int64_t>(stored.size()));
    ++out.pages;
    if (!rebuilt) {
      out.bytes.insert(out.bytes.end(), stored.begin(), stored.end());
      ++out.raw_pages;
    }
  });
  Column c;
  c.name = "raw_bytes";
  c.values = Array(DType::I64, {static_cast<std::int64_t>(raw.size())});
  if (!raw.empty()) std::memcpy(c.values.bytes.data(), raw.data(), raw.size() * 8);
  out.page_table.columns.push_back(std::move(c));
  return out;
}

void write_ntuple(RootFileWriter& w, const NtupleWrite& in) {
  const std::string& what = in.what;
  const auto& L = in.layout;
  require(L.size() >= 3, ErrorCode::Malformed, what + ": ROOT.ntuple is too short");
  std::size_t at = 0;
  const auto take = [&](std::int64_t n, const char* part) {
    require(n >= 0 && static_cast<std::uint64_t>(n) <= in.bytes.size() - at, ErrorCode::Malformed,
            what + ": the " + part + " runs past the carried bytes");
    const auto s = in.bytes.subspan(at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
    return s;
  };
  const auto anchor_in = take(L[0], "anchor");
  const auto header = take(L[1], "header");
  const auto footer_in = take(L[2], "footer");
  std::vector<std::span<const std::byte>> lists_in;
  for (std::size_t g = 3; g < L.size(); ++g) lists_in.push_back(take(L[g], "page list"));
  const Ntuple nt = parse_ntuple(what, anchor_in, header, footer_in, lists_in);
  const auto streams = table_streams(nt, *in.flat, in.collections);
  const auto sources = map_sources(nt, streams);
  const auto raw = int_values(*in.pages, "raw_bytes", what);

  std::vector<std::vector<std::byte>> lists;
  for (const auto& l : lists_in) lists.emplace_back(l.begin(), l.end());
  const std::uint64_t header_at = w.write_blob(header);

  // The pages, one blob per cluster, in page-list order.
  std::size_t row = 0, cluster_at = nt.listed_clusters.empty() ? 0 : nt.listed_clusters.front();
  std::vector<std::byte> blob, encoded;
  std::vector<std::pair<const PageDesc*, std::pair<std::size_t, std::size_t>>> placed;  // page, (offset in blob, size)
  std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> done;
  // A blob holds one cluster's pages, up to 64 MiB and the RNTuple's largest key.
  const std::uint64_t limit = nt.max_key_size == 0 ? kMaxBlob : std::min<std::uint64_t>(kMaxBlob, nt.max_key_size);
  const auto flush = [&] {
    if (blob.empty() && placed.empty()) return;
    const std::uint64_t base = w.write_blob(blob);
    for (const auto& [page, where] : placed)
      patch_locator(lists[page->list], page->where, base + where.first, where.second, what);
    blob.clear();
    placed.clear();
  };
  for_each_page(nt, [&](std::size_t ci, std::uint32_t id, const PageDesc& page) {
    const std::string pwhat = what + ": cluster " + std::to_string(ci) + ", column " + std::to_string(id);
    if (ci != cluster_at) flush(), cluster_at = ci;
    require(row < raw.size(), ErrorCode::Malformed, what + ": the page table has fewer rows than the RNTuple has pages");
    const std::int64_t n = raw[row++];
    auto& done_here = done[{ci, id}];
    const std::size_t first = done_here;
    done_here += page.elements;
    std::span<const std::byte> body, tail;
    std::vector<std::byte> packed, sum(8);
    if (n > 0) {
      require(static_cast<std::uint64_t>(n) == page.where.size + (page.checksum ? 8 : 0), ErrorCode::Malformed,
              pwhat + ": a carried page of " + std::to_string(n) + " bytes, its locator says " + std::to_string(page.where.size));
      const auto stored = take(n, "page");
      body = stored.first(static_cast<std::size_t>(page.where.size));
      tail = stored.subspan(body.size());
    } else {
      const auto it = sources.find({ci, id});
      require(n == 0 && it != sources.end() &&
                  encode_page(nt.columns[id], streams[it->second.stream], it->second.first + first, page.elements, encoded),
              ErrorCode::Malformed, pwhat + ": a page neither carried nor rebuilt from the tables");
      const std::uint32_t settings = nt.clusters[ci].columns[id].compression;
      packed = compress_blocks(encoded, algo_of(settings), static_cast<int>(settings % 100), pwhat);
      body = packed.empty() || packed.size() >= encoded.size() ? std::span<const std::byte>(encoded) : packed;
      if (page.checksum) {
        put_le(sum.data(), XXH3_64bits(body.data(), body.size()), 8);
        tail = sum;
      }
    }
    const std::size_t size = body.size() + tail.size();
    require(nt.max_key_size == 0 || size <= nt.max_key_size, ErrorCode::Limit,
            pwhat + ": a page of " + std::to_string(size) + " bytes, beyond the RNTuple's key size");
    if (!blob.empty() && blob.size() + size > limit) flush();
    placed.push_back({&page, {blob.size(), body.size()}});
    blob.insert(blob.end(), body.begin(), body.end());
    blob.insert(blob.end(), tail.begin(), tail.end());
  });
  flush();
  require(row == raw.size(), ErrorCode::Malformed, what + ": the page table has more rows than the RNTuple has pages");
  require(at == in.bytes.size(), ErrorCode::Malformed, what + ": the carried bytes hold more than the RNTuple's pages");

  std::vector<std::byte> footer(footer_in.begin(), footer_in.end());
  for (std::size_t g = 0; g < lists.size(); ++g) {
    reseal(lists[g]);
    const std::uint64_t list_at = w.write_blob(lists[g]);
    patch_locator(footer, nt.list_locators[g], list_at, lists[g].size(), what);
  }
  reseal(footer);
  const std::uint64_t footer_at = w.write_blob(footer);

  std::vector<std::byte> anchor(anchor_in.begin(), anchor_in.end());
  const Anchor a = parse_anchor(anchor, what);
  const auto put = [&](std::size_t at, std::uint64_t v) { put_be_at(anchor, at, v, what + " anchor"); };
  put(a.fields_at + 8, header_at);
  put(a.fields_at + 16, header.size());
  put(a.fields_at + 32, footer_at);
  put(a.fields_at + 40, footer.size());
  put(a.fields_at + 48, footer.size());
  put(a.object_end, XXH3_64bits(anchor.data() + a.fields_at, a.object_end - a.fields_at));
  RootRawObject o;
  o.directory = in.directory;
  o.class_name = in.class_name;
  o.name = in.name;
  o.title = in.title;
  o.cycle = in.cycle;
  o.small_key = in.small_key;
  o.payload = anchor;
  w.write_object(o);
}

}  // namespace baler::rootio
