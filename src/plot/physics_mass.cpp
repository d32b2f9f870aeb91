// Physics checks: invariant masses of LHCb B→hhh and CMS Z→μμ candidates, their peak and the
// Kolmogorov–Smirnov distance between the distributions before and after compression.
#include <algorithm>
#include <cmath>
#include <string>

#include "baler/analysis.hpp"

namespace baler {

std::string_view analysis_name(Analysis a) noexcept {
  switch (a) {
    case Analysis::LhcbB2hhh: return "lhcb_b2hhh";
    case Analysis::CmsZmumu: return "cms_zmumu";
    case Analysis::None: break;
  }
  return "none";
}

std::vector<std::string> analysis_columns(Analysis a) {
  switch (a) {
    case Analysis::LhcbB2hhh:
      return {"H1_PX", "H1_PY", "H1_PZ", "H2_PX", "H2_PY", "H2_PZ", "H3_PX", "H3_PY", "H3_PZ"};
    case Analysis::CmsZmumu: return {"pt1", "eta1", "phi1", "pt2", "eta2", "phi2"};
    case Analysis::None: break;
  }
  return {};
}

namespace {

const Column* find_column(const Dataset& table, const std::string& name) {
  if (table.kind != DataKind::Table) return nullptr;
  for (const Column& c : table.columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> missing_columns(const Dataset& table, Analysis a) {
  std::vector<std::string> missing;
  for (const std::string& n : analysis_columns(a))
    if (!find_column(table, n)) missing.push_back(n);
  return missing;
}

// The columns of `a`, as doubles, in analysis_columns order. Throws Error(Config).
std::vector<std::vector<double>> gather(const Dataset& table, Analysis a) {
  const std::vector<std::string> missing = missing_columns(table, a);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error(ErrorCode::Config, "analysis " + std::string(analysis_name(a)) +
                                       " needs columns missing from the data: " + list);
  }
  std::vector<std::vector<double>> cols;
  for (const std::string& n : analysis_columns(a)) cols.push_back(to_doubles(find_column(table, n)->values));
  return cols;
}

}  // namespace

Analysis choose_analysis(const Dataset& data, const std::string& setting) {
  if (setting == "none") return Analysis::None;
  if (setting == "auto") {
    if (data.kind != DataKind::Table) return Analysis::None;
    for (Analysis a : {Analysis::LhcbB2hhh, Analysis::CmsZmumu})
      if (missing_columns(data, a).empty()) return a;
    return Analysis::None;
  }
  for (Analysis a : {Analysis::LhcbB2hhh, Analysis::CmsZmumu}) {
    if (setting != analysis_name(a)) continue;
    require(data.kind == DataKind::Table, ErrorCode::Config,
            "plot.analysis = " + setting + " needs a table, the data are a field");
    gather(data, a);  // throws naming the missing columns
    return a;
  }
  throw Error(ErrorCode::Config, "plot.analysis = '" + setting +
                                     "' is not one of auto, none, lhcb_b2hhh, cms_zmumu");
}

namespace {

// Sum of four-momenta of particles with a given mass; mass() is the invariant mass.
struct FourSum {
  double e = 0, px = 0, py = 0, pz = 0;
  void add(double x, double y, double z, double mass_sq) {
    e += std::sqrt(x * x + y * y + z * z + mass_sq);
    px += x;
    py += y;
    pz += z;
  }
  double mass() const { return std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz)); }
};

}  // namespace

std::vector<double> b2hhh_mass(const Dataset& table) {
  const auto c = gather(table, Analysis::LhcbB2hhh);
  std::vector<double> m(c[0].size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    FourSum sum;
    for (int h = 0; h < 3; ++h) sum.add(c[3 * h][i], c[3 * h + 1][i], c[3 * h + 2][i], kKaonMassMeV * kKaonMassMeV);
    m[i] = sum.mass();
  }
  return m;
}

std::vector<double> zmumu_mass(const Dataset& table) {
  const auto c = gather(table, Analysis::CmsZmumu);
  std::vector<double> m(c[0].size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    FourSum sum;
    for (int mu = 0; mu < 2; ++mu) {
      const double pt = c[3 * mu][i], eta = c[3 * mu + 1][i], phi = c[3 * mu + 2][i];
      sum.add(pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta), kMuonMassGeV * kMuonMassGeV);
    }
    m[i] = sum.mass();
  }
  return m;
}

