// Int, Quant and PwRel blocks (FORMAT.md §2.7) and the block dispatcher.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "column_codec.hpp"
#include "det_math.hpp"
#include "range_coder.hpp"
#include "table_predict.hpp"
#include "wire.hpp"

namespace baler::codec {

void decode_raw(ByteReader& r, DType t, std::size_t n, std::byte* out);
void decode_field(ByteReader& r, DType t, std::size_t n, std::array<std::size_t, 3> dims, std::byte* out);

namespace {

constexpr double kTwo53 = 9007199254740992.0;

// The element as an integer if it is one exactly (integer dtypes always; floats when finite,
// integral, not -0 and below 2^53).
bool as_integer(DType t, const std::byte* data, std::size_t i, std::int64_t& v) {
  if (is_float(t)) {
    const double x = load_value(t, data, i);
    if (!std::isfinite(x) || x != std::trunc(x) || std::fabs(x) > kTwo53 || (x == 0 && std::signbit(x)))
      return false;
    v = static_cast<std::int64_t>(x);
    return true;
  }
  visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      T x;
      std::memcpy(&x, data + i * sizeof(T), sizeof(T));
      v = static_cast<std::int64_t>(x);  // u64 above 2^63 wraps; arithmetic below wraps too
    }
  });
  return true;
}

void store_integer(DType t, std::byte* out, std::size_t i, std::int64_t v) {
  if (is_float(t)) {
    store_value(t, out, i, static_cast<double>(v));
    return;
  }
  visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      const bool b = v != 0;
      std::memcpy(out + i, &b, 1);
    } else if constexpr (std::is_integral_v<T>) {
      const T x = static_cast<T>(v);
      std::memcpy(out + i * sizeof(T), &x, sizeof(T));
    }
  });
}

std::uint64_t wrap_sub(std::int64_t a, std::int64_t b) {
  return zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b)));
}
std::int64_t wrap_add(std::int64_t a, std::uint64_t code) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(unzigzag(code)));
}

struct IntCodes {
  std::vector<std::uint64_t> codes;
  std::vector<std::byte> outl;
  std::uint64_t n_out = 0;
  CodeCost cost;
  double bits() const { return cost.best() + 8.0 * static_cast<double>(outl.size()); }
};

IntCodes int_codes(const ColumnSlice& c, const std::vector<std::int64_t>& v, const std::vector<std::uint8_t>& ok,
                   int predictor, std::int64_t base) {
  const std::size_t es = dtype_size(c.dtype);
  IntCodes r;
  r.codes.resize(c.n);
  std::int64_t prev = base;
  for (std::size_t i = 0; i < c.n; ++i) {
    const std::uint64_t code = ok[i] ? wrap_sub(v[i], predictor == 1 ? prev : base) : kEscapeValue;
    if (code == kEscapeValue || code > kMaxTokenValue) {
      r.codes[i] = kEscapeValue;
      r.outl.insert(r.outl.end(), c.data + i * es, c.data + (i + 1) * es);
      ++r.n_out;
      continue;
    }
    r.codes[i] = code;
    prev = v[i];
  }
  r.cost = estimate_codes(r.codes);
  return r;
}

std::vector<std::byte> int_block_with(const ColumnSlice& c, const IntCodes& ic, int predictor, std::int64_t base) {
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::Int));
  w.le<std::uint8_t>(static_cast<std::uint8_t>(predictor));
  w.le<std::int64_t>(base);
  put_outliers(w, ic.outl, ic.n_out, dtype_size(c.dtype));
  put_code_stream(w, best_code_stream(ic.codes, ic.cost));
  return std::move(w.buffer());
}

}  // namespace

std::vector<std::byte> encode_int_block(const ColumnSlice& c) {
  std::vector<std::int64_t> v(c.n);
  std::vector<std::uint8_t> ok(c.n);
  std::size_t n_ok = 0;
  std::int64_t lo = 0;
  bool first = true;
  for (std::size_t i = 0; i < c.n; ++i) {
    ok[i] = as_integer(c.dtype, c.data, i, v[i]);
    if (!ok[i]) continue;
    ++n_ok;
    if (first || v[i] < lo) lo = v[i];
    first = false;
  }
  if (n_ok < c.n - c.n / 8) return {};  // mostly not integers: not this method
  const IntCodes a = int_codes(c, v, ok, 0, lo), b = int_codes(c, v, ok, 1, lo);
  if (a.codes == b.codes) return int_block_with(c, a, 0, lo);  // e.g. a constant column
  // Only the predictor the estimate prefers is coded, unless the estimates are close.
  const double ea = a.bits(), eb = b.bits();
  if (!estimates_close(ea, eb)) return ea < eb ? int_block_with(c, a, 0, lo) : int_block_with(c, b, 1, lo);
  auto ba = int_block_with(c, a, 0, lo);
  auto bb = int_block_with(c, b, 1, lo);
  return bb.size() < ba.size() ? bb : ba;
}

