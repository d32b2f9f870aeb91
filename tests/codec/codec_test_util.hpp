// Helpers shared by the codec tests: hand-built dense models (no torch), data sets.
#pragma once

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "baler/error.hpp"
#include "baler/model.hpp"
#include "test_support.hpp"

namespace baler::test {

// The code of the Error `f` throws (its message into `msg`); Internal if it throws none.
inline ErrorCode code_of(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.code();
  }
  return ErrorCode::Internal;
}

// Decodes `b` with each bit of its first `limit` bytes flipped in turn: every copy must give an
// Error or values, never a crash (the sanitizer builds check the rest).
template <typename Decode>
void flip_each_bit(const std::vector<std::byte>& b, std::size_t limit, Decode&& decode) {
  for (std::size_t i = 0; i < std::min(limit, b.size()); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      auto d = b;
      d[i] ^= std::byte{static_cast<unsigned char>(1u << bit)};
      try {
        decode(d);
      } catch (const Error&) {
      }
    }
}

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

#include <cmath>
#include <cstring>

#include "baler/array.hpp"

namespace baler::test {

// Independent check of a decoded data set (not the codec's verifier). `rel` > 0: bound =
// rel x (max - min) of the finite values; `abs` > 0: absolute bound. Float columns whose
// finite values are all integers and integer dtypes must be bit-identical when
// `integers_exact`; non-finite values must be bit-identical always. Returns the violations.
struct BoundSpec {
  double rel = 0, abs = 0;
  bool integers_exact = true;
  bool exact = false;
};

inline bool all_integers(const Array& a) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a.value(i);
    if (std::isfinite(x) && (x != std::floor(x) || std::fabs(x) > 9e15 || (x == 0 && std::signbit(x)))) return false;
  }
  return true;
}

inline std::size_t count_violations(const Array& x, const Array& y, const BoundSpec& b, std::string* why = nullptr) {
  EXPECT_EQ(x.dtype, y.dtype);
  EXPECT_EQ(x.shape, y.shape);
  if (x.dtype != y.dtype || x.shape != y.shape) return x.size() + 1;
  const std::size_t es = dtype_size(x.dtype);
  const bool exact = b.exact || !is_float(x.dtype) || (b.integers_exact && all_integers(x));
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(x.value(i))) lo = std::min(lo, x.value(i)), hi = std::max(hi, x.value(i));
  const double bound = b.abs > 0 ? b.abs : b.rel * (hi > lo ? hi - lo : 0.0);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double a = x.value(i), c = y.value(i);
    bool ok;
    if (exact || !std::isfinite(a)) ok = std::memcmp(x.bytes.data() + i * es, y.bytes.data() + i * es, es) == 0;
    else ok = std::fabs(a - c) <= bound;
    if (!ok && why && bad == 0)
      *why = "value " + std::to_string(i) + ": " + std::to_string(a) + " -> " + std::to_string(c) + " (bound " +
             std::to_string(bound) + ")";
    bad += ok ? 0 : 1;
  }
  return bad;
}

inline std::size_t count_violations(const Dataset& x, const Dataset& y, const BoundSpec& b) {
  EXPECT_EQ(x.kind, y.kind);
  if (x.kind == DataKind::Field) {
    std::string why;
    const auto n = count_violations(x.field, y.field, b, &why);
    EXPECT_EQ(n, 0u) << why;
    return n;
  }
  EXPECT_EQ(x.columns.size(), y.columns.size());
  if (x.columns.size() != y.columns.size()) return 1;
  std::size_t bad = 0;
  for (std::size_t j = 0; j < x.columns.size(); ++j) {
    EXPECT_EQ(x.columns[j].name, y.columns[j].name);
    std::string why;
    const auto n = count_violations(x.columns[j].values, y.columns[j].values, b, &why);
    EXPECT_EQ(n, 0u) << "column " << x.columns[j].name << ": " << why;
    bad += n;
  }
  return bad;
}

}  // namespace baler::test
