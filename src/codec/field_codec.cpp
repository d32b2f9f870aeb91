// Field blocks (FORMAT.md §2.7): Lorenzo prediction on reconstructed values, neighbour contexts.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "column_codec.hpp"
#include "range_coder.hpp"
#include "rans.hpp"
#include "token_tree.hpp"
#include "wire.hpp"

namespace baler::codec {
namespace {

constexpr int kCtxSide = 6;

struct Grid {
  std::size_t F, H, W;
};

// Stores a double (already rounded to T) into element i.
template <typename T>
void put(std::byte* data, std::size_t i, double v) {
  if constexpr (std::is_same_v<T, Half>) {
    const Half h = float_to_half(static_cast<float>(v));
    std::memcpy(data + i * 2, &h.bits, 2);
  } else {
    const T x = static_cast<T>(v);
    std::memcpy(data + i * sizeof(T), &x, sizeof(T));
  }
}

// Reconstructed values of two frames, padded with a zero row and column so that neighbours
// outside the chunk read 0 without branches; `prev` stays zero for the 2-D predictor.
struct Frames {
  std::size_t W1;
  std::vector<double> cur, prev;
  Frames(const Grid& g) : W1(g.W + 1), cur((g.H + 1) * W1, 0.0), prev((g.H + 1) * W1, 0.0) {}
  double* row(std::size_t h) { return cur.data() + (h + 1) * W1 + 1; }
  const double* prev_row(std::size_t h) const { return prev.data() + (h + 1) * W1 + 1; }
};

// Lorenzo prediction of the value at r[0] from its neighbours r[-1], the row above (ru) and
// the previous frame (pr, pu) (FORMAT.md §2.7; the same operations, in the same order, as with
// literal zeros outside). The pointers point at the value's column; [-1] is the column before,
// the padding at column 0.
inline double lorenzo(const double* r, const double* ru, const double* pr, const double* pu) {
  const double a = r[-1], b = ru[0], c = pr[0];
  const double ab = ru[-1], ac = pr[-1], bc = pu[0];
  const double abc = pu[-1];
  return ((a + b + c) - (ab + ac + bc)) + abc;
}

// Visits the chunk in C order with the prediction of each value; `visit(i, prediction)`
// returns the value reconstructed there.
template <typename Visit>
void lorenzo_order(const Grid& g, FieldPredictor p, double center, Visit&& visit) {
  if (g.F == 0 || g.H == 0 || g.W == 0) return;  // no value (the other dims may be anything)
  Frames fr(g);
  const std::size_t W1 = fr.W1;
  std::size_t i = 0;
  for (std::size_t f = 0; f < g.F; ++f) {
    for (std::size_t h = 0; h < g.H; ++h) {
      double* r = fr.row(h);
      const double* ru = r - W1;
      const double* pr = fr.prev_row(h);
      const double* pu = pr - W1;
      if (p == FieldPredictor::Center) {
        for (std::size_t w = 0; w < g.W; ++w, ++i) r[w] = visit(i, center);
      } else {
        for (std::size_t w = 0; w < g.W; ++w, ++i) r[w] = visit(i, lorenzo(r + w, ru + w, pr + w, pu + w));
      }
    }
    if (p == FieldPredictor::Lorenzo3) std::swap(fr.cur, fr.prev);
  }
}

// The context of a token from its neighbours' tokens, left and above (0 where there is none).
inline int neighbour_context(int left, int up) {
  return std::min(left, kCtxSide - 1) * kCtxSide + std::min(up, kCtxSide - 1);
}

// Value i's context in a chunk's token array: above is the row above, or on a frame's first
// row the same place one frame back.
inline int ctx_of(const std::uint8_t* tok, const Grid& g, std::size_t i, std::size_t h, std::size_t w) {
  return neighbour_context(w > 0 ? tok[i - 1] : 0, h > 0 ? tok[i - g.W] : (i >= g.H * g.W ? tok[i - g.H * g.W] : 0));
}

// Calls f(i, context) for every value in C order (context 0 without neighbour contexts).
template <typename F>
void for_contexts(const std::uint8_t* tok, const Grid& g, bool nb, F&& f) {
  std::size_t i = 0;
  for (std::size_t fr = 0; fr < g.F; ++fr)
    for (std::size_t h = 0; h < g.H; ++h)
      for (std::size_t w = 0; w < g.W; ++w, ++i) f(i, nb ? ctx_of(tok, g, i, h, w) : 0);
}

// The quantisation pass: tokens, extra bits and exactly stored values of the chunk.
struct FieldCodes {
  std::vector<std::uint8_t> tok;
  BitWriter extra;
  std::vector<std::byte> outliers;
};

// Rows are quantised two at a time, the second one column behind the first (it needs the
// first's value above and above-left): two independent chains of dependent operations that
// the processor overlaps. Tokens, extra bits and stored values come out in C order all the same.
template <typename T>
FieldCodes quantize(const ColumnSlice& c, const Grid& g, FieldPredictor p, double center, double step, double bound,
                    BlockStats& st) {
  FieldCodes out;
  out.tok.resize(c.n);
  if (g.F == 0 || g.H == 0 || g.W == 0) return out;  // no value (the other dims may be anything)
  std::uint8_t* tok = out.tok.data();
  double max_err = 0;
  Frames fr(g);
  const std::size_t W1 = fr.W1, W = g.W;
  std::vector<std::uint64_t> codes(2 * W);
  const bool center_only = p == FieldPredictor::Center;
  auto emit = [&](std::size_t i0, const std::uint64_t* cs) {  // one row's codes, in order
    for (std::size_t w = 0; w < W; ++w) {
      const std::size_t i = i0 + w;
      tok[i] = put_code(cs[w], out.extra);
      if (cs[w] == kEscapeValue) {
        out.outliers.insert(out.outliers.end(), c.data + i * sizeof(T), c.data + (i + 1) * sizeof(T));
        ++st.outliers;
      }
    }
  };
  for (std::size_t f = 0; f < g.F; ++f) {
    for (std::size_t h = 0; h < g.H; h += 2) {
      const bool pair = h + 1 < g.H;
      double* r0 = fr.row(h);
      const double *u0 = r0 - W1, *p0 = fr.prev_row(h);
      const double* q0 = p0 - W1;
      double* r1 = pair ? r0 + W1 : r0;  // the second row (only used when there is one)
      const double* p1 = pair ? p0 + W1 : p0;
      const std::size_t i0 = (f * g.H + h) * W, i1 = i0 + W;
      std::uint64_t* c0 = codes.data();
      std::uint64_t* c1 = c0 + W;
      auto one = [&](double* r, const double* ru, const double* pr, const double* pu, std::size_t i, std::size_t w,
                     std::uint64_t* cs) {
        const double base = center_only ? center : lorenzo(r + w, ru + w, pr + w, pu + w);
        r[w] = quantize_one<T>(loaded<T>(c.data, i + w), base, step, bound, max_err, cs[w]);
      };
      if (!pair) {
        for (std::size_t w = 0; w < W; ++w) one(r0, u0, p0, q0, i0, w, c0);
        emit(i0, c0);
        continue;
      }
      one(r0, u0, p0, q0, i0, 0, c0);  // W > 0: an empty grid returned above
      for (std::size_t w = 1; w < W; ++w) {
        one(r0, u0, p0, q0, i0, w, c0);
        one(r1, r0, p1, p0, i1, w - 1, c1);
      }
      one(r1, r0, p1, p0, i1, W - 1, c1);
      emit(i0, c0);
      emit(i1, c1);
    }
    if (p == FieldPredictor::Lorenzo3) std::swap(fr.cur, fr.prev);
  }
  st.max_error = std::max(st.max_error, max_err);
  return out;
}

// Token counts with one context and with the neighbours' contexts.
struct FieldCounts {
  std::array<std::uint64_t, 256> single{};
  std::vector<std::uint32_t> nb = std::vector<std::uint32_t>(kCtxSide * kCtxSide * 256, 0);
};
FieldCounts count_tokens(const std::vector<std::uint8_t>& tok, const Grid& g) {
  FieldCounts k;
  for_contexts(tok.data(), g, true, [&](std::size_t i, int ctx) {
    ++k.single[tok[i]];
    ++k.nb[static_cast<std::size_t>(ctx) * 256 + tok[i]];
  });
  return k;
}

// The tokens through the range coder: modes 2/3 down the 8-bit tree, 4/5 down `tree`.
CodeStream code_tokens(const std::vector<std::uint8_t>& tok, const Grid& g, int mode, const TokenTree* tree) {
  const bool nb = mode == kCodeModePrev || mode == kCodeModeTreePrev;
  const int contexts = nb ? kCtxSide * kCtxSide : 1;
  RangeEncoder enc;
  CodeStream s;
  s.mode = mode;
  if (tree) {
    std::vector<BitModel> models(static_cast<std::size_t>(contexts) * tree->models());
    const std::size_t per = tree->models();
    for_contexts(tok.data(), g, nb, [&](std::size_t i, int ctx) {
      tree->encode(enc, &models[static_cast<std::size_t>(ctx) * per], tok[i]);
    });
    ByteWriter w;
    tree->write(w);
    s.model = std::move(w.buffer());
  } else {
    TokenModels models(contexts);
    for_contexts(tok.data(), g, nb, [&](std::size_t i, int ctx) { encode_token(enc, models.tree(ctx), tok[i]); });
  }
  s.tokens = enc.finish_compact();
  return s;
}

// Modes 6/7: the neighbours' 36 contexts or one, whichever codes smaller with its table.
CodeStream code_static(const std::vector<std::uint8_t>& tok, const Grid& g, const FieldCounts& k) {
  const std::vector<std::uint32_t> single(k.single.begin(), k.single.end());
  std::vector<std::uint8_t> ctx(tok.size());
  for_contexts(tok.data(), g, true, [&](std::size_t i, int c) { ctx[i] = static_cast<std::uint8_t>(c); });
  CodeStream a = static_code_stream(tok, {}, 1, single), b = static_code_stream(tok, ctx, kCtxSide * kCtxSide, k.nb);
  return b.wire_size() < a.wire_size() ? std::move(b) : std::move(a);
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
  FieldCodes codes = with_float_type(c.dtype, [&](auto tag) {
    return quantize<decltype(tag)>(c, g, p, center, step, bound, st);
  });
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::Field));
  w.le<std::uint8_t>(static_cast<std::uint8_t>(p));
  w.le<double>(step);
  w.le<double>(center);
  put_outliers(w, codes.outliers, codes.outliers.size() / es, es);
  const FieldCounts k = count_tokens(codes.tok, g);
  std::vector<std::uint32_t> single(k.single.begin(), k.single.end());
  const double one = token_cost(single, 1), nb = token_cost(k.nb, kCtxSide * kCtxSide);
  CodeStream s;
  if (c.n >= kFieldStaticValues && p != FieldPredictor::Center) {
    s = code_static(codes.tok, g, k);
  } else if (c.n >= kFieldTreeValues) {  // one coding, the context mode from the estimates
    const TokenTree tree = TokenTree::fit(k.single);
    s = code_tokens(codes.tok, g, nb < one ? kCodeModeTreePrev : kCodeModeTreeSingle, &tree);
  } else if (!estimates_close(one, nb)) {
    s = code_tokens(codes.tok, g, nb < one ? kCodeModePrev : kCodeModeSingle, nullptr);
  } else {
    CodeStream a = code_tokens(codes.tok, g, kCodeModeSingle, nullptr);
    CodeStream b = code_tokens(codes.tok, g, kCodeModePrev, nullptr);
    s = b.wire_size() < a.wire_size() ? std::move(b) : std::move(a);
  }
  s.extra = codes.extra.finish();
  put_code_stream(w, s);
  return std::move(w.buffer());
}

