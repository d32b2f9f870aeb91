// Encoding and checked decoding of SCHEMA, CHUNK_INDEX and STATS; error-bound parsing.
#include "codec_schema.hpp"

#include <charconv>
#include <cmath>

#include "column_codec.hpp"
#include "wire.hpp"

namespace baler {

ErrorBound parse_error_bound(std::string_view text) {
  auto fail = [&]() -> ErrorBound {
    throw Error(ErrorCode::Config, "error bound '" + std::string(text) +
                                       "' is not one of abs=X, rel=X, pw_rel=X (X > 0), exact, none");
  };
  if (text == "exact") return {BoundKind::Exact, 0.0};
  if (text == "none") return {BoundKind::None, 0.0};
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return fail();
  const auto key = text.substr(0, eq);
  const std::string num(text.substr(eq + 1));
  ErrorBound b;
  if (key == "abs") b.kind = BoundKind::Abs;
  else if (key == "rel") b.kind = BoundKind::Rel;
  else if (key == "pw_rel") b.kind = BoundKind::PwRel;
  else return fail();
  std::size_t used = 0;
  try {
    b.value = std::stod(num, &used);
  } catch (const std::exception&) {
    return fail();
  }
  if (used != num.size() || !std::isfinite(b.value) || b.value <= 0) return fail();
  if (b.kind == BoundKind::PwRel && b.value >= 1) return fail();
  return b;
}

std::string bound_string(const ErrorBound& b) {
  char buf[64];
  switch (b.kind) {
    case BoundKind::Exact: return "exact";
    case BoundKind::None: return "none";
    case BoundKind::Abs: std::snprintf(buf, sizeof buf, "abs=%g", b.value); break;
    case BoundKind::Rel: std::snprintf(buf, sizeof buf, "rel=%g", b.value); break;
    case BoundKind::PwRel: std::snprintf(buf, sizeof buf, "pw_rel=%g", b.value); break;
  }
  return buf;
}

CompressOptions compress_options_from_config(const CompressionConfig& c) {
  CompressOptions o;
  o.bound = parse_error_bound(c.error_bound);
  for (const auto& [name, b] : c.column_bounds) o.column_bounds[name] = parse_error_bound(b);
  o.detect_integers = c.detect_integers;
  if (c.model_storage != "embedded" && c.model_storage != "external")
    throw Error(ErrorCode::Config, "compression.model_storage '" + c.model_storage + "' is not embedded or external");
  o.external_model = c.model_storage == "external";
  o.weight_precision = c.weight_precision;
  if (c.chunk_rows < 0) throw Error(ErrorCode::Config, "compression.chunk_rows must be 0 (auto) or at least 1");
  o.chunk_rows = c.chunk_rows;
  o.zstd_level = c.zstd_level;
  return o;
}

namespace codec {

constexpr std::uint32_t kMaxColumns = 1u << 20;
constexpr std::uint32_t kMaxChunks = 1u << 24;

// Metadata sections are stored packed: u8 0 = as is, 1 = zstd | varint unpacked size | bytes.
constexpr std::uint64_t kMaxMetadata = std::uint64_t{1} << 26;

std::vector<std::byte> pack(const std::vector<std::byte>& raw) {
  const auto z = zstd_compress(raw, 12);  // level 19 costs ~0.1 ms a section for ~0.1 % of a small table's bytes
  const bool use_z = z.size() + 1 < raw.size();
  ByteWriter w;
  w.le<std::uint8_t>(use_z ? 1 : 0);
  put_varint(w, raw.size());
  w.append(use_z ? z : raw);
  return std::move(w.buffer());
}

std::vector<std::byte> unpack(std::span<const std::byte> b, const std::string& what) {
  ByteReader r(b, what);
  const auto flag = r.le<std::uint8_t>("packing");
  if (flag > 1) r.fail("unknown packing " + std::to_string(flag));
  const auto size = get_varint(r, "unpacked size");
  if (size > kMaxMetadata)
    throw Error(ErrorCode::Limit, what + ": metadata of " + std::to_string(size) + " bytes exceeds the limit");
  const auto rest = r.bytes(r.remaining(), "payload");
  if (flag == 1) return zstd_decompress(rest, static_cast<std::size_t>(size));
  if (rest.size() != size) r.fail("payload is not the declared " + std::to_string(size) + " bytes");
  return {rest.begin(), rest.end()};
}

bool glob_match(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') return glob_match(p.substr(1), t) || (!t.empty() && glob_match(p, t.substr(1)));
  if (t.empty()) return false;
  return (p[0] == '?' || p[0] == t[0]) && glob_match(p.substr(1), t.substr(1));
}

std::vector<std::byte> encode_schema(const Schema& s) {
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(s.kind));
  w.le<std::uint8_t>(s.from_matrix ? 1 : 0);
  w.le<std::uint16_t>(0);
  w.le<std::uint64_t>(s.rows);
  w.le<std::uint64_t>(s.chunk_rows);
  put_string(w, s.source_format);
  put_string(w, s.source_name);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(s.columns.size()));
  for (const auto& c : s.columns) {
    put_string(w, c.name);
    w.le<std::uint8_t>(static_cast<std::uint8_t>(c.dtype));
    w.le<std::uint8_t>(static_cast<std::uint8_t>(c.bound.kind));
    w.le<std::uint8_t>((c.integer_detected ? 1 : 0) | (c.uses_model ? 2 : 0));
    w.le<std::uint8_t>(0);
    w.le<double>(c.bound.value);
    w.le<double>(c.abs_bound);
  }
  put_shape(w, s.field_shape);
  return pack(w.buffer());
}

