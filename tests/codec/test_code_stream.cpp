// Code streams of format 1.1 (FORMAT.md §4): round trips in both context modes, format 1.0
// streams still decode, and truncated or damaged streams are refused with an Error.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "codec_test_util.hpp"
#include "column_codec.hpp"
#include "range_coder.hpp"
#include "wire.hpp"

namespace baler::test {
namespace {

using codec::CodeStream;
using codec::kEscapeValue;

// Code sequences: empty, one value, small geometric codes with escapes, wide values up to the
// largest token value, and a slowly varying sequence (where the previous-token context wins).
std::vector<std::vector<std::uint64_t>> code_stream_cases() {
  std::mt19937_64 g(11);
  std::vector<std::vector<std::uint64_t>> cases{{}, {7}};
  std::geometric_distribution<std::uint64_t> geo(0.05);
  std::vector<std::uint64_t> a(2500);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = i % 97 == 5 ? kEscapeValue : geo(g);
  cases.push_back(a);
  std::vector<std::uint64_t> b(1200);
  for (auto& v : b) v = g() >> (3 + g() % 61);
  b[3] = codec::kMaxTokenValue;
  cases.push_back(b);
  std::vector<std::uint64_t> c(20000);
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint64_t>(300 + 250 * std::sin(0.001 * static_cast<double>(i))) + g() % 7;
  cases.push_back(c);
  return cases;
}

std::vector<std::byte> wire(const CodeStream& s) {
  ByteWriter w;
  codec::put_code_stream(w, s);
  return std::move(w.buffer());
}

// Decodes `bytes` as a code stream of n values; rethrows anything but baler::Error.
std::vector<std::uint64_t> read_stream(const std::vector<std::byte>& bytes, std::size_t n) {
  ByteReader r(bytes, "test stream");
  std::vector<std::uint64_t> out(n);
  codec::get_codes(r, out);
  if (r.remaining() != 0) throw Error(ErrorCode::Malformed, "trailing bytes");
  return out;
}

TEST(CodeStream, BothContextModesRoundTrip) {
  for (const auto& codes : code_stream_cases()) {
    for (int mode : {0, 1}) {
      const CodeStream s = codec::encode_code_stream(codes, mode);
      EXPECT_EQ(s.mode, mode ? codec::kCodeModePrev : codec::kCodeModeSingle);
      const auto bytes = wire(s);
      EXPECT_EQ(bytes.size(), s.wire_size());
      EXPECT_EQ(read_stream(bytes, codes.size()), codes) << "mode " << mode << ", " << codes.size() << " codes";
    }
    ByteWriter w;
    codec::put_codes(w, codes);
    EXPECT_EQ(read_stream(w.buffer(), codes.size()), codes);
  }
}

TEST(CodeStream, Format10StreamsStillDecode) {
  for (const auto& codes : code_stream_cases()) {
    for (int mode : {0, 1}) {
      const auto body = codec::encode_codes(codes, mode);
      ByteWriter w;
      w.le<std::uint8_t>(static_cast<std::uint8_t>(mode));
      codec::put_varint(w, body.size());
      w.append(body);
      EXPECT_EQ(read_stream(w.buffer(), codes.size()), codes) << "mode " << mode;
    }
  }
}

TEST(CodeStream, NewStreamsAreNotLargerThanFormat10) {
  for (const auto& codes : code_stream_cases()) {
    if (codes.size() < 100) continue;
    for (int mode : {0, 1}) {
      const auto old = codec::encode_codes(codes, mode).size() + 3;
      EXPECT_LE(codec::encode_code_stream(codes, mode).wire_size(), old + 2) << "mode " << mode;
    }
  }
}

TEST(CodeStream, EveryTruncationIsRefused) {
  for (const auto& codes : code_stream_cases()) {
    if (codes.size() > 3000) continue;
    const auto bytes = wire(codec::encode_code_stream(codes, 1));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      try {
        read_stream(cut, codes.size());
        ADD_FAILURE() << "truncated at " << n << " of " << bytes.size() << " decoded";
      } catch (const Error& e) {
        EXPECT_TRUE(e.code() == ErrorCode::Malformed || e.code() == ErrorCode::Corrupt) << e.what();
      }
    }
  }
}

TEST(CodeStream, BitFlipsGiveAnErrorOrValuesNeverACrash) {
  const auto codes = code_stream_cases()[2];
  const auto bytes = wire(codec::encode_code_stream(codes, 0));
  std::size_t refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    for (int b = 0; b < 8; ++b) {
      auto d = bytes;
      d[i] ^= std::byte{static_cast<unsigned char>(1u << b)};
      try {
        const auto v = read_stream(d, codes.size());
        EXPECT_EQ(v.size(), codes.size());
      } catch (const Error& e) {
        EXPECT_TRUE(e.code() == ErrorCode::Malformed || e.code() == ErrorCode::Corrupt) << e.what();
        ++refused;
      }
    }
  EXPECT_GT(refused, 0u);
}

TEST(CodeStream, ExtraBitStreamMustMatchExactly) {
  const auto codes = code_stream_cases()[2];
  CodeStream s = codec::encode_code_stream(codes, 0);
  ASSERT_FALSE(s.extra.empty());
  auto expect_corrupt = [&](const CodeStream& bad, const char* what) {
    try {
      read_stream(wire(bad), codes.size());
      ADD_FAILURE() << what << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << what << ": " << e.what();
    }
  };
  CodeStream longer = s;
  longer.extra.push_back(std::byte{0});
  expect_corrupt(longer, "a trailing extra byte");
  CodeStream shorter = s;
  shorter.extra.pop_back();
  expect_corrupt(shorter, "a missing extra byte");
  // Nonzero padding: the codes' extra bits do not end on a byte boundary here.
  if (static_cast<std::uint64_t>(codec::estimate_codes(codes).extra_bits) % 8 != 0) {
    CodeStream pad = s;
    pad.extra.back() |= std::byte{0x80};
    expect_corrupt(pad, "nonzero padding");
  }
}

TEST(CodeStream, UnknownModesAndHugeSizesAreMalformed) {
  for (std::uint8_t mode : {6, 9, 255}) {
    const std::vector<std::byte> b{std::byte{mode}, std::byte{0}, std::byte{0}};
    try {
      read_stream(b, 1);
      ADD_FAILURE() << "mode " << int{mode};
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Malformed);
    }
  }
  ByteWriter w;  // token size 2^60 with 3 bytes left: refused before reading or allocating
  w.le<std::uint8_t>(codec::kCodeModePrev);
  codec::put_varint(w, std::uint64_t{1} << 60);
  w.le<std::uint8_t>(1);
  try {
    read_stream(w.buffer(), 10);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
  }
}