namespace {

// Decodes the Lorenzo/centre values of a field stream; `next(ctx, code)` returns the next
// token (kEscapeToken for an outlier) and sets `code`.
template <typename T, typename Next>
void decode_lorenzo(const Grid& g, FieldPredictor p, double center, double step, bool nb, OutlierReader& outl,
                    std::byte* out, Next&& next) {
  // A context reads the tokens left, above and (first rows) one frame back: one frame of
  // tokens is all the decoder keeps, value j of the frame overwriting the previous frame's
  // after it was read (kilobytes that stay in cache, not a chunk-sized array).
  const std::size_t HW = g.H * g.W;
  std::vector<std::uint8_t> tok(nb ? std::max<std::size_t>(1, HW) : 1);
  std::size_t h = 0, w = 0, j = 0;
  lorenzo_order(g, p, center, [&](std::size_t i, double base) -> double {
    std::uint64_t code = 0;
    const int ctx = nb ? neighbour_context(w > 0 ? tok[j - 1] : 0, h > 0 ? tok[j - g.W] : i >= HW ? tok[j] : 0) : 0;
    const int token = next(ctx, code);
    if (nb) tok[j] = static_cast<std::uint8_t>(token);
    ++j;
    if (++w == g.W) {
      w = 0;
      if (++h == g.H) h = 0, j = 0;
    }
    if (token == kEscapeToken) return outl.take(out, i);
    const double r = stored<T>(base + step * static_cast<double>(unzigzag(code)));
    put<T>(out, i, r);
    return r;
  });
}

}  // namespace

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
  CodeReader codes(r, kCtxSide * kCtxSide);
  const bool nb = codes.neighbour_contexts();
  with_float_type(t, [&](auto tag) {
    decode_lorenzo<decltype(tag)>(g, p, center, step, nb, outl, out, [&](int ctx, std::uint64_t& code) {
      int token;
      code = codes.next(ctx, token);
      return token;
    });
  });
  outl.finish();
  codes.finish();
}

}  // namespace baler::codec
