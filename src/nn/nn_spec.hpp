// Internal to src/nn: a torch-free description of an autoencoder's layers, built from the
// configuration and the sample shape; the torch side instantiates it, the exporter walks it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "baler/config.hpp"
#include "baler/model.hpp"

namespace baler::nn {

enum class OpKind { Linear, Conv, ConvTranspose, BatchNorm, Activation, Dropout, Flatten, Unflatten };

struct OpSpec {
  OpKind kind = OpKind::Linear;
  int dims = 1;                    // spatial dims of Conv/ConvTranspose/BatchNorm (1 = dense BN)
  std::int64_t in = 0, out = 0;    // features (Linear) or channels (Conv*, BatchNorm: in == out)
  std::int64_t kernel = 3, stride = 1, padding = 0;
  std::vector<std::int64_t> output_padding;  // ConvTranspose, one per spatial dim
  std::string activation;          // leaky_relu | relu | tanh | elu | silu | sigmoid
  double alpha = 0.0;              // LeakyReLU slope, ELU alpha
  double dropout = 0.0;
  std::vector<std::int64_t> shape; // Flatten/Unflatten: shape after (excluding batch)
};

struct NetSpec {
  std::string name;
  std::vector<std::int64_t> input_shape;   // one sample
  std::int64_t latent = 0;
  std::vector<OpSpec> encoder, decoder;
  std::int64_t parameters() const;         // trainable parameters
};

// Largest model baler trains (parameters); bigger ones are refused with advice.
inline constexpr std::int64_t kMaxParameters = 50'000'000;

// The layers of config.model.model_name for samples of `sample_shape`. Throws Error(Config)
// for an unknown name, a bad latent, a shape the model cannot take, or too many parameters.
NetSpec build_net_spec(const ModelConfig& config, const std::vector<std::int64_t>& sample_shape);

// Architecture options stored with a checkpoint, enough to rebuild its NetSpec.
struct CheckpointMeta {
  ModelConfig model;                        // latent_size set to the trained latent
  std::vector<std::int64_t> sample_shape;
  std::string float_dtype = "float32";
  Preprocessing preprocessing;
  std::vector<std::string> feature_names;
  std::string config_toml;
};

// True for models whose samples are flat feature vectors.
bool is_dense_model(const std::string& name);
// Spatial dims a conv model expects (2 or 3); 0 for dense models.
int conv_dims(const std::string& name);

}  // namespace baler::nn
