// The field path (FORMAT.md §2.7, §4): large chunks pick their predictor on sample boxes
// instead of coding the chunk with every predictor (the pick stays close to the best full
// trial, the bytes do not depend on the thread count, every value keeps its bound); blocks of
// 2^14 values or more code their tokens down a token tree (context modes 4 and 5), Lorenzo
// blocks of 2^20 or more with static frequencies and rANS (modes 6 and 7); their descriptions
// are checked like any other input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "codec_test_util.hpp"
#include "column_codec.hpp"
#include "rans.hpp"
#include "token_tree.hpp"
#include "wire.hpp"

namespace baler::test {
namespace {

// The shared vorticity field (41 x 128 x 128) repeated `times` along its first axis: one chunk
// of at least 2^20 values and 32 frames, large enough to be sampled.
Dataset tiled_vorticity(int times) {
  ReadOptions ro;
  ro.kind = "field";
  const Dataset v = read_dataset(parse_data_spec(data_file("fields/vorticity.128_128_41.npy").string()), ro);
  Dataset d;
  d.kind = DataKind::Field;
  auto shape = v.field.shape;
  shape[0] *= times;
  d.field = Array(v.field.dtype, shape);
  for (int k = 0; k < times; ++k)
    std::memcpy(d.field.bytes.data() + static_cast<std::size_t>(k) * v.field.bytes.size(), v.field.bytes.data(),
                v.field.bytes.size());
  return d;
}

double field_range(const Array& a) {
  const auto v = a.as<float>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return static_cast<double>(*hi) - *lo;
}

TEST(FieldCodec, SampledPredictorIsCloseToTheBestFullTrial) {
  const Dataset d = tiled_vorticity(4);
  ASSERT_GE(d.field.size(), std::size_t{1} << 20);
  const double range = field_range(d.field);
  const std::array<std::size_t, 3> dims{164, 128, 128};
  const codec::ColumnSlice c{d.field.dtype, d.field.bytes.data(), d.field.size()};
  for (double rel : {1e-2, 1e-3, 1e-4}) {
    const double bound = rel * range;
    std::size_t best = SIZE_MAX;
    for (auto p : {codec::FieldPredictor::Lorenzo3, codec::FieldPredictor::Lorenzo2, codec::FieldPredictor::Interp}) {
      codec::BlockStats st;
      const auto b = p == codec::FieldPredictor::Interp ? codec::encode_interp_block(c, dims, bound, st)
                                                        : codec::encode_field_block(c, dims, bound, p, st);
      best = std::min(best, b.size());
    }
    TempDir dir;
    std::vector<std::vector<std::byte>> files;
    for (int threads : {1, 2, 3}) {
      CompressOptions o;
      o.bound = {BoundKind::Abs, bound};
      o.threads = threads;
      compress_dataset(d, dir / "f.baler", o);
      files.push_back(read_file_bytes(dir / "f.baler"));
      EXPECT_EQ(files.back(), files.front()) << "rel " << rel << " at " << threads << " threads";
    }
    // The container adds its header, schema and index (well under 1 KiB) to the block.
    EXPECT_LE(static_cast<double>(files.front().size()), 1.005 * static_cast<double>(best) + 1024) << "rel " << rel;
    const Dataset back = decompress_file(dir / "f.baler");
    EXPECT_EQ(count_violations(d, back, {0, bound, true, false}), 0u) << "rel " << rel;
  }
}

// A smooth 32 x 32 x 32 field (2^15 values) with noise, NaN, infinities and a huge value, in
// the dtype T.
template <typename T>
std::vector<T> test_field() {
  std::mt19937_64 g(3);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<T> v(32 * 32 * 32);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = static_cast<double>(i / 1024), h = static_cast<double>(i / 32 % 32), w = static_cast<double>(i % 32);
    const double x = std::sin(0.2 * f) * std::cos(0.15 * h) + 0.01 * w + noise(g);
    if constexpr (std::is_same_v<T, Half>) v[i] = float_to_half(static_cast<float>(x));
    else v[i] = static_cast<T>(x);
  }
  auto set = [&](std::size_t i, double x) {
    if constexpr (std::is_same_v<T, Half>) v[i] = float_to_half(static_cast<float>(x));
    else v[i] = static_cast<T>(x);
  };
  set(5, NAN);
  set(1000, INFINITY);
  set(20000, -INFINITY);
  set(30000, 6e4);
  return v;
}

// The context mode byte of a Field block (after method, predictor, step, centre, outliers).
int field_mode(const std::vector<std::byte>& b) {
  ByteReader r(b, "block");
  r.bytes(18, "head");
  codec::get_varint(r, "count");
  r.le<std::uint8_t>("flag");
  r.bytes(codec::get_varint(r, "size"), "outliers");
  return r.le<std::uint8_t>("mode");
}

template <typename T>
void tree_blocks_round_trip(DType t) {
  const auto v = test_field<T>();
  const codec::ColumnSlice c{t, reinterpret_cast<const std::byte*>(v.data()), v.size()};
  const std::array<std::size_t, 3> dims{32, 32, 32};
  const double bound = 1e-3;
  for (auto p : {codec::FieldPredictor::Lorenzo3, codec::FieldPredictor::Lorenzo2, codec::FieldPredictor::Interp}) {
    codec::BlockStats st;
    const auto b = p == codec::FieldPredictor::Interp ? codec::encode_interp_block(c, dims, bound, st)
                                                      : codec::encode_field_block(c, dims, bound, p, st);
    const int mode = field_mode(b);
    EXPECT_TRUE(mode == codec::kCodeModeTreeSingle || mode == codec::kCodeModeTreePrev) << "mode " << mode;
    EXPECT_GE(st.outliers, 3u);
    std::vector<T> out(v.size());
    ByteReader r(b, "block");
    codec::decode_block(r, t, v.size(), {}, dims, reinterpret_cast<std::byte*>(out.data()));
    EXPECT_EQ(r.remaining(), 0u);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double x = codec::load_value(t, reinterpret_cast<const std::byte*>(v.data()), i);
      const double y = codec::load_value(t, reinterpret_cast<const std::byte*>(out.data()), i);
      if (!std::isfinite(x)) bad += std::memcmp(&v[i], &out[i], sizeof(T)) != 0;
      else bad += !(std::fabs(x - y) <= bound);
    }
    EXPECT_EQ(bad, 0u) << "predictor " << static_cast<int>(p);
  }
}

