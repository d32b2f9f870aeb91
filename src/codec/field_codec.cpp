// Field blocks (FORMAT.md §2.7): Lorenzo prediction on reconstructed values, neighbour contexts.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "column_codec.hpp"
#include "range_coder.hpp"
#include "wire.hpp"

namespace baler::codec {
namespace {

constexpr int kCtxSide = 6;

struct Grid {
  std::size_t F, H, W;
};

// Prediction of element (f, h, w) from reconstructed neighbours (0 outside the chunk).
double predict(const std::vector<double>& rec, const Grid& g, FieldPredictor p, double center,
               std::size_t f, std::size_t h, std::size_t w) {
  if (p == FieldPredictor::Center) return center;
  const std::size_t i = (f * g.H + h) * g.W + w;
  const std::size_t sf = g.H * g.W, sh = g.W;
  const bool bf = f > 0 && p == FieldPredictor::Lorenzo3, bh = h > 0, bw = w > 0;
  const double a = bw ? rec[i - 1] : 0.0;
  const double b = bh ? rec[i - sh] : 0.0;
  const double c = bf ? rec[i - sf] : 0.0;
  const double ab = bw && bh ? rec[i - 1 - sh] : 0.0;
  const double ac = bw && bf ? rec[i - 1 - sf] : 0.0;
  const double bc = bh && bf ? rec[i - sh - sf] : 0.0;
  const double abc = bw && bh && bf ? rec[i - 1 - sh - sf] : 0.0;
  return ((a + b + c) - (ab + ac + bc)) + abc;
}

int ctx_of(const std::vector<std::uint8_t>& tok, const Grid& g, std::size_t f, std::size_t h, std::size_t w) {
  const std::size_t i = (f * g.H + h) * g.W + w;
  const int left = w > 0 ? tok[i - 1] : 0;
  const int up = h > 0 ? tok[i - g.W] : (f > 0 ? tok[i - g.H * g.W] : 0);
  return std::min(left, kCtxSide - 1) * kCtxSide + std::min(up, kCtxSide - 1);
}

std::vector<std::byte> code_field(const std::vector<std::uint64_t>& codes, const Grid& g, int ctx_mode) {
  TokenModels models(ctx_mode ? kCtxSide * kCtxSide : 1);
  RangeEncoder enc;
  std::vector<std::uint8_t> tok(codes.size());
  std::size_t i = 0;
  for (std::size_t f = 0; f < g.F; ++f)
    for (std::size_t h = 0; h < g.H; ++h)
      for (std::size_t w = 0; w < g.W; ++w, ++i) {
        BitModel* tree = models.tree(ctx_mode ? ctx_of(tok, g, f, h, w) : 0);
        if (codes[i] == kEscapeValue) {
          encode_token(enc, tree, kEscapeToken);
          tok[i] = kEscapeToken;
        } else {
          encode_value(enc, tree, codes[i]);
          tok[i] = static_cast<std::uint8_t>(split_value(codes[i]).token);
        }
      }
  return enc.finish();
}

double median_of_finite(const ColumnSlice& c) {
  std::vector<double> v;
  v.reserve(c.n);
  for (std::size_t i = 0; i < c.n; ++i) {
    const double x = load_value(c.dtype, c.data, i);
    if (std::isfinite(x)) v.push_back(x);
  }
  if (v.empty()) return 0.0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

}  // namespace

std::vector<std::byte> encode_field_block(const ColumnSlice& c, std::array<std::size_t, 3> dims,
                                          double bound, FieldPredictor p, BlockStats& st) {
  const Grid g{dims[0], dims[1], dims[2]};
  const std::size_t es = dtype_size(c.dtype);
  const double step = 2.0 * bound * (1.0 - 1.0 / 4096.0);
  const double center = p == FieldPredictor::Center ? median_of_finite(c) : 0.0;
  std::vector<double> rec(c.n);
  std::vector<std::uint64_t> codes(c.n);
  Quantizer qz{c, step, bound, st, {}};
  std::size_t i = 0;
  for (std::size_t f = 0; f < g.F; ++f)
    for (std::size_t h = 0; h < g.H; ++h)
      for (std::size_t w = 0; w < g.W; ++w, ++i) codes[i] = qz.code(i, predict(rec, g, p, center, f, h, w), rec[i]);
  const auto& outl = qz.outliers;
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::Field));
  w.le<std::uint8_t>(static_cast<std::uint8_t>(p));
  w.le<double>(step);
  w.le<double>(center);
  put_outliers(w, outl, outl.size() / es, es);
  auto a = code_field(codes, g, 0);
  auto b = code_field(codes, g, 1);
  const bool use_b = b.size() < a.size();
  w.le<std::uint8_t>(use_b ? 1 : 0);
  put_varint(w, (use_b ? b : a).size());
  w.append(use_b ? b : a);
  return std::move(w.buffer());
}

void decode_field(ByteReader& r, DType t, std::size_t n, std::array<std::size_t, 3> dims, std::byte* out) {
  const Grid g{dims[0], dims[1], dims[2]};
  if (g.F * g.H * g.W != n) r.fail("field block dims do not match its element count");
  const auto pc = r.le<std::uint8_t>("field predictor");
  if (pc > 3) r.fail("unknown field predictor " + std::to_string(pc));
  const auto p = static_cast<FieldPredictor>(pc);
  const double step = r.le<double>("step");
  if (!(std::isfinite(step) && step > 0)) r.fail("field step is not positive");
  const double center = r.le<double>("center");
  if (p == FieldPredictor::Interp) return decode_interp(r, t, n, dims, step, out);
  OutlierReader outl(r, t, n);
  const int ctx_mode = r.le<std::uint8_t>("field context mode");
  if (ctx_mode > 1) r.fail("unknown field context mode " + std::to_string(ctx_mode));
  const auto size = get_varint(r, "field stream size");
  RangeDecoder dec(r.bytes(size, "field stream"));
  TokenModels models(ctx_mode ? kCtxSide * kCtxSide : 1);
  std::vector<double> rec(n);
  std::vector<std::uint8_t> tok(n);
  std::size_t i = 0;
  for (std::size_t f = 0; f < g.F; ++f)
    for (std::size_t h = 0; h < g.H; ++h)
      for (std::size_t w = 0; w < g.W; ++w, ++i) {
        const std::uint64_t code = decode_value(dec, models.tree(ctx_mode ? ctx_of(tok, g, f, h, w) : 0));
        if (code == kEscapeValue) {
          rec[i] = outl.take(out, i);
          tok[i] = kEscapeToken;
        } else {
          const double base = predict(rec, g, p, center, f, h, w);
          rec[i] = store_value(t, out, i, base + step * static_cast<double>(unzigzag(code)));
          tok[i] = static_cast<std::uint8_t>(split_value(code).token);
        }
      }
  outl.finish();
  if (dec.overrun()) r.fail("field stream ends early");
}

}  // namespace baler::codec