std::vector<double> analysis_mass(const Dataset& table, Analysis a) {
  switch (a) {
    case Analysis::LhcbB2hhh: return b2hhh_mass(table);
    case Analysis::CmsZmumu: return zmumu_mass(table);
    case Analysis::None: break;
  }
  throw Error(ErrorCode::Internal, "analysis_mass called without an analysis");
}

namespace {

// Mode and half-maximum width of a 3-bin smoothed histogram over the central 98 %.
Peak peak_seed(const std::vector<double>& sorted) {
  const Range r = quantile_range(sorted, 0.01, 0.99, 0.0);
  const auto bins = static_cast<std::size_t>(
      std::clamp(std::sqrt(static_cast<double>(sorted.size())), 20.0, 200.0));
  const Histogram h = make_histogram(sorted, r, bins);
  std::vector<double> s(bins);
  for (std::size_t i = 0; i < bins; ++i)
    s[i] = h.counts[i] + (i ? h.counts[i - 1] : 0) + (i + 1 < bins ? h.counts[i + 1] : 0);
  const std::size_t mode = static_cast<std::size_t>(std::max_element(s.begin(), s.end()) - s.begin());
  std::size_t lo = mode, hi = mode;
  while (lo > 0 && s[lo - 1] >= s[mode] / 2) --lo;
  while (hi + 1 < bins && s[hi + 1] >= s[mode] / 2) ++hi;
  Peak p;
  p.position = h.bin_center(mode);
  // FWHM = 2.3548 σ for a Gaussian; never narrower than one bin.
  p.width = std::max(static_cast<double>(hi - lo + 1) * h.bin_width() / 2.3548, h.bin_width());
  return p;
}

}  // namespace

Peak find_peak(std::span<const double> masses) {
  const std::vector<double> sorted = sorted_finite(masses);
  if (sorted.size() < 10) return {};
  Peak p = peak_seed(sorted);
  constexpr double kTruncatedRms = 0.8796;  // RMS of a unit Gaussian cut at ±2σ
  for (int iter = 0; iter < 100; ++iter) {
    const auto first = std::lower_bound(sorted.begin(), sorted.end(), p.position - 2 * p.width);
    const auto last = std::upper_bound(sorted.begin(), sorted.end(), p.position + 2 * p.width);
    const Moments m = moments(std::span<const double>(sorted).subspan(
        static_cast<std::size_t>(first - sorted.begin()), static_cast<std::size_t>(last - first)));
    if (m.count < 3 || !(m.std > 0)) break;
    const Peak next{m.mean, m.std / kTruncatedRms, m.count};
    const bool done = std::abs(next.position - p.position) <= 1e-9 * p.width &&
                      std::abs(next.width - p.width) <= 1e-9 * p.width;
    p = next;
    if (done) break;
  }
  return p;
}

double ks_distance(std::span<const double> a, std::span<const double> b) {
  const std::vector<double> sa = sorted_finite(a), sb = sorted_finite(b);
  if (sa.empty() || sb.empty()) return kNaN;
  const double na = static_cast<double>(sa.size()), nb = static_cast<double>(sb.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < sa.size() && j < sb.size()) {
    const double x = std::min(sa[i], sb[j]);
    while (i < sa.size() && sa[i] == x) ++i;  // step over ties in both samples together
    while (j < sb.size() && sb[j] == x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  return d;
}

MassComparison compare_masses(const Dataset& orig, const Dataset& rec, Analysis a) {
  require(orig.rows() == rec.rows(), ErrorCode::Usage,
          "original has " + std::to_string(orig.rows()) + " rows, reconstructed " +
              std::to_string(rec.rows()));
  MassComparison c;
  c.analysis = a;
  c.unit = a == Analysis::LhcbB2hhh ? "MeV" : "GeV";
  c.before = analysis_mass(orig, a);
  c.after = analysis_mass(rec, a);
  c.peak_before = find_peak(c.before);
  c.peak_after = find_peak(c.after);
  c.shift = c.peak_after.position - c.peak_before.position;
  c.shift_over_width = std::abs(c.shift) / c.peak_before.width;
  c.ks = ks_distance(c.before, c.after);
  c.within_target = c.shift_over_width < kPeakShiftTarget;
  return c;
}

}  // namespace baler
