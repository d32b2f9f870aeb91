// The deterministic dense-network kernel that computes model predictions (FORMAT.md §3).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "baler/model.hpp"

namespace baler::codec {

// Checks that `layers` are Linear layers and activations with consistent shapes, mapping
// `in` features to the returned number of outputs. Throws Error(Unsupported) for other layer
// kinds and Error(Malformed) for inconsistent shapes (naming `what`).
std::size_t check_dense(const std::vector<Layer>& layers, std::size_t in, const std::string& what);

// Runs `layers` on `rows` samples stored feature-major (x[feature * rows + row]) in binary32.
// Every output is summed over its inputs in index order starting from the bias; rows are
// independent, so the result never depends on how rows are split. No fused multiply-add.
std::vector<float> run_dense(const std::vector<Layer>& layers, std::vector<float> x, std::size_t rows);

}  // namespace baler::codec