TEST(FieldCodec, TreeModeBlocksRoundTripEveryFloatDtype) {
  tree_blocks_round_trip<double>(DType::F64);
  tree_blocks_round_trip<float>(DType::F32);
  tree_blocks_round_trip<Half>(DType::F16);
}

TEST(FieldCodec, DamagedTreeModeBlocksAreRefusedOrDecodeNeverCrash) {
  const auto v = test_field<float>();
  const codec::ColumnSlice c{DType::F32, reinterpret_cast<const std::byte*>(v.data()), v.size()};
  const std::array<std::size_t, 3> dims{32, 32, 32};
  std::vector<float> out(v.size());
  auto decode = [&](std::span<const std::byte> b) {
    ByteReader r(b, "block");
    codec::decode_block(r, DType::F32, v.size(), {}, dims, reinterpret_cast<std::byte*>(out.data()));
    if (r.remaining() != 0) throw Error(ErrorCode::Malformed, "trailing bytes");
  };
  for (auto p : {codec::FieldPredictor::Lorenzo3, codec::FieldPredictor::Interp}) {
    codec::BlockStats st;
    const auto b = p == codec::FieldPredictor::Interp ? codec::encode_interp_block(c, dims, 1e-2, st)
                                                      : codec::encode_field_block(c, dims, 1e-2, p, st);
    ASSERT_NO_THROW(decode(b));
    // Every cut in the head (outliers, mode, tree, stream sizes) and every 37th after it.
    for (std::size_t len = 0; len < b.size(); len += len < 160 ? 1 : 37)
      EXPECT_THROW(decode(std::span<const std::byte>(b).first(len)), Error) << "cut at " << len;
    flip_each_bit(b, 160, decode);
  }
}

