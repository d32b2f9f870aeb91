// Data sets as training samples, and per-feature preprocessing (minmax, standard, log) — torch-free.
#include <algorithm>
#include <cmath>
#include <limits>

#include "baler/error.hpp"
#include "baler/train.hpp"
#include "nn_spec.hpp"

namespace baler {
namespace {

// A column spans "heavy-tailed" range when all values are > 0 and max/min ≥ 10^3.
constexpr double kLogSpan = 1e3;

std::vector<std::int64_t> tail(const std::vector<std::int64_t>& s, std::size_t from) {
  return {s.begin() + static_cast<std::ptrdiff_t>(from), s.end()};
}

Samples field_samples(const Array& field, const std::string& model_name) {
  const auto& s = field.shape;
  const int dims = nn::conv_dims(model_name);
  Samples out;
  out.from_table = false;
  if (dims == 0) {
    require(s.size() >= 2, ErrorCode::Config,
            "model " + model_name + " needs samples with features: a field of shape " + shape_string(s) +
                " has none per sample (a 2-D or higher field is read as samples × features)");
    out.rows = s[0];
    std::int64_t n = 1;
    for (std::size_t i = 1; i < s.size(); ++i) n *= s[i];
    out.sample_shape = {n};
  } else {
    const std::size_t d = static_cast<std::size_t>(dims);
    require(s.size() >= d && s.size() <= d + 2, ErrorCode::Config,
            "model " + model_name + " needs a field of " + std::to_string(d) + " to " + std::to_string(d + 2) +
                " dimensions, got shape " + shape_string(s));
    if (s.size() == d) {
      out.rows = 1;
      out.sample_shape = s;
      out.sample_shape.insert(out.sample_shape.begin(), 1);
    } else if (s.size() == d + 1) {
      out.rows = s[0];
      out.sample_shape = tail(s, 1);
      out.sample_shape.insert(out.sample_shape.begin(), 1);
    } else {
      out.rows = s[0];
      out.sample_shape = tail(s, 1);
    }
  }
  out.values.resize(field.size());
  for (std::size_t i = 0; i < out.values.size(); ++i) out.values[i] = field.value(i);
  return out;
}

Samples table_samples(const Dataset& data, const std::string& model_name) {
  require(nn::conv_dims(model_name) == 0, ErrorCode::Config,
          "model " + model_name + " needs a field (frames of height × width" +
              std::string(nn::conv_dims(model_name) == 3 ? " × depth" : "") + "); the input is a table with " +
              std::to_string(data.columns.size()) + " columns: use a dense model such as AE");
  Samples out;
  const std::size_t n = data.columns.size();
  require(n >= 1, ErrorCode::Config, "the input table has no columns to train on");
  out.rows = static_cast<std::int64_t>(data.rows());
  out.sample_shape = {static_cast<std::int64_t>(n)};
  out.values.resize(static_cast<std::size_t>(out.rows) * n);
  for (std::size_t c = 0; c < n; ++c) {
    const Array& col = data.columns[c].values;
    require(static_cast<std::int64_t>(col.size()) == out.rows, ErrorCode::Malformed,
            "table column " + data.columns[c].name + " has " + std::to_string(col.size()) + " values, expected " +
                std::to_string(out.rows));
    for (std::size_t r = 0; r < col.size(); ++r) out.values[r * n + c] = col.value(r);
    out.feature_names.push_back(data.columns[c].name);
  }
  return out;
}

struct FeatureStats {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0.0, sum_sq = 0.0;
  std::int64_t count = 0;
};

std::vector<FeatureStats> feature_stats(const Samples& s, std::size_t groups, bool log_of_positive,
                                        const std::vector<std::uint8_t>& use_log) {
  std::vector<FeatureStats> st(groups);
  const std::size_t f = static_cast<std::size_t>(s.features());
  for (std::size_t i = 0; i < s.values.size(); ++i) {
    const std::size_t g = groups == 1 ? 0 : i % f;
    double v = s.values[i];
    if (!std::isfinite(v))
      throw Error(ErrorCode::Malformed, "cannot train on a non-finite value (" + std::to_string(v) + ") in " +
                                            (s.from_table ? "column " + s.feature_names[i % f] : "the field") +
                                            " at sample " + std::to_string(i / f));
    if (log_of_positive && use_log[g]) v = std::log(v);
    auto& x = st[g];
    x.min = std::min(x.min, v);
    x.max = std::max(x.max, v);
    x.sum += v;
    x.sum_sq += v * v;
    ++x.count;
  }
  return st;
}

}  // namespace

std::int64_t Samples::features() const {
  std::int64_t n = 1;
  for (auto d : sample_shape) n *= d;
  return n;
}

Samples samples_from_dataset(const Dataset& data, const std::string& model_name) {
  if (!nn::is_dense_model(model_name) && nn::conv_dims(model_name) == 0) {
    ModelConfig probe;
    probe.model_name = model_name;
    (void)nn::build_net_spec(probe, {1});  // throws the unknown-name message
  }
  Samples s = data.kind == DataKind::Table ? table_samples(data, model_name) : field_samples(data.field, model_name);
  require(s.rows >= 1, ErrorCode::Config, "the input has no samples to train on");
  return s;
}

Preprocessing fit_preprocessing(const Samples& s, const std::string& method) {
  require(method == "minmax" || method == "standard" || method == "log_minmax" || method == "none", ErrorCode::Config,
          "training.normalization: unknown method \"" + method + "\" (expected minmax, standard, log_minmax or none)");
  const std::size_t groups = s.from_table ? static_cast<std::size_t>(s.features()) : 1;
  Preprocessing p;
  p.method = method;
  p.log_feature.assign(groups, 0);
  auto st = feature_stats(s, groups, false, p.log_feature);
  if (method == "log_minmax") {
    bool any = false;
    for (std::size_t g = 0; g < groups; ++g) {
      p.log_feature[g] = st[g].min > 0 && st[g].max / st[g].min >= kLogSpan;
      any = any || p.log_feature[g];
    }
    if (any) st = feature_stats(s, groups, true, p.log_feature);
  }
  for (std::size_t g = 0; g < groups; ++g) {
    double offset = 0.0, scale = 1.0;
    const auto& x = st[g];
    if (method == "minmax" || method == "log_minmax") {
      offset = x.min;
      scale = x.max - x.min;
    } else if (method == "standard") {
      offset = x.sum / static_cast<double>(x.count);
      scale = std::sqrt(std::max(0.0, x.sum_sq / static_cast<double>(x.count) - offset * offset));
    }
    if (!(scale > 0) || !std::isfinite(scale)) scale = 1.0;  // constant feature: no division by zero
    p.offset.push_back(offset);
    p.scale.push_back(scale);
  }
  return p;
}

void apply_preprocessing(const Preprocessing& p, std::span<double> values, std::int64_t features) {
  const std::size_t groups = p.offset.size();
  require(groups == 1 || static_cast<std::int64_t>(groups) == features, ErrorCode::ModelMismatch,
          "preprocessing has " + std::to_string(groups) + " features, the data " + std::to_string(features));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::size_t g = groups == 1 ? 0 : i % groups;
    double v = values[i];
    if (!p.log_feature.empty() && p.log_feature[g]) v = std::log(v);
    values[i] = (v - p.offset[g]) / p.scale[g];
  }
}

void invert_preprocessing(const Preprocessing& p, std::span<double> values, std::int64_t features) {
  const std::size_t groups = p.offset.size();
  require(groups == 1 || static_cast<std::int64_t>(groups) == features, ErrorCode::ModelMismatch,
          "preprocessing has " + std::to_string(groups) + " features, the data " + std::to_string(features));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::size_t g = groups == 1 ? 0 : i % groups;
    double v = values[i] * p.scale[g] + p.offset[g];
    if (!p.log_feature.empty() && p.log_feature[g]) v = std::exp(v);
    values[i] = v;
  }
}

}  // namespace baler
