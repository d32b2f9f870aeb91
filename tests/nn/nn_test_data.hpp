// Seeded data for the nn tests: tables with low-dimensional structure, smooth 2-D/3-D fields.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "baler/config.hpp"
#include "test_support.hpp"

namespace baler::test {

// rows × features, each row a smooth function of 3 hidden variables plus a little noise.
// Column 0 is heavy-tailed and positive (for log preprocessing), the last one constant.
inline Dataset structured_table(std::int64_t rows, std::int64_t features, std::uint64_t seed = 7) {
  auto g = rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<std::vector<double>> mix(static_cast<std::size_t>(features), std::vector<double>(3));
  for (auto& m : mix)
    for (auto& v : m) v = u(g);
  Array matrix(DType::F64, {rows, features});
  auto x = matrix.as<double>();
  for (std::int64_t r = 0; r < rows; ++r) {
    const double h[3] = {u(g), u(g), u(g)};
    for (std::int64_t f = 0; f < features; ++f) {
      const auto& m = mix[static_cast<std::size_t>(f)];
      double v = std::tanh(m[0] * h[0] + m[1] * h[1] + m[2] * h[2]) + noise(g);
      if (f == 0) v = std::exp(4.0 * (h[0] + 1.0));  // 1 .. e^8: spans > 3 decades
      if (f == features - 1) v = 3.5;                 // constant column
      x[static_cast<std::size_t>(r * features + f)] = 100.0 * v;
    }
  }
  return table_from_matrix(matrix, {});
}

// frames × h × w smooth waves with random phase and frequency per frame.
inline Dataset smooth_field(std::vector<std::int64_t> shape, std::uint64_t seed = 11) {
  auto g = rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Dataset d;
  d.kind = DataKind::Field;
  d.field = Array(DType::F32, shape);
  auto x = d.field.as<float>();
  std::int64_t per = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) per *= shape[i];
  for (std::int64_t n = 0; n < shape[0]; ++n) {
    const double a = u(g) * 6.28, b = u(g) * 6.28, k = 1.0 + u(g);
    for (std::int64_t i = 0; i < per; ++i) {
      const double p = static_cast<double>(i % shape.back()) / static_cast<double>(shape.back());
      const double q = static_cast<double>(i / shape.back()) / static_cast<double>(per / shape.back());
      x[static_cast<std::size_t>(n * per + i)] = static_cast<float>(std::sin(6.28 * k * p + a) * std::cos(3.14 * q + b));
    }
  }
  return d;
}

// A small, quick configuration for tests.
inline Config quick_config(const std::string& model, std::int64_t epochs = 12) {
  Config c;
  c.model.model_name = model;
  c.training.epochs = epochs;
  c.training.lr = 3e-3;
  c.training.batch_size = 64;
  c.training.threads = 2;
  c.training.seed = 1234;
  c.training.early_stopping = false;
  return c;
}

}  // namespace baler::test
