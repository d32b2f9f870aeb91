// Export of a trained module to the torch-free Model (BatchNorm folded), checkpoint archives,
// and forward passes of an exported Model through LibTorch (reference reconstruction,
// activations for diagnose).
#include <cmath>
#include <cstring>
#include <limits>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/train.hpp"
#include "nn_module.hpp"

namespace baler::nn {

torch::Tensor array_to_tensor(const Array& a) {
  require(a.dtype == DType::F32, ErrorCode::Malformed, "model weights must be float32");
  require(a.bytes.size() == a.size() * sizeof(float), ErrorCode::Malformed, "model weight array has the wrong size");
  auto t = torch::empty(a.shape, torch::kFloat32);
  if (!a.bytes.empty()) std::memcpy(t.data_ptr<float>(), a.bytes.data(), a.bytes.size());
  return t.to(torch::kFloat64);
}

namespace {

Array to_array(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  Array a(DType::F32, std::vector<std::int64_t>(c.sizes().begin(), c.sizes().end()));
  std::memcpy(a.bytes.data(), c.data_ptr<float>(), a.bytes.size());
  return a;
}

LayerKind activation_kind(const std::string& a) {
  if (a == "leaky_relu") return LayerKind::LeakyReLU;
  if (a == "relu") return LayerKind::ReLU;
  if (a == "tanh") return LayerKind::Tanh;
  if (a == "elu") return LayerKind::ELU;
  if (a == "silu") return LayerKind::SiLU;
  return LayerKind::Sigmoid;
}

// Layer of a Linear/Conv/ConvTranspose module (float64 weights until BatchNorm is folded).
struct Pending {
  Layer layer;
  torch::Tensor w, b;
  int out_dim = 0;  // weight dim indexing output channels
};

Pending weighted_layer(const OpSpec& o, torch::nn::Module& m) {
  Pending p;
  auto params = m.named_parameters(false);
  p.w = params["weight"].detach().to(torch::kFloat64);
  p.b = params["bias"].detach().to(torch::kFloat64);
  const std::vector<std::int64_t> stride(o.dims, o.stride), pad(o.dims, o.padding);
  if (o.kind == OpKind::Linear) {
    p.layer.kind = LayerKind::Linear;
  } else if (o.kind == OpKind::Conv) {
    p.layer.kind = o.dims == 2 ? LayerKind::Conv2d : LayerKind::Conv3d;
    p.layer.params = stride;
    p.layer.params.insert(p.layer.params.end(), pad.begin(), pad.end());
  } else {
    p.layer.kind = o.dims == 2 ? LayerKind::ConvTranspose2d : LayerKind::ConvTranspose3d;
    p.layer.params = stride;
    p.layer.params.insert(p.layer.params.end(), pad.begin(), pad.end());
    p.layer.params.insert(p.layer.params.end(), o.output_padding.begin(), o.output_padding.end());
    p.out_dim = 1;
  }
  return p;
}

// y = gamma (x - mean) / sqrt(var + eps) + beta folded into the preceding layer's output.
void fold_batchnorm(Pending& p, torch::nn::Module& m, double eps) {
  auto params = m.named_parameters(false);
  auto buffers = m.named_buffers(false);
  auto gamma = params["weight"].detach().to(torch::kFloat64);
  auto beta = params["bias"].detach().to(torch::kFloat64);
  auto mean = buffers["running_mean"].to(torch::kFloat64);
  auto var = buffers["running_var"].to(torch::kFloat64);
  auto a = gamma / torch::sqrt(var + eps);
  std::vector<std::int64_t> view(p.w.dim(), 1);
  view[p.out_dim] = -1;
  p.w = p.w * a.view(view);
  p.b = (p.b - mean) * a + beta;
}

std::vector<Layer> export_part(const std::vector<OpSpec>& ops, torch::nn::Sequential& seq) {
  std::vector<Layer> out;
  std::optional<Pending> pending;
  auto flush = [&] {
    if (!pending) return;
    pending->layer.weight = to_array(pending->w);
    pending->layer.bias = to_array(pending->b);
    out.push_back(std::move(pending->layer));
    pending.reset();
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const OpSpec& o = ops[i];
    torch::nn::Module& m = *seq->ptr(i);
    if (o.kind == OpKind::BatchNorm) {
      require(pending.has_value(), ErrorCode::Internal, "BatchNorm without a preceding layer to fold into");
      double eps = 1e-5;
      if (auto* b1 = m.as<torch::nn::BatchNorm1d>()) eps = b1->options.eps();
      if (auto* b2 = m.as<torch::nn::BatchNorm2d>()) eps = b2->options.eps();
      if (auto* b3 = m.as<torch::nn::BatchNorm3d>()) eps = b3->options.eps();
      fold_batchnorm(*pending, m, eps);
      continue;
    }
    flush();
    if (o.kind == OpKind::Linear || o.kind == OpKind::Conv || o.kind == OpKind::ConvTranspose) {
      pending = weighted_layer(o, m);
    } else if (o.kind == OpKind::Activation) {
      Layer l;
      l.kind = activation_kind(o.activation);
      l.alpha = static_cast<float>(o.alpha);
      out.push_back(l);
    } else if (o.kind == OpKind::Flatten || o.kind == OpKind::Unflatten) {
      Layer l;
      l.kind = o.kind == OpKind::Flatten ? LayerKind::Flatten : LayerKind::Unflatten;
      l.params = o.shape;
      out.push_back(l);
    }  // Dropout: identity in evaluation mode
  }
  flush();
  return out;
}

}  // namespace

Model export_model(Autoencoder& net, const CheckpointMeta& meta) {
  torch::NoGradGuard guard;
  Model m;
  m.architecture = net->spec().name;
  m.input_shape = net->spec().input_shape;
  m.latent_shape = {net->spec().latent};
  m.encoder = export_part(net->spec().encoder, net->encoder);
  m.decoder = export_part(net->spec().decoder, net->decoder);
  m.preprocessing = meta.preprocessing;
  m.feature_names = meta.feature_names;
  m.config_toml = meta.config_toml;
  return m;
}

}  // namespace baler::nn

