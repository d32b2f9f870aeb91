// The model registry: Baler's architectures (names kept) as layer lists whose every shape is
// derived from the data, plus a configurable dense model.
#include "nn_spec.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "baler/array.hpp"
#include "baler/error.hpp"
#include "baler/train.hpp"

namespace baler::nn {
namespace {

constexpr double kLeakySlope = 0.01;  // torch's default LeakyReLU slope, as Baler uses it
constexpr std::int64_t kConvFlatTarget = 4096;  // conv encoders stride down to about this size
constexpr int kMaxConvStages = 4;

std::string join_shape(const std::vector<std::int64_t>& s) {
  std::ostringstream o;
  for (std::size_t i = 0; i < s.size(); ++i) o << (i ? "×" : "") << s[i];
  return o.str();
}

OpSpec linear(std::int64_t in, std::int64_t out) {
  OpSpec o;
  o.kind = OpKind::Linear;
  o.in = in;
  o.out = out;
  return o;
}

OpSpec act(const std::string& name) {
  OpSpec o;
  o.kind = OpKind::Activation;
  o.activation = name;
  o.alpha = name == "leaky_relu" ? kLeakySlope : (name == "elu" ? 1.0 : 0.0);
  return o;
}

OpSpec batchnorm(int dims, std::int64_t channels) {
  OpSpec o;
  o.kind = OpKind::BatchNorm;
  o.dims = dims;
  o.in = o.out = channels;
  return o;
}

OpSpec dropout(double p) {
  OpSpec o;
  o.kind = OpKind::Dropout;
  o.dropout = p;
  return o;
}

// Dense encoder n→h1→…→z and mirrored decoder; `bn` adds BatchNorm after every hidden Linear,
// `drop` > 0 adds Dropout after the encoder's hidden activations.
void dense_stack(NetSpec& net, std::int64_t n, const std::vector<std::int64_t>& hidden,
                 const std::string& activation, bool bn, double drop) {
  std::int64_t prev = n;
  for (std::int64_t h : hidden) {
    net.encoder.push_back(linear(prev, h));
    if (bn) net.encoder.push_back(batchnorm(1, h));
    net.encoder.push_back(act(activation));
    if (drop > 0) net.encoder.push_back(dropout(drop));
    prev = h;
  }
  net.encoder.push_back(linear(prev, net.latent));
  prev = net.latent;
  for (auto it = hidden.rbegin(); it != hidden.rend(); ++it) {
    net.decoder.push_back(linear(prev, *it));
    if (bn) net.decoder.push_back(batchnorm(1, *it));
    net.decoder.push_back(act(activation));
    prev = *it;
  }
  net.decoder.push_back(linear(prev, n));
}

// Convolutional encoder: stride-2 stages (k3, p1) until the flattened size is near
// kConvFlatTarget, then a Linear to the latent; the decoder mirrors it with transposed
// convolutions whose output padding restores every size exactly, then a k3 conv to the input
// channels.
void conv_stack(NetSpec& net, const std::string& activation) {
  const int dims = static_cast<int>(net.input_shape.size()) - 1;
  std::vector<std::vector<std::int64_t>> sizes{{net.input_shape.begin() + 1, net.input_shape.end()}};
  std::vector<std::int64_t> channels{net.input_shape[0]};
  auto flat = [&] {
    std::int64_t f = channels.back();
    for (auto d : sizes.back()) f *= d;
    return f;
  };
  auto min_dim = [&] {
    std::int64_t m = sizes.back()[0];
    for (auto d : sizes.back()) m = std::min(m, d);
    return m;
  };
  for (;;) {
    const int stages = static_cast<int>(channels.size()) - 1;
    if (stages >= 1 && (flat() <= kConvFlatTarget || stages >= kMaxConvStages || min_dim() < 4)) break;
    const std::int64_t c = std::min<std::int64_t>(8 << (channels.size() - 1), 32);
    OpSpec conv;
    conv.kind = OpKind::Conv;
    conv.dims = dims;
    conv.in = channels.back();
    conv.out = c;
    conv.stride = 2;
    conv.padding = 1;
    net.encoder.push_back(conv);
    net.encoder.push_back(batchnorm(dims, c));
    net.encoder.push_back(act(activation));
    std::vector<std::int64_t> next;
    for (auto d : sizes.back()) next.push_back((d - 1) / 2 + 1);
    sizes.push_back(next);
    channels.push_back(c);
  }
  std::vector<std::int64_t> conv_shape{channels.back()};
  conv_shape.insert(conv_shape.end(), sizes.back().begin(), sizes.back().end());
  OpSpec fl;
  fl.kind = OpKind::Flatten;
  fl.shape = {flat()};
  net.encoder.push_back(fl);
  net.encoder.push_back(linear(flat(), net.latent));

  net.decoder.push_back(linear(net.latent, flat()));
  net.decoder.push_back(act(activation));
  OpSpec unfl;
  unfl.kind = OpKind::Unflatten;
  unfl.shape = conv_shape;
  net.decoder.push_back(unfl);
  for (std::size_t s = channels.size() - 1; s >= 1; --s) {
    OpSpec ct;
    ct.kind = OpKind::ConvTranspose;
    ct.dims = dims;
    ct.in = channels[s];
    ct.out = s == 1 ? channels[1] : channels[s - 1];
    ct.stride = 2;
    ct.padding = 1;
    for (int d = 0; d < dims; ++d) ct.output_padding.push_back(sizes[s - 1][d] - (2 * sizes[s][d] - 1));
    net.decoder.push_back(ct);
    net.decoder.push_back(batchnorm(dims, ct.out));
    net.decoder.push_back(act(activation));
  }
  OpSpec last;
  last.kind = OpKind::Conv;
  last.dims = dims;
  last.in = channels[1];
  last.out = channels[0];
  last.stride = 1;
  last.padding = 1;
  net.decoder.push_back(last);
}

std::int64_t op_parameters(const OpSpec& o) {
  std::int64_t k = 1;
  switch (o.kind) {
    case OpKind::Linear: return o.in * o.out + o.out;
    case OpKind::Conv:
    case OpKind::ConvTranspose:
      for (int d = 0; d < o.dims; ++d) k *= o.kernel;
      return o.in * o.out * k + o.out;
    case OpKind::BatchNorm: return 2 * o.out;
    default: return 0;
  }
}

void check_activation(const std::string& a) {
  for (const char* ok : {"leaky_relu", "relu", "tanh", "elu", "silu", "sigmoid"})
    if (a == ok) return;
  throw Error(ErrorCode::Config, "model.activation: unknown activation \"" + a +
                                     "\" (expected leaky_relu, relu, tanh, elu, silu or sigmoid)");
}

}  // namespace

bool is_dense_model(const std::string& name) {
  return name == "AE" || name == "AE_Dropout_BN" || name == "CFD_dense_AE" ||
         name == "FPGA_prototype_model" || name == "Dense";
}

int conv_dims(const std::string& name) {
  if (name == "Conv_AE") return 2;
  if (name == "Conv_AE_3D") return 3;
  return 0;
}

std::int64_t NetSpec::parameters() const {
  std::int64_t p = 0;
  for (const auto& o : encoder) p += op_parameters(o);
  for (const auto& o : decoder) p += op_parameters(o);
  return p;
}

// Hidden widths of Baler's AE family: 200-100-50, or with widths = auto scaled by
// min(1, 8 × features / 200) (a 4-column table gets 32-16-8 instead of a decoder of ~26 000
// weights), each at least the latent size and 4, never above Baler's.
std::vector<std::int64_t> ae_widths(const ModelConfig& config, std::int64_t n, std::int64_t latent) {
  require(config.widths == "auto" || config.widths == "baler", ErrorCode::Config,
          "model.widths must be auto or baler, got '" + config.widths + "'");
  std::vector<std::int64_t> w{200, 100, 50};
  if (config.widths == "baler") return w;
  const double s = std::min(1.0, 8.0 * static_cast<double>(n) / 200.0);
  for (auto& x : w)
    x = std::clamp(std::max(static_cast<std::int64_t>(std::ceil(static_cast<double>(x) * s)), latent), std::int64_t{4}, x);
  return w;
}

NetSpec build_net_spec(const ModelConfig& config, const std::vector<std::int64_t>& sample_shape) {
  const std::string& name = config.model_name;
  if (!is_dense_model(name) && conv_dims(name) == 0) {
    std::string list;
    for (const auto& n : model_names()) list += (list.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::Config, "model.model_name: unknown model \"" + name + "\" (known: " + list + ")");
  }
  NetSpec net;
  net.name = name;
  net.input_shape = sample_shape;
  bool positive = !sample_shape.empty() && sample_shape.size() <= 4;
  for (auto d : sample_shape) positive = positive && d >= 1;
  require(positive, ErrorCode::Config,
          "model " + name + ": a sample of shape " + join_shape(sample_shape) + " has no features");
  const auto n = static_cast<std::int64_t>(checked_element_count(sample_shape, "sample shape"));
  if (is_dense_model(name)) {
    require(sample_shape.size() == 1, ErrorCode::Internal, "dense model given a non-flat sample");
  } else {
    const int dims = conv_dims(name);
    require(static_cast<int>(sample_shape.size()) == dims + 1, ErrorCode::Config,
            "model " + name + " needs samples of channels×" + (dims == 2 ? "height×width" : "depth×height×width") +
                ", got " + join_shape(sample_shape));
    for (int d = 1; d <= dims; ++d)
      require(sample_shape[d] >= 4, ErrorCode::Config,
              "model " + name + " needs every spatial size ≥ 4, got a sample of " + join_shape(sample_shape) +
                  " (use a dense model such as AE for smaller frames)");
  }
  net.latent = latent_size_for(config, n);
  check_activation(config.activation);
  require(config.dropout >= 0.0 && config.dropout < 1.0, ErrorCode::Config,
          "model.dropout must be in [0, 1), got " + std::to_string(config.dropout));
  if (name == "AE" || name == "CFD_dense_AE") {
    dense_stack(net, n, ae_widths(config, n, net.latent), "leaky_relu", false, 0.0);
  } else if (name == "AE_Dropout_BN") {
    dense_stack(net, n, ae_widths(config, n, net.latent), "leaky_relu", true, config.dropout > 0 ? config.dropout : 0.1);
  } else if (name == "FPGA_prototype_model") {
    dense_stack(net, n, {20, 10}, "relu", false, 0.0);
  } else if (name == "Dense") {
    std::vector<std::int64_t> hidden = config.hidden.empty() ? std::vector<std::int64_t>{64, 32} : config.hidden;
    for (auto h : hidden)
      require(h >= 1 && h <= 1'000'000, ErrorCode::Config,
              "model.hidden: layer sizes must be in [1, 1000000], got " + std::to_string(h));
    dense_stack(net, n, hidden, config.activation, false, config.dropout);
  } else {
    conv_stack(net, config.activation);
  }
  const std::int64_t p = net.parameters();
  require(p <= kMaxParameters, ErrorCode::Config,
          "model " + name + " for samples of " + join_shape(sample_shape) + " with latent size " +
              std::to_string(net.latent) + " would have " + std::to_string(p) + " parameters (limit " +
              std::to_string(kMaxParameters) +
              "); set model.latent_size or a larger model.compression_ratio");
  return net;
}

}  // namespace baler::nn

namespace baler {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"AE", "AE_Dropout_BN", "CFD_dense_AE", "Conv_AE",
                                              "Conv_AE_3D", "FPGA_prototype_model", "Dense"};
  return names;
}

std::int64_t latent_size_for(const ModelConfig& config, std::int64_t n_features) {
  std::int64_t z = config.latent_size;
  if (z <= 0) {
    require(std::isfinite(config.compression_ratio) && config.compression_ratio > 0, ErrorCode::Config,
            "model.compression_ratio must be > 0, got " + std::to_string(config.compression_ratio));
    z = static_cast<std::int64_t>(std::ceil(static_cast<double>(n_features) / config.compression_ratio));
  }
  require(z >= 1, ErrorCode::Config, "latent size must be ≥ 1, got " + std::to_string(z));
  require(z <= n_features, ErrorCode::Config,
          "latent size " + std::to_string(z) + " is larger than the input (" + std::to_string(n_features) +
              " features): nothing would be compressed; lower model.latent_size or raise " +
              "model.compression_ratio above 1");
  return z;
}

void validate_model_config(const Config& config, const std::vector<std::int64_t>& sample_shape) {
  (void)nn::build_net_spec(config.model, sample_shape);
}

}  // namespace baler
