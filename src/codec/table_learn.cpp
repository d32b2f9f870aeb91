// Learning the conditional table model (include/baler/table_model.hpp): per lossy float
// column, candidate predictors from the other columns' plain reconstructions are screened on a
// few hundred rows, the best of each family measured with the codec's own cost estimate on the
// learning sample, an acyclic choice made greedily by bits saved, and each chosen relation
// then kept only if the real blocks, coded in decode order, are smaller by more than its bytes.
// Column names are never read; the result does not depend on the thread count.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "baler/table_model.hpp"
#include "chunk_codec.hpp"
#include "codec_schema.hpp"
#include "column_codec.hpp"
#include "parallel_for.hpp"
#include "range_coder.hpp"
#include "table_predict.hpp"

namespace baler {
namespace codec {
namespace {

constexpr std::size_t kScreenRows = 512;
constexpr std::size_t kMeasureRows = 16384;
constexpr std::size_t kTopPerFamily = 3;
constexpr std::size_t kMaxLinearInputs = 6;
constexpr std::size_t kMaxColumnsForTriples = 48;

struct Col {
  std::vector<double> x;    // values (binary64)
  std::vector<double> rec;  // as the plain codec reconstructs them (exact columns: x; not finite: 0)
  double step = 0, bound = 0;
  bool target = false;  // a lossy float column: relations may predict it
  double plain_bits = 0;
};

struct Candidate {
  ColumnRelation rel;
  double bits = 0;  // measured on the learning sample
};


// Bits of coding x against base (pred[i], or `centre` when pred is null) with `step`, by the
// codec's estimate; outliers cost their 64 bits.
double code_bits(const Col& c, const double* pred, double centre, std::size_t n) {
  std::vector<std::uint64_t> codes(n);
  double outl = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = c.x[i];
    const double q = std::nearbyint((x - (pred ? pred[i] : centre)) / c.step);
    if (!std::isfinite(x) || !std::isfinite(q) || std::fabs(q) > 1099511627776.0 ||
        std::fabs(x - ((pred ? pred[i] : centre) + c.step * q)) > c.bound) {
      codes[i] = kEscapeValue;
      outl += 64;
    } else {
      codes[i] = zigzag(static_cast<std::int64_t>(q));
    }
  }
  return estimate_codes(codes).best() + outl;
}

double median_of(std::vector<double> v) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The feature g of an affine relation kind (p0, p1 unset) for rows [0, n), from `rec`.
void feature(const ColumnRelation& r, const std::vector<Col>& cols, std::size_t n, std::vector<double>& g) {
  ColumnRelation unit = r;
  unit.params[0] = 0;
  unit.params[1] = 1;
  std::vector<const double*> in;
  for (auto k : r.inputs) in.push_back(cols[k].rec.data());
  g.resize(n);
  predict_relation(unit, in, n, g.data());
}

// Least-squares p0, p1 of x ≈ p0 + p1·g over rows where both are finite; false if g is constant.
// Returns the residual sum of squares in `sse`.
bool fit_affine(const std::vector<double>& x, const std::vector<double>& g, std::size_t n, double& p0, double& p1,
                double& sse) {
  double sx = 0, sg = 0;
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i]) && std::isfinite(g[i])) sx += x[i], sg += g[i], ++m;
  if (m < 2) return false;
  const double mx = sx / static_cast<double>(m), mg = sg / static_cast<double>(m);
  double gg = 0, gx = 0, xx = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i]) && std::isfinite(g[i])) {
      const double dg = g[i] - mg, dx = x[i] - mx;
      gg += dg * dg, gx += dg * dx, xx += dx * dx;
    }
  if (!(gg > 0) || !std::isfinite(gg)) return false;
  p1 = gx / gg;
  p0 = mx - p1 * mg;
  sse = std::max(0.0, xx - p1 * gx);
  return std::isfinite(p0) && std::isfinite(p1);
}

