// Model predictions: mapping the model to a table's columns or a field's frames,
// preprocessing both ways, latent quantisation.
#include "model_predictor.hpp"

#include <algorithm>
#include <cmath>

#include "chunk_codec.hpp"
#include "column_codec.hpp"
#include "det_math.hpp"
#include "layer_kernel.hpp"
#include "range_coder.hpp"

namespace baler::codec {
namespace {

constexpr std::size_t kMaxLatent = std::size_t{1} << 20;

std::vector<std::int64_t> strip_leading_ones(std::vector<std::int64_t> s) {
  while (s.size() > 1 && s.front() == 1) s.erase(s.begin());
  return s;
}

bool positive_dims(const std::vector<std::int64_t>& s) {
  if (s.empty() || s.size() > 8) return false;
  for (auto d : s)
    if (d < 1) return false;
  return true;
}

// Model input values per sample, or 0 when the input shape is not a valid sample shape.
std::uint64_t input_values(const Model& m) {
  return positive_dims(m.input_shape) ? checked_element_count(m.input_shape, "model input shape") : 0;
}

// Frames of `s` one sample of `m` spans; 0 when the model's input is not a whole number of frames.
std::uint64_t frames_per_sample(const Model& m, const Schema& s) {
  const std::uint64_t n = input_values(m), per = row_elements(s);
  return per > 0 && n > 0 && n % per == 0 ? n / per : 0;
}

float normalise(const Preprocessing& pp, std::size_t g, double v) {
  if (!pp.log_feature.empty() && pp.log_feature[g]) v = std::log(v);
  v = (v - pp.offset[g]) / pp.scale[g];
  return std::isfinite(v) ? static_cast<float>(v) : 0.0f;
}

double denormalise(const Preprocessing& pp, std::size_t g, float y) {
  const double v = static_cast<double>(y) * pp.scale[g] + pp.offset[g];
  return !pp.log_feature.empty() && pp.log_feature[g] ? det_exp(v) : v;
}

void check_preprocessing(const Preprocessing& pp, std::size_t n, const std::string& what) {
  const std::size_t g = pp.offset.size();
  require((g == n || (g == 1 && n != 0)) && pp.scale.size() == g && (pp.log_feature.empty() || pp.log_feature.size() == g),
          ErrorCode::Malformed, what + ": preprocessing has " + std::to_string(g) + " offsets, " +
                                    std::to_string(pp.scale.size()) + " scales and " +
                                    std::to_string(pp.log_feature.size()) + " log flags for " + std::to_string(n) +
                                    " input values");
}

void map_table(Predictor& p, const Model& m, const Schema& s, const std::string& what) {
  const std::size_t nf = m.feature_names.size();
  require(nf > 0, ErrorCode::ModelMismatch,
          what + ": the model was trained on a field (samples of " + shape_string(m.input_shape) + "), the data are a table");
  require(m.preprocessing.offset.size() == nf, ErrorCode::Malformed,
          what + ": model has " + std::to_string(nf) + " features but " + std::to_string(m.preprocessing.offset.size()) +
              " preprocessing entries");
  check_preprocessing(m.preprocessing, nf, what);
  for (const auto& f : m.feature_names) {
    std::size_t j = 0;
    while (j < s.columns.size() && s.columns[j].name != f) ++j;
    require(j < s.columns.size(), ErrorCode::ModelMismatch,
            what + ": the model was trained on column '" + f + "', which the data do not have");
    // An integer column is an input like any other; it is coded exactly, so its prediction is
    // never used, and it cannot take bound 'none' (the model's output as the value).
    require(is_float(s.columns[j].dtype) || s.columns[j].bound.kind != BoundKind::None, ErrorCode::Config,
            what + ": model feature '" + f + "' is an integer column: it is kept exact and cannot take bound 'none'");
    p.feature_column.push_back(j);
  }
  p.input_shape = m.input_shape.empty() ? std::vector<std::int64_t>{static_cast<std::int64_t>(nf)} : m.input_shape;
  require(positive_dims(p.input_shape) && checked_element_count(p.input_shape, what) == nf, ErrorCode::Malformed,
          what + ": model input shape " + shape_string(p.input_shape) + " does not hold its " + std::to_string(nf) +
              " features");
  p.sample_values = nf;
}

void map_field(Predictor& p, const Model& m, const Schema& s, const std::string& what) {
  require(m.feature_names.empty(), ErrorCode::ModelMismatch,
          what + ": the model was trained on " + std::to_string(m.feature_names.size()) +
              " table columns, the data are a field of shape " + shape_string(s.field_shape));
  require(is_float(s.columns.at(0).dtype), ErrorCode::ModelMismatch, what + ": the field has an integer dtype");
  const std::uint64_t n = input_values(m), per = row_elements(s), k = frames_per_sample(m, s);
  require(n > 0, ErrorCode::Malformed, what + ": bad model input shape " + shape_string(m.input_shape));
  const std::vector<std::int64_t> frame(s.field_shape.begin() + 1, s.field_shape.end());
  require(k > 0, ErrorCode::ModelMismatch,
          what + ": the model takes samples of " + shape_string(m.input_shape) + " (" + std::to_string(n) +
              " values), a frame of the field " + shape_string(s.field_shape) + " has " + std::to_string(per));
  std::vector<std::int64_t> block{static_cast<std::int64_t>(k)};
  block.insert(block.end(), frame.begin(), frame.end());
  require(m.input_shape.size() == 1 || strip_leading_ones(m.input_shape) == strip_leading_ones(block),
          ErrorCode::ModelMismatch,
          what + ": the model takes samples of shape " + shape_string(m.input_shape) + ", " + std::to_string(k) +
              " frame(s) of the field have shape " + shape_string(block));
  require(s.rows % k == 0, ErrorCode::ModelMismatch,
          what + ": one model sample spans " + std::to_string(k) + " frames, the field has " + std::to_string(s.rows));
  require(n <= kMaxChunkElements, ErrorCode::Unsupported,
          what + ": a model sample of " + std::to_string(n) + " values is larger than a chunk may hold (2^24 values)");
  check_preprocessing(m.preprocessing, static_cast<std::size_t>(n), what);
  p.feature_column = {0};
  p.field = true;
  p.input_shape = m.input_shape;
  p.sample_values = static_cast<std::size_t>(n);
  p.rows_per_sample = static_cast<std::size_t>(k);
}

}  // namespace

std::uint64_t chunk_rows_for_model(const Model& m, const Schema& s) {
  if (s.kind != DataKind::Field || s.chunk_rows >= s.rows) return s.chunk_rows;
  const std::uint64_t k = frames_per_sample(m, s);
  if (k <= 1) return s.chunk_rows;
  return std::max(k, s.chunk_rows / k * k);
}

Predictor make_predictor(const Model& m, const Schema& s, bool need_encoder, const std::string& what) {
  Predictor p;
  p.model = &m;
  if (s.kind == DataKind::Table) map_table(p, m, s, what);
  else map_field(p, m, s, what);
  const NetShape dec = check_layers(m.decoder, m.latent_shape, what + " decoder");
  const double chunk_samples_max = static_cast<double>(std::min(s.chunk_rows, s.rows) / p.rows_per_sample);
  require(dec.macs * chunk_samples_max <= kMaxChunkMacs, ErrorCode::Limit,
          what + ": the decoder needs " + std::to_string(dec.macs) + " multiply-adds a sample, more than 2^38 for a chunk of " +
              std::to_string(s.chunk_rows) + " rows");
  p.latent = static_cast<std::size_t>(checked_element_count(m.latent_shape, what + " latent shape"));
  require(p.latent <= kMaxLatent, ErrorCode::Limit, what + ": latent of " + std::to_string(p.latent) + " values per sample");
  require(checked_element_count(dec.out, what) == p.sample_values, ErrorCode::Malformed,
          what + ": the decoder outputs samples of " + shape_string(dec.out) + ", the model takes " +
              shape_string(p.input_shape));
  if (need_encoder) {
    const std::uint64_t k = p.rows_per_sample;
    require(k == 1 || s.chunk_rows % k == 0 || s.chunk_rows >= s.rows, ErrorCode::Config,
            what + ": one model sample spans " + std::to_string(k) + " frames; chunk_rows (" +
                std::to_string(s.chunk_rows) + ") must be a multiple of it");
    const NetShape enc = check_layers(m.encoder, p.input_shape, what + " encoder");
    require(checked_element_count(enc.out, what) == p.latent, ErrorCode::Malformed,
            what + ": the encoder outputs " + shape_string(enc.out) + ", not the latent shape " +
                shape_string(m.latent_shape));
  }
  return p;
}

std::size_t chunk_samples(const Predictor& p, std::size_t rows, const std::string& what) {
  require(rows % p.rows_per_sample == 0, ErrorCode::Malformed,
          what + ": a chunk of " + std::to_string(rows) + " rows does not hold whole model samples of " +
              std::to_string(p.rows_per_sample) + " rows");
  return rows / p.rows_per_sample;
}

std::vector<float> encode_latent(const Predictor& p, const Dataset& d, std::size_t first, std::size_t rows) {
  const auto& pp = p.model->preprocessing;
  const std::size_t n = p.sample_values, S = chunk_samples(p, rows, "chunk at row " + std::to_string(first));
  const bool one_group = pp.offset.size() == 1;
  std::vector<float> x(n * S);
  if (p.field) {
    const Array& f = d.field;
    const std::size_t base = first * (n / p.rows_per_sample);  // the chunk's first element
    for (std::size_t smp = 0; smp < S; ++smp)
      for (std::size_t e = 0; e < n; ++e)
        x[e * S + smp] = normalise(pp, one_group ? 0 : e, load_value(f.dtype, f.bytes.data(), base + smp * n + e));
  } else {
    for (std::size_t f = 0; f < n; ++f) {
      const auto& col = d.columns[p.feature_column[f]].values;
      for (std::size_t r = 0; r < rows; ++r) x[f * rows + r] = normalise(pp, f, load_value(col.dtype, col.bytes.data(), first + r));
    }
  }
  return run_layers(p.model->encoder, p.input_shape, std::move(x), S);
}

std::vector<float> put_latent(ByteWriter& w, const std::vector<float>& latent, double step, std::size_t dims) {
  std::vector<std::uint64_t> codes(latent.size());
  std::vector<float> deq(latent.size());
  for (std::size_t i = 0; i < latent.size(); ++i) {
    double k = std::nearbyint(static_cast<double>(latent[i]) / step);
    if (!std::isfinite(k) || std::fabs(k) > 1099511627776.0) k = 0;
    codes[i] = zigzag(static_cast<std::int64_t>(k));
    deq[i] = static_cast<float>(k * step);
  }
  w.le<double>(step);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(dims));
  put_codes(w, codes);
  return deq;
}

