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

// Format 1.1 field stream (modes 2, 3): compact range-coded tokens and a plain extra-bit stream.
CodeStream code_field(const std::vector<std::uint64_t>& codes, const Grid& g, int ctx_mode) {
  TokenModels models(ctx_mode ? kCtxSide * kCtxSide : 1);
  RangeEncoder enc;
  BitWriter extra;
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
          const TokenSplit t = split_value(codes[i]);
          encode_token(enc, tree, t.token);
          extra.put(t.extra, t.extra_bits);
          tok[i] = static_cast<std::uint8_t>(t.token);
        }
      }
  return {ctx_mode ? kCodeModePrev : kCodeModeSingle, enc.finish_compact(), extra.finish()};
}

// Estimated token bits with one context and with the neighbours' contexts (as code_stream's
// estimate: entropy of the counts plus a learning cost per distinct pair).
std::array<double, 2> field_costs(const std::vector<std::uint64_t>& codes, const Grid& g) {
  std::vector<std::uint32_t> single(256, 0), nb(kCtxSide * kCtxSide * 256, 0);
  std::vector<std::uint8_t> tok(codes.size());
  std::size_t i = 0;
  for (std::size_t f = 0; f < g.F; ++f)
    for (std::size_t h = 0; h < g.H; ++h)
      for (std::size_t w = 0; w < g.W; ++w, ++i) {
        const int t = codes[i] == kEscapeValue ? kEscapeToken : split_value(codes[i]).token;
        tok[i] = static_cast<std::uint8_t>(t);
        ++single[static_cast<std::size_t>(t)];
        ++nb[static_cast<std::size_t>(ctx_of(tok, g, f, h, w)) * 256 + static_cast<std::size_t>(t)];
      }
  return {token_cost(single, 1), token_cost(nb, kCtxSide * kCtxSide)};
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
  const double step = quant_step(bound);
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
  const auto cost = field_costs(codes, g);
  if (!estimates_close(cost[0], cost[1])) {
    put_code_stream(w, code_field(codes, g, cost[1] < cost[0] ? 1 : 0));
  } else {
    CodeStream a = code_field(codes, g, 0), b = code_field(codes, g, 1);
    put_code_stream(w, b.wire_size() < a.wire_size() ? b : a);
  }
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
  const int mode = r.le<std::uint8_t>("field context mode");
  if (mode > kCodeModePrev) r.fail("unknown field context mode " + std::to_string(mode));
  const bool v11 = mode >= kCodeModeSingle;  // format 1.1: compact tokens + extra-bit stream
  const auto size = get_varint(r, "field stream size");
  RangeDecoder dec(r.bytes(size, "field stream"), v11);
  std::span<const std::byte> extra_bytes;
  if (v11) extra_bytes = r.bytes(get_varint(r, "field extra-bit stream size"), "field extra-bit stream");
  BitReader extra(extra_bytes);
  const bool nb = mode == 1 || mode == kCodeModePrev;
  TokenModels models(nb ? kCtxSide * kCtxSide : 1);
  std::vector<double> rec(n);
  std::vector<std::uint8_t> tok(n);
  std::size_t i = 0;
  for (std::size_t f = 0; f < g.F; ++f)
    for (std::size_t h = 0; h < g.H; ++h)
      for (std::size_t w = 0; w < g.W; ++w, ++i) {
        BitModel* tree = models.tree(nb ? ctx_of(tok, g, f, h, w) : 0);
        std::uint64_t code;
        if (v11) {
          const int token = decode_token(dec, tree);
          if (token != kEscapeToken && token > kMaxToken) r.fail("field stream holds invalid token " + std::to_string(token));
          code = token == kEscapeToken ? kEscapeValue : join_value(token, extra.get(token_extra_bits(token)));
        } else {
          code = decode_value(dec, tree);
        }
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
  if (v11) extra.finish(r.what());
}

}  // namespace baler::codec