Schema decode_schema(std::span<const std::byte> packed, const std::string& what) {
  const auto b = unpack(packed, what + " SCHEMA");
  ByteReader r(b, what + " SCHEMA");
  Schema s;
  const auto kind = r.le<std::uint8_t>("kind");
  if (kind > 1) r.fail("unknown data kind " + std::to_string(kind));
  s.kind = static_cast<DataKind>(kind);
  const auto flags = r.le<std::uint8_t>("flags");
  if (flags > 1 || r.le<std::uint16_t>("reserved") != 0) r.fail("reserved bits are set");
  s.from_matrix = flags & 1;
  s.rows = r.le<std::uint64_t>("rows");
  s.chunk_rows = r.le<std::uint64_t>("chunk rows");
  if (s.rows > kMaxElements) throw Error(ErrorCode::Limit, r.what() + ": " + std::to_string(s.rows) + " rows exceed 2^40");
  if (s.chunk_rows == 0 && s.rows != 0) r.fail("chunk rows is 0");
  s.source_format = get_string(r, 64, "source format");
  s.source_name = get_string(r, 4096, "source name");
  const auto n = get_count(r, r.le<std::uint32_t>("column count"), kMaxColumns, 24, "column count");
  s.columns.resize(n);
  for (auto& c : s.columns) {
    c.name = get_string(r, 4096, "column name");
    c.dtype = dtype_from_code(r.le<std::uint8_t>("dtype"), r.what() + " column " + c.name);
    const auto bk = r.le<std::uint8_t>("bound kind");
    if (bk > 4) r.fail("column " + c.name + ": unknown bound kind " + std::to_string(bk));
    c.bound.kind = static_cast<BoundKind>(bk);
    const auto cf = r.le<std::uint8_t>("column flags");
    if (cf > 3 || r.le<std::uint8_t>("reserved") != 0) r.fail("column " + c.name + ": reserved bits are set");
    c.integer_detected = cf & 1;
    c.uses_model = cf & 2;
    c.bound.value = r.le<double>("bound value");
    c.abs_bound = r.le<double>("absolute bound");
    if (!(c.abs_bound >= 0) || !std::isfinite(c.abs_bound)) r.fail("column " + c.name + ": bad absolute bound");
  }
  s.field_shape = get_shape(r, kMaxDims, "field shape");
  expect_end(r, "SCHEMA");
  if (s.kind == DataKind::Field) {
    if (s.columns.size() != 1 || s.field_shape.empty() || static_cast<std::uint64_t>(s.field_shape[0]) != s.rows)
      r.fail("a field needs one value entry and a shape whose first dimension is the row count");
    checked_element_count(s.field_shape, r.what() + " field shape");
  } else if (!s.field_shape.empty()) {
    r.fail("a table has no field shape");
  } else if (s.rows * std::max<std::uint64_t>(1, s.columns.size()) > kMaxElements) {
    throw Error(ErrorCode::Limit, r.what() + ": table of " + std::to_string(s.rows) + " x " +
                                      std::to_string(s.columns.size()) + " exceeds 2^40 values");
  }
  return s;
}

