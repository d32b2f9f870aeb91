// Convolutions and transposed convolutions, one tap at a time over every output it reaches.
#include "conv_kernel.hpp"

#include <algorithm>

namespace baler::codec {
namespace {

constexpr std::int64_t kMaxKernel = 1024;  // kernel size, stride, padding per axis
constexpr std::int64_t kMaxChannels = 1 << 16;
constexpr std::uint64_t kMaxSampleValues = std::uint64_t{1} << 26;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

std::string kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Conv2d: return "Conv2d";
    case LayerKind::Conv3d: return "Conv3d";
    case LayerKind::ConvTranspose2d: return "ConvTranspose2d";
    default: return "ConvTranspose3d";
  }
}

std::uint64_t spatial(const std::array<std::int64_t, 3>& a) {
  return static_cast<std::uint64_t>(a[0] * a[1] * a[2]);
}

// Positions a in [0, A) whose partner b = a·s − p + k lies in [0, B): the range [lo, hi).
struct Span {
  std::int64_t lo, hi;
};
Span partners(std::int64_t A, std::int64_t B, std::int64_t s, std::int64_t p, std::int64_t k) {
  const std::int64_t lo = std::max<std::int64_t>(0, floor_div(p - k + s - 1, s));
  const std::int64_t hi = std::min<std::int64_t>(A, floor_div(B - 1 + p - k, s) + 1);
  return {lo, std::max(lo, hi)};
}

// Adds w × src[b] to dst[a] (conv: a output, b input) or w × src[a] to dst[b] (transposed)
// for every linked pair of one tap (kd, kh, kw), over all samples.
void apply_tap(const ConvGeometry& g, const std::array<std::int64_t, 3>& k, float w, const float* src, float* dst,
               std::size_t S) {
  const auto& A = g.transpose ? g.in : g.out;  // the iterated side
  const auto& B = g.transpose ? g.out : g.in;
  Span sp[3];
  for (int ax = 0; ax < 3; ++ax) sp[ax] = partners(A[ax], B[ax], g.stride[ax], g.pad[ax], k[ax]);
  for (std::int64_t a0 = sp[0].lo; a0 < sp[0].hi; ++a0) {
    const std::int64_t b0 = a0 * g.stride[0] - g.pad[0] + k[0];
    for (std::int64_t a1 = sp[1].lo; a1 < sp[1].hi; ++a1) {
      const std::int64_t b1 = a1 * g.stride[1] - g.pad[1] + k[1];
      const std::int64_t arow = (a0 * A[1] + a1) * A[2], brow = (b0 * B[1] + b1) * B[2];
      for (std::int64_t a2 = sp[2].lo; a2 < sp[2].hi; ++a2) {
        const std::int64_t b2 = a2 * g.stride[2] - g.pad[2] + k[2];
        const std::size_t ia = static_cast<std::size_t>(arow + a2) * S, ib = static_cast<std::size_t>(brow + b2) * S;
        float* d = dst + (g.transpose ? ib : ia);
        const float* x = src + (g.transpose ? ia : ib);
        for (std::size_t r = 0; r < S; ++r) d[r] = d[r] + w * x[r];
      }
    }
  }
}

}  // namespace

std::uint64_t ConvGeometry::in_values() const { return static_cast<std::uint64_t>(cin) * spatial(in); }
std::uint64_t ConvGeometry::out_values() const { return static_cast<std::uint64_t>(cout) * spatial(out); }
double ConvGeometry::macs() const {
  return static_cast<double>(cin) * static_cast<double>(cout) * static_cast<double>(spatial(transpose ? in : out)) *
         static_cast<double>(spatial(kernel));
}

std::vector<std::int64_t> ConvGeometry::out_shape() const {
  std::vector<std::int64_t> s{cout};
  s.insert(s.end(), out.begin() + (3 - dims), out.end());
  return s;
}

bool is_conv(LayerKind k) {
  return k == LayerKind::Conv2d || k == LayerKind::Conv3d || k == LayerKind::ConvTranspose2d ||
         k == LayerKind::ConvTranspose3d;
}