std::uint64_t Quantizer::code(std::size_t i, double base, double& rec) {
  std::uint64_t q;
  rec = with_float_type(c.dtype, [&](auto tag) {
    using T = decltype(tag);
    return quantize_one<T>(loaded<T>(c.data, i), base, step, bound, stats.max_error, q);
  });
  if (q == kEscapeValue) {
    const std::size_t es = dtype_size(c.dtype);
    outliers.insert(outliers.end(), c.data + i * es, c.data + (i + 1) * es);
    ++stats.outliers;
  }
  return q;
}

namespace {

// Codes every value against base(i, rec) (rec: the values reconstructed before value i) and
// writes a Quant block with `predictor` and `center`; `decoded`, when given, receives each value
// as the decoder will produce it (an outlier: its exact value, NaN included).
template <typename Base>
std::vector<std::byte> quant_block(const ColumnSlice& c, double bound, QuantPredictor predictor, double center,
                                   Base&& base, BlockStats& st, std::vector<double>* decoded) {
  const std::size_t es = dtype_size(c.dtype);
  const double step = quant_step(bound);
  Quantizer qz{c, step, bound, st, {}};
  std::vector<std::uint64_t> codes(c.n);
  std::vector<double> rec(c.n);
  for (std::size_t i = 0; i < c.n; ++i) codes[i] = qz.code(i, base(i, rec.data()), rec[i]);
  if (decoded) {
    decoded->resize(c.n);
    for (std::size_t i = 0; i < c.n; ++i)
      (*decoded)[i] = codes[i] == kEscapeValue ? load_value(c.dtype, c.data, i) : rec[i];
  }
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::Quant));
  w.le<std::uint8_t>(static_cast<std::uint8_t>(predictor));
  w.le<double>(step);
  w.le<double>(center);
  put_outliers(w, qz.outliers, qz.outliers.size() / es, es);
  put_codes(w, codes);
  return std::move(w.buffer());
}

}  // namespace

std::vector<std::byte> encode_quant_block(const ColumnSlice& c, double bound, std::span<const double> pred,
                                          BlockStats& st, std::vector<double>* decoded) {
  double center = 0.0;
  if (pred.empty()) {  // the median of finite values of the chunk (every k-th, k = n / 2048: < 4096 values)
    const std::size_t stride = std::max<std::size_t>(1, c.n / 2048);
    std::vector<double> f;
    f.reserve(c.n / stride + 1);
    for (std::size_t i = 0; i < c.n; i += stride) {
      const double x = load_value(c.dtype, c.data, i);
      if (std::isfinite(x)) f.push_back(x);
    }
    if (!f.empty()) {
      std::nth_element(f.begin(), f.begin() + f.size() / 2, f.end());
      center = f[f.size() / 2];
    }
    return quant_block(c, bound, QuantPredictor::Center, center, [&](std::size_t, const double*) { return center; },
                       st, decoded);
  }
  return quant_block(c, bound, QuantPredictor::Model, center, [&](std::size_t i, const double*) { return pred[i]; },
                     st, decoded);
}

std::vector<std::byte> encode_quant_ar_block(const ColumnSlice& c, double bound, std::span<const double> ar,
                                             BlockStats& st, std::vector<double>* decoded) {
  return quant_block(c, bound, QuantPredictor::AutoReg, 0.0,
                     [&](std::size_t i, const double* rec) { return autoreg_predict(ar, rec, i); }, st, decoded);
}

std::vector<std::byte> encode_pwrel_block(const ColumnSlice& c, double fraction, BlockStats& st) {
  const std::size_t es = dtype_size(c.dtype);
  const double step = 2.0 * std::log2(1.0 + fraction) * (1.0 - 1.0 / 1024.0);
  std::vector<std::uint64_t> codes(c.n);
  std::vector<std::byte> outl;
  std::vector<std::byte> tmp(8);
  for (std::size_t i = 0; i < c.n; ++i) {
    const double x = load_value(c.dtype, c.data, i);
    const double q = std::nearbyint(std::log2(std::fabs(x)) / step);
    bool good = std::isfinite(x) && x != 0 && std::isfinite(q) && std::fabs(q) <= kMaxQ;
    if (good) {
      const double mag = det_exp2(step * q);
      const double rec = store_value(c.dtype, tmp.data(), 0, std::signbit(x) ? -mag : mag);
      const double err = std::fabs(x - rec);
      good = err <= fraction * std::fabs(x);
      if (good) st.max_error = std::max(st.max_error, err);
    }
    if (good) {
      codes[i] = zigzag(static_cast<std::int64_t>(q)) * 2 + (std::signbit(x) ? 1 : 0);
    } else {
      codes[i] = kEscapeValue;
      outl.insert(outl.end(), c.data + i * es, c.data + (i + 1) * es);
      ++st.outliers;
    }
  }
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::PwRel));
  w.le<double>(step);
  put_outliers(w, outl, outl.size() / es, es);
  put_codes(w, codes);
  return std::move(w.buffer());
}

