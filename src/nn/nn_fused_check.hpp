// Internal to src/nn (torch-free header): compares the fused dense path's gradients with
// LibTorch autograd's on one batch, for the tests.
#pragma once

#include <cstdint>
#include <span>

#include "baler/config.hpp"

namespace baler::nn {

struct GradientComparison {
  double max_relative_diff = 0.0;  // max over weight/bias tensors of max|g_fused − g_torch| / max|g_torch|
  double sse_fused = 0.0, sse_torch = 0.0;  // the batch's sum of squared errors on each path
  std::int64_t parameters = 0;
};

// Builds config.model for samples of `features` values with weights seeded by
// config.training.seed (the trainer's initialisation), then computes the gradient of the
// training loss (training.loss, reg_param, float_dtype) on `rows` rows of `values` (already
// preprocessed) both ways; the fused path splits the batch over training.threads slices.
// Throws Error(Config) for a model the fused path does not take.
GradientComparison compare_fused_gradients(const Config& config, std::span<const double> values, std::int64_t rows,
                                           std::int64_t features);

}  // namespace baler::nn