std::uint64_t row_elements(const Schema& s) {
  if (s.kind == DataKind::Table) return 1;
  std::uint64_t n = 1;
  for (std::size_t i = 1; i < s.field_shape.size(); ++i) n *= static_cast<std::uint64_t>(s.field_shape[i]);
  return n;
}

std::array<std::size_t, 3> field_dims(const Schema& s, std::size_t frames) {
  const auto& sh = s.field_shape;
  if (sh.size() <= 1) return {frames, 1, 1};
  std::size_t mid = 1;
  for (std::size_t i = 1; i + 1 < sh.size(); ++i) mid *= static_cast<std::size_t>(sh[i]);
  return {frames, mid, static_cast<std::size_t>(sh.back())};
}

std::vector<std::byte> encode_chunk_index(const std::vector<ChunkRef>& chunks) {
  ByteWriter w;
  w.le<std::uint32_t>(static_cast<std::uint32_t>(chunks.size()));
  for (const auto& c : chunks) {
    w.le<std::uint64_t>(c.first);
    w.le<std::uint64_t>(c.count);
    w.le<std::uint32_t>(c.section);
  }
  return pack(w.buffer());
}

std::vector<ChunkRef> decode_chunk_index(std::span<const std::byte> packed, const Schema& s, const std::string& what) {
  const auto b = unpack(packed, what + " CHUNK_INDEX");
  ByteReader r(b, what + " CHUNK_INDEX");
  const auto n = get_count(r, r.le<std::uint32_t>("chunk count"), kMaxChunks, 20, "chunk count");
  std::vector<ChunkRef> chunks(n);
  std::uint64_t next = 0;
  for (auto& c : chunks) {
    c.first = r.le<std::uint64_t>("first row");
    c.count = r.le<std::uint64_t>("row count");
    c.section = r.le<std::uint32_t>("section index");
    if (c.first != next || c.count == 0 || c.count > s.chunk_rows || c.count > s.rows - next)
      r.fail("chunk rows [" + std::to_string(c.first) + ", +" + std::to_string(c.count) +
             ") do not continue the previous chunk within " + std::to_string(s.rows) + " rows");
    next += c.count;
  }
  if (next != s.rows) r.fail("chunks cover " + std::to_string(next) + " of " + std::to_string(s.rows) + " rows");
  expect_end(r, "CHUNK_INDEX");
  return chunks;
}

std::vector<std::byte> encode_stats(const Stats& s) {
  ByteWriter w;
  w.le<std::uint64_t>(s.model_bytes);
  put_string(w, s.model_storage);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(s.columns.size()));
  for (const auto& c : s.columns) {
    w.le<std::uint64_t>(c.bytes);
    w.le<std::uint64_t>(c.outliers);
    w.le<double>(c.max_error);
    put_string(w, c.methods);
  }
  return pack(w.buffer());
}

Stats decode_stats(std::span<const std::byte> packed, std::size_t columns, const std::string& what) {
  const auto b = unpack(packed, what + " STATS");
  ByteReader r(b, what + " STATS");
  Stats s;
  s.model_bytes = r.le<std::uint64_t>("model bytes");
  s.model_storage = get_string(r, 256, "model storage");
  const auto n = get_count(r, r.le<std::uint32_t>("column count"), kMaxColumns, 28, "column count");
  if (n != columns) r.fail("statistics for " + std::to_string(n) + " of " + std::to_string(columns) + " columns");
  s.columns.resize(n);
  for (auto& c : s.columns) {
    c.bytes = r.le<std::uint64_t>("bytes");
    c.outliers = r.le<std::uint64_t>("outliers");
    c.max_error = r.le<double>("max error");
    c.methods = get_string(r, 4096, "methods");
  }
  expect_end(r, "STATS");
  return s;
}

}  // namespace codec
}  // namespace baler