// A format 1.0 Field block (3-D Lorenzo, context modes 0 and 1, extra bits inside the range
// coder) built here value by value still decodes to the Lorenzo reconstruction of its codes.
TEST(CodeStream, Format10FieldStreamsStillDecode) {
  const std::size_t F = 2, H = 4, W = 5, n = F * H * W;
  std::vector<std::int64_t> q(n);
  for (std::size_t i = 0; i < n; ++i) q[i] = static_cast<std::int64_t>((i * 7) % 11) - 5 + (i == 13 ? 40000 : 0);
  for (int mode : {0, 1}) {
    codec::TokenModels models(mode ? 36 : 1);
    codec::RangeEncoder enc;
    std::vector<int> tok(n);
    for (std::size_t f = 0, i = 0; f < F; ++f)
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t w = 0; w < W; ++w, ++i) {
          const int left = w > 0 ? tok[i - 1] : 0;
          const int up = h > 0 ? tok[i - W] : (f > 0 ? tok[i - H * W] : 0);
          const int ctx = mode ? std::min(left, 5) * 6 + std::min(up, 5) : 0;
          const std::uint64_t code = codec::zigzag(q[i]);
          codec::encode_value(enc, models.tree(ctx), code);
          tok[i] = codec::split_value(code).token;
        }
    const auto stream = enc.finish();
    ByteWriter b;
    b.le<std::uint8_t>(4);  // Field
    b.le<std::uint8_t>(0);  // 3-D Lorenzo
    b.le<double>(0.5);      // step
    b.le<double>(0.0);      // centre
    codec::put_varint(b, 0);  // no outliers
    b.le<std::uint8_t>(0);
    codec::put_varint(b, 0);
    b.le<std::uint8_t>(static_cast<std::uint8_t>(mode));
    codec::put_varint(b, stream.size());
    b.append(stream);
    std::vector<double> got(n), r(n);
    ByteReader br(b.buffer(), "v1.0 field block");
    codec::decode_block(br, DType::F64, n, {}, {F, H, W}, reinterpret_cast<std::byte*>(got.data()));
    EXPECT_EQ(br.remaining(), 0u);
    for (std::size_t f = 0, i = 0; f < F; ++f)
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t w = 0; w < W; ++w, ++i) {
          auto at = [&](bool ok, std::size_t j) { return ok ? r[j] : 0.0; };
          const bool bf = f > 0, bh = h > 0, bw = w > 0;
          const double p = ((at(bw, i - 1) + at(bh, i - W) + at(bf, i - H * W)) -
                            (at(bw && bh, i - 1 - W) + at(bw && bf, i - 1 - H * W) + at(bh && bf, i - W - H * W))) +
                           at(bw && bh && bf, i - 1 - W - H * W);
          r[i] = p + 0.5 * static_cast<double>(q[i]);
          ASSERT_EQ(got[i], r[i]) << "mode " << mode << " element " << i;
        }
  }
}