ConvGeometry conv_geometry(const Layer& l, const std::vector<std::int64_t>& in, const std::string& where) {
  const int sd = l.kind == LayerKind::Conv3d || l.kind == LayerKind::ConvTranspose3d ? 3 : 2;
  ConvGeometry g;
  g.dims = sd;
  g.transpose = l.kind == LayerKind::ConvTranspose2d || l.kind == LayerKind::ConvTranspose3d;
  const std::string what = where + " (" + kind_name(l.kind) + ")";
  const std::size_t np = static_cast<std::size_t>(g.transpose ? 3 * sd : 2 * sd);
  require(l.params.size() == np, ErrorCode::Malformed,
          what + ": " + std::to_string(l.params.size()) + " parameters, expected " + std::to_string(np) +
              (g.transpose ? " (stride, padding, output padding per axis)" : " (stride, padding per axis)"));
  require(in.size() == static_cast<std::size_t>(1 + sd), ErrorCode::Malformed,
          what + ": takes samples of channels × " + (sd == 3 ? "depth × " : "") + "height × width, got " +
              shape_string(in));
  const auto& ws = l.weight.shape;
  require(l.weight.dtype == DType::F32 && ws.size() == static_cast<std::size_t>(2 + sd), ErrorCode::Malformed,
          what + ": weight of shape " + shape_string(ws) + ", expected " + std::to_string(2 + sd) + " float32 dims");
  g.cin = g.transpose ? ws[0] : ws[1];
  g.cout = g.transpose ? ws[1] : ws[0];
  require(g.cin == in[0], ErrorCode::Malformed,
          what + ": weight " + shape_string(ws) + " takes " + std::to_string(g.cin) + " channels, the sample " +
              shape_string(in) + " has " + std::to_string(in[0]));
  require(g.cin >= 1 && g.cin <= kMaxChannels && g.cout >= 1 && g.cout <= kMaxChannels, ErrorCode::Limit,
          what + ": channels of weight " + shape_string(ws) + " out of range [1, 65536]");
  require(l.bias.bytes.empty() || (l.bias.dtype == DType::F32 && l.bias.shape == std::vector<std::int64_t>{g.cout}),
          ErrorCode::Malformed, what + ": bias shape " + shape_string(l.bias.shape) + " does not match " +
                                    std::to_string(g.cout) + " output channels");
  for (int a = 0; a < sd; ++a) {
    const int ax = 3 - sd + a;
    const std::int64_t n = in[1 + a], k = ws[2 + a], s = l.params[a], p = l.params[sd + a];
    const std::int64_t op = g.transpose ? l.params[2 * sd + a] : 0;
    require(n >= 1 && k >= 1 && k <= kMaxKernel && s >= 1 && s <= kMaxKernel && p >= 0 && p <= kMaxKernel &&
                op >= 0 && op < s && n <= static_cast<std::int64_t>(kMaxSampleValues),
            ErrorCode::Malformed,
            what + ": axis " + std::to_string(a) + " has size " + std::to_string(n) + ", kernel " + std::to_string(k) +
                ", stride " + std::to_string(s) + ", padding " + std::to_string(p) +
                (g.transpose ? ", output padding " + std::to_string(op) : "") +
                " (need sizes ≥ 1, kernel/stride in [1, 1024], padding in [0, 1024], output padding < stride)");
    const std::int64_t out = g.transpose ? (n - 1) * s - 2 * p + k + op : (n + 2 * p - k) / s + 1;
    require(g.transpose ? out >= 1 : n + 2 * p >= k, ErrorCode::Malformed,
            what + ": kernel " + std::to_string(k) + " does not fit axis " + std::to_string(a) + " of size " +
                std::to_string(n) + " with padding " + std::to_string(p));
    g.in[ax] = n;
    g.out[ax] = out;
    g.kernel[ax] = k;
    g.stride[ax] = s;
    g.pad[ax] = p;
  }
  require(checked_element_count(g.out_shape(), what + " output") <= kMaxSampleValues, ErrorCode::Limit,
          what + ": output of " + shape_string(g.out_shape()) + " values per sample exceeds 2^26");
  return g;
}

std::vector<float> run_conv(const Layer& l, const ConvGeometry& g, const std::vector<float>& x, std::size_t S) {
  const auto w = l.weight.as<float>();
  const bool has_bias = !l.bias.bytes.empty();
  const std::size_t in_sp = spatial(g.in), out_sp = spatial(g.out), taps = spatial(g.kernel);
  const auto cin = static_cast<std::size_t>(g.cin), cout = static_cast<std::size_t>(g.cout);
  std::vector<float> y(cout * out_sp * S);
  for (std::size_t o = 0; o < cout; ++o) {
    float* yo = y.data() + o * out_sp * S;
    std::fill(yo, yo + out_sp * S, has_bias ? l.bias.as<float>()[o] : 0.0f);
    for (std::size_t c = 0; c < cin; ++c) {
      const float* xc = x.data() + c * in_sp * S;
      const float* wc = w.data() + (g.transpose ? c * cout + o : o * cin + c) * taps;
      std::size_t t = 0;
      for (std::int64_t k0 = 0; k0 < g.kernel[0]; ++k0)
        for (std::int64_t k1 = 0; k1 < g.kernel[1]; ++k1)
          for (std::int64_t k2 = 0; k2 < g.kernel[2]; ++k2) apply_tap(g, {k0, k1, k2}, wc[t++], xc, yo, S);
    }
  }
  return y;
}

}  // namespace baler::codec