namespace baler {
namespace {

torch::Tensor opt_bias(const Layer& l) {
  return l.bias.bytes.empty() ? torch::Tensor() : nn::array_to_tensor(l.bias);
}

torch::Tensor run_layer(const Layer& l, const torch::Tensor& x) {
  const auto& p = l.params;
  auto part = [&](std::size_t from, std::size_t n) {
    require(p.size() >= from + n, ErrorCode::Malformed, "layer parameters too short");
    return std::vector<std::int64_t>(p.begin() + static_cast<std::ptrdiff_t>(from),
                                     p.begin() + static_cast<std::ptrdiff_t>(from + n));
  };
  const std::int64_t batch = x.size(0);
  switch (l.kind) {
    case LayerKind::Linear: return torch::linear(x, nn::array_to_tensor(l.weight), opt_bias(l));
    case LayerKind::LeakyReLU: return torch::leaky_relu(x, l.alpha);
    case LayerKind::ReLU: return torch::relu(x);
    case LayerKind::Tanh: return torch::tanh(x);
    case LayerKind::Sigmoid: return torch::sigmoid(x);
    case LayerKind::ELU: return torch::elu(x, l.alpha);
    case LayerKind::SiLU: return torch::silu(x);
    case LayerKind::Conv2d:
      return torch::conv2d(x, nn::array_to_tensor(l.weight), opt_bias(l), part(0, 2), part(2, 2));
    case LayerKind::Conv3d:
      return torch::conv3d(x, nn::array_to_tensor(l.weight), opt_bias(l), part(0, 3), part(3, 3));
    case LayerKind::ConvTranspose2d:
      return torch::conv_transpose2d(x, nn::array_to_tensor(l.weight), opt_bias(l), part(0, 2), part(2, 2),
                                     part(4, 2));
    case LayerKind::ConvTranspose3d:
      return torch::conv_transpose3d(x, nn::array_to_tensor(l.weight), opt_bias(l), part(0, 3), part(3, 3),
                                     part(6, 3));
    case LayerKind::Flatten:
    case LayerKind::Unflatten: {
      std::vector<std::int64_t> shape{batch};
      shape.insert(shape.end(), p.begin(), p.end());
      return x.reshape(shape);
    }
  }
  throw Error(ErrorCode::Malformed, "unknown layer kind " + std::to_string(static_cast<int>(l.kind)));
}

bool is_activation(LayerKind k) {
  return k == LayerKind::LeakyReLU || k == LayerKind::ReLU || k == LayerKind::Tanh || k == LayerKind::Sigmoid ||
         k == LayerKind::ELU || k == LayerKind::SiLU;
}

// Runs the model on rows × input_shape values; calls on_act(name, tensor) after activations.
template <typename F>
std::vector<double> run_model(const Model& model, std::span<const double> values, std::int64_t rows, F&& on_act) {
  std::int64_t n = 1;
  for (auto d : model.input_shape) n *= d;
  require(rows >= 0 && static_cast<std::int64_t>(values.size()) == rows * n, ErrorCode::ModelMismatch,
          "model " + model.architecture + " takes samples of " + shape_string(model.input_shape) + ", got " +
              std::to_string(values.size()) + " values for " + std::to_string(rows) + " rows");
  std::vector<std::int64_t> shape{rows};
  shape.insert(shape.end(), model.input_shape.begin(), model.input_shape.end());
  torch::NoGradGuard guard;
  auto x = torch::from_blob(const_cast<double*>(values.data()), shape, torch::kFloat64).clone();
  try {
    for (const auto* part : {&model.encoder, &model.decoder}) {
      const char* pname = part == &model.encoder ? "encoder." : "decoder.";
      for (std::size_t i = 0; i < part->size(); ++i) {
        x = run_layer((*part)[i], x);
        if (is_activation((*part)[i].kind)) on_act(pname + std::to_string(i), x);
      }
    }
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::ModelMismatch, "model " + model.architecture + " cannot run: " + e.what_without_backtrace());
  }
  x = x.reshape({-1}).contiguous();
  require(x.numel() == rows * n, ErrorCode::ModelMismatch, "model output has the wrong size");
  return std::vector<double>(x.data_ptr<double>(), x.data_ptr<double>() + x.numel());
}

}  // namespace