// Solves the symmetric system a·w = b (k unknowns) by Gaussian elimination with partial
// pivoting; false when singular.
bool solve(std::vector<double> a, std::vector<double> b, std::size_t k, std::vector<double>& w) {
  for (std::size_t c = 0; c < k; ++c) {
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < k; ++r)
      if (std::fabs(a[r * k + c]) > std::fabs(a[piv * k + c])) piv = r;
    if (!(std::fabs(a[piv * k + c]) > 1e-12 * std::max(1.0, std::fabs(a[c * k + c])))) return false;
    if (piv != c) {
      for (std::size_t j = 0; j < k; ++j) std::swap(a[c * k + j], a[piv * k + j]);
      std::swap(b[c], b[piv]);
    }
    for (std::size_t r = c + 1; r < k; ++r) {
      const double f = a[r * k + c] / a[c * k + c];
      for (std::size_t j = c; j < k; ++j) a[r * k + j] -= f * a[c * k + j];
      b[r] -= f * b[c];
    }
  }
  w.assign(k, 0);
  for (std::size_t c = k; c-- > 0;) {
    double s = b[c];
    for (std::size_t j = c + 1; j < k; ++j) s -= a[c * k + j] * w[j];
    w[c] = s / a[c * k + c];
  }
  return std::all_of(w.begin(), w.end(), [](double v) { return std::isfinite(v); });
}

// Linear least squares of x on the inputs' rec over rows [0, n) (centred, then the intercept).
bool fit_linear(const Col& y, const std::vector<Col>& cols, const std::vector<std::uint32_t>& in, std::size_t n,
                std::vector<double>& params, double& sse) {
  const std::size_t k = in.size();
  std::vector<double> mean(k, 0);
  double my = 0;
  std::size_t m = 0;
  auto ok = [&](std::size_t i) {
    if (!std::isfinite(y.x[i])) return false;
    for (auto c : in)
      if (!std::isfinite(cols[c].rec[i])) return false;
    return true;
  };
  for (std::size_t i = 0; i < n; ++i)
    if (ok(i)) {
      for (std::size_t a = 0; a < k; ++a) mean[a] += cols[in[a]].rec[i];
      my += y.x[i], ++m;
    }
  if (m <= k + 1) return false;
  for (auto& v : mean) v /= static_cast<double>(m);
  my /= static_cast<double>(m);
  std::vector<double> g(k * k, 0), b(k, 0), d(k);
  double yy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok(i)) continue;
    for (std::size_t a = 0; a < k; ++a) d[a] = cols[in[a]].rec[i] - mean[a];
    const double dy = y.x[i] - my;
    for (std::size_t a = 0; a < k; ++a) {
      for (std::size_t c = 0; c < k; ++c) g[a * k + c] += d[a] * d[c];
      b[a] += d[a] * dy;
    }
    yy += dy * dy;
  }
  std::vector<double> w;
  if (!solve(g, b, k, w)) return false;
  params.assign(k + 1, 0);
  double p0 = my, wb = 0;
  for (std::size_t a = 0; a < k; ++a) p0 -= w[a] * mean[a], wb += w[a] * b[a], params[a + 1] = w[a];
  params[0] = p0;
  sse = std::max(0.0, yy - wb);
  return std::isfinite(p0);
}

// Bits of column y against relation r's prediction from the plain reconstructions.
void predict_bits(const ColumnRelation& r, const std::vector<Col>& cols, const Col& y, std::size_t n,
                  std::vector<double>& pred, double& bits) {
  if (r.kind == RelationKind::AutoReg) {
    for (std::size_t i = 0; i < n; ++i) pred[i] = autoreg_predict(r.params, y.rec.data(), i);
  } else {
    std::vector<const double*> in;
    for (auto k : r.inputs) in.push_back(cols[k].rec.data());
    predict_relation(r, in, n, pred.data());
  }
  bits = code_bits(y, pred.data(), 0, n);
}

