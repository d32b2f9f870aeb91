// Coding of one column (or one field) within one chunk: the blocks of FORMAT.md §2.7.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "baler/bytes.hpp"
#include "baler/dtype.hpp"
#include "baler/error.hpp"
#include "range_coder.hpp"
#include "rans.hpp"
#include "token_tree.hpp"

namespace baler::codec {

// Block methods (FORMAT.md §2.7). Stored in files: never renumber.
enum class Method : std::uint8_t { Raw = 0, Int = 1, Quant = 2, PredOnly = 3, Field = 4, PwRel = 5 };
// Quant predictors.
// Model = a per-value prediction (autoencoder or table model relation); AutoReg = the table
// model's autoregression on the block's own previous values (format 1.2).
enum class QuantPredictor : std::uint8_t { Center = 0, Model = 1, AutoReg = 2 };
// Field predictors (Lorenzo on reconstructed values).
enum class FieldPredictor : std::uint8_t { Lorenzo3 = 0, Lorenzo2 = 1, Center = 2, Interp = 3 };

// A column's values in one chunk: `n` elements of `dtype` (native byte order).
struct ColumnSlice {
  DType dtype;
  const std::byte* data;
  std::size_t n;
};

struct BlockStats {
  std::uint64_t outliers = 0;
  double max_error = 0;  // largest |x - x~| over finite values
};

// The quantisation step of a bound (FORMAT.md §2.7): step = 2·bound·(1 − 2^-12).
inline double quant_step(double bound) { return 2.0 * bound * (1.0 - 1.0 / 4096.0); }

inline constexpr double kMaxQ = 1099511627776.0;  // 2^40: larger codes are stored exactly

// A value of float type T (double, float, Half) as a double, and a double rounded to T as
// store_value rounds it; with_float_type runs f with the C++ type of a float dtype.
template <typename T>
double stored(double v) {
  if constexpr (std::is_same_v<T, double>) return v;
  else if constexpr (std::is_same_v<T, float>) return static_cast<float>(v);
  else return half_to_float(float_to_half(static_cast<float>(v)));
}
template <typename T>
double loaded(const std::byte* data, std::size_t i) {
  T v;
  std::memcpy(&v, data + i * sizeof(T), sizeof(T));
  if constexpr (std::is_same_v<T, Half>) return half_to_float(v);
  else return static_cast<double>(v);
}
template <typename F>
decltype(auto) with_float_type(DType t, F&& f) {
  switch (t) {
    case DType::F64: return f(double{});
    case DType::F32: return f(float{});
    case DType::F16: return f(Half{});
    default: throw Error(ErrorCode::Internal, "quantisation of an integer dtype");
  }
}

// Uniform quantisation of one value x of float type T against a prediction, exactly as the
// decoder will reconstruct it (FORMAT.md §2.7): q = nearbyint((x - base) / step), x~ = base +
// step * q rounded to T. Returns x~ and sets `code` to zigzag(q); a value outside the bound,
// not finite or with |q| > 2^40 gets kEscapeValue and returns x (0 if x is not finite), the
// value later predictions use.
template <typename T>
inline double quantize_one(double x, double base, double step, double bound, double& max_err, std::uint64_t& code) {
  const double q = std::nearbyint((x - base) / step);
  if (std::isfinite(x) && std::isfinite(q) && std::fabs(q) <= kMaxQ) {
    const double r = stored<T>(base + step * q);
    const double err = std::fabs(x - r);
    if (err <= bound) {
      max_err = std::max(max_err, err);
      code = zigzag(static_cast<std::int64_t>(q));
      return r;
    }
  }
  code = kEscapeValue;
  return std::isfinite(x) ? x : 0.0;
}

// quantize_one for value i of a column of any float dtype; outliers are appended to `outliers`.
struct Quantizer {
  ColumnSlice c;
  double step, bound;
  BlockStats& stats;
  std::vector<std::byte> outliers;
  // Code of value i (kEscapeValue for an outlier); `rec` receives x~ (an outlier: x, or 0 if
  // x is not finite), the value later predictions must use.
  std::uint64_t code(std::size_t i, double base, double& rec);
};

// The element as a double / stores a double into the element (rounding to the dtype) and
// returns the value actually stored, as a double. Inline: called once per value.
inline double load_value(DType t, const std::byte* data, std::size_t i) {
  return visit_dtype(t, [&](auto tag) -> double {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    if constexpr (std::is_same_v<T, Half>) return half_to_float(v);
    else return static_cast<double>(v);
  });
}

inline double store_value(DType t, std::byte* data, std::size_t i, double x) {
  switch (t) {
    case DType::F64: std::memcpy(data + i * 8, &x, 8); return x;
    case DType::F32: {
      const float f = static_cast<float>(x);
      std::memcpy(data + i * 4, &f, 4);
      return f;
    }
    case DType::F16: {
      const Half h = float_to_half(static_cast<float>(x));
      std::memcpy(data + i * 2, &h.bits, 2);
      return half_to_float(h);
    }
    default: throw Error(ErrorCode::Internal, "store_value on an integer dtype");
  }
}

// Entropy coding of code sequences (kEscapeValue = escape), FORMAT.md §4. Format 1.0
// streams (context modes 0 and 1: extra bits inside the range coder) are still decoded;
// writers produce format 1.1 streams (modes 2 = one context, 3 = previous token's context:
// range-coded tokens, then the extra bits as a plain bit stream).
inline constexpr int kCodeModeSingle = 2;
inline constexpr int kCodeModePrev = 3;
// Format 1.4: as modes 2 and 3, tokens binarised by a prefix code fitted to the block's
// counts (a token tree, token_tree.hpp) instead of the fixed 8-bit tree. Writers use them for
// field blocks of at least kFieldTreeValues values (smaller on every shared field, and fewer
// binary decisions a value) and for other code streams of at least kTreeModeValues (on the
// shared tables, blocks of a few thousand values were up to 0.5 % larger with them).
inline constexpr int kCodeModeTreeSingle = 4;
inline constexpr int kCodeModeTreePrev = 5;
inline constexpr std::size_t kFieldTreeValues = std::size_t{1} << 14;
// Format 1.4: static per-context token frequencies coded with rANS (rans.hpp); mode 6 one
// context, mode 7 the neighbours' (field streams) or the previous token's (code streams).
// Written for Lorenzo field blocks of at least kFieldStaticValues values: 2-3x faster to code
// and decode than modes 4/5; about 1 % larger on the vorticity field at rel 1e-3 and 1e-4, 2-3 %
// on CFD_animation (150,000 values, where the tables weigh more). Not for interpolation
// streams: their levels differ, and adaptive trees were 9 % smaller on vorticity and
// CFD_animation at rel 1e-2.
inline constexpr int kCodeModeStaticSingle = 6;
inline constexpr int kCodeModeStaticPrev = 7;
inline constexpr std::size_t kFieldStaticValues = std::size_t{1} << 17;
inline constexpr std::size_t kTreeModeValues = std::size_t{1} << 18;
// Format 1.0 (ctx_mode 0 or 1): one range-coded byte string.
std::vector<std::byte> encode_codes(std::span<const std::uint64_t> codes, int ctx_mode);
void decode_codes(std::span<const std::byte> bytes, int ctx_mode, std::span<std::uint64_t> out);

// A format 1.1 code stream before it is written.
struct CodeStream {
  int mode = kCodeModeSingle;
  std::vector<std::byte> tokens, extra;
  std::vector<std::byte> model;  // written after the mode: the token tree (4, 5) or static tables (6, 7)
  std::size_t wire_size() const;  // bytes put_code_stream writes
};
// Estimated bits of the tokens in each context mode, and the exact count of extra bits.
struct CodeCost {
  double single = 0, prev = 0, extra_bits = 0;
  double best() const { return std::min(single, prev) + extra_bits; }
};
CodeCost estimate_codes(std::span<const std::uint64_t> codes);
// Estimated bits of adaptive token coding from counts[context * 256 + token]: the static
// entropy plus a learning cost per distinct (context, token) pair.
double token_cost(const std::vector<std::uint32_t>& counts, int contexts);
// Whether two cost estimates (bits) are too close to trust: then both codings are tried.
inline bool estimates_close(double a, double b) {
  return std::max(a, b) - std::min(a, b) <= 0.0005 * std::min(a, b) + 64;
}
// ctx_mode 0: one context; 1: the previous token's (capped) value selects the context.
CodeStream encode_code_stream(std::span<const std::uint64_t> codes, int ctx_mode);
// The context mode the estimate prefers (both coded, the smaller kept, when they are close).
CodeStream best_code_stream(std::span<const std::uint64_t> codes, const CodeCost& cost);
// u8 mode | varint token bytes | tokens | varint extra bytes | extra bits.
void put_code_stream(ByteWriter& w, const CodeStream& s);
// Tokens (kEscapeToken for escapes) with their extra bits already packed: the context mode
// from the token counts, modes 4/5 for `tree_min` tokens or more.
CodeStream token_code_stream(std::span<const std::uint8_t> tok, std::vector<std::byte> extra,
                             std::size_t tree_min = kTreeModeValues);
// Modes 6/7 (the extra bits are added by the caller): `tok` coded with rANS against static
// frequencies from `counts` (contexts x 256); ctx[i] is token i's context (empty: one context).
CodeStream static_code_stream(std::span<const std::uint8_t> tok, std::span<const std::uint8_t> ctx, int contexts,
                              std::span<const std::uint32_t> counts);
// best_code_stream + put_code_stream.
void put_codes(ByteWriter& w, std::span<const std::uint64_t> codes);
// The token of a code (kEscapeToken for kEscapeValue); its extra bits go to `extra`.
inline std::uint8_t put_code(std::uint64_t code, BitWriter& extra) {
  if (code == kEscapeValue) return kEscapeToken;
  const TokenSplit t = split_value(code);
  extra.put(t.extra, t.extra_bits);
  return static_cast<std::uint8_t>(t.token);
}

// Code streams' previous-token contexts (modes 1, 3, 5): the token capped at 14, escape 15.
inline constexpr int kPrevContexts = 16;
inline int prev_context(int token) { return token == kEscapeToken ? kPrevContexts - 1 : std::min(token, kPrevContexts - 2); }

// Reads a code stream of any format version into `out`. Throws Malformed/Corrupt.
void get_codes(ByteReader& r, std::span<std::uint64_t> out);

// The values of a code stream or field stream (any context mode) one at a time, for decoders
// that predict each value from those decoded before it. The caller keeps the context: with
// neighbour_contexts(), the previous token's (code streams, 16 contexts) or the neighbours'
// (field streams, 36); otherwise 0.
class CodeReader {
 public:
  CodeReader(ByteReader& r, int nb_contexts);  // reads the mode, tree and byte strings
  bool neighbour_contexts() const { return nb_; }
  // The next value (kEscapeValue for an escape); `token` receives its token.
  std::uint64_t next(int ctx, int& token) {
    if (statics_) {
      token = rans_.get(*statics_, ctx);
      if (token == kEscapeToken) return kEscapeValue;
      return join_value(token, extra_.get(token_extra_bits(token)));
    }
    BitModel* m = &models_[static_cast<std::size_t>(ctx) * per_];
    if (mode_ < kCodeModeSingle) {
      const std::uint64_t v = decode_value(dec_, m);
      token = v == kEscapeValue ? kEscapeToken : split_value(v).token;
      return v;
    }
    token = tree_ ? tree_->decode(dec_, m) : decode_token(dec_, m);
    if (token == kEscapeToken) return kEscapeValue;
    if (token > kMaxToken) bad_token(token);
    return join_value(token, extra_.get(token_extra_bits(token)));
  }
  // Throws Corrupt when the token bytes ran out or the extra bits do not match.
  void finish();

