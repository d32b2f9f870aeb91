// Model predictions for a table chunk: preprocessing, encoder, latent quantisation, decoder.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baler/bytes.hpp"
#include "baler/model.hpp"
#include "codec_schema.hpp"

namespace baler::codec {

struct Predictor {
  const Model* model = nullptr;
  std::vector<std::size_t> feature_column;  // schema column of each model feature
  std::size_t latent = 0;
};

// Maps the model's features to the columns and checks the decoder (and, when `need_encoder`,
// the encoder) can be run by the dense kernel. Throws ModelMismatch / Unsupported / Malformed.
Predictor make_predictor(const Model& m, const Schema& s, bool need_encoder, const std::string& what);

// Latent of `rows` rows starting at `first` (feature-major: latent[k * rows + r]).
std::vector<float> encode_latent(const Predictor& p, const Dataset& d, std::size_t first, std::size_t rows);

// Quantises the latent with `step` into `w` (f64 step | u32 dims | codes) and returns the
// dequantised latent the decoder will see.
std::vector<float> put_latent(ByteWriter& w, const std::vector<float>& latent, double step, std::size_t dims);
std::vector<float> get_latent(ByteReader& r, std::size_t dims, std::size_t rows);

// Predictions per model feature (pred[feature][row]) in binary64, preprocessing undone.
std::vector<std::vector<double>> predict_rows(const Predictor& p, const std::vector<float>& latent, std::size_t rows);

}  // namespace baler::codec
