// The deterministic conv kernel: hand-computed cases (stride, padding, output padding, 2-D and
// 3-D, transposed), the documented summation order, a naive reference, and refused shapes.
#include <gtest/gtest.h>

#include "baler/error.hpp"
#include "codec_test_util.hpp"
#include "conv_kernel.hpp"
#include "layer_kernel.hpp"

namespace baler::test {
namespace {

using codec::run_layers;
using Shape = std::vector<std::int64_t>;

Layer conv(LayerKind k, Shape wshape, std::vector<float> w, std::vector<std::int64_t> params, std::vector<float> b = {}) {
  Layer l;
  l.kind = k;
  l.weight = Array(DType::F32, wshape);
  std::copy(w.begin(), w.end(), l.weight.as<float>().begin());
  if (!b.empty()) {
    l.bias = Array(DType::F32, {static_cast<std::int64_t>(b.size())});
    std::copy(b.begin(), b.end(), l.bias.as<float>().begin());
  }
  l.params = std::move(params);
  return l;
}

std::vector<float> run1(const Layer& l, const Shape& in, std::vector<float> x) {
  return run_layers({l}, in, std::move(x), 1);
}

TEST(ConvKernel, Conv2dStrideOneNoPadding) {
  // 3×3 input 1..9, 2×2 kernel of ones, bias 0.5: sums of each 2×2 window.
  const auto y = run1(conv(LayerKind::Conv2d, {1, 1, 2, 2}, {1, 1, 1, 1}, {1, 1, 0, 0}, {0.5f}), {1, 3, 3},
                      {1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(y, (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
}

TEST(ConvKernel, Conv2dStrideTwoPaddingOne) {
  // 4×4 input 1..16, 3×3 kernel with a single 1 at the centre (identity tap) and a 10 at the
  // top-left: out(i,j) = x(2i,2j) + 10·x(2i−1,2j−1) (0 in the padding); output (4+2−3)/2+1 = 2.
  std::vector<float> w(9, 0.0f);
  w[4] = 1;
  w[0] = 10;
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i + 1);
  const auto y = run1(conv(LayerKind::Conv2d, {1, 1, 3, 3}, w, {2, 2, 1, 1}), {1, 4, 4}, x);
  // x(r,c) = 4r + c + 1.
  EXPECT_EQ(y, (std::vector<float>{1, 3, 9, 11 + 10 * 6}));
}

TEST(ConvKernel, ConvTranspose2dStrideTwo) {
  // 2×2 input [1 2; 3 4], kernel [1 10; 100 1000], stride 2: every input scatters its scaled kernel.
  const Layer base = conv(LayerKind::ConvTranspose2d, {1, 1, 2, 2}, {1, 10, 100, 1000}, {2, 2, 0, 0, 0, 0});
  const std::vector<float> x{1, 2, 3, 4};
  EXPECT_EQ(run1(base, {1, 2, 2}, x), (std::vector<float>{1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300,
                                                            3000, 400, 4000}));
  Layer padded = base;  // padding 1 crops one from each side: (2−1)·2 − 2 + 2 = 2
  padded.params = {2, 2, 1, 1, 0, 0};
  EXPECT_EQ(run1(padded, {1, 2, 2}, x), (std::vector<float>{1000, 200, 30, 4}));
  Layer extra = base;  // output padding 1 adds a last row and column that only get the bias
  extra.params = {2, 2, 0, 0, 1, 1};
  extra.bias = Array(DType::F32, {1});
  extra.bias.as<float>()[0] = 0.25f;
  const auto y = run1(extra, {1, 2, 2}, x);
  ASSERT_EQ(y.size(), 25u);
  EXPECT_EQ(y[0], 1.25f);
  EXPECT_EQ(y[6], 1000.25f);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(y[4 * 5 + i], 0.25f);
    EXPECT_EQ(y[i * 5 + 4], 0.25f);
  }
}

TEST(ConvKernel, ChannelsAndWeightLayouts) {
  // Conv2d weight (out, in, kh, kw); ConvTranspose2d weight (in, out, kh, kw). 1×1 kernels mix channels.
  const std::vector<float> x{1, 2, 3, 4, 5, 6};  // 2 channels × 1 × 3
  const auto y = run1(conv(LayerKind::Conv2d, {3, 2, 1, 1}, {1, 0, 0, 1, 1, 10}, {1, 1, 0, 0}), {2, 1, 3}, x);
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 4, 5, 6, 41, 52, 63}));
  const auto t = run1(conv(LayerKind::ConvTranspose2d, {2, 3, 1, 1}, {1, 0, 1, 0, 1, 10}, {1, 1, 0, 0, 0, 0}),
                      {2, 1, 3}, x);
  EXPECT_EQ(t, (std::vector<float>{1, 2, 3, 4, 5, 6, 41, 52, 63}));
}

TEST(ConvKernel, Conv3dAndTranspose3d) {
  // 2×2×2 input 1..8, 2×2×2 kernel of ones: one output, the sum 36, plus bias.
  std::vector<float> x(8);
  for (int i = 0; i < 8; ++i) x[i] = static_cast<float>(i + 1);
  EXPECT_EQ(run1(conv(LayerKind::Conv3d, {1, 1, 2, 2, 2}, std::vector<float>(8, 1), {1, 1, 1, 0, 0, 0}, {1}),
                 {1, 2, 2, 2}, x),
            std::vector<float>{37});
  // Transposed, stride 2 along depth only, kernel 1×1×1: planes land at depth 0 and 2, depth 1 is bias.
  const auto y = run1(conv(LayerKind::ConvTranspose3d, {1, 1, 1, 1, 1}, {2}, {2, 1, 1, 0, 0, 0, 0, 0, 0}, {-1}),
                      {1, 2, 2, 2}, x);
  EXPECT_EQ(y, (std::vector<float>{1, 3, 5, 7, -1, -1, -1, -1, 9, 11, 13, 15}));
}

TEST(ConvKernel, SummationOrderIsBiasThenChannelsThenTaps) {
  // In binary32 1e8 + 1 = 1e8: the order is visible. Conv with 1×3 kernel on a 1×3 input.
  // bias 1, taps 1e8, −1e8, 0.5 → ((1 + 1e8) − 1e8) + 0.5 = 0.5.
  EXPECT_EQ(run1(conv(LayerKind::Conv2d, {1, 1, 1, 3}, {1e8f, -1e8f, 0.5f}, {1, 1, 0, 0}, {1}), {1, 1, 3}, {1, 1, 1}),
            std::vector<float>{0.5f});
  // Channel-major: channel 0's taps (1e8, −1e8) before channel 1's (1): 0 + 1 = 1 (tap-major would give 0).
  EXPECT_EQ(run1(conv(LayerKind::Conv2d, {1, 2, 1, 2}, {1e8f, -1e8f, 1, 0}, {1, 1, 0, 0}), {2, 1, 2}, {1, 1, 1, 1}),
            std::vector<float>{1});
  // Transposed: output 1 of a stride-1, 1×2 kernel over a 1×2 input gets tap 0 (from input 1)
  // then tap 1 (from input 0): (−1e8 + 1e8) + 1 = 1; tap 1 first would give 0.
  const auto t = run1(conv(LayerKind::ConvTranspose2d, {1, 1, 1, 2}, {1e8f, 1}, {1, 1, 0, 0, 0, 0}, {-1e8f}),
                      {1, 1, 2}, {1, 1});
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1], 1.0f);
}

