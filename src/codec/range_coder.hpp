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
  void update(int bit) {  // written without branches (the bit is hard to predict)
    const std::uint32_t f = fast, s = slow;
    fast = static_cast<std::uint16_t>(bit ? f - (f >> 4) : f + ((65536 - f) >> 4));
    slow = static_cast<std::uint16_t>(bit ? s - (s >> 7) : s + ((65536 - s) >> 7));
  }
};

class RangeEncoder {
 public:
  void bit(BitModel& m, int b) {  // without branches on b (hard to predict)
    const std::uint32_t bound = (range_ >> 16) * clamp_p(m.p());
    low_ += b ? bound : 0;
    range_ = b ? range_ - bound : bound;
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
  // FORMAT.md §4 (modes 2, 3): flushes the fewest bytes that pin the final interval, drops
  // the always-zero first byte and up to 4 trailing zero bytes (the decoder reads zeros).
  std::vector<std::byte> finish_compact();

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
  // `compact`: a stream of finish_compact() (its implicit zero first byte is not stored).
  explicit RangeDecoder(std::span<const std::byte> data, bool compact = false);
  int bit(BitModel& m) {
    const std::uint32_t bound = (range_ >> 16) * RangeEncoder::clamp_p(m.p());
    const int b = code_ >= bound ? 1 : 0;
    code_ -= b ? bound : 0;
    range_ = b ? range_ - bound : bound;
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

// A token (0..255) as 8 binary decisions, most significant first, down the context's tree.
inline void encode_token(RangeEncoder& enc, BitModel* tree, int token) {
  int node = 1;
  for (int i = 7; i >= 0; --i) {
    const int b = (token >> i) & 1;
    enc.bit(tree[node], b);
    node = (node << 1) | b;
  }
}
inline int decode_token(RangeDecoder& dec, BitModel* tree) {
  int node = 1;
  for (int i = 0; i < 8; ++i) node = (node << 1) | dec.bit(tree[node]);
  return node - 256;
}
// Format 1.0 streams: a value (≤ kMaxTokenValue) as token + extra bits through the range coder.
void encode_value(RangeEncoder& enc, BitModel* tree, std::uint64_t v);
// Returns kEscapeToken's marker (UINT64_MAX) for an escape.
std::uint64_t decode_value(RangeDecoder& dec, BitModel* tree);
inline constexpr std::uint64_t kEscapeValue = ~std::uint64_t{0};


// Extra bits of format 1.1 streams (FORMAT.md §4): a plain bit stream, least significant bit
// first (stream bit k = bit k mod 8 of byte k / 8), padded with zero bits to a whole byte.
class BitWriter {
 public:
  // The low `n` (0..64) bits of v (higher bits of v must be 0).
  void put(std::uint64_t v, int n) {
    if (n > 32) {
      put32(static_cast<std::uint32_t>(v), 32);
      put32(static_cast<std::uint32_t>(v >> 32), n - 32);
    } else if (n > 0) {
      put32(static_cast<std::uint32_t>(v), n);
    }
  }
  std::uint64_t bits() const { return bits_; }
  std::vector<std::byte> finish();

 private:
  void put32(std::uint32_t v, int n) {
    acc_ |= std::uint64_t{v} << used_;
    used_ += n;
    bits_ += static_cast<std::uint64_t>(n);
    if (used_ >= 32) {
      for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::byte>(acc_ >> (8 * i)));
      acc_ >>= 32;
      used_ -= 32;
    }
  }
  std::vector<std::byte> out_;
  std::uint64_t acc_ = 0, bits_ = 0;
  int used_ = 0;  // < 32 between calls
};

// Reads a BitWriter's stream; reading past the end gives zeros and makes finish() throw.
class BitReader {
 public:
  explicit BitReader(std::span<const std::byte> data) : data_(data) {}
  std::uint64_t get(int n) {  // n in 0..64
    if (n > 32) {
      const std::uint64_t lo = get32(32);
      return lo | (std::uint64_t{get32(n - 32)} << 32);
    }
    return n > 0 ? get32(n) : 0;
  }
  // Throws Error(Corrupt) naming `what` unless the stream was read exactly to its last
  // byte and the padding bits are zero.
  void finish(const std::string& what) const;

 private:
  std::uint32_t get32(int n) {
    if (avail_ < n) refill();
    if (avail_ < n) {  // past the end: zeros
      over_ = true;
      avail_ = n;
    }
    const auto v = static_cast<std::uint32_t>(acc_ & ((std::uint64_t{1} << n) - 1));
    acc_ >>= n;
    avail_ -= n;
    return v;
  }
  void refill() {
    while (avail_ <= 56 && pos_ < data_.size()) {
      acc_ |= std::uint64_t{static_cast<std::uint8_t>(data_[pos_++])} << avail_;
      avail_ += 8;
    }
  }
  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
  std::uint64_t acc_ = 0;
  int avail_ = 0;
  bool over_ = false;
};

}  // namespace baler::codec
