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

std::vector<std::byte> RangeEncoder::finish_compact() {
  // The value with the most trailing zero bits inside [low, low + range): every byte below
  // them is zero and need not be stored.
  for (int k = 32; k >= 24; --k) {
    const std::uint64_t unit = std::uint64_t{1} << k;
    const std::uint64_t v = (low_ + unit - 1) & ~(unit - 1);
    if (v < low_ + range_) {
      low_ = v;
      break;
    }
  }
  for (int i = 0; i < 5; ++i) shift_low();
  if (out_.empty() || out_[0] != std::byte{0})
    throw Error(ErrorCode::Internal, "range coder: first output byte is not zero");
  std::size_t end = out_.size();
  for (int i = 0; i < 4 && end > 1 && out_[end - 1] == std::byte{0}; ++i) --end;
  return std::vector<std::byte>(out_.begin() + 1, out_.begin() + static_cast<std::ptrdiff_t>(end));
}

RangeDecoder::RangeDecoder(std::span<const std::byte> data, bool compact) : data_(data) {
  for (int i = compact ? 1 : 0; i < 5; ++i) code_ = (code_ << 8) | next();
}

std::vector<std::byte> BitWriter::finish() {
  for (int i = 0; i < used_; i += 8) out_.push_back(static_cast<std::byte>(acc_ >> i));
  acc_ = 0;
  used_ = 0;
  return std::move(out_);
}

void BitReader::finish(const std::string& what) const {
  if (over_ || pos_ != data_.size() || avail_ >= 8 || acc_ != 0)
    throw Error(ErrorCode::Corrupt, what + ": extra-bit stream of " + std::to_string(data_.size()) +
                                        " bytes does not match the decoded values");
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
