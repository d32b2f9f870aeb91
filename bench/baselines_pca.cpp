// PCA baseline: min-max scaling, covariance, Jacobi eigenvectors, a two-layer linear Model.
#include "baselines_pca.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "baler/error.hpp"

namespace baler::bench {

namespace {

// One Jacobi rotation zeroing a[p][q]; accumulates the rotation into v.
void rotate(std::vector<double>& a, std::vector<double>& v, std::size_t n, std::size_t p, std::size_t q) {
  const double apq = a[p * n + q];
  if (apq == 0.0) return;
  const double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
  const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
  const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
  for (std::size_t k = 0; k < n; ++k) {  // columns p, q
    const double akp = a[k * n + p], akq = a[k * n + q];
    a[k * n + p] = c * akp - s * akq;
    a[k * n + q] = s * akp + c * akq;
  }
  for (std::size_t k = 0; k < n; ++k) {  // rows p, q
    const double apk = a[p * n + k], aqk = a[q * n + k];
    a[p * n + k] = c * apk - s * aqk;
    a[q * n + k] = s * apk + c * aqk;
  }
  for (std::size_t k = 0; k < n; ++k) {
    const double vkp = v[k * n + p], vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

double off_diagonal(const std::vector<double>& a, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j) s += a[i * n + j] * a[i * n + j];
  return s;
}

Layer linear(std::int64_t out, std::int64_t in, const std::vector<double>& w, const std::vector<double>& b) {
  Layer l;
  l.kind = LayerKind::Linear;
  l.weight = Array(DType::F32, {out, in});
  l.bias = Array(DType::F32, {out});
  auto wv = l.weight.as<float>();
  for (std::size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<float>(w[i]);
  auto bv = l.bias.as<float>();
  for (std::size_t i = 0; i < bv.size(); ++i) bv[i] = static_cast<float>(b[i]);
  return l;
}

}  // namespace

std::vector<double> jacobi_eigen(std::vector<double> a, std::size_t n, std::vector<double>& vectors) {
  std::vector<double> v(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  double total = 0;
  for (double x : a) total += x * x;
  for (int sweep = 0; sweep < 100 && off_diagonal(a, n) > 1e-30 * std::max(total, 1e-300); ++sweep)
    for (std::size_t p = 0; p + 1 < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) rotate(a, v, n, p, q);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return a[x * n + x] > a[y * n + y]; });
  std::vector<double> values(n);
  vectors.assign(n * n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    values[k] = a[order[k] * n + order[k]];
    for (std::size_t i = 0; i < n; ++i) vectors[i * n + k] = v[i * n + order[k]];
  }
  return values;
}

Model pca_model(const Dataset& table, std::int64_t k) {
  require(table.kind == DataKind::Table, ErrorCode::Unsupported, "PCA baseline: tables only");
  const std::size_t n = table.columns.size(), rows = table.rows();
  require(k >= 1 && static_cast<std::size_t>(k) <= n, ErrorCode::Config,
          "PCA baseline: k = " + std::to_string(k) + " outside [1, " + std::to_string(n) + "]");
  Model m;
  m.architecture = "PCA";
  m.input_shape = {static_cast<std::int64_t>(n)};
  m.latent_shape = {k};
  m.preprocessing.method = "minmax";
  std::vector<double> x(rows * n), mean(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    const Array& c = table.columns[j].values;
    require(is_float(c.dtype), ErrorCode::Unsupported, "PCA baseline: column " + table.columns[j].name + " is not float");
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t r = 0; r < rows; ++r)
      if (const double v = c.value(r); std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!(lo <= hi)) lo = hi = 0;
    const double scale = hi > lo ? hi - lo : 1.0;
    m.preprocessing.offset.push_back(lo);
    m.preprocessing.scale.push_back(scale);
    m.feature_names.push_back(table.columns[j].name);
    for (std::size_t r = 0; r < rows; ++r) {
      const double v = c.value(r);
      x[r * n + j] = std::isfinite(v) ? (v - lo) / scale : 0.0;
      mean[j] += x[r * n + j] / static_cast<double>(rows);
    }
  }
  std::vector<double> cov(n * n, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; ++i) {
      const double di = x[r * n + i] - mean[i];
      for (std::size_t j = 0; j < n; ++j) cov[i * n + j] += di * (x[r * n + j] - mean[j]);
    }
  std::vector<double> vec;
  jacobi_eigen(cov, n, vec);
  const std::size_t kk = static_cast<std::size_t>(k);
  std::vector<double> enc_w(kk * n), enc_b(kk, 0.0), dec_w(n * kk);
  for (std::size_t c = 0; c < kk; ++c)
    for (std::size_t i = 0; i < n; ++i) {
      enc_w[c * n + i] = vec[i * n + c];
      dec_w[i * kk + c] = vec[i * n + c];
      enc_b[c] -= vec[i * n + c] * mean[i];
    }
  m.encoder = {linear(k, static_cast<std::int64_t>(n), enc_w, enc_b)};
  m.decoder = {linear(static_cast<std::int64_t>(n), k, dec_w, mean)};
  return m;
}

}  // namespace baler::bench