// Naive double-precision reference of PyTorch's definitions (conv and transposed, 2-D/3-D).
std::vector<double> reference(const Layer& l, const Shape& in, const std::vector<float>& x, Shape& out_shape) {
  const bool tr = l.kind == LayerKind::ConvTranspose2d || l.kind == LayerKind::ConvTranspose3d;
  const int sd = static_cast<int>(in.size()) - 1;
  const auto& ws = l.weight.shape;
  const std::int64_t cin = in[0], cout = tr ? ws[1] : ws[0];
  std::int64_t isz[3] = {1, 1, 1}, osz[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0};
  for (int a = 0; a < sd; ++a) {
    const int ax = 3 - sd + a;
    isz[ax] = in[1 + a];
    k[ax] = ws[2 + a];
    s[ax] = l.params[a];
    p[ax] = l.params[sd + a];
    osz[ax] = tr ? (isz[ax] - 1) * s[ax] - 2 * p[ax] + k[ax] + l.params[2 * sd + a] : (isz[ax] + 2 * p[ax] - k[ax]) / s[ax] + 1;
  }
  out_shape = {cout};
  for (int a = 3 - sd; a < 3; ++a) out_shape.push_back(osz[a]);
  const std::int64_t taps = k[0] * k[1] * k[2];
  std::vector<double> y(static_cast<std::size_t>(cout * osz[0] * osz[1] * osz[2]));
  for (std::int64_t o = 0; o < cout; ++o)
    for (std::size_t q = 0; q < y.size() / static_cast<std::size_t>(cout); ++q)
      y[o * (y.size() / cout) + q] = l.bias.bytes.empty() ? 0.0 : l.bias.as<float>()[o];
  auto wat = [&](std::int64_t c, std::int64_t o, std::int64_t t) {
    return static_cast<double>(l.weight.as<float>()[tr ? (c * cout + o) * taps + t : (o * cin + c) * taps + t]);
  };
  for (std::int64_t c = 0; c < cin; ++c)
    for (std::int64_t i0 = 0; i0 < isz[0]; ++i0)
      for (std::int64_t i1 = 0; i1 < isz[1]; ++i1)
        for (std::int64_t i2 = 0; i2 < isz[2]; ++i2)
          for (std::int64_t o = 0; o < cout; ++o)
            for (std::int64_t t = 0; t < taps; ++t) {
              const std::int64_t kk[3] = {t / (k[1] * k[2]), (t / k[2]) % k[1], t % k[2]};
              const std::int64_t ii[3] = {i0, i1, i2};
              std::int64_t q[3];
              bool ok = true;
              for (int a = 0; a < 3; ++a) {
                if (tr) {
                  q[a] = ii[a] * s[a] - p[a] + kk[a];  // input ii scatters to q
                  ok = ok && q[a] >= 0 && q[a] < osz[a];
                } else {  // output q reads ii when ii = q·s − p + k
                  const std::int64_t num = ii[a] + p[a] - kk[a];
                  q[a] = num / s[a];
                  ok = ok && num >= 0 && num % s[a] == 0 && q[a] < osz[a];
                }
              }
              if (!ok) continue;
              const double xv = x[static_cast<std::size_t>(((c * isz[0] + i0) * isz[1] + i1) * isz[2] + i2)];
              y[static_cast<std::size_t>(((o * osz[0] + q[0]) * osz[1] + q[1]) * osz[2] + q[2])] += wat(c, o, t) * xv;
            }
  return y;
}

