// Static token models coded with rANS (FORMAT.md §4, context modes 6 and 7): per context, the
// block's token frequencies scaled to 2^12, stored in the stream; values cost one table lookup
// and one multiply to decode, with no data-dependent branch.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baler/bytes.hpp"

namespace baler::codec {

inline constexpr int kRansScaleBits = 12;
inline constexpr std::uint32_t kRansScale = 1u << kRansScaleBits;
inline constexpr std::uint32_t kRansLow = 1u << 16;  // the state stays in [2^16, 2^32)

class StaticTokens {
 public:
  // Frequencies from counts[ctx * 256 + token] (contexts x 256): every token that occurs in a
  // context gets at least 1 of the 2^12; contexts that never occur get none.
  static StaticTokens fit(std::span<const std::uint32_t> counts, int contexts);
  // Reads and checks a description for `contexts` contexts (Malformed when it is not one).
  static StaticTokens read(ByteReader& r, int contexts);
  void write(ByteWriter& w) const;

  struct Sym {
    std::uint16_t freq, cum;
  };
  // Token of slot (x mod 2^12) in context ctx, and its frequency and cumulative start.
  int token_at(int ctx, std::uint32_t slot, Sym& s) const {
    const std::uint8_t k = slots_[static_cast<std::size_t>(ctx) * kRansScale + slot];
    s = sym_[static_cast<std::size_t>(ctx) * 256 + k];
    return tokens_[k];
  }
  // Frequency and start of `token` in context ctx (freq 0: the token cannot be coded there).
  Sym sym(int ctx, int token) const { return sym_[static_cast<std::size_t>(ctx) * 256 + index_[static_cast<std::size_t>(token)]]; }

 private:
  void build(int contexts);
  std::vector<std::uint8_t> tokens_;          // the used tokens, increasing
  std::array<std::uint8_t, 256> index_{};     // token -> position in tokens_
  std::vector<std::uint16_t> freq_;           // contexts x k, each used context's sum 2^12
  std::vector<std::uint8_t> used_;            // per context
  std::vector<Sym> sym_;                      // contexts x 256 (by token index)
  std::vector<std::uint8_t> slots_;           // contexts x 2^12: token index of each slot
};

// Encodes backwards: put() the symbols in reverse order, then finish() gives the bytes a
// RansDecoder reads forwards.
class RansEncoder {
 public:
  void put(StaticTokens::Sym s) {
    const std::uint32_t f = s.freq;
    if (x_ >= (std::uint64_t{f} << (32 - kRansScaleBits))) {  // 64-bit: f = 2^12 gives 2^32
      words_.push_back(static_cast<std::uint16_t>(x_));
      x_ >>= 16;
    }
    x_ = ((x_ / f) << kRansScaleBits) + x_ % f + s.cum;
  }
  std::vector<std::byte> finish();

 private:
  std::uint32_t x_ = kRansLow;
  std::vector<std::uint16_t> words_;
};

class RansDecoder {
 public:
  RansDecoder() = default;
  explicit RansDecoder(std::span<const std::byte> data);
  int get(const StaticTokens& t, int ctx) {
    StaticTokens::Sym s;
    const std::uint32_t slot = x_ & (kRansScale - 1);
    const int token = t.token_at(ctx, slot, s);
    x_ = s.freq * (x_ >> kRansScaleBits) + slot - s.cum;
    const std::uint32_t w = pos_ + 2 <= data_.size() ? load16() : 0;
    const bool more = x_ < kRansLow;
    x_ = more ? (x_ << 16) | w : x_;
    pos_ += more ? 2 : 0;
    return token;
  }
  // True when the stream ended exactly: every byte read and the state back at its start.
  bool exact() const { return pos_ == data_.size() && x_ == kRansLow; }

 private:
  std::uint32_t load16() const {
    return static_cast<std::uint32_t>(data_[pos_]) | static_cast<std::uint32_t>(data_[pos_ + 1]) << 8;
  }
  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
  std::uint32_t x_ = kRansLow;
};

}  // namespace baler::codec