// Measured bits of relation r for column t on rows [0, n) (params refitted there for affine
// kinds and Linear); false if it cannot be fitted.
bool measure(std::size_t t, ColumnRelation& r, const std::vector<Col>& cols, std::size_t n, double& bits) {
  const Col& y = cols[t];
  std::vector<double> pred(n);
  double sse = 0;
  if (r.kind == RelationKind::Linear) {
    if (!fit_linear(y, cols, r.inputs, n, r.params, sse)) return false;
  } else if (r.kind != RelationKind::AutoReg && r.kind != RelationKind::Mlp) {
    std::vector<double> g;
    feature(r, cols, n, g);
    if (!fit_affine(y.x, g, n, r.params[0], r.params[1], sse)) return false;
    // Least squares is pulled by a few far rows (a branch cut, a missing input); refit on
    // the rows within max(8 steps, 4 × the median residual) and keep whichever codes smaller.
    std::vector<double> res(n);
    for (std::size_t i = 0; i < n; ++i) res[i] = std::fabs(y.x[i] - (r.params[0] + r.params[1] * g[i]));
    const double cut = std::max(8 * y.step, 4 * median_of(res));
    std::vector<double> xt, gt;
    for (std::size_t i = 0; i < n; ++i)
      if (res[i] <= cut) xt.push_back(y.x[i]), gt.push_back(g[i]);
    ColumnRelation trimmed = r;
    double sse_t;
    if (xt.size() < n && xt.size() > n / 2 &&
        fit_affine(xt, gt, xt.size(), trimmed.params[0], trimmed.params[1], sse_t)) {
      double b_ls, b_t;
      predict_bits(r, cols, y, n, pred, b_ls);
      predict_bits(trimmed, cols, y, n, pred, b_t);
      if (b_t < b_ls) r = trimmed;
      bits = std::min(b_ls, b_t);
      return true;
    }
  }
  predict_bits(r, cols, y, n, pred, bits);
  return true;
}

// Rows 0, s, 2s, ... (at most kScreenRows) copied into a screening view of the columns.
std::vector<Col> screen_view(const std::vector<Col>& cols, std::size_t n) {
  const std::size_t stride = std::max<std::size_t>(1, n / kScreenRows);
  std::vector<Col> v(cols.size());
  for (std::size_t j = 0; j < cols.size(); ++j) {
    v[j].step = cols[j].step, v[j].bound = cols[j].bound, v[j].target = cols[j].target;
    for (std::size_t i = 0; i < n; i += stride) v[j].x.push_back(cols[j].x[i]), v[j].rec.push_back(cols[j].rec[i]);
  }
  return v;
}

struct Screened {
  ColumnRelation rel;
  double sse;
};

