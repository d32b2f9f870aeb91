// Baselines of the comparison benchmark: lossless codecs exact, truncation minimal and bounded,
// zfp within tolerance, Jacobi eigenvectors, PCA model through the codec.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "baler/codec.hpp"
#include "baselines_codecs.hpp"
#include "baselines_pca.hpp"
#include "test_support.hpp"

namespace {

using namespace baler;
using namespace baler::bench;

// rows × 3 smooth correlated columns plus noise, seeded.
Array smooth(DType t, std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> noise(0.0, 0.01);
  Array a(t, {n});
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = std::sin(0.01 * static_cast<double>(i)) * 100.0 + noise(g);
    if (t == DType::F32) a.as<float>()[static_cast<std::size_t>(i)] = static_cast<float>(v);
    else a.as<double>()[static_cast<std::size_t>(i)] = v;
  }
  return a;
}

double max_error(const Array& a, const Array& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a.value(i) - b.value(i)));
  return m;
}

TEST(BenchBaselines, ShuffleRoundTrips) {
  const Array a = smooth(DType::F64, 1001, 1);
  const Bytes s = shuffle_bytes(a.bytes, 8);
  EXPECT_NE(s, a.bytes);
  EXPECT_EQ(unshuffle_bytes(s, 8), a.bytes);
  EXPECT_THROW(shuffle_bytes(std::span(a.bytes).first(7), 8), Error);
}

TEST(BenchBaselines, LosslessCodecsAreExactAndCompress) {
  for (DType t : {DType::F32, DType::F64})
    for (const auto& b : standard_baselines()) {
      if (b.lossy) continue;
      const Array a = smooth(t, 5000, 2);
      const Bytes enc = b.encode(a, 0.0);
      EXPECT_LT(enc.size(), a.bytes.size()) << b.name;
      EXPECT_EQ(b.decode(enc, t, a.shape, 0.0), a) << b.name;
    }
}

TEST(BenchBaselines, TruncationIsMinimalAndBounded) {
  for (DType t : {DType::F32, DType::F64})
    for (double bound : {1e-1, 1e-3, 1e-5}) {
      const Array a = smooth(t, 3000, 3);
      int bits = -2;
      const Array tr = truncate_mantissa(a, bound, &bits);
      ASSERT_GE(bits, 0);
      EXPECT_LE(max_error(a, tr), bound);
      EXPECT_EQ(round_mantissa(a, bits), tr);
      if (bits > 0) {
        EXPECT_GT(max_error(a, round_mantissa(a, bits - 1)), bound) << "one bit fewer must break it";
      }
    }
}

TEST(BenchBaselines, TruncationRoundsToNearestAndKeepsSpecials) {
  Array a(DType::F32, {4});
  auto x = a.as<float>();
  x[0] = 1.75f, x[1] = -1.75f, x[2] = INFINITY, x[3] = NAN;
  int bits = -1;
  Array tr = truncate_mantissa(a, 0.25, &bits);
  EXPECT_EQ(bits, 0);  // 1.75 → 2 (ties away from zero): error 0.25 is allowed
  EXPECT_EQ(tr.as<float>()[0], 2.0f);
  EXPECT_EQ(tr.as<float>()[1], -2.0f);
  tr = truncate_mantissa(a, 0.2, &bits);
  EXPECT_EQ(bits, 2);  // 1 bit gives 2.0 again (error 0.25): 1.75 needs 2 bits
  EXPECT_EQ(tr.as<float>()[0], 1.75f);
  EXPECT_TRUE(std::isinf(tr.as<float>()[2]));
  EXPECT_TRUE(std::isnan(tr.as<float>()[3]));
}

TEST(BenchBaselines, IntegerColumnsStayExactInLossyCodecs) {
  Array a(DType::I32, {100});
  for (int i = 0; i < 100; ++i) a.as<std::int32_t>()[static_cast<std::size_t>(i)] = i * 7 - 300;
  for (const auto& b : standard_baselines()) EXPECT_EQ(b.decode(b.encode(a, 10.0), a.dtype, a.shape, 10.0), a) << b.name;
}

