// Adaptive binary range coder: carry handling, flushing, token trees.
#include "range_coder.hpp"

namespace baler::codec {

void RangeEncoder::shift_low() {
  if (static_cast<std::uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
    const auto carry = static_cast<std::uint8_t>(low_ >> 32);
    std::uint8_t temp = cache_;
    do {
      out_.push_back(static_cast<std::byte>(static_cast<std::uint8_t>(temp + carry)));
      temp = 0xFF;
    } while (--cache_size_ != 0);
    cache_ = static_cast<std::uint8_t>(low_ >> 24);
  }
  ++cache_size_;
  low_ = (low_ & 0x00FFFFFFu) << 8;
}

std::vector<std::byte> RangeEncoder::finish() {
  for (int i = 0; i < 5; ++i) shift_low();
  return std::move(out_);
}

RangeDecoder::RangeDecoder(std::span<const std::byte> data) : data_(data) {
  for (int i = 0; i < 5; ++i) code_ = (code_ << 8) | next();
}

void encode_token(RangeEncoder& enc, BitModel* tree, int token) {
  int node = 1;
  for (int i = 7; i >= 0; --i) {
    const int b = (token >> i) & 1;
    enc.bit(tree[node], b);
    node = (node << 1) | b;
  }
}

int decode_token(RangeDecoder& dec, BitModel* tree) {
  int node = 1;
  for (int i = 0; i < 8; ++i) node = (node << 1) | dec.bit(tree[node]);
  return node - 256;
}

void encode_value(RangeEncoder& enc, BitModel* tree, std::uint64_t v) {
  const TokenSplit s = split_value(v);
  encode_token(enc, tree, s.token);
  if (s.extra_bits > 32) {
    enc.raw(static_cast<std::uint32_t>(s.extra >> 32), s.extra_bits - 32);
    enc.raw(static_cast<std::uint32_t>(s.extra), 32);
  } else if (s.extra_bits > 0) {
    enc.raw(static_cast<std::uint32_t>(s.extra), s.extra_bits);
  }
}

std::uint64_t decode_value(RangeDecoder& dec, BitModel* tree) {
  const int token = decode_token(dec, tree);
  if (token == kEscapeToken) return kEscapeValue;
  if (token > kMaxToken) throw Error(ErrorCode::Corrupt, "entropy-coded stream holds invalid token " + std::to_string(token));
  const int n = token_extra_bits(token);
  std::uint64_t extra = 0;
  if (n > 32) {
    extra = std::uint64_t{dec.raw(n - 32)} << 32;
    extra |= dec.raw(32);
  } else if (n > 0) {
    extra = dec.raw(n);
  }
  return join_value(token, extra);
}

}  // namespace baler::codec