// Every input tuple of the affine families for target t, ranked by the screening fit; the
// best kTopPerFamily of each family.
std::vector<ColumnRelation> screen_affine(std::size_t t, const std::vector<Col>& sv,
                                          const std::vector<std::pair<std::uint32_t, std::uint32_t>>& hypot_pairs,
                                          const std::vector<std::array<std::uint32_t, 4>>& vectors) {
  const std::size_t ncol = sv.size(), n = sv[0].x.size();
  std::vector<std::uint32_t> others;
  for (std::uint32_t j = 0; j < ncol; ++j)
    if (j != t) others.push_back(j);
  std::vector<ColumnRelation> out;
  std::vector<double> g;
  auto family = [&](RelationKind kind, const std::vector<std::vector<std::uint32_t>>& tuples, std::size_t params) {
    std::vector<Screened> best;
    for (const auto& in : tuples) {
      ColumnRelation r{kind, in, std::vector<double>(params, 0.0)};
      if (kind == RelationKind::Energy) {  // k = median of x² − (a² + b² + c²)
        std::vector<double> d(n);
        for (std::size_t i = 0; i < n; ++i) {
          const double a = sv[in[0]].rec[i], b = sv[in[1]].rec[i], c = sv[in[2]].rec[i], x = sv[t].x[i];
          d[i] = x * x - ((a * a + b * b) + c * c);
        }
        r.params[2] = median_of(d);
      }
      feature(r, sv, n, g);
      double p0, p1, sse;
      if (!fit_affine(sv[t].x, g, n, p0, p1, sse)) continue;
      best.push_back({r, sse});
    }
    std::stable_sort(best.begin(), best.end(), [](const Screened& a, const Screened& b) { return a.sse < b.sse; });
    for (std::size_t i = 0; i < best.size() && i < kTopPerFamily; ++i) out.push_back(best[i].rel);
  };
  std::vector<std::vector<std::uint32_t>> pairs, ordered, triples, eta, mass;
  for (std::size_t a = 0; a < others.size(); ++a)
    for (std::size_t b = 0; b < others.size(); ++b) {
      if (a < b) pairs.push_back({others[a], others[b]});
      if (a != b) ordered.push_back({others[a], others[b]});
    }
  if (others.size() <= kMaxColumnsForTriples)
    for (std::size_t a = 0; a < others.size(); ++a)
      for (std::size_t b = a + 1; b < others.size(); ++b)
        for (std::size_t c = b + 1; c < others.size(); ++c) triples.push_back({others[a], others[b], others[c]});
  for (auto [a, b] : hypot_pairs)
    for (auto c : others)
      if (a != t && b != t && c != a && c != b) eta.push_back({a, b, c});
  for (std::size_t v = 0; v < vectors.size(); ++v)
    for (std::size_t w = v + 1; w < vectors.size(); ++w) {
      std::array<std::uint32_t, 3> p{vectors[w][1], vectors[w][2], vectors[w][3]};
      std::sort(p.begin(), p.end());
      do {  // the second vector's components in every order: which matches which is learned
        std::vector<std::uint32_t> in{vectors[v][0], vectors[v][1], vectors[v][2], vectors[v][3], vectors[w][0], p[0], p[1], p[2]};
        if (std::find(in.begin(), in.end(), t) == in.end()) mass.push_back(in);
      } while (std::next_permutation(p.begin(), p.end()));
    }
  family(RelationKind::Hypot, pairs, 2);
  family(RelationKind::Product, pairs, 2);
  family(RelationKind::Ratio, ordered, 2);
  family(RelationKind::Atan2, ordered, 2);
  family(RelationKind::AsinhRatio, ordered, 2);
  family(RelationKind::Energy, triples, 3);
  family(RelationKind::Eta, eta, 2);
  family(RelationKind::PairMass, mass, 2);
  return out;
}

// Forward selection of Linear inputs on the screening rows; every prefix is a candidate.
std::vector<ColumnRelation> screen_linear(std::size_t t, const std::vector<Col>& sv) {
  std::vector<ColumnRelation> out;
  std::vector<std::uint32_t> chosen;
  double last = HUGE_VAL;
  for (std::size_t step = 0; step < kMaxLinearInputs; ++step) {
    double best = HUGE_VAL;
    std::uint32_t pick = 0;
    std::vector<double> params;
    for (std::uint32_t j = 0; j < sv.size(); ++j) {
      if (j == t || std::find(chosen.begin(), chosen.end(), j) != chosen.end()) continue;
      auto in = chosen;
      in.push_back(j);
      double sse;
      if (fit_linear(sv[t], sv, in, sv[t].x.size(), params, sse) && sse < best) best = sse, pick = j;
    }
    if (!(best < 0.98 * last)) break;
    last = best;
    chosen.push_back(pick);
    out.push_back({RelationKind::Linear, chosen, std::vector<double>(chosen.size() + 1, 0.0)});
  }
  return out;
}

