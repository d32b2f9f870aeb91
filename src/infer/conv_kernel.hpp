// The deterministic Conv2d/Conv3d and ConvTranspose2d/3d kernel (FORMAT.md §3), PyTorch's
// definitions (dilation 1, groups 1), in a fixed summation order per output element.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "baler/model.hpp"

namespace baler::codec {

// One convolution layer applied to one sample. Spatial axes are (depth, height, width); a
// 2-D layer has depth 1, kernel 1, stride 1, padding 0 along axis 0.
struct ConvGeometry {
  bool transpose = false;
  int dims = 2;                    // spatial dims of the layer (2 or 3)
  std::int64_t cin = 0, cout = 0;  // channels
  std::array<std::int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0};
  std::uint64_t in_values() const;   // cin × in spatial
  std::uint64_t out_values() const;  // cout × out spatial
  double macs() const;               // multiply-adds per sample (upper bound, for limits)
  std::vector<std::int64_t> out_shape() const;  // (cout, spatial...) of one output sample
};

// True for the four convolution kinds.
bool is_conv(LayerKind k);

// Checks conv layer `l` (weights, bias, params) against a sample of shape `in` = (channels,
// spatial...) and returns its geometry. Output sizes are PyTorch's: conv
// ⌊(n + 2p − k)/s⌋ + 1 (n + 2p ≥ k); transposed (n − 1)s − 2p + k + output_padding with
// output_padding < s. Throws Error(Malformed) for inconsistent shapes or parameters and
// Error(Limit) for sizes beyond the limits (kernel, stride, padding ≤ 1024, channels ≤ 65536,
// values per sample ≤ 2^26), naming `where` and the shapes.
ConvGeometry conv_geometry(const Layer& l, const std::vector<std::int64_t>& in, const std::string& where);

// Runs a checked conv layer on `samples` samples stored element-major: x[e * samples + s],
// e = C-order index within the sample (channel, depth, height, width). Returns the output
// in the same layout. Output element (o, q): acc = bias[o] (0 when absent), then for
// c = 0 .. cin−1, for kd, kh, kw in C order: acc = acc + W × x for the one input position
// the tap connects to q, skipped when that position lies in the padding (conv) or does not
// exist (transposed: q + p − k not a multiple of s, or outside the input). Binary32, one
// rounding per multiply and per add; samples are independent.
std::vector<float> run_conv(const Layer& l, const ConvGeometry& g, const std::vector<float>& x, std::size_t samples);

}  // namespace baler::codec
