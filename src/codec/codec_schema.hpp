// SCHEMA, CHUNK_INDEX, MODEL_REF and STATS sections (FORMAT.md §2.4–2.8) as structs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "baler/codec.hpp"

namespace baler::codec {

struct ColumnSpec {
  std::string name;
  DType dtype = DType::F64;
  ErrorBound bound;
  double abs_bound = 0;      // resolved; 0 = exact
  bool integer_detected = false;
  bool uses_model = false;   // a model feature (prediction available)
};

// A float column under an abs or rel bound that is not 0: coded by quantisation (Quant
// blocks), so a prediction can serve as its base.
inline bool quantised(const ColumnSpec& c) {
  return is_float(c.dtype) && (c.bound.kind == BoundKind::Abs || c.bound.kind == BoundKind::Rel) && c.abs_bound > 0;
}

struct Schema {
  DataKind kind = DataKind::Table;
  bool from_matrix = false;
  std::uint64_t rows = 0;
  std::uint64_t chunk_rows = 0;
  std::string source_format, source_name;
  std::vector<ColumnSpec> columns;         // tables: each column; fields: one entry
  std::vector<std::int64_t> field_shape;   // fields only
};

struct ChunkRef {
  std::uint64_t first = 0, count = 0;
  std::uint32_t section = 0;
};

struct ColumnStats {
  std::uint64_t bytes = 0, outliers = 0;
  double max_error = 0;
  std::string methods;
};
struct Stats {
  std::uint64_t model_bytes = 0;
  std::string model_storage;
  std::vector<ColumnStats> columns;
};

std::vector<std::byte> encode_schema(const Schema& s);
Schema decode_schema(std::span<const std::byte> b, const std::string& what);
std::vector<std::byte> encode_chunk_index(const std::vector<ChunkRef>& c);
std::vector<ChunkRef> decode_chunk_index(std::span<const std::byte> b, const Schema& s, const std::string& what);
std::vector<std::byte> encode_stats(const Stats& s);
Stats decode_stats(std::span<const std::byte> b, std::size_t columns, const std::string& what);

// Elements per row (1 for tables' columns; product of field dims after the first).
std::uint64_t row_elements(const Schema& s);
// Every value as float32 (element count x 4): the numerator of compression_ratio.
inline std::uint64_t raw_f32_bytes(const Schema& s) { return s.rows * row_elements(s) * s.columns.size() * 4; }
// Field chunk dims {frames, middle, last} for `frames` frames.
std::array<std::size_t, 3> field_dims(const Schema& s, std::size_t frames);

// Pass 1 of compression: the source's schema with every bound resolved (rel bounds over the
// whole source, integer columns detected); chunk_rows from the options. When the source is one
// chunk and pass 1 read it, `whole` (if given) receives it, so that pass 2 need not read again.
Schema plan_schema(DataSource& src, const CompressOptions& o, std::optional<Dataset>* whole = nullptr);

// Glob match with * and ?.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace baler::codec
