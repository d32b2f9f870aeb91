// A trained model as plain arrays, without LibTorch: what training exports, the container
// stores and the deterministic decoder runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler {

// Layer kinds. Stored in files: never renumber, add at the end.
enum class LayerKind : std::uint8_t {
  Linear = 0,     // y = W x + b; weight (out, in), bias (out)
  LeakyReLU = 1,  // alpha = negative slope
  ReLU = 2,
  Tanh = 3,
  Sigmoid = 4,
  ELU = 5,        // alpha
  SiLU = 6,
  Conv2d = 7,           // weight (out_c, in_c, kh, kw), bias (out_c); params = stride[2], padding[2]
  ConvTranspose2d = 8,  // weight (in_c, out_c, kh, kw), bias (out_c); params = stride[2], padding[2],
                        // output_padding[2]
  Conv3d = 9,           // as Conv2d with 3 spatial dims: params = stride[3], padding[3]
  ConvTranspose3d = 10, // params = stride[3], padding[3], output_padding[3]
  Flatten = 11,         // params = shape after (excluding batch)
  Unflatten = 12,       // params = shape after (excluding batch)
};

struct Layer {
  LayerKind kind = LayerKind::Linear;
  Array weight;                        // float32 (empty for activations)
  Array bias;                          // float32 (empty when absent)
  float alpha = 0.0f;                  // LeakyReLU slope, ELU alpha
  std::vector<std::int64_t> params;    // kind-specific integers (stride, padding, shapes)
  friend bool operator==(const Layer&, const Layer&) = default;
};

// Per-feature preprocessing applied before the encoder and undone after the decoder:
// x' = (f(x) - offset) / scale, f = log(x) where log_feature is set, identity otherwise.
struct Preprocessing {
  std::string method = "none";         // minmax | standard | log_minmax | none
  std::vector<double> offset;          // per feature (column), or one entry for all (fields)
  std::vector<double> scale;           // per feature, never 0
  std::vector<std::uint8_t> log_feature;
  friend bool operator==(const Preprocessing&, const Preprocessing&) = default;
};

struct Model {
  std::string architecture;               // registry name ("AE", "Dense", "Conv_AE", ...)
  std::vector<std::int64_t> input_shape;  // one sample, excluding batch: {n} or {c, h, w}
  std::vector<std::int64_t> latent_shape; // one sample's latent
  std::vector<Layer> encoder;
  std::vector<Layer> decoder;
  Preprocessing preprocessing;
  std::vector<std::string> feature_names;  // table columns the model was trained on
  std::string config_toml;                 // effective configuration it was trained with
  friend bool operator==(const Model&, const Model&) = default;
};

}  // namespace baler

namespace baler {

// Torch-free model files (".balermodel", docs/FORMAT.md "Model files"), implemented in
// src/codec/. The identity of a model is model_hash(): the XXH64 of its canonical encoding;
// a container that references an external model records this hash.
void save_model_file(const std::filesystem::path& path, const Model& model);
Model load_model_file(const std::filesystem::path& path);  // throws Error(Io|Malformed|Corrupt|Limit)
std::uint64_t model_hash(const Model& model);

}  // namespace baler
