// Statistics of what compression lost: moments, quantiles, histograms, box figures.
#include <algorithm>
#include <cmath>
#include <string>

#include "baler/analysis.hpp"

namespace baler {

Moments moments(std::span<const double> values) {
  Moments m;
  double sum = 0, sum_sq = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (m.count == 0) m.min = m.max = v;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
    sum += v;
    sum_sq += v * v;
    ++m.count;
  }
  if (m.count == 0) return m;
  const double n = static_cast<double>(m.count);
  m.mean = sum / n;
  m.rms = std::sqrt(sum_sq / n);
  // Second pass about the mean: no cancellation for data far from zero.
  double dev = 0;
  for (double v : values)
    if (std::isfinite(v)) dev += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(dev / n);
  return m;
}

std::vector<double> sorted_finite(std::span<const double> values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values)
    if (std::isfinite(v)) out.push_back(v);
  std::sort(out.begin(), out.end());
  return out;
}

double quantile_sorted(std::span<const double> sorted, double q) {
  require(q >= 0 && q <= 1, ErrorCode::Internal, "quantile " + std::to_string(q) + " outside [0,1]");
  if (sorted.empty()) return kNaN;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  const double f = pos - static_cast<double>(i);
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

std::vector<double> to_doubles(const Array& array) {
  std::vector<double> out(array.size());
  if (array.dtype == DType::F64) {
    auto src = array.as<double>();
    std::copy(src.begin(), src.end(), out.begin());
    return out;
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = array.value(i);
  return out;
}

namespace {

// A non-degenerate range around [lo, hi].
Range widen(double lo, double hi) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 1e-3;
    return {lo - pad, hi + pad};
  }
  return {lo, hi};
}

}  // namespace

Range full_range(std::span<const double> a, std::span<const double> b) {
  const Moments ma = moments(a), mb = moments(b);
  if (ma.count == 0 && mb.count == 0) return {-1, 1};
  const double lo = ma.count == 0 ? mb.min : (mb.count == 0 ? ma.min : std::min(ma.min, mb.min));
  const double hi = ma.count == 0 ? mb.max : (mb.count == 0 ? ma.max : std::max(ma.max, mb.max));
  return widen(lo, hi);
}

Range quantile_range(std::span<const double> values, double q_lo, double q_hi, double margin) {
  const std::vector<double> s = sorted_finite(values);
  if (s.empty()) return {-1, 1};
  const double lo = quantile_sorted(s, q_lo), hi = quantile_sorted(s, q_hi);
  const Range r = widen(lo, hi);
  const double pad = (r.hi - r.lo) * margin;
  return {r.lo - pad, r.hi + pad};
}

double Histogram::total_in_range() const {
  double t = 0;
  for (double c : counts) t += c;
  return t;
}

Histogram make_histogram(std::span<const double> values, Range range, std::size_t bins) {
  require(bins > 0, ErrorCode::Usage, "histogram needs at least one bin");
  require(std::isfinite(range.lo) && std::isfinite(range.hi) && range.hi > range.lo,
          ErrorCode::Usage,
          "histogram range [" + std::to_string(range.lo) + ", " + std::to_string(range.hi) +
              "] is empty or not finite");
  Histogram h;
  h.lo = range.lo;
  h.hi = range.hi;
  h.counts.assign(bins, 0.0);
  const double scale = static_cast<double>(bins) / (range.hi - range.lo);
  for (double v : values) {
    if (!std::isfinite(v)) {
      ++h.nonfinite;
    } else if (v < range.lo) {
      ++h.underflow;
    } else if (v > range.hi) {
      ++h.overflow;
    } else {
      auto i = static_cast<std::size_t>((v - range.lo) * scale);
      h.counts[std::min(i, bins - 1)] += 1;
    }
  }
  return h;
}

BoxStats box_stats(std::span<const double> values) {
  const std::vector<double> s = sorted_finite(values);
  BoxStats b;
  b.count = s.size();
  if (s.empty()) return b;
  b.min = s.front();
  b.max = s.back();
  b.q05 = quantile_sorted(s, 0.05);
  b.q25 = quantile_sorted(s, 0.25);
  b.median = quantile_sorted(s, 0.5);
  b.q75 = quantile_sorted(s, 0.75);
  b.q95 = quantile_sorted(s, 0.95);
  return b;
}

std::vector<double> residuals(std::span<const double> orig, std::span<const double> rec) {
  require(orig.size() == rec.size(), ErrorCode::Usage,
          "original has " + std::to_string(orig.size()) + " values, reconstructed " +
              std::to_string(rec.size()));
  std::vector<double> out(orig.size());
  for (std::size_t i = 0; i < orig.size(); ++i)
    out[i] = std::isfinite(orig[i]) && std::isfinite(rec[i]) ? rec[i] - orig[i] : kNaN;
  return out;
}