TEST(ConvKernel, MatchesNaiveReferenceOnRandomLayers) {
  auto g = rng(5);
  std::normal_distribution<float> nd;
  struct Case {
    LayerKind kind;
    Shape in, w;
    std::vector<std::int64_t> params;
  };
  const std::vector<Case> cases{
      {LayerKind::Conv2d, {3, 13, 11}, {4, 3, 3, 3}, {2, 2, 1, 1}},
      {LayerKind::Conv2d, {2, 9, 7}, {3, 2, 3, 2}, {1, 3, 0, 2}},
      {LayerKind::ConvTranspose2d, {4, 7, 6}, {4, 3, 3, 3}, {2, 2, 1, 1, 1, 0}},
      {LayerKind::ConvTranspose2d, {2, 5, 4}, {2, 2, 4, 3}, {3, 1, 2, 0, 2, 0}},
      {LayerKind::Conv3d, {2, 6, 5, 7}, {3, 2, 3, 3, 3}, {2, 1, 2, 1, 1, 0}},
      {LayerKind::ConvTranspose3d, {3, 3, 4, 5}, {3, 2, 3, 3, 2}, {2, 2, 1, 1, 1, 0, 1, 1, 0}},
  };
  for (const auto& c : cases) {
    Layer l = conv(c.kind, c.w, {}, c.params);
    for (auto& v : l.weight.as<float>()) v = nd(g);
    const std::int64_t cout = c.kind == LayerKind::Conv2d || c.kind == LayerKind::Conv3d ? c.w[0] : c.w[1];
    l.bias = random_vector(g, cout, 0.5f);
    const std::size_t n = checked_element_count(c.in, "in"), samples = 3;
    std::vector<float> x(n * samples);
    for (auto& v : x) v = nd(g);
    const auto y = run_layers({l}, c.in, x, samples);
    for (std::size_t smp = 0; smp < samples; ++smp) {
      std::vector<float> one(n);
      for (std::size_t e = 0; e < n; ++e) one[e] = x[e * samples + smp];
      Shape os;
      const auto ref = reference(l, c.in, one, os);
      EXPECT_EQ(codec::check_layers({l}, c.in, "case").out, os);
      ASSERT_EQ(y.size(), ref.size() * samples);
      const auto alone = run1(l, c.in, one);
      for (std::size_t e = 0; e < ref.size(); ++e) {
        ASSERT_NEAR(y[e * samples + smp], ref[e], 1e-4 * (1 + std::fabs(ref[e]))) << "kind " << int(c.kind) << " e " << e;
        ASSERT_EQ(y[e * samples + smp], alone[e]);  // samples are independent
      }
    }
  }
}

