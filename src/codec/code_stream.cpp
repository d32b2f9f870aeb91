// Code sequences, exactly stored values, zstd, and the lossless Raw and Int blocks.
#include <zstd.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "column_codec.hpp"
#include "range_coder.hpp"
#include "token_tree.hpp"
#include "wire.hpp"

namespace baler::codec {

// ---- code sequences ----

namespace {
int token_of(std::uint64_t c) { return c == kEscapeValue ? kEscapeToken : split_value(c).token; }

// Format 1.4 coding loops (modes 4, 5): tokens down a token tree.
template <bool kPrev>
std::vector<std::byte> code_tree_tokens(std::span<const std::uint8_t> tok, const TokenTree& tree) {
  const std::size_t per = tree.models();
  std::vector<BitModel> models((kPrev ? kPrevContexts : 1) * per);
  RangeEncoder enc;
  int ctx = 0;
  for (const std::uint8_t t : tok) {
    tree.encode(enc, &models[static_cast<std::size_t>(ctx) * per], t);
    if constexpr (kPrev) ctx = prev_context(t);
  }
  return enc.finish_compact();
}

// Modes 2 and 3 from tokens alone (the extra bits are written elsewhere).
template <bool kPrev>
std::vector<std::byte> code_plain_tokens(std::span<const std::uint8_t> tok) {
  TokenModels models(kPrev ? kPrevContexts : 1);
  RangeEncoder enc;
  int ctx = 0;
  for (const std::uint8_t t : tok) {
    encode_token(enc, models.tree(ctx), t);
    if constexpr (kPrev) ctx = prev_context(t);
  }
  return enc.finish_compact();
}

}  // namespace

CodeStream token_code_stream(std::span<const std::uint8_t> tok, std::vector<std::byte> extra, std::size_t tree_min) {
  std::vector<std::uint32_t> prev(kPrevContexts * 256, 0), single(256, 0);
  std::array<std::uint64_t, 256> counts{};
  int ctx = 0;
  for (const std::uint8_t t : tok) {
    ++prev[static_cast<std::size_t>(ctx) * 256 + t];
    ++counts[t];
    ctx = prev_context(t);
  }
  for (int t = 0; t < 256; ++t) single[static_cast<std::size_t>(t)] = static_cast<std::uint32_t>(counts[static_cast<std::size_t>(t)]);
  const double one = token_cost(single, 1), pr = token_cost(prev, kPrevContexts);
  CodeStream s;
  if (tok.size() >= tree_min) {
    const TokenTree tree = TokenTree::fit(counts);
    s.mode = pr < one ? kCodeModeTreePrev : kCodeModeTreeSingle;
    s.tokens = pr < one ? code_tree_tokens<true>(tok, tree) : code_tree_tokens<false>(tok, tree);
    ByteWriter w;
    tree.write(w);
    s.model = std::move(w.buffer());
  } else if (!estimates_close(one, pr)) {
    s.mode = pr < one ? kCodeModePrev : kCodeModeSingle;
    s.tokens = pr < one ? code_plain_tokens<true>(tok) : code_plain_tokens<false>(tok);
  } else {
    auto a = code_plain_tokens<false>(tok), b = code_plain_tokens<true>(tok);
    s.mode = b.size() < a.size() ? kCodeModePrev : kCodeModeSingle;
    s.tokens = b.size() < a.size() ? std::move(b) : std::move(a);
  }
  s.extra = std::move(extra);
  return s;
}

CodeStream static_code_stream(std::span<const std::uint8_t> tok, std::span<const std::uint8_t> ctx, int contexts,
                              std::span<const std::uint32_t> counts) {
  const StaticTokens st = StaticTokens::fit(counts, contexts);
  RansEncoder enc;
  for (std::size_t i = tok.size(); i-- > 0;) enc.put(st.sym(ctx.empty() ? 0 : ctx[i], tok[i]));
  CodeStream s;
  s.mode = contexts > 1 ? kCodeModeStaticPrev : kCodeModeStaticSingle;
  s.tokens = enc.finish();
  ByteWriter w;
  st.write(w);
  s.model = std::move(w.buffer());
  return s;
}

double token_cost(const std::vector<std::uint32_t>& counts, int contexts) {
  // Calibrated on the shared tables at four bounds: the mode picked this way is within 0.1 %
  // of the better one for every stream.
  constexpr double kLearnBits = 20.0;  // per distinct (context, token)
  constexpr double kCtxBits = 100.0;   // per context, fading in over its first few hundred uses
  double bits = 0;
  for (int x = 0; x < contexts; ++x) {
    const std::uint32_t* h = &counts[static_cast<std::size_t>(x) * 256];
    std::uint64_t n = 0;
    for (int t = 0; t < 256; ++t) n += h[t];
    if (n == 0) continue;
    bits += kCtxBits * (1.0 - std::pow(127.0 / 128.0, static_cast<double>(n)));
    const double ln = std::log2(static_cast<double>(n));
    for (int t = 0; t < 256; ++t)
      if (h[t]) bits += static_cast<double>(h[t]) * (ln - std::log2(static_cast<double>(h[t]))) + kLearnBits;
  }
  return bits;
}

CodeCost estimate_codes(std::span<const std::uint64_t> codes) {
  std::vector<std::uint32_t> prev(kPrevContexts * 256, 0), single(256, 0);
  CodeCost c;
  int ctx = 0;
  for (const std::uint64_t v : codes) {
    const int t = token_of(v);
    ++prev[static_cast<std::size_t>(ctx) * 256 + static_cast<std::size_t>(t)];
    ++single[static_cast<std::size_t>(t)];
    if (t != kEscapeToken) c.extra_bits += static_cast<double>(token_extra_bits(t));
    ctx = prev_context(t);
  }
  c.single = token_cost(single, 1);
  c.prev = token_cost(prev, kPrevContexts);
  return c;
}

std::vector<std::byte> encode_codes(std::span<const std::uint64_t> codes, int ctx_mode) {
  TokenModels models(ctx_mode == 1 ? kPrevContexts : 1);
  RangeEncoder enc;
  int ctx = 0;
  for (const std::uint64_t c : codes) {
    BitModel* tree = models.tree(ctx);
    if (c == kEscapeValue) encode_token(enc, tree, kEscapeToken);
    else encode_value(enc, tree, c);
    if (ctx_mode == 1) ctx = prev_context(token_of(c));
  }
  return enc.finish();
}

void decode_codes(std::span<const std::byte> bytes, int ctx_mode, std::span<std::uint64_t> out) {
  if (ctx_mode != 0 && ctx_mode != 1)
    throw Error(ErrorCode::Malformed, "unknown context mode " + std::to_string(ctx_mode));
  TokenModels models(ctx_mode == 1 ? kPrevContexts : 1);
  RangeDecoder dec(bytes);
  int ctx = 0;
  for (auto& c : out) {
    c = decode_value(dec, models.tree(ctx));
    if (ctx_mode == 1) ctx = prev_context(token_of(c));
  }
  if (dec.overrun()) throw Error(ErrorCode::Corrupt, "entropy-coded stream ends early");
}

CodeStream encode_code_stream(std::span<const std::uint64_t> codes, int ctx_mode) {
  std::vector<std::uint8_t> tok(codes.size());
  BitWriter extra;
  for (std::size_t i = 0; i < codes.size(); ++i) tok[i] = put_code(codes[i], extra);
  CodeStream s;
  s.mode = ctx_mode == 1 ? kCodeModePrev : kCodeModeSingle;
  s.tokens = ctx_mode == 1 ? code_plain_tokens<true>(tok) : code_plain_tokens<false>(tok);
  s.extra = extra.finish();
  return s;
}

std::size_t CodeStream::wire_size() const {
  ByteWriter w;
  put_varint(w, tokens.size());
  put_varint(w, extra.size());
  return 1 + model.size() + w.buffer().size() + tokens.size() + extra.size();
}

void put_code_stream(ByteWriter& w, const CodeStream& s) {
  w.le<std::uint8_t>(static_cast<std::uint8_t>(s.mode));
  w.append(s.model);
  put_varint(w, s.tokens.size());
  w.append(s.tokens);
  put_varint(w, s.extra.size());
  w.append(s.extra);
}

CodeStream best_code_stream(std::span<const std::uint64_t> codes, const CodeCost& cost) {
  if (codes.size() >= kTreeModeValues) {
    std::vector<std::uint8_t> tok(codes.size());
    BitWriter extra;
    for (std::size_t i = 0; i < codes.size(); ++i) tok[i] = put_code(codes[i], extra);
    return token_code_stream(tok, extra.finish());
  }
  if (!estimates_close(cost.single, cost.prev)) return encode_code_stream(codes, cost.prev < cost.single ? 1 : 0);
  CodeStream a = encode_code_stream(codes, 0), b = encode_code_stream(codes, 1);
  return b.wire_size() < a.wire_size() ? std::move(b) : std::move(a);
}

void put_codes(ByteWriter& w, std::span<const std::uint64_t> codes) {
  put_code_stream(w, best_code_stream(codes, estimate_codes(codes)));
}

CodeReader::CodeReader(ByteReader& r, int nb_contexts) : r_(r), dec_({}) {
  mode_ = r.le<std::uint8_t>("context mode");
  if (mode_ > kCodeModeStaticPrev) r.fail("unknown context mode " + std::to_string(mode_));
  nb_ = mode_ == 1 || mode_ == kCodeModePrev || mode_ == kCodeModeTreePrev || mode_ == kCodeModeStaticPrev;
  if (mode_ >= kCodeModeStaticSingle) {
    statics_ = std::make_unique<StaticTokens>(StaticTokens::read(r, nb_ ? nb_contexts : 1));
    rans_ = RansDecoder(r.bytes(get_varint(r, "token stream size"), "token stream"));
    extra_ = BitReader(r.bytes(get_varint(r, "extra-bit stream size"), "extra-bit stream"));
    return;
  }
  if (mode_ >= kCodeModeTreeSingle) tree_ = std::make_unique<TokenTree>(TokenTree::read(r));
  if (mode_ < kCodeModeSingle) {  // format 1.0: extra bits inside the range-coded bytes
    dec_ = RangeDecoder(r.bytes(get_varint(r, "code stream size"), "code stream"));
  } else {
    dec_ = RangeDecoder(r.bytes(get_varint(r, "token stream size"), "token stream"), true);
    extra_ = BitReader(r.bytes(get_varint(r, "extra-bit stream size"), "extra-bit stream"));
  }
  per_ = tree_ ? tree_->models() : 256;
  models_.resize(static_cast<std::size_t>(nb_ ? nb_contexts : 1) * per_);
}

void CodeReader::finish() {
  if (statics_ && !rans_.exact()) r_.fail("token stream does not end where its values do");
  if (!statics_ && dec_.overrun()) r_.fail("token stream ends early");
  if (mode_ >= kCodeModeSingle) extra_.finish(r_.what());
}

void CodeReader::bad_token(int token) const {
  r_.fail("entropy-coded stream holds invalid token " + std::to_string(token));
}

void get_codes(ByteReader& r, std::span<std::uint64_t> out) {
  CodeReader cr(r, kPrevContexts);
  int ctx = 0, token = 0;
  if (cr.neighbour_contexts()) {
    for (auto& c : out) {
      c = cr.next(ctx, token);
      ctx = prev_context(token);
    }
  } else {
    for (auto& c : out) c = cr.next(0, token);
  }
  cr.finish();
}

// ---- zstd ----

namespace {
// One zstd context per thread, reused: creating one per call costs more than compressing the
// few kilobytes of a column. Output is the same as ZSTD_compress's.
struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZstdContexts() = default;
  ZstdContexts(const ZstdContexts&) = delete;
  ZstdContexts& operator=(const ZstdContexts&) = delete;
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts z;
  if (!z.c || !z.d) throw Error(ErrorCode::Internal, "zstd: cannot create a context");
  return z;
}
}  // namespace

