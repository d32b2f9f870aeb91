// Tokens binarised by a prefix code fitted to a block's token counts (FORMAT.md §4, context
// modes 4 and 5): a token costs as many adaptive binary decisions as its code has bits, about
// the entropy of the tokens plus one, instead of eight down the fixed 256-leaf tree.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "baler/bytes.hpp"
#include "range_coder.hpp"

namespace baler::codec {

inline constexpr int kTokenTreeMaxDepth = 24;

class TokenTree {
 public:
  // Huffman code of the tokens with a non-zero count (ties broken by token, depth ≤ 24: counts
  // are halved until it fits). At least one count must be non-zero.
  static TokenTree fit(const std::array<std::uint64_t, 256>& counts);
  // Reads and checks a tree description (Malformed when it is not a complete prefix code).
  static TokenTree read(ByteReader& r);
  void write(ByteWriter& w) const;

  // Bit models each context needs (one per internal node; at least 1).
  std::size_t models() const { return child_.size() / 2 > 0 ? child_.size() / 2 : 1; }
  bool has(int token) const { return len_[static_cast<std::size_t>(token)] > 0 || only_ == token; }

  void encode(RangeEncoder& enc, BitModel* m, int token) const {
    const std::uint32_t code = code_[static_cast<std::size_t>(token)];
    int node = 0;
    for (int i = len_[static_cast<std::size_t>(token)] - 1; i >= 0; --i) {
      const int b = static_cast<int>((code >> i) & 1u);
      enc.bit(m[node], b);
      node = child_[static_cast<std::size_t>(2 * node + b)];
    }
  }
  int decode(RangeDecoder& dec, BitModel* m) const {
    if (only_ >= 0) return only_;
    int node = 0;
    do node = child_[static_cast<std::size_t>(2 * node + dec.bit(m[node]))];
    while (node >= 0);
    return ~node;
  }

 private:
  // From code lengths (0 = unused): canonical codes and the node table.
  static TokenTree from_lengths(const std::array<std::uint8_t, 256>& len, const std::string* what);
  std::array<std::uint8_t, 256> len_{};
  std::array<std::uint32_t, 256> code_{};
  std::vector<std::int16_t> child_;  // 2 per internal node: >= 0 an internal node, < 0 ~token
  int only_ = -1;                    // the single token of a one-token tree (no decisions)
};

}  // namespace baler::codec
