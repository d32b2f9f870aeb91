// Shape checking and batched deterministic execution of a model's layer list.
#include "layer_kernel.hpp"

#include <algorithm>

#include "conv_kernel.hpp"
#include "dense_kernel.hpp"

namespace baler::codec {
namespace {

constexpr std::uint64_t kMaxSampleValues = std::uint64_t{1} << 26;
constexpr std::int64_t kMaxWidth = std::int64_t{1} << 20;  // Linear outputs
constexpr std::uint64_t kBatchValues = std::uint64_t{1} << 22;  // largest activation of one batch

std::uint64_t count_of(const std::vector<std::int64_t>& shape, const std::string& where) {
  require(!shape.empty() && shape.size() <= 8, ErrorCode::Malformed,
          where + ": sample shape " + shape_string(shape) + " must have 1 to 8 dims");
  for (auto d : shape)
    require(d >= 1, ErrorCode::Malformed, where + ": sample shape " + shape_string(shape) + " has a dim < 1");
  const std::uint64_t n = checked_element_count(shape, where);
  require(n <= kMaxSampleValues, ErrorCode::Limit,
          where + ": a sample of shape " + shape_string(shape) + " exceeds 2^26 values");
  return n;
}

std::vector<std::int64_t> linear_out(const Layer& l, const std::vector<std::int64_t>& cur, const std::string& where,
                                     double& macs) {
  require(cur.size() == 1, ErrorCode::Unsupported,
          where + ": Linear on a sample of shape " + shape_string(cur) + " (the kernel needs a flat sample: Flatten first)");
  require(l.weight.dtype == DType::F32 && l.weight.ndim() == 2 && l.weight.shape[1] == cur[0], ErrorCode::Malformed,
          where + ": Linear weight shape " + shape_string(l.weight.shape) + " does not take " + std::to_string(cur[0]) +
              " inputs");
  const std::int64_t width = l.weight.shape[0];
  require(width >= 1 && width <= kMaxWidth, ErrorCode::Limit,
          where + ": Linear width " + std::to_string(width) + " out of range [1, 2^20]");
  require(l.bias.bytes.empty() || (l.bias.dtype == DType::F32 && l.bias.shape == std::vector<std::int64_t>{width}),
          ErrorCode::Malformed, where + ": bias shape " + shape_string(l.bias.shape) + " does not match " +
                                    std::to_string(width) + " outputs");
  macs += static_cast<double>(width) * static_cast<double>(cur[0]);
  return {width};
}

// Shape of one sample after layer `l`; adds the layer's multiply-adds to `macs`.
std::vector<std::int64_t> layer_out(const Layer& l, const std::vector<std::int64_t>& cur, const std::string& where,
                                    double& macs) {
  const bool weightless = l.weight.bytes.empty() && l.bias.bytes.empty();
  if (is_activation(l.kind)) {
    require(weightless, ErrorCode::Malformed, where + ": activation with weights");
    return cur;
  }
  if (l.kind == LayerKind::Linear) return linear_out(l, cur, where, macs);
  if (l.kind == LayerKind::Flatten || l.kind == LayerKind::Unflatten) {
    require(weightless, ErrorCode::Malformed, where + ": reshape with weights");
    require(count_of(l.params, where + " reshape target") == count_of(cur, where), ErrorCode::Malformed,
            where + ": cannot reshape a sample of " + shape_string(cur) + " to " + shape_string(l.params));
    return l.params;
  }
  if (is_conv(l.kind)) {
    const ConvGeometry g = conv_geometry(l, cur, where);
    macs += g.macs();
    return g.out_shape();
  }
  throw Error(ErrorCode::Unsupported, where + ": layer kind " + std::to_string(static_cast<int>(l.kind)) +
                                          " is not run by the deterministic kernel");
}

std::vector<float> run_all(const std::vector<Layer>& layers, std::vector<std::int64_t> cur, std::vector<float> x,
                           std::size_t samples) {
  for (const Layer& l : layers) {
    if (is_activation(l.kind)) {
      activate_all(l, x);
    } else if (l.kind == LayerKind::Linear) {
      x = run_linear(l, x, samples);
      cur = {l.weight.shape[0]};
    } else if (is_conv(l.kind)) {
      const ConvGeometry g = conv_geometry(l, cur, "layer");
      x = run_conv(l, g, x, samples);
      cur = g.out_shape();
    } else {
      cur = l.params;  // Flatten/Unflatten: element-major storage is unchanged
    }
  }
  return x;
}

}  // namespace

NetShape check_layers(const std::vector<Layer>& layers, const std::vector<std::int64_t>& in, const std::string& what) {
  NetShape net;
  net.out = in;
  net.peak = count_of(in, what + " input");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string where = what + " layer " + std::to_string(i);
    net.out = layer_out(layers[i], net.out, where, net.macs);
    net.peak = std::max(net.peak, count_of(net.out, where + " output"));
    require(net.macs <= kMaxSampleMacs, ErrorCode::Limit,
            what + ": more than 2^32 multiply-adds per sample (at layer " + std::to_string(i) + ")");
  }
  return net;
}

std::vector<float> run_layers(const std::vector<Layer>& layers, const std::vector<std::int64_t>& in,
                              std::vector<float> x, std::size_t samples) {
  const NetShape net = check_layers(layers, in, "model");
  const std::size_t n_in = checked_element_count(in, "input"), n_out = checked_element_count(net.out, "output");
  require(x.size() == n_in * samples, ErrorCode::Internal, "run_layers: input size does not match the samples");
  const std::size_t batch = std::max<std::size_t>(1, kBatchValues / net.peak);
  if (samples <= batch) return run_all(layers, in, std::move(x), samples);
  std::vector<float> y(n_out * samples);
  for (std::size_t s0 = 0; s0 < samples; s0 += batch) {
    const std::size_t nb = std::min(batch, samples - s0);
    std::vector<float> xb(n_in * nb);
    for (std::size_t e = 0; e < n_in; ++e)
      std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(e * samples + s0), nb, xb.begin() + static_cast<std::ptrdiff_t>(e * nb));
    const auto yb = run_all(layers, in, std::move(xb), nb);
    for (std::size_t e = 0; e < n_out; ++e)
      std::copy_n(yb.begin() + static_cast<std::ptrdiff_t>(e * nb), nb, y.begin() + static_cast<std::ptrdiff_t>(e * samples + s0));
  }
  return y;
}

}  // namespace baler::codec