// Tree descriptions: varint count, then (token, length) pairs, tokens increasing.
std::vector<std::byte> tree_bytes(const std::vector<std::pair<int, int>>& items) {
  ByteWriter w;
  codec::put_varint(w, items.size());
  for (auto [t, l] : items) {
    w.le<std::uint8_t>(static_cast<std::uint8_t>(t));
    w.le<std::uint8_t>(static_cast<std::uint8_t>(l));
  }
  return std::move(w.buffer());
}

TEST(TokenTree, HostileDescriptionsAreMalformed) {
  const std::vector<std::vector<std::pair<int, int>>> bad{
      {},                                  // no token
      {{3, 1}},                            // one token must have length 0
      {{1, 1}, {2, 0}},                    // length 0 beside others
      {{1, 1}, {2, 1}, {3, 1}},            // over-subscribed
      {{1, 1}, {2, 2}},                    // incomplete
      {{2, 1}, {1, 1}},                    // tokens not increasing
      {{1, 1}, {1, 1}},                    // repeated token
      {{1, 1}, {250, 1}},                  // invalid token (244-254)
      {{1, 1}, {2, 25}},                   // deeper than 24
  };
  for (std::size_t k = 0; k < bad.size(); ++k) {
    const auto b = tree_bytes(bad[k]);
    ByteReader r(b, "tree");
    try {
      codec::TokenTree::read(r);
      ADD_FAILURE() << "case " << k;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Malformed) << "case " << k << ": " << e.what();
    }
  }
  const auto huge = [] {
    ByteWriter w;
    codec::put_varint(w, 200);  // 200 tokens announced, 2 bytes present
    w.le<std::uint16_t>(0);
    return std::move(w.buffer());
  }();
  ByteReader r(huge, "tree");
  EXPECT_THROW(codec::TokenTree::read(r), Error);
}

// Counts that would make a Huffman tree 39 deep (Fibonacci), a single token and the escape:
// the fitted tree is at most 24 deep, survives its own description and codes every token.
TEST(TokenTree, FittedTreesRoundTripTheirTokens) {
  std::vector<std::array<std::uint64_t, 256>> cases(3);
  std::uint64_t a = 1, b = 1;
  for (int t = 0; t < 40; ++t) {
    cases[0][static_cast<std::size_t>(t)] = a;
    const std::uint64_t c = a + b;
    a = b;
    b = c;
  }
  cases[1][7] = 100;
  cases[2][0] = 1000, cases[2][1] = 10, cases[2][codec::kEscapeToken] = 3, cases[2][codec::kMaxToken] = 1;
  for (const auto& counts : cases) {
    const auto tree = codec::TokenTree::fit(counts);
    ByteWriter w;
    tree.write(w);
    ByteReader r(w.buffer(), "tree");
    const auto back = codec::TokenTree::read(r);
    EXPECT_EQ(r.remaining(), 0u);
    std::vector<int> tokens;
    for (int t = 0; t < 256; ++t)
      if (counts[static_cast<std::size_t>(t)]) {
        EXPECT_TRUE(back.has(t)) << t;
        for (int k = 0; k < 3; ++k) tokens.push_back(t);
      }
    std::vector<codec::BitModel> m(tree.models());
    codec::RangeEncoder enc;
    for (int t : tokens) tree.encode(enc, m.data(), t);
    const auto bytes = enc.finish_compact();
    std::vector<codec::BitModel> m2(back.models());
    codec::RangeDecoder dec(bytes, true);
    for (int t : tokens) EXPECT_EQ(back.decode(dec, m2.data()), t);
    EXPECT_FALSE(dec.overrun());
  }
}