std::vector<float> get_latent(ByteReader& r, std::size_t dims, std::size_t samples) {
  const double step = r.le<double>("latent step");
  if (!(std::isfinite(step) && step > 0)) r.fail("latent step is not positive");
  const auto d = r.le<std::uint32_t>("latent dims");
  if (d != dims) r.fail("latent has " + std::to_string(d) + " dims, the model " + std::to_string(dims));
  if (samples != 0 && dims > (std::uint64_t{1} << 24) / samples)
    throw Error(ErrorCode::Limit, r.what() + ": latent of " + std::to_string(samples) + " x " + std::to_string(dims) +
                                      " values exceeds the chunk limit");
  std::vector<std::uint64_t> codes(dims * samples);
  get_codes(r, codes);
  std::vector<float> deq(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] == kEscapeValue) r.fail("escape in a latent stream");
    deq[i] = static_cast<float>(static_cast<double>(unzigzag(codes[i])) * step);
  }
  return deq;
}

std::vector<std::vector<double>> predict_rows(const Predictor& p, const std::vector<float>& latent, std::size_t rows) {
  const auto& pp = p.model->preprocessing;
  const std::size_t n = p.sample_values, S = chunk_samples(p, rows, "chunk");
  const auto y = run_layers(p.model->decoder, p.model->latent_shape, latent, S);
  const bool one_group = pp.offset.size() == 1;
  if (p.field) {
    std::vector<std::vector<double>> out(1, std::vector<double>(n * S));
    for (std::size_t smp = 0; smp < S; ++smp)
      for (std::size_t e = 0; e < n; ++e) out[0][smp * n + e] = denormalise(pp, one_group ? 0 : e, y[e * S + smp]);
    return out;
  }
  std::vector<std::vector<double>> out(n, std::vector<double>(rows));
  for (std::size_t f = 0; f < n; ++f)
    for (std::size_t r = 0; r < rows; ++r) out[f][r] = denormalise(pp, f, y[f * rows + r]);
  return out;
}

}  // namespace baler::codec
