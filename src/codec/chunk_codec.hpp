// One chunk (FORMAT.md §2.6): the rows' blocks, with or without the model's latent.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec_schema.hpp"
#include "column_codec.hpp"
#include "model_predictor.hpp"
#include "table_predictor.hpp"

namespace baler::codec {

// Most values one chunk may hold (all columns); larger chunks are refused before allocating.
inline constexpr std::uint64_t kMaxChunkElements = std::uint64_t{1} << 24;
// The automatic chunk size (CompressOptions::chunk_rows = 0): rows of a table; values of a
// field's chunk (whole frames, at least one). 32768 rows cost 0.14-0.16 % of the ratio against
// 65536 on the LHCb and ATLAS tables tiled to 1 M rows; a column's block then stays in cache
// (the 216 MB LHCb table compresses 14 % faster at one thread, decompresses 7 % faster).
// 2^20 values (4 MB of float32) cost 0.26-0.36 % of the ratio against 2^22 on the tiled
// vorticity field, and pay for it in speed: the chunk's arrays stay in cache (decompress at one
// thread 6-11 % faster), and a 215 MB field makes 52 chunks instead of 13, so that no thread
// waits long for the last one (two threads: compress 1.93x one thread instead of 1.64x,
// decompress 1.83x instead of 1.81x).
inline constexpr std::int64_t kDefaultTableChunkRows = 32768;
inline constexpr std::uint64_t kFieldChunkValues = std::uint64_t{1} << 20;

struct ChunkOut {
  std::vector<std::byte> bytes;   // CHUNK payload
  std::vector<ColumnStats> cols;  // bytes, outliers, max error, method of each column
  bool model_used = false;
  std::vector<std::uint64_t> plain_bytes;  // per column: the plain block's bytes (table model only)
  std::vector<std::uint8_t> column_model;  // per column: its block uses the table model
};

// Encodes rows [first, first + rows) choosing, per column, the smallest block that holds the
// bound; with a predictor, also the latent and whether the model pays for this chunk. Columns
// are coded on up to `threads` threads; the bytes never depend on it.
// With a table model `tp`, columns are coded level by level along its order: a column with a
// relation tries the relation's prediction from its inputs as the decoder will have them
// (each input's chosen block decoded) and keeps it when it is smaller than the plain block by
// more than the column's share of the model's bytes.
ChunkOut encode_chunk(const Dataset& d, const Schema& s, std::size_t first, std::size_t rows,
                      const Predictor* p, int zstd_level, int threads = 1, const TablePredictor* tp = nullptr);

// The plain codec's block for one table column (the smallest method that holds its bound).
std::vector<std::byte> plain_table_block(const ColumnSlice& c, const ColumnSpec& spec, const Schema& s, int zstd_level);

// Decodes a CHUNK payload into one array per column (tables) or the chunk's frames (fields).
// Throws Malformed/Corrupt/Limit, or ModelMismatch when the chunk needs a model and p is null.
// Columns are decoded on up to `threads` threads (bit-identical for any count).
// `reuse` may hold a previous chunk's arrays: their memory is decoded into, unzeroed (every
// decoder writes each of its values), which spares a chunk's allocation, page faults and
// zero fill; their contents never matter.
std::vector<Array> decode_chunk(std::span<const std::byte> payload, const Schema& s, const ChunkRef& ref,
                                const Predictor* p, const std::string& what, int threads = 1,
                                const TablePredictor* tp = nullptr, std::vector<Array> reuse = {});

// "quant(center)", "int(delta)", ... from a block's first bytes.
std::string block_method_name(std::span<const std::byte> block);

}  // namespace baler::codec
