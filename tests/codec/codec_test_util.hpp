// Helpers shared by the codec tests: hand-built dense models (no torch), data sets.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "baler/model.hpp"
#include "test_support.hpp"

namespace baler::test {

inline Array random_matrix(std::mt19937_64& g, std::int64_t rows, std::int64_t cols, float scale) {
  Array a(DType::F32, {rows, cols});
  std::normal_distribution<float> d(0.0f, scale);
  for (auto& v : a.as<float>()) v = d(g);
  return a;
}

inline Array random_vector(std::mt19937_64& g, std::int64_t n, float scale) {
  Array a(DType::F32, {n});
  std::normal_distribution<float> d(0.0f, scale);
  for (auto& v : a.as<float>()) v = d(g);
  return a;
}

// A dense autoencoder n -> h -> latent -> h -> n with random weights and the given activation.
inline Model dense_model(std::int64_t n, std::int64_t latent, std::uint64_t seed,
                         LayerKind act = LayerKind::LeakyReLU) {
  auto g = rng(seed);
  const std::int64_t h = 2 * n;
  auto lin = [&](std::int64_t in, std::int64_t out) {
    Layer l;
    l.kind = LayerKind::Linear;
    l.weight = random_matrix(g, out, in, 1.0f / static_cast<float>(in));
    l.bias = random_vector(g, out, 0.1f);
    return l;
  };
  Layer a;
  a.kind = act;
  a.alpha = act == LayerKind::LeakyReLU ? 0.01f : (act == LayerKind::ELU ? 1.0f : 0.0f);
  Model m;
  m.architecture = "Dense";
  m.input_shape = {n};
  m.latent_shape = {latent};
  m.encoder = {lin(n, h), a, lin(h, latent)};
  m.decoder = {lin(latent, h), a, lin(h, n)};
  m.preprocessing.method = "minmax";
  for (std::int64_t i = 0; i < n; ++i) {
    m.preprocessing.offset.push_back(0.0);
    m.preprocessing.scale.push_back(1.0);
    m.feature_names.push_back("col" + std::to_string(i));
  }
  m.config_toml = "[model]\nmodel_name = \"Dense\"\n";
  return m;
}

}  // namespace baler::test
