// Dense layers and activations in a fixed summation order, with deterministic exp.
#include "dense_kernel.hpp"

#include "det_math.hpp"

namespace baler::codec {
namespace {

constexpr std::size_t kMaxWidth = 1u << 20;

bool is_activation(LayerKind k) {
  return k == LayerKind::LeakyReLU || k == LayerKind::ReLU || k == LayerKind::Tanh ||
         k == LayerKind::Sigmoid || k == LayerKind::ELU || k == LayerKind::SiLU;
}

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

std::size_t check_dense(const std::vector<Layer>& layers, std::size_t in, const std::string& what) {
  std::size_t width = in;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const std::string where = what + " layer " + std::to_string(i);
    if (is_activation(l.kind)) {
      require(l.weight.bytes.empty() && l.bias.bytes.empty(), ErrorCode::Malformed, where + ": activation with weights");
      continue;
    }
    require(l.kind == LayerKind::Linear, ErrorCode::Unsupported,
            where + ": layer kind " + std::to_string(static_cast<int>(l.kind)) +
                " is not run by the deterministic dense decoder (Linear and activations only)");
    require(l.weight.dtype == DType::F32 && l.weight.ndim() == 2 &&
                static_cast<std::size_t>(l.weight.shape[1]) == width,
            ErrorCode::Malformed, where + ": weight shape " + shape_string(l.weight.shape) +
                                      " does not take " + std::to_string(width) + " inputs");
    width = static_cast<std::size_t>(l.weight.shape[0]);
    require(width >= 1 && width <= kMaxWidth, ErrorCode::Limit, where + ": width out of range");
    require(l.bias.bytes.empty() ||
                (l.bias.dtype == DType::F32 && l.bias.ndim() == 1 && static_cast<std::size_t>(l.bias.shape[0]) == width),
            ErrorCode::Malformed, where + ": bias shape " + shape_string(l.bias.shape) + " does not match");
  }
  return width;
}

std::vector<float> run_dense(const std::vector<Layer>& layers, std::vector<float> x, std::size_t rows) {
  for (const Layer& l : layers) {
    if (l.kind != LayerKind::Linear) {
      for (auto& v : x) v = activate(l.kind, l.alpha, v);
      continue;
    }
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
    x = std::move(y);
  }
  return x;
}

}  // namespace baler::codec