TEST(BenchBaselines, ZfpHoldsItsToleranceOnSmoothData) {
  for (DType t : {DType::F32, DType::F64}) {
    Array a = smooth(t, 4096, 4);
    a.shape = {16, 16, 16};
    for (double tol : {1e-1, 1e-3}) {
      const Bytes enc = zfp_pack(a, tol);
      EXPECT_LT(enc.size(), a.bytes.size());
      EXPECT_LE(max_error(a, zfp_unpack(enc, t, a.shape, tol)), tol);
    }
    EXPECT_EQ(zfp_unpack(zfp_pack(a, 0.0), t, a.shape, 0.0), a);  // reversible mode
  }
}

TEST(BenchBaselines, Sz3HoldsItsBoundAndStoresWhatItCannotTake) {
  std::string why_not;
  const auto sz3 = sz3_baseline(&why_not);
  if (!sz3) GTEST_SKIP() << why_not;
  for (DType t : {DType::F32, DType::F64})
    for (const std::vector<std::int64_t>& shape : std::vector<std::vector<std::int64_t>>{{4096}, {16, 16, 16}, {4, 4, 16, 16}, {2, 2, 4, 16, 16}}) {
      Array a = smooth(t, 4096, 5);
      a.shape = shape;
      for (double bound : {1e-1, 1e-3}) {
        const Bytes enc = sz3->encode(a, bound);
        EXPECT_EQ(enc.at(0), std::byte{1}) << "an SZ3 stream";
        EXPECT_LT(enc.size(), a.bytes.size());
        const Array dec = sz3->decode(enc, t, shape, bound);
        EXPECT_EQ(dec.shape, shape);
        EXPECT_LE(max_error(a, dec), bound) << dtype_name(t) << " " << shape.size() << "-d";
      }
    }
  Array ints(DType::I32, {100});
  for (int i = 0; i < 100; ++i) ints.as<std::int32_t>()[static_cast<std::size_t>(i)] = i * 7 - 300;
  EXPECT_EQ(sz3->encode(ints, 10.0).at(0), std::byte{0});  // stored losslessly
  EXPECT_EQ(sz3->decode(sz3->encode(ints, 10.0), ints.dtype, ints.shape, 10.0), ints);
}

TEST(BenchBaselines, JacobiFindsEigenpairs) {
  const std::size_t n = 5;
  std::mt19937_64 g(5);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> m(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) m[i * n + j] = m[j * n + i] = u(g);
  std::vector<double> v;
  const auto lambda = jacobi_eigen(m, n, v);
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0) {
      EXPECT_GE(lambda[k - 1], lambda[k]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      double mv = 0;
      for (std::size_t j = 0; j < n; ++j) mv += m[i * n + j] * v[j * n + k];
      EXPECT_NEAR(mv, lambda[k] * v[i * n + k], 1e-10);
    }
  }
}

TEST(BenchBaselines, PcaModelRunsInTheCodecWithinTheBound) {
  std::mt19937_64 g(6);
  std::normal_distribution<double> z(0, 1);
  Array m(DType::F64, {3000, 6});
  auto x = m.as<double>();
  for (std::size_t r = 0; r < 3000; ++r) {
    const double h1 = z(g), h2 = z(g);
    for (std::size_t c = 0; c < 6; ++c) x[r * 6 + c] = (1.0 + static_cast<double>(c)) * h1 - h2 * static_cast<double>(c % 2) + 0.001 * z(g);
  }
  const Dataset d = table_from_matrix(m, {});
  EXPECT_THROW(pca_model(d, 0), Error);
  const Model pca = pca_model(d, 2);
  test::TempDir tmp;
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  o.model = &pca;
  const auto sum = compress_dataset(d, tmp.path() / "p.baler", o);
  EXPECT_EQ(verify_container(tmp.path() / "p.baler", d).violations, 0u);
  // Two latent components explain these columns: the model pays for itself.
  EXPECT_NE(sum.model_hash, 0u);
}

}  // namespace