 private:
  [[noreturn]] void bad_token(int token) const;
  ByteReader& r_;
  int mode_ = 0;
  bool nb_ = false;
  std::unique_ptr<TokenTree> tree_;
  std::unique_ptr<StaticTokens> statics_;
  RansDecoder rans_;
  RangeDecoder dec_;
  BitReader extra_{{}};
  std::size_t per_ = 256;
  std::vector<BitModel> models_;
};

// Lossless: byte planes + zstd.
std::vector<std::byte> encode_raw_block(const ColumnSlice& c, int zstd_level);
// Lossless integers (integer dtypes, or floats whose values are all integers); empty when
// the column does not qualify.
std::vector<std::byte> encode_int_block(const ColumnSlice& c);
// |x - x~| <= bound with x~ = pred + step * q (pred = per-value prediction, or the chunk's
// median when `pred` is empty). Float dtypes only.
// `decoded`, when given, receives each value as the decoder will produce it (binary64).
std::vector<std::byte> encode_quant_block(const ColumnSlice& c, double bound,
                                          std::span<const double> pred, BlockStats& stats,
                                          std::vector<double>* decoded = nullptr);
// The same with the table model's autoregression (params = mean, a1..ap): each value's
// prediction comes from the values reconstructed before it in the block.
std::vector<std::byte> encode_quant_ar_block(const ColumnSlice& c, double bound, std::span<const double> ar,
                                             BlockStats& stats, std::vector<double>* decoded = nullptr);
// |x - x~| <= fraction * |x|.
std::vector<std::byte> encode_pwrel_block(const ColumnSlice& c, double fraction, BlockStats& stats);
// Field chunk of dims {frames, rows, cols}: Lorenzo prediction on reconstructed values.
std::vector<std::byte> encode_field_block(const ColumnSlice& c, std::array<std::size_t, 3> dims,
                                          double bound, FieldPredictor p, BlockStats& stats);
// Field chunk with the multilevel interpolation predictor (codes in visiting order).
std::vector<std::byte> encode_interp_block(const ColumnSlice& c, std::array<std::size_t, 3> dims, double bound,
                                           BlockStats& stats);
void decode_interp(ByteReader& r, DType t, std::size_t n, std::array<std::size_t, 3> dims, double step,
                   std::byte* out);

// Decodes one block of any method into `out` (n elements of dtype). `pred` is the model's
// prediction (needed by Quant/Model and PredOnly blocks), `dims` the field chunk's dims, `ar`
// the table model's autoregression parameters (Quant/AutoReg blocks).
void decode_block(ByteReader& r, DType dtype, std::size_t n, std::span<const double> pred,
                  std::array<std::size_t, 3> dims, std::byte* out, std::span<const double> ar = {});
// n elements of dtype t as binary64.
inline std::vector<double> load_values(DType t, const std::byte* data, std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = load_value(t, data, i);
  return v;
}
// The values a (table column) `block` coding `c` decodes to, as binary64: lossless blocks give
// c's values themselves, others are decoded (with `pred`/`ar` as decode_block takes them).
std::vector<double> block_values(std::span<const std::byte> block, const ColumnSlice& c, std::span<const double> pred,
                                 std::span<const double> ar, const std::string& what);
// What a block needs before it can be decoded: 0 nothing, 1 a per-value prediction
// (Quant/Model, PredOnly), 2 autoregression parameters (Quant/AutoReg).
int block_needs(std::span<const std::byte> block);

// Exactly stored values: u64 count | u8 zstd flag | u64 size | bytes.
void put_outliers(ByteWriter& w, const std::vector<std::byte>& raw, std::uint64_t count, std::size_t elem);
std::vector<std::byte> get_outliers(ByteReader& r, std::size_t elem, std::size_t max_count, std::uint64_t& count);

// The exactly stored values of a block, handed out in order as escapes are decoded.
class OutlierReader {
 public:
  OutlierReader(ByteReader& r, DType t, std::size_t block_values);  // reads the outlier list
  // Copies the next stored value into element i of `out`; returns it for predictors (0 if
  // not finite). Throws Malformed if there is none left.
  double take(std::byte* out, std::size_t i);
  // Throws Malformed unless every stored value was used.
  void finish() const;

 private:
  ByteReader& r_;
  DType t_;
  std::size_t es_;
  std::uint64_t count_ = 0, next_ = 0;
  std::vector<std::byte> bytes_;
};

// zstd helpers (errors are Error(Internal) on compress, Error(Corrupt) on decompress).
std::vector<std::byte> zstd_compress(std::span<const std::byte> in, int level);
std::vector<std::byte> zstd_decompress(std::span<const std::byte> in, std::size_t expected);

}  // namespace baler::codec
