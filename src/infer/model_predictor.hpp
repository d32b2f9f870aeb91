// Model predictions for a chunk: preprocessing, encoder, latent quantisation, decoder — for
// tables (one sample a row, one feature a column) and fields (one sample a frame, or a block
// of consecutive frames, e.g. the whole field for a model trained on it as one sample).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baler/bytes.hpp"
#include "baler/model.hpp"
#include "codec_schema.hpp"

namespace baler::codec {

inline constexpr double kMaxChunkMacs = 274877906944.0;  // 2^38

struct Predictor {
  const Model* model = nullptr;
  std::vector<std::size_t> feature_column;  // tables: schema column of each model feature; fields: {0}
  std::vector<std::int64_t> input_shape;    // one sample as the encoder takes it
  std::size_t latent = 0;                   // latent values per sample
  std::size_t sample_values = 0;            // model input values per sample
  std::size_t rows_per_sample = 1;          // rows (frames) one sample spans: 1 for tables
  bool field = false;
};

// Maps the model to the data and checks the decoder (and, when `need_encoder`, the encoder)
// with check_layers. Tables: the model's features are columns (by name). Fields: a sample is
// k ≥ 1 consecutive frames whose values, in C order, are the model's input (its input shape
// must be the frames' shape up to leading 1s, or flat for dense models); the field's rows
// must be a multiple of k and, when `need_encoder` (compressing), so must chunk_rows unless
// one chunk holds all rows (Error(Config) otherwise; see chunk_rows_for_model). Throws ModelMismatch (model and data do not fit), Unsupported
// (layers the kernel does not run, a sample larger than a chunk), Malformed, Limit (also when
// a full chunk would cost the decoder more than kMaxChunkMacs multiply-adds).
Predictor make_predictor(const Model& m, const Schema& s, bool need_encoder, const std::string& what);

// Chunk rows for compressing a field with `m`: `s.chunk_rows` rounded down to a whole number
// of the model's samples (at least one) when one sample spans several frames; unchanged
// otherwise (tables, one-frame samples, models that do not fit: make_predictor says why).
std::uint64_t chunk_rows_for_model(const Model& m, const Schema& s);

// Samples in a chunk of `rows` rows; throws Malformed (naming `what`) if rows is not a
// multiple of rows_per_sample.
std::size_t chunk_samples(const Predictor& p, std::size_t rows, const std::string& what);

// Latent of the samples in rows [first, first + rows) (latent[k * samples + sample]).
std::vector<float> encode_latent(const Predictor& p, const Dataset& d, std::size_t first, std::size_t rows);

// Quantises the latent with `step` into `w` (f64 step | u32 dims | codes) and returns the
// dequantised latent the decoder will see.
std::vector<float> put_latent(ByteWriter& w, const std::vector<float>& latent, double step, std::size_t dims);
// Reads a latent of `dims` values for each of `samples` samples (see chunk_samples).
std::vector<float> get_latent(ByteReader& r, std::size_t dims, std::size_t samples);

// Predictions in binary64, preprocessing undone, for a chunk of `rows` rows: tables
// pred[feature][row]; fields pred[0][i], i = the chunk's element index in C order.
std::vector<std::vector<double>> predict_rows(const Predictor& p, const std::vector<float>& latent, std::size_t rows);

}  // namespace baler::codec