std::vector<double> reconstruct(const Model& model, std::span<const double> values, std::int64_t rows) {
  return run_model(model, values, rows, [](const std::string&, const torch::Tensor&) {});
}

std::vector<LayerActivation> extract_activations(const Model& model, std::span<const double> values,
                                                 std::int64_t rows) {
  std::vector<LayerActivation> out;
  run_model(model, values, rows, [&](const std::string& name, const torch::Tensor& a) {
    auto flat = a.reshape({a.size(0), -1});
    auto means = flat.mean(0).contiguous();
    auto dead = (flat <= 0).all(0).to(torch::kFloat64).mean().item<double>();
    LayerActivation l;
    l.name = name;
    l.node_means.assign(means.data_ptr<double>(), means.data_ptr<double>() + means.numel());
    l.dead_fraction = dead;
    out.push_back(std::move(l));
  });
  return out;
}

Array activation_matrix(const std::vector<LayerActivation>& layers) {
  std::int64_t nodes = 0;
  for (const auto& l : layers) nodes = std::max<std::int64_t>(nodes, static_cast<std::int64_t>(l.node_means.size()));
  Array a(DType::F64, {static_cast<std::int64_t>(layers.size()), nodes});
  auto v = a.as<double>();
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (std::int64_t j = 0; j < nodes; ++j)
      v[i * static_cast<std::size_t>(nodes) + static_cast<std::size_t>(j)] =
          j < static_cast<std::int64_t>(layers[i].node_means.size()) ? layers[i].node_means[static_cast<std::size_t>(j)]
                                                                     : std::numeric_limits<double>::quiet_NaN();
  return a;
}

}  // namespace baler