// Blocks that carry format 1.1 streams (Int, Quant, PwRel, Lorenzo and interpolation Field),
// damaged below the container's checksums: every truncation is refused, every single-bit flip
// gives an Error or some values, never a crash or a read outside the block.
TEST(CodeStream, DamagedBlocksAreRefusedOrDecodeNeverCrash) {
  const std::size_t n = 300;
  std::mt19937_64 g(5);
  std::vector<double> x(n), ints(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = std::sin(0.05 * static_cast<double>(i)) * 100 + static_cast<double>(g() % 1000) * 1e-3;
    ints[i] = static_cast<double>(g() % 50) - 20;
  }
  x[17] = NAN;
  const codec::ColumnSlice xs{DType::F64, reinterpret_cast<const std::byte*>(x.data()), n};
  const codec::ColumnSlice is{DType::F64, reinterpret_cast<const std::byte*>(ints.data()), n};
  const std::array<std::size_t, 3> dims{3, 10, 10};
  codec::BlockStats st;
  const std::vector<std::vector<std::byte>> blocks{
      codec::encode_int_block(is), codec::encode_quant_block(xs, 0.01, {}, st), codec::encode_pwrel_block(xs, 1e-3, st),
      codec::encode_field_block(xs, dims, 0.01, codec::FieldPredictor::Lorenzo3, st),
      codec::encode_interp_block(xs, dims, 0.01, st)};
  std::vector<double> out(n);
  auto decode = [&](std::span<const std::byte> b) {
    ByteReader r(b, "block");
    codec::decode_block(r, DType::F64, n, {}, dims, reinterpret_cast<std::byte*>(out.data()));
    if (r.remaining() != 0) throw Error(ErrorCode::Malformed, "trailing bytes");
  };
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    const auto& b = blocks[k];
    ASSERT_FALSE(b.empty()) << "block " << k;
    ASSERT_NO_THROW(decode(b)) << "block " << k;
    for (std::size_t len = 0; len < b.size(); ++len)
      EXPECT_THROW(decode(std::span<const std::byte>(b).first(len)), Error) << "block " << k << " cut at " << len;
    flip_each_bit(b, b.size(), decode);
  }
}

TEST(BitStream, EveryWidthRoundTrips) {
  std::mt19937_64 g(3);
  codec::BitWriter w;
  std::vector<std::pair<std::uint64_t, int>> items;
  for (int k = 0; k < 2000; ++k) {
    const int n = static_cast<int>(g() % 65);
    const std::uint64_t v = n == 64 ? g() : (g() & ((std::uint64_t{1} << n) - 1));
    items.push_back({v, n});
    w.put(v, n);
  }
  const std::uint64_t bits = w.bits();
  const auto bytes = w.finish();
  EXPECT_EQ(bytes.size(), (bits + 7) / 8);
  codec::BitReader r(bytes);
  for (const auto& [v, n] : items) ASSERT_EQ(r.get(n), v) << n << " bits";
  EXPECT_NO_THROW(r.finish("bits"));
  codec::BitReader over(bytes);
  for (const auto& [v, n] : items) over.get(n);
  over.get(9);
  EXPECT_THROW(over.finish("bits"), Error);
}

TEST(RangeCoder, CompactFlushDecodesAndIsShort) {
  // A long run of one token costs a few hundred bits of learning, then almost nothing.
  const std::vector<std::uint64_t> zeros(5000, 0);
  const CodeStream s = codec::encode_code_stream(zeros, 0);
  EXPECT_LT(s.tokens.size(), 100u);
  EXPECT_TRUE(s.extra.empty());
  EXPECT_EQ(read_stream(wire(s), zeros.size()), zeros);
  const std::vector<std::uint64_t> one{kEscapeValue};
  EXPECT_EQ(read_stream(wire(codec::encode_code_stream(one, 1)), 1), one);
}

}  // namespace
}  // namespace baler::test