namespace {

// Writes escapes from the outlier list and everything else through `value(i, code)`.
template <typename F>
void emit(ByteReader& r, DType t, std::size_t n, std::byte* out, F&& value) {
  OutlierReader outl(r, t, n);
  std::vector<std::uint64_t> codes(n);
  get_codes(r, codes);
  for (std::size_t i = 0; i < n; ++i) {
    if (codes[i] == kEscapeValue) outl.take(out, i);
    else value(i, codes[i]);
  }
  outl.finish();
}

double get_step(ByteReader& r) {
  const double step = r.le<double>("step");
  if (!(std::isfinite(step) && step > 0)) r.fail("quantisation step " + std::to_string(step) + " is not positive");
  return step;
}

void decode_int(ByteReader& r, DType t, std::size_t n, std::byte* out) {
  const int predictor = r.le<std::uint8_t>("int predictor");
  if (predictor > 1) r.fail("unknown int predictor " + std::to_string(predictor));
  const std::int64_t base = r.le<std::int64_t>("int base");
  std::int64_t prev = base;
  emit(r, t, n, out, [&](std::size_t i, std::uint64_t code) {
    const std::int64_t v = wrap_add(predictor == 1 ? prev : base, code);
    prev = v;
    store_integer(t, out, i, v);
  });
}

void decode_quant(ByteReader& r, DType t, std::size_t n, std::span<const double> pred, std::byte* out,
                  std::span<const double> ar) {
  const int predictor = r.le<std::uint8_t>("quant predictor");
  if (predictor > 2) r.fail("unknown quant predictor " + std::to_string(predictor));
  if (predictor == 1 && pred.size() != n) r.fail("block uses the model but the chunk has no model prediction");
  if (predictor == 2 && ar.empty()) r.fail("block uses the table model's autoregression but the column has none");
  const double step = get_step(r);
  const double center = r.le<double>("center");
  if (predictor == 2) {  // sequential: each prediction reads the values reconstructed before it
    OutlierReader outl(r, t, n);
    std::vector<std::uint64_t> codes(n);
    get_codes(r, codes);
    std::vector<double> rec(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (codes[i] == kEscapeValue) rec[i] = outl.take(out, i);
      else rec[i] = store_value(t, out, i, autoreg_predict(ar, rec.data(), i) + step * static_cast<double>(unzigzag(codes[i])));
    }
    outl.finish();
    return;
  }
  emit(r, t, n, out, [&](std::size_t i, std::uint64_t code) {
    const double base = predictor == 1 ? pred[i] : center;
    store_value(t, out, i, base + step * static_cast<double>(unzigzag(code)));
  });
}

void decode_pwrel(ByteReader& r, DType t, std::size_t n, std::byte* out) {
  const double step = get_step(r);
  emit(r, t, n, out, [&](std::size_t i, std::uint64_t code) {
    const double mag = det_exp2(step * static_cast<double>(unzigzag(code >> 1)));
    store_value(t, out, i, (code & 1) ? -mag : mag);
  });
}

}  // namespace

std::vector<double> block_values(std::span<const std::byte> block, const ColumnSlice& c, std::span<const double> pred,
                                 std::span<const double> ar, const std::string& what) {
  const auto m = static_cast<Method>(block.empty() ? 0 : static_cast<int>(block[0]));
  if (!block.empty() && (m == Method::Raw || m == Method::Int)) return load_values(c.dtype, c.data, c.n);
  std::vector<std::byte> tmp(c.n * dtype_size(c.dtype));
  ByteReader br(block, what);
  decode_block(br, c.dtype, c.n, pred, {c.n, 1, 1}, tmp.data(), ar);
  expect_end(br, "block");
  return load_values(c.dtype, tmp.data(), c.n);
}

int block_needs(std::span<const std::byte> b) {
  if (b.empty()) return 0;
  const auto m = static_cast<Method>(b[0]);
  if (m == Method::PredOnly) return 1;
  if (m == Method::Quant && b.size() > 1) return b[1] == std::byte{1} ? 1 : b[1] == std::byte{2} ? 2 : 0;
  return 0;
}

void decode_block(ByteReader& r, DType t, std::size_t n, std::span<const double> pred,
                  std::array<std::size_t, 3> dims, std::byte* out, std::span<const double> ar) {
  const auto m = r.le<std::uint8_t>("block method");
  const bool flt = is_float(t);
  switch (static_cast<Method>(m)) {
    case Method::Raw: return decode_raw(r, t, n, out);
    case Method::Int: return decode_int(r, t, n, out);
    case Method::Quant:
      if (!flt) break;
      return decode_quant(r, t, n, pred, out, ar);
    case Method::PwRel:
      if (!flt) break;
      return decode_pwrel(r, t, n, out);
    case Method::PredOnly:
      if (!flt || pred.size() != n) break;
      for (std::size_t i = 0; i < n; ++i) store_value(t, out, i, pred[i]);
      return;
    case Method::Field:
      if (!flt) break;
      return decode_field(r, t, n, dims, out);
  }
  r.fail("block method " + std::to_string(m) + " is unknown or invalid for " + std::string(dtype_name(t)) +
         " data here");
}

}  // namespace baler::codec