TEST(ConvKernel, InconsistentLayersAreRefusedWithTheirShapes) {
  const Layer c = conv(LayerKind::Conv2d, {4, 3, 3, 3}, std::vector<float>(108, 0.0f), {1, 1, 1, 1});
  std::string msg;
  EXPECT_EQ(code_of([&] { codec::check_layers({c}, {2, 8, 8}, "decoder"); }, &msg), ErrorCode::Malformed);
  EXPECT_NE(msg.find("decoder layer 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(2, 8, 8)"), std::string::npos) << msg;
  Layer unpadded = c;
  unpadded.params = {1, 1, 0, 0};
  EXPECT_EQ(code_of([&] { codec::check_layers({unpadded}, {3, 2, 2}, "d"); }), ErrorCode::Malformed);  // kernel > input
  Layer bad_op = conv(LayerKind::ConvTranspose2d, {1, 1, 2, 2}, {1, 1, 1, 1}, {2, 2, 0, 0, 2, 0});
  EXPECT_EQ(code_of([&] { codec::check_layers({bad_op}, {1, 3, 3}, "d"); }), ErrorCode::Malformed);  // op ≥ stride
  Layer few = c;
  few.params = {1, 1};
  EXPECT_EQ(code_of([&] { codec::check_layers({few}, {3, 8, 8}, "d"); }), ErrorCode::Malformed);
  Layer lin;
  lin.kind = LayerKind::Linear;
  lin.weight = Array(DType::F32, {2, 192});
  EXPECT_EQ(code_of([&] { codec::check_layers({lin}, {3, 8, 8}, "d"); }), ErrorCode::Unsupported);
  Layer fl;
  fl.kind = LayerKind::Flatten;
  fl.params = {191};
  EXPECT_EQ(code_of([&] { codec::check_layers({fl}, {3, 8, 8}, "d"); }), ErrorCode::Malformed);
  fl.params = {192};
  EXPECT_EQ(codec::check_layers({fl, lin}, {3, 8, 8}, "d").out, (Shape{2}));
  Layer odd;
  odd.kind = static_cast<LayerKind>(200);
  EXPECT_EQ(code_of([&] { codec::check_layers({odd}, {3}, "d"); }), ErrorCode::Unsupported);
  // Absurd sizes: a huge output plane, too many multiply-adds.
  Layer wide = conv(LayerKind::ConvTranspose2d, {1, 1, 1, 1}, {1}, {1024, 1024, 0, 0, 0, 0});
  EXPECT_EQ(code_of([&] { codec::check_layers({wide}, {1, 4096, 4096}, "d"); }), ErrorCode::Limit);
  Layer heavy = conv(LayerKind::Conv2d, {8, 1, 64, 64}, std::vector<float>(8 * 64 * 64, 0.0f), {1, 1, 32, 32});
  EXPECT_EQ(code_of([&] { codec::check_layers({heavy}, {1, 1024, 1024}, "d"); }), ErrorCode::Limit);
}

TEST(ConvKernel, BatchingNeverChangesResults) {
  // Enough samples that run_layers splits them into batches (2^22 values of activation each).
  Layer c = conv(LayerKind::Conv2d, {8, 1, 3, 3}, {}, {1, 1, 1, 1});
  auto g = rng(8);
  std::normal_distribution<float> nd;
  for (auto& v : c.weight.as<float>()) v = nd(g);
  const Shape in{1, 32, 32};
  const std::size_t samples = 600;  // 8×32×32×600 > 2^22
  std::vector<float> x(1024 * samples);
  for (auto& v : x) v = nd(g);
  const auto y = run_layers({c}, in, x, samples);
  for (std::size_t smp : {0u, 511u, 512u, 599u}) {
    std::vector<float> one(1024);
    for (std::size_t e = 0; e < 1024; ++e) one[e] = x[e * samples + smp];
    const auto alone = run1(c, in, one);
    for (std::size_t e = 0; e < alone.size(); ++e) ASSERT_EQ(y[e * samples + smp], alone[e]);
  }
}

}  // namespace
}  // namespace baler::test