// A static-mode code stream (mode 6 or 7 with previous-token contexts) of `codes`, as a reader
// finds it.
std::vector<std::byte> static_stream(const std::vector<std::uint64_t>& codes, bool prev) {
  std::vector<std::uint8_t> tok, ctx;
  codec::BitWriter extra;
  std::vector<std::uint32_t> counts((prev ? codec::kPrevContexts : 1) * 256, 0);
  int c = 0;
  for (auto v : codes) {
    const int t = codec::put_code(v, extra);
    tok.push_back(static_cast<std::uint8_t>(t));
    ctx.push_back(static_cast<std::uint8_t>(prev ? c : 0));
    ++counts[static_cast<std::size_t>(prev ? c : 0) * 256 + static_cast<std::size_t>(t)];
    c = codec::prev_context(t);
  }
  auto s = codec::static_code_stream(tok, prev ? std::span<const std::uint8_t>(ctx) : std::span<const std::uint8_t>(),
                                     prev ? codec::kPrevContexts : 1, counts);
  s.extra = extra.finish();
  ByteWriter w;
  codec::put_code_stream(w, s);
  return std::move(w.buffer());
}

TEST(StaticTokens, CodeStreamsRoundTripAndDamageIsCaught) {
  std::mt19937_64 g(17);
  std::geometric_distribution<std::uint64_t> geo(0.03);
  std::vector<std::uint64_t> codes(5000);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i % 331 == 7 ? codec::kEscapeValue : geo(g) + (i / 1000) * 40;
  codes[10] = codec::kMaxTokenValue;
  auto read = [&](std::span<const std::byte> b) {
    ByteReader r(b, "stream");
    std::vector<std::uint64_t> out(codes.size());
    codec::get_codes(r, out);
    if (r.remaining() != 0) throw Error(ErrorCode::Malformed, "trailing bytes");
    return out;
  };
  for (bool prev : {false, true}) {
    const auto b = static_stream(codes, prev);
    EXPECT_EQ(static_cast<int>(b[0]), prev ? codec::kCodeModeStaticPrev : codec::kCodeModeStaticSingle);
    EXPECT_EQ(read(b), codes);
    for (std::size_t len = 0; len < b.size(); ++len)
      EXPECT_THROW(read(std::span<const std::byte>(b).first(len)), Error) << "cut at " << len;
    flip_each_bit(b, b.size(), read);
  }
  // One token that owns all 2^12 slots leaves the state as it is, so the state must come back to
  // its start: every flipped bit of the 4 state bytes is caught.
  const auto one = static_stream({3, 3}, false);
  ByteReader h(one, "one");
  h.le<std::uint8_t>("mode");
  codec::StaticTokens::read(h, 1);
  ASSERT_EQ(codec::get_varint(h, "size"), 4u);
  EXPECT_EQ(read(one).size(), codes.size());  // reads as many values as asked
  for (std::size_t i = h.pos(); i < h.pos() + 4; ++i)
    for (int bit = 0; bit < 8; ++bit) {
      auto d = one;
      d[i] ^= std::byte{static_cast<unsigned char>(1u << bit)};
      ByteReader r(d, "one");
      std::vector<std::uint64_t> out(2);
      EXPECT_THROW(codec::get_codes(r, out), Error) << "byte " << i << " bit " << bit;
    }
}

