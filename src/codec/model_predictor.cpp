// Model predictions: column mapping, preprocessing both ways, latent quantisation.
#include "model_predictor.hpp"

#include <cmath>

#include "column_codec.hpp"
#include "dense_kernel.hpp"
#include "det_math.hpp"
#include "range_coder.hpp"

namespace baler::codec {

Predictor make_predictor(const Model& m, const Schema& s, bool need_encoder, const std::string& what) {
  require(s.kind == DataKind::Table, ErrorCode::Unsupported,
          what + ": model predictions are implemented for tables only");
  const auto& pp = m.preprocessing;
  const std::size_t nf = m.feature_names.size();
  require(nf > 0 && pp.offset.size() == nf && pp.scale.size() == nf &&
              (pp.log_feature.empty() || pp.log_feature.size() == nf),
          ErrorCode::Malformed, what + ": model has " + std::to_string(nf) + " features but " +
                                    std::to_string(pp.offset.size()) + " preprocessing entries");
  Predictor p;
  p.model = &m;
  for (const auto& f : m.feature_names) {
    std::size_t j = 0;
    while (j < s.columns.size() && s.columns[j].name != f) ++j;
    require(j < s.columns.size(), ErrorCode::ModelMismatch,
            what + ": the model was trained on column '" + f + "', which the data do not have");
    require(is_float(s.columns[j].dtype), ErrorCode::ModelMismatch,
            what + ": model feature '" + f + "' is an integer column");
    p.feature_column.push_back(j);
  }
  std::size_t latent = 1;
  for (auto d : m.latent_shape) latent *= static_cast<std::size_t>(d);
  require(!m.latent_shape.empty() && latent >= 1 && latent <= (1u << 20), ErrorCode::Malformed,
          what + ": bad latent shape " + shape_string(m.latent_shape));
  p.latent = latent;
  require(check_dense(m.decoder, latent, what + " decoder") == nf, ErrorCode::Malformed,
          what + ": the decoder does not output " + std::to_string(nf) + " features");
  if (need_encoder)
    require(check_dense(m.encoder, nf, what + " encoder") == latent, ErrorCode::Malformed,
            what + ": the encoder does not output the latent size " + std::to_string(latent));
  return p;
}

std::vector<float> encode_latent(const Predictor& p, const Dataset& d, std::size_t first, std::size_t rows) {
  const auto& pp = p.model->preprocessing;
  const std::size_t nf = p.feature_column.size();
  std::vector<float> x(nf * rows);
  for (std::size_t f = 0; f < nf; ++f) {
    const auto& col = d.columns[p.feature_column[f]].values;
    const bool lg = !pp.log_feature.empty() && pp.log_feature[f];
    for (std::size_t r = 0; r < rows; ++r) {
      double v = load_value(col.dtype, col.bytes.data(), first + r);
      if (lg) v = std::log(v);
      v = (v - pp.offset[f]) / pp.scale[f];
      x[f * rows + r] = std::isfinite(v) ? static_cast<float>(v) : 0.0f;
    }
  }
  return run_dense(p.model->encoder, std::move(x), rows);
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

std::vector<float> get_latent(ByteReader& r, std::size_t dims, std::size_t rows) {
  const double step = r.le<double>("latent step");
  if (!(std::isfinite(step) && step > 0)) r.fail("latent step is not positive");
  const auto d = r.le<std::uint32_t>("latent dims");
  if (d != dims) r.fail("latent has " + std::to_string(d) + " dims, the model " + std::to_string(dims));
  if (rows != 0 && dims > (std::uint64_t{1} << 24) / rows)
    throw Error(ErrorCode::Limit, r.what() + ": latent of " + std::to_string(rows) + " x " + std::to_string(dims) +
                                      " values exceeds the chunk limit");
  std::vector<std::uint64_t> codes(dims * rows);
  get_codes(r, codes);
  std::vector<float> deq(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] == kEscapeValue) r.fail("escape in a latent stream");
    deq[i] = static_cast<float>(static_cast<double>(unzigzag(codes[i])) * step);
  }
  return deq;
}

std::vector<std::vector<double>> predict_rows(const Predictor& p, const std::vector<float>& latent, std::size_t rows) {
  const auto y = run_dense(p.model->decoder, latent, rows);
  const auto& pp = p.model->preprocessing;
  const std::size_t nf = p.feature_column.size();
  std::vector<std::vector<double>> out(nf, std::vector<double>(rows));
  for (std::size_t f = 0; f < nf; ++f) {
    const bool lg = !pp.log_feature.empty() && pp.log_feature[f];
    for (std::size_t r = 0; r < rows; ++r) {
      double v = static_cast<double>(y[f * rows + r]) * pp.scale[f] + pp.offset[f];
      out[f][r] = lg ? det_exp(v) : v;
    }
  }
  return out;
}

}  // namespace baler::codec
