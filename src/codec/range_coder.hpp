// Adaptive binary range coder and the token coder built on it (FORMAT.md §4 "Entropy coding").
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baler/error.hpp"

namespace baler::codec {

// Probability (of bit 0) in 16-bit fixed point, the mean of a fast and a slow estimate.
struct BitModel {
  std::uint16_t fast = 32768, slow = 32768;
  std::uint32_t p() const { return (std::uint32_t{fast} + slow) >> 1; }
  void update(int bit) {
    if (bit) {
      fast -= fast >> 4;
      slow -= slow >> 7;
    } else {
      fast += (65536 - fast) >> 4;
      slow += (65536 - slow) >> 7;
    }
  }
};

class RangeEncoder {
 public:
  void bit(BitModel& m, int b) {
    const std::uint32_t bound = (range_ >> 16) * clamp_p(m.p());
    if (b) {
      low_ += bound;
      range_ -= bound;
    } else {
      range_ = bound;
    }
    m.update(b);
    normalize();
  }
  // `n` (≤ 32) bits with probability 1/2 each, most significant first.
  void raw(std::uint32_t value, int n) {
    for (int i = n - 1; i >= 0; --i) {
      range_ >>= 1;
      if ((value >> i) & 1u) low_ += range_;
      normalize();
    }
  }
  std::vector<std::byte> finish();

 private:
  static std::uint32_t clamp_p(std::uint32_t p) { return p < 32 ? 32 : (p > 65504 ? 65504 : p); }
  void normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      shift_low();
    }
  }
  void shift_low();
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;
  std::uint64_t cache_size_ = 1;
  std::vector<std::byte> out_;
  friend class RangeDecoder;
};

// Reads past the end as zero bytes; overrun() tells whether it did (a corrupt stream).
class RangeDecoder {
 public:
  RangeDecoder(std::span<const std::byte> data);
  int bit(BitModel& m) {
    const std::uint32_t bound = (range_ >> 16) * RangeEncoder::clamp_p(m.p());
    int b;
    if (code_ < bound) {
      range_ = bound;
      b = 0;
    } else {
      code_ -= bound;
      range_ -= bound;
      b = 1;
    }
    m.update(b);
    normalize();
    return b;
  }
  std::uint32_t raw(int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      range_ >>= 1;
      const std::uint32_t b = code_ >= range_ ? 1u : 0u;
      if (b) code_ -= range_;
      v = (v << 1) | b;
      normalize();
    }
    return v;
  }
  bool overrun() const { return pos_ > data_.size() + 4; }

 private:
  void normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = (code_ << 8) | next();
    }
  }
  std::uint32_t next() { return pos_ < data_.size() ? static_cast<std::uint32_t>(data_[pos_++]) : (++pos_, 0u); }
  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint32_t code_ = 0;
};

// Tokens 0..255 ("hybrid integers"): values below 16 are their own token; larger values v
// with n = floor(log2 v) carry the two bits below the leading one in the token and the
// n - 2 lower bits raw. Token 255 is the escape (value stored exactly elsewhere).
inline constexpr int kEscapeToken = 255;
inline constexpr int kMaxToken = 243;  // token of kMaxTokenValue
inline constexpr std::uint64_t kMaxTokenValue = (std::uint64_t{1} << 61) - 1;

struct TokenSplit {
  int token;
  int extra_bits;
  std::uint64_t extra;
};
inline TokenSplit split_value(std::uint64_t v) {
  if (v < 16) return {static_cast<int>(v), 0, 0};
  const int n = std::bit_width(v) - 1;
  const int m = static_cast<int>((v >> (n - 2)) & 3u);
  return {16 + (n - 4) * 4 + m, n - 2, v & ((std::uint64_t{1} << (n - 2)) - 1)};
}
// Inverse of split_value for tokens below 255. Returns the number of extra bits.
inline int token_extra_bits(int token) { return token < 16 ? 0 : (token - 16) / 4 + 2; }
inline std::uint64_t join_value(int token, std::uint64_t extra) {
  if (token < 16) return static_cast<std::uint64_t>(token);
  const int n = (token - 16) / 4 + 4;
  const std::uint64_t m = static_cast<std::uint64_t>((token - 16) % 4);
  return (std::uint64_t{1} << n) | (m << (n - 2)) | extra;
}

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t u) {
  return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
}

// Adaptive token models: one binary tree of 255 bit models per context.
class TokenModels {
 public:
  explicit TokenModels(int contexts) : nodes_(static_cast<std::size_t>(contexts) * 256) {}
  BitModel* tree(int ctx) { return &nodes_[static_cast<std::size_t>(ctx) * 256]; }

 private:
  std::vector<BitModel> nodes_;
};

void encode_token(RangeEncoder& enc, BitModel* tree, int token);
int decode_token(RangeDecoder& dec, BitModel* tree);
// A value (≤ kMaxTokenValue) as token + raw extra bits.
void encode_value(RangeEncoder& enc, BitModel* tree, std::uint64_t v);
// Returns kEscapeToken's marker (UINT64_MAX) for an escape.
std::uint64_t decode_value(RangeDecoder& dec, BitModel* tree);
inline constexpr std::uint64_t kEscapeValue = ~std::uint64_t{0};

}  // namespace baler::codec