// A small MLP on up to 4 inputs: one hidden layer of 8 ReLU units whose first-layer weights are
// drawn from a fixed generator (seeded by the target column) on the standardised inputs and
// folded back to raw units, the output layer fitted by least squares on rows [0, n).
std::vector<ColumnRelation> fit_mlp(std::size_t t, const std::vector<Col>& cols, std::vector<std::uint32_t> in,
                                    std::size_t n) {
  constexpr std::size_t kHidden = 8;
  if (in.size() > 4) in.resize(4);
  if (in.empty() || n < 64) return {};
  const std::size_t k = in.size();
  std::vector<double> mean(k, 0), sd(k, 0);
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t i = 0; i < n; ++i) mean[a] += cols[in[a]].rec[i];
    mean[a] /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) sd[a] += (cols[in[a]].rec[i] - mean[a]) * (cols[in[a]].rec[i] - mean[a]);
    sd[a] = std::sqrt(sd[a] / static_cast<double>(n));
    if (!(sd[a] > 0) || !std::isfinite(sd[a])) return {};
  }
  std::uint64_t state = 0x9E3779B97F4A7C15ull * (t + 1);
  auto uniform = [&] {  // SplitMix64 in [-1, 1)
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1p-52 - 1.0;
  };
  std::vector<double> first;  // per unit: k weights, bias (raw units)
  std::vector<Col> hidden(kHidden);
  for (std::size_t u = 0; u < kHidden; ++u) {
    double b = uniform();
    std::vector<double> w(k);
    for (std::size_t a = 0; a < k; ++a) {
      const double ws = 1.7 * uniform();
      w[a] = ws / sd[a];
      b -= ws * mean[a] / sd[a];
    }
    first.insert(first.end(), w.begin(), w.end());
    first.push_back(b);
    hidden[u].rec.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      double z = b;
      for (std::size_t a = 0; a < k; ++a) z = z + w[a] * cols[in[a]].rec[i];
      hidden[u].rec[i] = z > 0 ? z : 0.0;
    }
  }
  std::vector<std::uint32_t> all(kHidden);
  std::iota(all.begin(), all.end(), 0u);
  std::vector<double> out;
  double sse;
  if (!fit_linear(cols[t], hidden, all, n, out, sse)) return {};
  ColumnRelation r{RelationKind::Mlp, in, first};
  r.params.insert(r.params.end(), out.begin() + 1, out.end());  // v[h]
  r.params.push_back(out[0]);                                   // c
  return {r};
}

// AutoReg of orders 1 and 2 fitted by least squares on the column's own plain reconstruction.
std::vector<ColumnRelation> fit_autoreg(const Col& y, std::size_t n) {
  std::vector<ColumnRelation> out;
  double mean = 0;
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(y.x[i])) mean += y.x[i], ++m;
  if (m < 8) return out;
  mean /= static_cast<double>(m);
  for (std::size_t p = 1; p <= 2; ++p) {
    std::vector<double> g(p * p, 0), b(p, 0), w;
    for (std::size_t i = p; i < n; ++i) {
      if (!std::isfinite(y.x[i])) continue;
      for (std::size_t a = 0; a < p; ++a) {
        for (std::size_t c = 0; c < p; ++c) g[a * p + c] += (y.rec[i - 1 - a] - mean) * (y.rec[i - 1 - c] - mean);
        b[a] += (y.rec[i - 1 - a] - mean) * (y.x[i] - mean);
      }
    }
    if (!solve(g, b, p, w)) continue;
    ColumnRelation r{RelationKind::AutoReg, {}, {mean}};
    r.params.insert(r.params.end(), w.begin(), w.end());
    out.push_back(r);
  }
  return out;
}

// True if `t` is reachable from `from` along chosen relations' inputs (t would be its own input).
bool reaches(const std::vector<ColumnRelation>& chosen, std::uint32_t from, std::uint32_t t) {
  std::vector<std::uint32_t> stack{from};
  std::vector<bool> seen(chosen.size(), false);
  while (!stack.empty()) {
    const auto c = stack.back();
    stack.pop_back();
    if (c == t) return true;
    if (seen[c]) continue;
    seen[c] = true;
    for (auto in : chosen[c].inputs) stack.push_back(in);
  }
  return false;
}

}  // namespace
}  // namespace codec