std::vector<double> responses(std::span<const double> orig, std::span<const double> rec,
                              std::size_t* zeros) {
  const std::vector<double> res = residuals(orig, rec);
  std::vector<double> out;
  out.reserve(res.size());
  std::size_t z = 0;
  for (std::size_t i = 0; i < res.size(); ++i) {
    if (!std::isfinite(res[i])) continue;
    if (orig[i] == 0) {
      ++z;
      continue;
    }
    out.push_back(res[i] / orig[i]);
  }
  if (zeros) *zeros = z;
  return out;
}

ColumnSummary summarize_column(const std::string& name, std::span<const double> orig,
                               std::span<const double> rec, const ColumnInfo& info) {
  ColumnSummary s;
  s.name = name;
  s.info = info;
  s.rows = orig.size();
  const std::vector<double> res = residuals(orig, rec);
  s.residual = moments(res);
  s.nonfinite = res.size() - s.residual.count;
  s.response = moments(responses(orig, rec, &s.response_zeros));
  s.max_abs_error = s.residual.count ? std::max(std::abs(s.residual.min), std::abs(s.residual.max)) : kNaN;
  const Moments mo = moments(orig);
  s.orig_min = mo.min;
  s.orig_max = mo.max;
  s.bound_held = !(info.abs_bound >= 0) || !(s.max_abs_error > info.abs_bound);
  if (info.exact) s.bound_held = s.bound_held && !(s.max_abs_error > 0);
  return s;
}

std::vector<ColumnSummary> summarize(const Dataset& orig, const Dataset& rec,
                                     const std::map<std::string, ColumnInfo>& info) {
  auto info_of = [&](const std::string& n) {
    auto it = info.find(n);
    return it == info.end() ? ColumnInfo{} : it->second;
  };
  require(orig.kind == rec.kind, ErrorCode::Usage, "original and reconstructed data differ in kind");
  std::vector<ColumnSummary> out;
  if (orig.kind == DataKind::Field) {
    require(orig.field.shape == rec.field.shape, ErrorCode::Usage,
            "original field " + shape_string(orig.field.shape) + " but reconstructed " +
                shape_string(rec.field.shape));
    // A container may name the field's entry otherwise ("data"): a lone entry is the field's.
    const ColumnInfo fi = info.size() == 1 && !info.count("field") ? info.begin()->second : info_of("field");
    out.push_back(summarize_column("field", to_doubles(orig.field), to_doubles(rec.field), fi));
    return out;
  }
  require(orig.columns.size() == rec.columns.size(), ErrorCode::Usage,
          "original has " + std::to_string(orig.columns.size()) + " columns, reconstructed " +
              std::to_string(rec.columns.size()));
  for (std::size_t c = 0; c < orig.columns.size(); ++c) {
    const Column& a = orig.columns[c];
    const Column& b = rec.columns[c];
    require(a.name == b.name, ErrorCode::Usage,
            "column " + std::to_string(c) + " is '" + a.name + "' in the original but '" +
                b.name + "' in the reconstruction");
    require(a.values.size() == b.values.size(), ErrorCode::Usage,
            "column '" + a.name + "' has " + std::to_string(a.values.size()) +
                " rows in the original, " + std::to_string(b.values.size()) + " reconstructed");
    out.push_back(summarize_column(a.name, to_doubles(a.values), to_doubles(b.values), info_of(a.name)));
  }
  return out;
}

FrameShape frame_shape(const Array& field) {
  FrameShape f;
  const auto& s = field.shape;
  if (s.empty()) return f;
  f.width = static_cast<std::size_t>(s.back());
  if (s.size() >= 2) f.height = static_cast<std::size_t>(s[s.size() - 2]);
  for (std::size_t i = 0; i + 2 < s.size(); ++i) f.frames *= static_cast<std::size_t>(s[i]);
  return f;
}

std::vector<FrameError> frame_errors(const Array& orig, const Array& rec) {
  require(orig.shape == rec.shape, ErrorCode::Usage,
          "original field " + shape_string(orig.shape) + " but reconstructed " +
              shape_string(rec.shape));
  const std::vector<double> a = to_doubles(orig), b = to_doubles(rec);
  const Moments ma = moments(a);
  const double peak = ma.count ? ma.max - ma.min : kNaN;
  const FrameShape fs = frame_shape(orig);
  const std::size_t n = fs.height * fs.width;
  std::vector<FrameError> out(fs.frames);
  for (std::size_t f = 0; f < fs.frames; ++f) {
    const Moments m = moments(residuals(std::span(a).subspan(f * n, n), std::span(b).subspan(f * n, n)));
    FrameError& e = out[f];
    e.rmse = m.rms;
    e.max_abs_error = m.count ? std::max(std::abs(m.min), std::abs(m.max)) : kNaN;
    if (m.count == 0) continue;
    e.psnr_db = e.rmse == 0 ? std::numeric_limits<double>::infinity() : 20 * std::log10(peak / e.rmse);
  }
  return out;
}

}  // namespace baler