std::vector<std::byte> zstd_compress(std::span<const std::byte> in, int level) {
  std::vector<std::byte> out(ZSTD_compressBound(in.size()));
  const size_t n = ZSTD_compressCCtx(zstd_contexts().c, out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) throw Error(ErrorCode::Internal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::vector<std::byte> zstd_decompress(std::span<const std::byte> in, std::size_t expected) {
  std::vector<std::byte> out(expected);
  const size_t n = ZSTD_decompressDCtx(zstd_contexts().d, out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != expected)
    throw Error(ErrorCode::Corrupt, std::string("zstd block does not decode to ") + std::to_string(expected) +
                                        " bytes" + (ZSTD_isError(n) ? std::string(": ") + ZSTD_getErrorName(n) : ""));
  return out;
}

// ---- outliers ----

void put_outliers(ByteWriter& w, const std::vector<std::byte>& raw, std::uint64_t count, std::size_t elem) {
  (void)elem;
  put_varint(w, count);
  auto z = raw.size() > 64 ? zstd_compress(raw, 19) : std::vector<std::byte>{};
  const bool use_z = !z.empty() && z.size() < raw.size();
  w.le<std::uint8_t>(use_z ? 1 : 0);
  const auto& s = use_z ? z : raw;
  put_varint(w, s.size());
  w.append(s);
}

std::vector<std::byte> get_outliers(ByteReader& r, std::size_t elem, std::size_t max_count, std::uint64_t& count) {
  count = get_varint(r, "outlier count");
  if (count > max_count) r.fail("outlier count " + std::to_string(count) + " exceeds the block's " + std::to_string(max_count) + " values");
  const auto z = r.le<std::uint8_t>("outlier zstd flag");
  if (z > 1) r.fail("outlier zstd flag is " + std::to_string(z));
  const auto size = get_varint(r, "outlier bytes");
  auto b = r.bytes(size, "outlier bytes");
  if (z) return zstd_decompress(b, count * elem);
  if (size != count * elem) r.fail("outlier bytes " + std::to_string(size) + " != count x element size");
  return {b.begin(), b.end()};
}

OutlierReader::OutlierReader(ByteReader& r, DType t, std::size_t block_values)
    : r_(r), t_(t), es_(dtype_size(t)) {
  bytes_ = get_outliers(r, es_, block_values, count_);
}

double OutlierReader::take(std::byte* out, std::size_t i) {
  if (next_ >= count_) r_.fail("more escapes than stored values");
  std::memcpy(out + i * es_, bytes_.data() + next_ * es_, es_);
  ++next_;
  const double x = load_value(t_, out, i);
  return std::isfinite(x) ? x : 0.0;
}

void OutlierReader::finish() const {
  if (next_ != count_) r_.fail("stored values not all used by escapes");
}

// ---- Raw ----

std::vector<std::byte> encode_raw_block(const ColumnSlice& c, int zstd_level) {
  const std::size_t es = dtype_size(c.dtype);
  std::vector<std::byte> planes(c.n * es);
  shuffle_bytes(c.data, planes.data(), c.n, es);
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>(Method::Raw));
  const auto z = zstd_compress(planes, zstd_level);
  put_varint(w, z.size());
  w.append(z);
  return std::move(w.buffer());
}

void decode_raw(ByteReader& r, DType t, std::size_t n, std::byte* out) {
  const std::size_t es = dtype_size(t);
  const auto size = get_varint(r, "raw block size");
  const auto planes = zstd_decompress(r.bytes(size, "raw block"), n * es);
  unshuffle_bytes(planes.data(), out, n, es);
}

}  // namespace baler::codec