TableModel learn_table_model(DataSource& src, const CompressOptions& o, const LearnOptions& lo, LearnReport* report) {
  using namespace codec;
  const auto t0 = std::chrono::steady_clock::now();
  const Schema s = plan_schema(src, o);
  require(s.kind == DataKind::Table, ErrorCode::Config, "a table model is learned from tables, not fields");
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(s.rows, std::max<std::uint64_t>(1, lo.sample_rows)));
  const Dataset d = src.read_rows(0, n);
  const std::size_t ncol = s.columns.size();
  const int threads = std::max(1, lo.threads);

  // The columns as the plain codec would reconstruct them.
  std::vector<Col> cols(ncol);
  parallel_for(ncol, threads, [&](std::size_t j) {
    Col& c = cols[j];
    const Array& a = d.columns[j].values;
    const ColumnSpec& spec = s.columns[j];
    c.x.resize(n);
    for (std::size_t i = 0; i < n; ++i) c.x[i] = a.value(i);
    c.target = quantised(spec) && n >= 16;
    c.rec = c.x;
    if (c.target) {
      c.bound = spec.abs_bound;
      c.step = quant_step(c.bound);
      const double centre = median_of(c.x);
      std::vector<std::byte> tmp(8);
      for (std::size_t i = 0; i < n; ++i) {
        const double q = std::nearbyint((c.x[i] - centre) / c.step);
        const double r = store_value(spec.dtype, tmp.data(), 0, centre + c.step * q);
        c.rec[i] = std::isfinite(c.x[i]) && std::fabs(c.x[i] - r) <= c.bound ? r : (std::isfinite(c.x[i]) ? c.x[i] : 0.0);
      }
      c.plain_bits = code_bits(c, nullptr, centre, std::min(n, kMeasureRows));
    }
    for (auto& v : c.rec)
      if (!std::isfinite(v)) v = 0;
  });

  const std::size_t nm = std::min(n, kMeasureRows);
  const std::vector<Col> sv = screen_view(cols, n);
  std::vector<std::vector<Candidate>> cands(ncol);
  auto measure_all = [&](std::size_t t, std::vector<ColumnRelation> rels) {
    for (auto& r : rels) {
      double bits;
      if (measure(t, r, cols, nm, bits)) cands[t].push_back({r, bits});
    }
  };
  // Phase 1: two- and three-input families, linear, autoregression.
  parallel_for(ncol, threads, [&](std::size_t t) {
    if (!cols[t].target) return;
    measure_all(t, screen_affine(t, sv, {}, {}));
    auto linear = screen_linear(t, sv);
    if (!linear.empty()) measure_all(t, fit_mlp(t, cols, linear.back().inputs, nm));
    measure_all(t, std::move(linear));
    if (lo.autoregression) measure_all(t, fit_autoreg(cols[t], nm));
  });
  // Phase 2: relations built on what phase 1 found: transverse pairs (hypot) for
  // pseudorapidity, four-vectors (energy) for pair masses.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> hyp;
  std::vector<std::array<std::uint32_t, 4>> vecs;
  for (std::uint32_t t = 0; t < ncol; ++t)
    for (const auto& c : cands[t]) {
      if (!(c.bits < 0.5 * cols[t].plain_bits)) continue;
      if (c.rel.kind == RelationKind::Hypot) hyp.emplace_back(c.rel.inputs[0], c.rel.inputs[1]);
      if (c.rel.kind == RelationKind::Energy) vecs.push_back({t, c.rel.inputs[0], c.rel.inputs[1], c.rel.inputs[2]});
    }
  std::sort(hyp.begin(), hyp.end());
  hyp.erase(std::unique(hyp.begin(), hyp.end()), hyp.end());
  std::sort(vecs.begin(), vecs.end());
  if (!hyp.empty() || vecs.size() >= 2) {
    std::vector<std::vector<ColumnRelation>> more(ncol);
    parallel_for(ncol, threads, [&](std::size_t t) {
      if (!cols[t].target) return;
      for (auto& r : screen_affine(t, sv, hyp, vecs))
        if (r.kind == RelationKind::Eta || r.kind == RelationKind::PairMass) more[t].push_back(r);
      measure_all(t, more[t]);
    });
  }

  // Acyclic choice, greedily by estimated bits saved (ties: column, then candidate order).
  const double scale = static_cast<double>(s.rows) / static_cast<double>(nm);
  struct Pick {
    std::uint32_t t;
    std::size_t k;
    double saved;
  };
  std::vector<Pick> picks;
  for (std::uint32_t t = 0; t < ncol; ++t)
    for (std::size_t k = 0; k < cands[t].size(); ++k) {
      const double saved = (cols[t].plain_bits - cands[t][k].bits) * scale / 8 - relation_wire_bytes(cands[t][k].rel);
      if (saved > 0 && cands[t][k].bits < 0.995 * cols[t].plain_bits) picks.push_back({t, k, saved});
    }
  std::stable_sort(picks.begin(), picks.end(), [](const Pick& a, const Pick& b) { return a.saved > b.saved; });
  std::vector<ColumnRelation> chosen(ncol);
  for (const auto& p : picks) {
    if (chosen[p.t].kind != RelationKind::None) continue;
    const auto& r = cands[p.t][p.k].rel;
    if (std::any_of(r.inputs.begin(), r.inputs.end(), [&](std::uint32_t in) { return reaches(chosen, in, p.t); }))
      continue;
    chosen[p.t] = r;
  }

  // Real blocks in decode order: a relation stays only if it saves more than its bytes.
  TableModel m;
  for (const auto& c : s.columns) m.names.push_back(c.name), m.dtypes.push_back(c.dtype);
  m.order = table_decode_order(chosen);
  std::vector<std::vector<double>> decoded(ncol);
  std::vector<double> model_bits(ncol, 0), plain_real(ncol, 0);
  std::vector<double> saved_bytes(ncol, 0);
  for (auto j : m.order) {
    const Array& a = d.columns[j].values;
    const ColumnSlice c{a.dtype, a.bytes.data(), nm};
    BlockStats st;
    std::vector<std::byte> block;
    if (cols[j].target) block = plain_table_block(c, s.columns[j], s, o.zstd_level);
    plain_real[j] = 8.0 * static_cast<double>(block.size());
    std::vector<double> pred;
    std::span<const double> ar;
    if (chosen[j].kind != RelationKind::None) {
      std::vector<std::byte> cand;
      if (chosen[j].kind == RelationKind::AutoReg) {
        ar = chosen[j].params;
        cand = encode_quant_ar_block(c, cols[j].bound, ar, st);
      } else {
        std::vector<const double*> in;
        for (auto k : chosen[j].inputs) in.push_back(decoded[k].data());
        pred.resize(nm);
        predict_relation(chosen[j], in, nm, pred.data());
        cand = encode_quant_block(c, cols[j].bound, pred, st);
      }
      const double saved = (static_cast<double>(block.size()) - static_cast<double>(cand.size())) * scale;
      if (saved > relation_wire_bytes(chosen[j])) {
        saved_bytes[j] = saved;
        block = std::move(cand);
      } else {
        chosen[j] = {};
        pred.clear();
        ar = {};
      }
    }
    model_bits[j] = 8.0 * static_cast<double>(block.size());
    decoded[j] = block.empty() ? load_values(a.dtype, a.bytes.data(), nm)
                               : block_values(block, c, pred, ar, "learned block");
  }
  m.relations = chosen;
  m.order = table_decode_order(chosen);  // relations dropped above may free columns to come earlier
  // The model's sections must be paid for too: each relation its own bytes and an equal share
  // of the rest, dropping those that do not until all that remain do.
  for (bool dropped = true; dropped;) {
    dropped = false;
    const std::vector<double> cost = embedded_relation_costs(m);
    for (std::size_t j = 0; j < ncol; ++j) {
      auto& r = m.relations[j];
      if (r.kind == RelationKind::None || saved_bytes[j] > cost[j]) continue;
      r = {};
      model_bits[j] = plain_real[j];
      dropped = true;
    }
    m.order = table_decode_order(m.relations);
  }
  check_table_model(m, "learned table model");
  if (report) {
    report->rows = s.rows;
    report->sample_rows = nm;
    report->model_bytes = embedded_table_model_bytes(m);
    report->columns.clear();
    report->plain_bytes = report->model_bytes_est = 0;
    for (std::size_t j = 0; j < ncol; ++j) {
      if (!cols[j].target) continue;
      LearnedColumn lc{s.columns[j].name, describe_relation(m, j), plain_real[j] / static_cast<double>(nm),
                       model_bits[j] / static_cast<double>(nm)};
      report->plain_bytes += plain_real[j] / 8 * scale;
      report->model_bytes_est += model_bits[j] / 8 * scale;
      report->columns.push_back(std::move(lc));
    }
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return m;
}

}  // namespace baler
