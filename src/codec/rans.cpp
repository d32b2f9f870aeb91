// Static token models and rANS (FORMAT.md §4, modes 6 and 7).
#include "rans.hpp"

#include <algorithm>
#include <numeric>

#include "range_coder.hpp"
#include "wire.hpp"

namespace baler::codec {

StaticTokens StaticTokens::fit(std::span<const std::uint32_t> counts, int contexts) {
  StaticTokens t;
  for (int k = 0; k < 256; ++k) {
    bool any = false;
    for (int c = 0; c < contexts && !any; ++c) any = counts[static_cast<std::size_t>(c) * 256 + static_cast<std::size_t>(k)] > 0;
    if (any) t.tokens_.push_back(static_cast<std::uint8_t>(k));
  }
  if (t.tokens_.empty()) t.tokens_.push_back(0);
  const std::size_t k = t.tokens_.size();
  t.freq_.assign(static_cast<std::size_t>(contexts) * k, 0);
  t.used_.assign(static_cast<std::size_t>(contexts), 0);
  for (int c = 0; c < contexts; ++c) {
    const std::uint32_t* h = &counts[static_cast<std::size_t>(c) * 256];
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < k; ++i) total += h[t.tokens_[i]];
    if (total == 0) continue;
    t.used_[static_cast<std::size_t>(c)] = 1;
    std::uint16_t* f = &t.freq_[static_cast<std::size_t>(c) * k];
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const std::uint64_t n = h[t.tokens_[i]];
      if (!n) continue;
      f[i] = static_cast<std::uint16_t>(std::max<std::uint64_t>(1, (n * kRansScale + total / 2) / total));
      sum += f[i];
    }
    // Bring the sum to exactly 2^12: the largest frequencies give or take the difference.
    std::vector<std::size_t> order(k);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return f[a] > f[b]; });
    if (sum < kRansScale) f[order[0]] = static_cast<std::uint16_t>(f[order[0]] + (kRansScale - sum));
    for (std::size_t j = 0; sum > kRansScale; j = (j + 1) % k) {
      const std::size_t i = order[j];
      const std::int64_t take = std::min<std::int64_t>(sum - kRansScale, f[i] > 1 ? std::max<std::int64_t>(1, (f[i] - 1) / 2) : 0);
      f[i] = static_cast<std::uint16_t>(f[i] - take);
      sum -= take;
    }
  }
  t.build(contexts);
  return t;
}

void StaticTokens::build(int contexts) {
  const std::size_t k = tokens_.size();
  index_.fill(0);
  for (std::size_t i = 0; i < k; ++i) index_[tokens_[i]] = static_cast<std::uint8_t>(i);
  sym_.assign(static_cast<std::size_t>(contexts) * 256, Sym{0, 0});
  slots_.assign(static_cast<std::size_t>(contexts) * kRansScale, 0);
  for (int c = 0; c < contexts; ++c) {
    Sym* s = &sym_[static_cast<std::size_t>(c) * 256];
    if (!used_[static_cast<std::size_t>(c)]) {  // never coded: a valid table all the same
      s[0] = {static_cast<std::uint16_t>(kRansScale), 0};
      continue;
    }
    std::uint32_t cum = 0;
    std::uint8_t* slot = &slots_[static_cast<std::size_t>(c) * kRansScale];
    for (std::size_t i = 0; i < k; ++i) {
      const std::uint16_t f = freq_[static_cast<std::size_t>(c) * k + i];
      s[i] = {f, static_cast<std::uint16_t>(cum)};
      std::fill(slot + cum, slot + cum + f, static_cast<std::uint8_t>(i));
      cum += f;
    }
  }
}

void StaticTokens::write(ByteWriter& w) const {
  put_varint(w, tokens_.size());
  for (auto t : tokens_) w.le<std::uint8_t>(t);
  const std::size_t k = tokens_.size();
  for (std::size_t c = 0; c < used_.size(); ++c) {
    w.le<std::uint8_t>(used_[c]);
    if (used_[c])
      for (std::size_t i = 0; i < k; ++i) put_varint(w, freq_[c * k + i]);
  }
}

StaticTokens StaticTokens::read(ByteReader& r, int contexts) {
  StaticTokens t;
  const auto k = get_varint(r, "static token count");
  if (k == 0 || k > 256) r.fail("static token count " + std::to_string(k) + " is not between 1 and 256");
  get_count(r, k, 256, 1, "static token count");
  int last = -1;
  for (std::uint64_t i = 0; i < k; ++i) {
    const int tok = r.le<std::uint8_t>("static token");
    if (tok <= last) r.fail("static tokens are not increasing");
    if (tok > kMaxToken && tok != kEscapeToken) r.fail("static token list holds invalid token " + std::to_string(tok));
    t.tokens_.push_back(static_cast<std::uint8_t>(tok));
    last = tok;
  }
  t.freq_.assign(static_cast<std::size_t>(contexts) * k, 0);
  t.used_.assign(static_cast<std::size_t>(contexts), 0);
  for (int c = 0; c < contexts; ++c) {
    const int used = r.le<std::uint8_t>("static context flag");
    if (used > 1) r.fail("static context flag is " + std::to_string(used));
    t.used_[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(used);
    if (!used) continue;
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < k; ++i) {
      const auto f = get_varint(r, "static frequency");
      if (f > kRansScale) r.fail("static frequency " + std::to_string(f) + " exceeds 4096");
      t.freq_[static_cast<std::size_t>(c) * k + i] = static_cast<std::uint16_t>(f);
      sum += f;
    }
    if (sum != kRansScale) r.fail("static frequencies of context " + std::to_string(c) + " sum to " + std::to_string(sum) + ", not 4096");
  }
  t.build(contexts);
  return t;
}

std::vector<std::byte> RansEncoder::finish() {
  std::vector<std::byte> out;
  out.reserve(4 + 2 * words_.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(x_ >> (8 * i)));
  for (auto it = words_.rbegin(); it != words_.rend(); ++it) {
    out.push_back(static_cast<std::byte>(*it & 0xFF));
    out.push_back(static_cast<std::byte>(*it >> 8));
  }
  return out;
}

RansDecoder::RansDecoder(std::span<const std::byte> data) : data_(data) {
  if (data.size() < 4) {  // not a stream: exact() stays false
    pos_ = data.size() + 1;
    x_ = 0;
    return;
  }
  x_ = 0;
  for (int i = 0; i < 4; ++i) x_ |= static_cast<std::uint32_t>(data[static_cast<std::size_t>(i)]) << (8 * i);
  pos_ = 4;
}

}  // namespace baler::codec
