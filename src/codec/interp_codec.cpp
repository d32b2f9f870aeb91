// Field blocks with the multilevel interpolation predictor (FORMAT.md §2.7, field predictor 3).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "column_codec.hpp"
#include "range_coder.hpp"

namespace baler::codec {
namespace {

// Reconstructed values kept as R (binary32 for float32 and float16 fields, which it holds
// exactly, binary64 for float64), read and written through memcpy: the decoder keeps them in
// its output buffer.
template <typename R>
struct RecView {
  std::byte* p;
  double get(std::size_t k) const {
    R v;
    std::memcpy(&v, p + k * sizeof(R), sizeof(R));
    return static_cast<double>(v);
  }
  void set(std::size_t k, double v) const {
    const R x = static_cast<R>(v);
    std::memcpy(p + k * sizeof(R), &x, sizeof(R));
  }
};

// Prediction of rec[base + x*st] along one line of n points from its neighbours at ±s, ±3s
// (cubic when all four exist, linear with two, the left neighbour at the end of the line).
template <typename R>
double interp(const RecView<R>& rec, std::size_t base, std::size_t st, std::size_t x, std::size_t s, std::size_t n) {
  const double b = rec.get(base + (x - s) * st);
  if (x + s >= n) return b;
  const double c = rec.get(base + (x + s) * st);
  if (x < 3 * s || x + 3 * s >= n) return (b + c) / 2.0;
  const double a = rec.get(base + (x - 3 * s) * st);
  const double d = rec.get(base + (x + 3 * s) * st);
  return (9.0 * (b + c) - (a + d)) / 16.0;
}

// Visits every element once in the interpolation order: the origin, then for strides
// s = 2^(L-1) .. 1 and each dimension d, the points whose coordinate along d is an odd
// multiple of s, coordinates along earlier dimensions multiples of s and along later ones
// multiples of 2s. visit(i, prediction) returns the value reconstructed at i, kept in rec.
// Every prediction reads only points visited before it.
template <typename R, typename Visit>
void interp_order(const std::array<std::size_t, 3>& n, const RecView<R>& rec, Visit&& visit) {
  if (n[0] == 0 || n[1] == 0 || n[2] == 0) return;  // an empty block (a field with a 0 dimension)
  const std::size_t maxd = std::max({n[0], n[1], n[2]});
  std::size_t top = 1;
  while (top < maxd) top *= 2;
  rec.set(0, visit(0, 0.0));
  const std::size_t stride[3] = {n[1] * n[2], n[2], 1};
  for (std::size_t s = top / 2; s >= 1; s /= 2) {
    for (int d = 0; d < 3; ++d) {
      std::size_t step[3], start[3];
      for (int k = 0; k < 3; ++k) {
        step[k] = k < d ? s : 2 * s;
        start[k] = 0;
      }
      step[d] = 2 * s;
      start[d] = s;
      for (std::size_t a = start[0]; a < n[0]; a += step[0])
        for (std::size_t b = start[1]; b < n[1]; b += step[1])
          for (std::size_t c = start[2]; c < n[2]; c += step[2]) {
            const std::size_t i = a * stride[0] + b * stride[1] + c * stride[2];
            const std::size_t x = d == 0 ? a : d == 1 ? b : c;
            const std::size_t base = i - x * stride[d];
            rec.set(i, visit(i, interp(rec, base, stride[d], x, s, n[d])));
          }
    }
    if (s == 1) break;
  }
}

// Runs f with the type reconstructed values are kept in for dtype t.
template <typename F>
void with_rec_type(DType t, F&& f) {
  if (t == DType::F64) f(double{});
  else f(float{});
}

}  // namespace

std::vector<std::byte> encode_interp_block(const ColumnSlice& c, std::array<std::size_t, 3> dims, double bound,
                                           BlockStats& st) {
  const std::size_t es = dtype_size(c.dtype);
  const double step = quant_step(bound);
  std::vector<std::uint8_t> tok;
  tok.reserve(c.n);
  BitWriter extra;
  Quantizer qz{c, step, bound, st, {}};
  with_rec_type(c.dtype, [&](auto tag) {
    using R = decltype(tag);
    std::vector<std::byte> rec(c.n * sizeof(R));
    interp_order(dims, RecView<R>{rec.data()}, [&](std::size_t i, double base) {
      double r;
      tok.push_back(put_code(qz.code(i, base, r), extra));
      return r;
    });
  });
  const auto& outl = qz.outliers;
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::Field));
  w.le<std::uint8_t>(static_cast<std::uint8_t>(FieldPredictor::Interp));
  w.le<double>(step);
  w.le<double>(0.0);
  put_outliers(w, outl, outl.size() / es, es);
  put_code_stream(w, token_code_stream(tok, extra.finish(), kFieldTreeValues));
  return std::move(w.buffer());
}

void decode_interp(ByteReader& r, DType t, std::size_t n, std::array<std::size_t, 3> dims, double step,
                   std::byte* out) {
  OutlierReader outl(r, t, n);
  CodeReader codes(r, kPrevContexts);
  const bool prev = codes.neighbour_contexts();
  int ctx = 0;
  // Float32 and float64 fields keep their reconstructed values in `out` itself; a stored value
  // that is not finite predicts as 0 there until the end, when its bytes are put back.
  const bool in_place = t == DType::F32 || t == DType::F64;
  const std::size_t es = dtype_size(t);
  std::vector<std::byte> own;
  std::vector<std::pair<std::size_t, std::uint64_t>> not_finite;
  with_rec_type(t, [&](auto tag) {
    using R = decltype(tag);
    if (!in_place) own.resize(n * sizeof(R));
    interp_order(dims, RecView<R>{in_place ? out : own.data()}, [&](std::size_t i, double base) {
      int token;
      const std::uint64_t code = codes.next(ctx, token);
      if (prev) ctx = prev_context(token);
      if (code == kEscapeValue) {
        const double v = outl.take(out, i);
        if (in_place && !std::isfinite(load_value(t, out, i))) {
          std::uint64_t bits = 0;
          std::memcpy(&bits, out + i * es, es);
          not_finite.emplace_back(i, bits);
        }
        return v;
      }
      return store_value(t, out, i, base + step * static_cast<double>(unzigzag(code)));
    });
  });
  for (const auto& [i, bits] : not_finite) std::memcpy(out + i * es, &bits, es);
  outl.finish();
  codes.finish();
}

}  // namespace baler::codec
