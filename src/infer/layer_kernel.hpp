// Any supported layer sequence (Linear, activations, Conv2d/3d, ConvTranspose2d/3d, Flatten,
// Unflatten) checked against a sample shape and run deterministically (FORMAT.md §3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "baler/model.hpp"

namespace baler::codec {

// What a checked layer sequence does to one sample.
struct NetShape {
  std::vector<std::int64_t> out;  // output shape of one sample (excluding batch)
  std::uint64_t peak = 0;         // most values one sample holds between two layers
  double macs = 0;                // multiply-adds per sample
};

// Most multiply-adds one sample may cost in one network (hostile files): 2^32.
inline constexpr double kMaxSampleMacs = 4294967296.0;

// Checks `layers` on samples of shape `in`: Linear takes a flat sample {n} with weight
// (out, n); activations keep the shape; convolutions as conv_geometry(); Flatten/Unflatten
// reshape to their params (same value count, C order). Throws Error(Unsupported) for a layer
// kind the kernel does not run, Error(Malformed) for inconsistent shapes and Error(Limit)
// beyond the limits, each naming `what`, the layer index and the shapes.
NetShape check_layers(const std::vector<Layer>& layers, const std::vector<std::int64_t>& in, const std::string& what);

// Runs `layers` on `samples` samples of shape `in` stored element-major (x[e * samples + s],
// e = C-order index within a sample) and returns the output in the same layout. Samples are
// independent: they are processed in batches that bound memory, which never changes a bit of
// the result. Call check_layers first (this re-checks the geometry and throws the same errors).
std::vector<float> run_layers(const std::vector<Layer>& layers, const std::vector<std::int64_t>& in,
                              std::vector<float> x, std::size_t samples);

}  // namespace baler::codec
