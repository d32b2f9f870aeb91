// The deterministic dense-layer and activation primitives that compute model predictions (FORMAT.md §3).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "baler/model.hpp"

namespace baler::codec {

// ReLU, LeakyReLU, Tanh, Sigmoid, ELU, SiLU (no weights, shape unchanged).
bool is_activation(LayerKind k);

// Applies activation layer `l` to every value in place (binary32 in, binary32 out; the
// transcendental ones through det_exp in binary64).
void activate_all(const Layer& l, std::vector<float>& x);

// Linear layer `l` (weight (out, in), checked by the caller) on `rows` samples stored
// element-major (x[i * rows + r]); returns y[o * rows + r]. Each output is bias (0 when
// absent) plus W[o][i] * x[i] added in index order i = 0 .. in-1, one rounding per multiply
// and per add; rows are independent, so the result never depends on how rows are split.
std::vector<float> run_linear(const Layer& l, const std::vector<float>& x, std::size_t rows);

// A network of Linear layers and activations on flat samples of x.size() / rows values
// (shorthand for run_layers of layer_kernel.hpp with a 1-D input shape).
std::vector<float> run_dense(const std::vector<Layer>& layers, std::vector<float> x, std::size_t rows);

}  // namespace baler::codec
