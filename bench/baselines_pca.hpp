// PCA baseline for the comparison benchmark: a linear encoder/decoder as a baler::Model.
#pragma once

#include <cstdint>
#include <vector>

#include "baler/array.hpp"
#include "baler/model.hpp"

namespace baler::bench {

// Eigen-decomposition of a symmetric n×n matrix (row-major) by cyclic Jacobi rotations.
// Returns eigenvalues in descending order; `vectors` receives the matching unit eigenvectors
// as columns (n×n, row-major: vectors[i * n + k] = component i of vector k).
std::vector<double> jacobi_eigen(std::vector<double> a, std::size_t n, std::vector<double>& vectors);

// PCA of a table's columns after min-max scaling (offset = min, scale = max - min, 1 for
// constant columns), as a model the codec runs: encoder Linear(Vᵀ, -Vᵀμ), decoder Linear(V, μ)
// with V the top-k eigenvectors of the covariance and μ the scaled column means.
// Throws Error(Unsupported) for a field or a non-float column, Error(Config) for k outside [1, columns].
Model pca_model(const Dataset& table, std::int64_t k);

}  // namespace baler::bench
