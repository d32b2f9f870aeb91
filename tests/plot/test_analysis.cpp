// Tests of the pure numbers behind the plots: statistics, histograms, summaries, loss CSV,
// invariant masses, peak finding, KS distance, base64.
#include <cmath>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "baler/analysis.hpp"
#include "baler/plot.hpp"
#include "test_support.hpp"

namespace baler {
namespace {

Column f64_column(const std::string& name, const std::vector<double>& v) {
  Column c{name, Array(DType::F64, {static_cast<std::int64_t>(v.size())})};
  std::copy(v.begin(), v.end(), c.values.as<double>().begin());
  return c;
}

TEST(Moments, MatchHandComputedValuesAndSkipNonFinite) {
  const std::vector<double> v = {1, -2, 3, NAN, INFINITY, 4};
  const Moments m = moments(v);
  EXPECT_EQ(m.count, 4u);
  EXPECT_DOUBLE_EQ(m.mean, 1.5);
  EXPECT_DOUBLE_EQ(m.rms, std::sqrt((1 + 4 + 9 + 16) / 4.0));
  EXPECT_DOUBLE_EQ(m.std, std::sqrt((0.25 + 12.25 + 2.25 + 6.25) / 4.0));
  EXPECT_EQ(m.min, -2);
  EXPECT_EQ(m.max, 4);
  EXPECT_TRUE(std::isnan(moments(std::vector<double>{}).mean));
}

TEST(Quantile, InterpolatesLikeNumpy) {
  const std::vector<double> s = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_sorted(s, 0), 1);
  EXPECT_DOUBLE_EQ(quantile_sorted(s, 1), 4);
  EXPECT_DOUBLE_EQ(quantile_sorted(s, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile_sorted(s, 0.25), 1.75);
  EXPECT_THROW(quantile_sorted(s, 1.5), Error);
}

TEST(Histogram, AccountsForEveryValueExactlyOnce) {
  auto gen = test::rng(7);
  std::normal_distribution<double> n(0, 3);
  std::vector<double> v(10000);
  for (double& x : v) x = n(gen);
  v.push_back(NAN);
  v.push_back(-INFINITY);
  v.push_back(2.0);  // exactly the upper edge: inside, last bin
  const Histogram h = make_histogram(v, {-2, 2}, 40);
  EXPECT_EQ(h.counts.size(), 40u);
  EXPECT_EQ(h.nonfinite, 2u);
  EXPECT_EQ(static_cast<std::size_t>(h.total_in_range()) + h.underflow + h.overflow + h.nonfinite, v.size());
  std::size_t below = 0, above = 0;
  for (double x : v) below += x < -2 && std::isfinite(x), above += x > 2 && std::isfinite(x);
  EXPECT_EQ(h.underflow, below);
  EXPECT_EQ(h.overflow, above);
  EXPECT_GE(h.counts.back(), 1.0);
  EXPECT_THROW(make_histogram(v, {1, 1}, 10), Error);
  EXPECT_THROW(make_histogram(v, {0, 1}, 0), Error);
}

TEST(Ranges, FullRangeCoversBothAndQuantileRangeIsFromData) {
  const std::vector<double> a = {5, 7, NAN}, b = {-1, 3};
  const Range r = full_range(a, b);
  EXPECT_EQ(r.lo, -1);
  EXPECT_EQ(r.hi, 7);
  const Range flat = full_range(std::vector<double>{2, 2}, {});
  EXPECT_LT(flat.lo, 2);
  EXPECT_GT(flat.hi, 2);
  std::vector<double> big(1000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = 1e3 * static_cast<double>(i);  // MeV scale
  const Range q = quantile_range(big, 0.005, 0.995, 0.0);
  EXPECT_NEAR(q.lo, 0.005 * 999e3, 1e-6);
  EXPECT_NEAR(q.hi, 0.995 * 999e3, 1e-6);
}

TEST(Summary, EqualsIndependentComputation) {
  auto gen = test::rng(11);
  std::uniform_real_distribution<double> u(-100, 100);
  std::vector<double> orig(5000), rec(5000);
  for (std::size_t i = 0; i < orig.size(); ++i) {
    orig[i] = i % 50 == 0 ? 0.0 : u(gen);
    rec[i] = std::round(orig[i] / 0.25) * 0.25;  // quantised to a step of 0.25
  }
  ColumnInfo info;
  info.abs_bound = 0.125;
  info.bound = "abs=0.125";
  const ColumnSummary s = summarize_column("x", orig, rec, info);
  double sr = 0, sr2 = 0, sp = 0, sp2 = 0, maxe = 0;
  std::size_t n_resp = 0, zeros = 0;
  for (std::size_t i = 0; i < orig.size(); ++i) {
    const double r = rec[i] - orig[i];
    sr += r, sr2 += r * r, maxe = std::max(maxe, std::abs(r));
    if (orig[i] == 0) { ++zeros; continue; }
    sp += r / orig[i], sp2 += (r / orig[i]) * (r / orig[i]), ++n_resp;
  }
  EXPECT_EQ(s.rows, 5000u);
  EXPECT_EQ(s.response_zeros, zeros);
  EXPECT_EQ(s.response.count, n_resp);
  EXPECT_NEAR(s.residual.mean, sr / 5000, 1e-12);
  EXPECT_NEAR(s.residual.rms, std::sqrt(sr2 / 5000), 1e-12);
  EXPECT_NEAR(s.response.mean, sp / static_cast<double>(n_resp), 1e-12);
  EXPECT_NEAR(s.response.rms, std::sqrt(sp2 / static_cast<double>(n_resp)), 1e-12);
  EXPECT_DOUBLE_EQ(s.max_abs_error, maxe);
  EXPECT_LE(s.max_abs_error, 0.125);
  EXPECT_TRUE(s.bound_held);
  info.abs_bound = 0.01;
  EXPECT_FALSE(summarize_column("x", orig, rec, info).bound_held);
}

TEST(Summary, RefusesMismatchedTables) {
  Dataset a, b;
  a.columns = {f64_column("x", {1, 2})};
  b.columns = {f64_column("y", {1, 2})};
  try {
    summarize(a, b, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
    EXPECT_NE(std::string(e.what()).find("'y'"), std::string::npos);
  }
  b.columns = {f64_column("x", {1, 2, 3})};
  EXPECT_THROW(summarize(a, b, {}), Error);
}

TEST(FrameErrors, PsnrAndMaxErrorPerFrame) {
  Array a(DType::F32, {2, 2, 2}), b(DType::F32, {2, 2, 2});
  auto va = a.as<float>(), vb = b.as<float>();
  for (int i = 0; i < 8; ++i) va[i] = static_cast<float>(i), vb[i] = static_cast<float>(i);
  vb[5] += 0.5f;  // frame 1 only
  const auto e = frame_errors(a, b);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_TRUE(std::isinf(e[0].psnr_db));
  EXPECT_EQ(e[0].max_abs_error, 0);
  EXPECT_DOUBLE_EQ(e[1].max_abs_error, 0.5);
  EXPECT_DOUBLE_EQ(e[1].rmse, std::sqrt(0.25 / 4));
  EXPECT_NEAR(e[1].psnr_db, 20 * std::log10(7 / std::sqrt(0.25 / 4)), 1e-9);
  EXPECT_THROW(frame_errors(a, Array(DType::F32, {2, 4})), Error);
}

TEST(LossCsv, ParsesWithAndWithoutValidation) {
  const LossHistory h = parse_loss_csv("epoch,train,val,lr,seconds\n1,0.5,0.6,0.001,1.5\n2,0.25,,0.0005,3\n", "t");
  ASSERT_EQ(h.epoch.size(), 2u);
  EXPECT_EQ(h.train[1], 0.25);
  EXPECT_EQ(h.val[0], 0.6);
  EXPECT_TRUE(std::isnan(h.val[1]));
  EXPECT_EQ(h.lr[1], 0.0005);
  EXPECT_TRUE(h.has_val);
  const LossHistory n = parse_loss_csv("epoch,train,lr\r\n1,2,0.1\r\n", "t");
  EXPECT_FALSE(n.has_val);
  EXPECT_TRUE(std::isnan(n.val[0]));
  EXPECT_EQ(n.lr[0], 0.1);
}

TEST(LossCsv, RejectsMalformedLinesNamingThem) {
  for (const char* bad : {"", "train,val\n1,2\n", "epoch,train\n1,x\n", "epoch,train\n1\n", "epoch,train\n1,\n"}) {
    try {
      parse_loss_csv(bad, "loss.csv");
      FAIL() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Malformed);
      EXPECT_NE(std::string(e.what()).find("loss.csv"), std::string::npos);
    }
  }
}

TEST(Physics, ZmumuMassOfBackToBackMuons) {
  // Two muons of pt 45 GeV at eta 0, opposite in phi: m = 2·sqrt(45² + m_mu²).
  Dataset t;
  t.columns = {f64_column("pt1", {45}), f64_column("eta1", {0}), f64_column("phi1", {0.3}),
               f64_column("pt2", {45}), f64_column("eta2", {0}), f64_column("phi2", {0.3 - std::numbers::pi})};
  EXPECT_NEAR(zmumu_mass(t)[0], 2 * std::sqrt(45 * 45 + kMuonMassGeV * kMuonMassGeV), 1e-9);
  EXPECT_EQ(choose_analysis(t, "auto"), Analysis::CmsZmumu);
}

TEST(Physics, B2hhhMassOfThreeKaonsAtRest) {
  Dataset t;
  for (const char* n : {"H1_PX", "H1_PY", "H1_PZ", "H2_PX", "H2_PY", "H2_PZ", "H3_PX", "H3_PY", "H3_PZ"})
    t.columns.push_back(f64_column(n, {0, 1000}));
  // Row 0: all at rest: 3 m_K. Row 1: all equal momenta (collinear): also 3 m_K.
  const auto m = b2hhh_mass(t);
  EXPECT_NEAR(m[0], 3 * kKaonMassMeV, 1e-9);
  EXPECT_NEAR(m[1], 3 * kKaonMassMeV, 1e-6);
  EXPECT_EQ(choose_analysis(t, "auto"), Analysis::LhcbB2hhh);
  EXPECT_EQ(choose_analysis(t, "none"), Analysis::None);
  try {
    choose_analysis(t, "cms_zmumu");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
    EXPECT_NE(std::string(e.what()).find("pt1"), std::string::npos);
  }
  EXPECT_THROW(choose_analysis(t, "higgs"), Error);
}

TEST(Physics, PeakOfGaussianOnFlatBackground) {
  auto gen = test::rng(3);
  std::normal_distribution<double> sig(5279, 20);
  std::uniform_real_distribution<double> bkg(4800, 5800);
  std::vector<double> m;
  for (int i = 0; i < 20000; ++i) m.push_back(sig(gen));
  for (int i = 0; i < 2000; ++i) m.push_back(bkg(gen));
  const Peak p = find_peak(m);
  EXPECT_NEAR(p.position, 5279, 1.0);
  EXPECT_NEAR(p.width, 20, 2.0);
  EXPECT_TRUE(std::isnan(find_peak(std::vector<double>{1, 2}).position));
}

TEST(Physics, KolmogorovSmirnovDistance) {
  const std::vector<double> a = {1, 2, 3, 4}, b = {3, 4, 5, 6};
  EXPECT_DOUBLE_EQ(ks_distance(a, a), 0);
  EXPECT_DOUBLE_EQ(ks_distance(a, b), 0.5);
  EXPECT_DOUBLE_EQ(ks_distance(std::vector<double>{0}, std::vector<double>{1}), 1);
}

TEST(Base64, Rfc4648Vectors) {
  auto enc = [](const std::string& s) { return base64_encode(std::as_bytes(std::span(s.data(), s.size()))); };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foob"), "Zm9vYg==");
  EXPECT_EQ(enc("fooba"), "Zm9vYmE=");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
  const char raw[] = "\xff\xfe\x00\x80";
  EXPECT_EQ(enc(std::string(raw, 4)), "//4AgA==");
}

}  // namespace
}  // namespace baler