TEST(StaticTokens, HostileTablesAreMalformed) {
  auto table = [](std::vector<int> tokens, std::vector<std::pair<int, std::vector<std::uint64_t>>> ctx) {
    ByteWriter w;
    codec::put_varint(w, tokens.size());
    for (int t : tokens) w.le<std::uint8_t>(static_cast<std::uint8_t>(t));
    for (const auto& [used, f] : ctx) {
      w.le<std::uint8_t>(static_cast<std::uint8_t>(used));
      for (auto x : f) codec::put_varint(w, x);
    }
    return std::move(w.buffer());
  };
  const std::vector<std::vector<std::byte>> bad{
      table({}, {{0, {}}}),                           // no token
      table({3, 2}, {{1, {2048, 2048}}}),             // not increasing
      table({1, 250}, {{1, {2048, 2048}}}),           // invalid token
      table({1, 2}, {{2, {2048, 2048}}}),             // flag 2
      table({1, 2}, {{1, {2048, 2047}}}),             // sum 4095
      table({1, 2}, {{1, {4097, 0}}}),                // above 4096
      table({1, 2}, {{1, {4096}}}),                   // truncated
  };
  for (std::size_t k = 0; k < bad.size(); ++k) {
    ByteReader r(bad[k], "table");
    EXPECT_THROW(codec::StaticTokens::read(r, 1), Error) << "case " << k;
  }
  const auto good = table({1, 255}, {{1, {4000, 96}}, {0, {}}});
  ByteReader r(good, "table");
  EXPECT_NO_THROW(codec::StaticTokens::read(r, 2));
  EXPECT_EQ(r.remaining(), 0u);
}

// A Lorenzo block of 2^20 float32 values is coded in a static mode and keeps every bound.
TEST(StaticTokens, LargeLorenzoBlocksRoundTrip) {
  const Dataset d = tiled_vorticity(2);  // 82 x 128 x 128 = 1.3 M values
  const std::array<std::size_t, 3> dims{82, 128, 128};
  const codec::ColumnSlice c{d.field.dtype, d.field.bytes.data(), d.field.size()};
  const double bound = 1e-4 * field_range(d.field);
  codec::BlockStats st;
  const auto b = codec::encode_field_block(c, dims, bound, codec::FieldPredictor::Lorenzo3, st);
  const int mode = field_mode(b);
  EXPECT_TRUE(mode == codec::kCodeModeStaticSingle || mode == codec::kCodeModeStaticPrev) << mode;
  Array out(d.field.dtype, d.field.shape);
  ByteReader r(b, "block");
  codec::decode_block(r, d.field.dtype, d.field.size(), {}, dims, out.bytes.data());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(count_violations(d.field, out, {0, bound, true, false}), 0u);
}

// Without chunk_rows a field's chunk holds whole frames, about 2^20 values: a large field gets
// several chunks (work for every thread), the same bytes at 1 and 3 threads; an explicit
// chunk_rows is kept; a frame larger than 2^20 values is a chunk of its own.
TEST(FieldCodec, AutomaticChunksHoldAbout2To20Values) {
  const Dataset d = tiled_vorticity(8);  // 328 x 128 x 128: 16384 values a frame
  CompressOptions o;
  o.bound = parse_error_bound("rel=1e-3");
  CompressSummary s1, s3;
  const auto one = compress_to_memory(d, o, &s1);
  o.threads = 3;
  const auto three = compress_to_memory(d, o, &s3);
  EXPECT_EQ(s1.chunks, 6u);  // 328 frames = 5 x 64 (2^20 / 16384) + 8
  EXPECT_TRUE(one == three);
  EXPECT_EQ(count_violations(d, decompress_memory(one, "one"), {1e-3, 0, true, false}), 0u);
  o.threads = 1;
  o.chunk_rows = 100;
  compress_to_memory(d, o, &s1);
  EXPECT_EQ(s1.chunks, 4u);
  // Three frames of 5 x 2^20 values: a chunk each.
  Dataset wide;
  wide.kind = DataKind::Field;
  wide.field = Array(DType::F32, {3, 1280, 4096});
  auto v = wide.field.as<float>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i % 4096) * 1e-3 + (i / 4096 % 1280) * 2e-3);
  o.chunk_rows = 0;
  const auto w = compress_to_memory(wide, o, &s1);
  EXPECT_EQ(s1.chunks, 3u);
  EXPECT_EQ(count_violations(wide, decompress_memory(w, "wide"), {1e-3, 0, true, false}), 0u);
}

}  // namespace
}  // namespace baler::test
