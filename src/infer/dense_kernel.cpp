// Dense layers and activations in a fixed summation order, with deterministic exp.
#include "dense_kernel.hpp"

#include "det_math.hpp"
#include "layer_kernel.hpp"

namespace baler::codec {
namespace {

float activate(LayerKind k, float alpha, float v) {
  switch (k) {
    case LayerKind::ReLU: return v > 0.0f ? v : 0.0f;
    case LayerKind::LeakyReLU: return v >= 0.0f ? v : alpha * v;
    case LayerKind::Tanh: {  // tanh v = 1 - 2 / (e^{2v} + 1)
      const double e = det_exp(2.0 * static_cast<double>(v));
      return static_cast<float>(1.0 - 2.0 / (e + 1.0));
    }
    case LayerKind::Sigmoid: return static_cast<float>(1.0 / (1.0 + det_exp(-static_cast<double>(v))));
    case LayerKind::ELU:
      return v > 0.0f ? v : static_cast<float>(static_cast<double>(alpha) * (det_exp(v) - 1.0));
    case LayerKind::SiLU:
      return static_cast<float>(static_cast<double>(v) / (1.0 + det_exp(-static_cast<double>(v))));
    default: return v;
  }
}

}  // namespace

bool is_activation(LayerKind k) {
  return k == LayerKind::LeakyReLU || k == LayerKind::ReLU || k == LayerKind::Tanh ||
         k == LayerKind::Sigmoid || k == LayerKind::ELU || k == LayerKind::SiLU;
}

void activate_all(const Layer& l, std::vector<float>& x) {
  for (auto& v : x) v = activate(l.kind, l.alpha, v);
}

std::vector<float> run_linear(const Layer& l, const std::vector<float>& x, std::size_t rows) {
  const std::size_t out = static_cast<std::size_t>(l.weight.shape[0]);
  const std::size_t in = static_cast<std::size_t>(l.weight.shape[1]);
  const auto w = l.weight.as<float>();
  const bool has_bias = !l.bias.bytes.empty();
  std::vector<float> y(out * rows);
  for (std::size_t o = 0; o < out; ++o) {
    float* acc = y.data() + o * rows;
    const float b = has_bias ? l.bias.as<float>()[o] : 0.0f;
    for (std::size_t r = 0; r < rows; ++r) acc[r] = b;
    for (std::size_t i = 0; i < in; ++i) {  // index order; the row loop may vectorise
      const float wi = w[o * in + i];
      const float* xi = x.data() + i * rows;
      for (std::size_t r = 0; r < rows; ++r) acc[r] = acc[r] + wi * xi[r];
    }
  }
  return y;
}

std::vector<float> run_dense(const std::vector<Layer>& layers, std::vector<float> x, std::size_t rows) {
  const auto n = static_cast<std::int64_t>(rows ? x.size() / rows : 0);
  return run_layers(layers, {n}, std::move(x), rows);
}

}  // namespace baler::codec
