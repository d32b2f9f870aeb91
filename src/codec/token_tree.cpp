// Token trees (FORMAT.md §4, modes 4 and 5): fitting, canonical codes, description on the wire.
#include "token_tree.hpp"

#include <algorithm>
#include <queue>
#include <string>

#include "wire.hpp"

namespace baler::codec {
namespace {

// Huffman code lengths of the non-zero counts (0 for the others); ties broken by node id, so
// the result depends on the counts alone.
std::array<std::uint8_t, 256> huffman_lengths(const std::array<std::uint64_t, 256>& counts) {
  struct Item {
    std::uint64_t w;
    int id;
    bool operator>(const Item& o) const { return w != o.w ? w > o.w : id > o.id; }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  std::vector<int> parent(512, -1);
  int next = 256;
  for (int t = 0; t < 256; ++t)
    if (counts[static_cast<std::size_t>(t)]) q.push({counts[static_cast<std::size_t>(t)], t});
  while (q.size() > 1) {
    const Item a = q.top();
    q.pop();
    const Item b = q.top();
    q.pop();
    parent[static_cast<std::size_t>(a.id)] = parent[static_cast<std::size_t>(b.id)] = next;
    q.push({a.w + b.w, next++});
  }
  std::array<std::uint8_t, 256> len{};
  for (int t = 0; t < 256; ++t) {
    if (!counts[static_cast<std::size_t>(t)]) continue;
    int d = 0;
    for (int p = parent[static_cast<std::size_t>(t)]; p >= 0; p = parent[static_cast<std::size_t>(p)]) ++d;
    len[static_cast<std::size_t>(t)] = static_cast<std::uint8_t>(std::min(d, 255));
  }
  return len;
}

}  // namespace

TokenTree TokenTree::fit(const std::array<std::uint64_t, 256>& counts) {
  auto c = counts;
  if (std::count_if(c.begin(), c.end(), [](std::uint64_t x) { return x > 0; }) <= 1) {
    std::array<std::uint8_t, 256> one{};
    for (int t = 0; t < 256; ++t) one[static_cast<std::size_t>(t)] = c[static_cast<std::size_t>(t)] ? 1 : 0;
    return from_lengths(one, nullptr);
  }
  for (;;) {
    const auto len = huffman_lengths(c);
    if (*std::max_element(len.begin(), len.end()) <= kTokenTreeMaxDepth) return from_lengths(len, nullptr);
    for (auto& x : c) x = x ? (x + 1) / 2 : 0;  // flatten the counts: shallower tree, same tokens
  }
}

TokenTree TokenTree::from_lengths(const std::array<std::uint8_t, 256>& len, const std::string* what) {
  TokenTree t;
  t.len_ = len;
  std::vector<int> used;
  for (int k = 0; k < 256; ++k)
    if (len[static_cast<std::size_t>(k)]) used.push_back(k);
  if (used.size() <= 1) {  // one token (length 0 on the wire): no decisions
    t.only_ = used.empty() ? 0 : used[0];
    t.len_.fill(0);
    return t;
  }
  std::stable_sort(used.begin(), used.end(), [&](int a, int b) { return len[static_cast<std::size_t>(a)] < len[static_cast<std::size_t>(b)]; });
  // Canonical codes: shorter first, then by token; the code space must be filled exactly.
  std::uint64_t code = 0;
  int prev = len[static_cast<std::size_t>(used[0])];
  for (std::size_t k = 0; k < used.size(); ++k) {
    const int l = len[static_cast<std::size_t>(used[k])];
    code <<= (l - prev);
    prev = l;
    if (code >> l) throw Error(ErrorCode::Malformed, (what ? *what + ": " : std::string()) + "token tree codes overflow (not a prefix code)");
    t.code_[static_cast<std::size_t>(used[k])] = static_cast<std::uint32_t>(code);
    ++code;
  }
  if (code != (std::uint64_t{1} << prev))
    throw Error(ErrorCode::Malformed, (what ? *what + ": " : std::string()) + "token tree is not complete");
  // Node table: node 0 is the root; paths are inserted code by code.
  t.child_.assign(2, 0);
  std::vector<bool> set(2, false);
  for (int tok : used) {
    const int l = len[static_cast<std::size_t>(tok)];
    const std::uint32_t c = t.code_[static_cast<std::size_t>(tok)];
    std::size_t node = 0;
    for (int i = l - 1; i >= 0; --i) {
      const std::size_t slot = 2 * node + ((c >> i) & 1u);
      if (i == 0) {
        t.child_[slot] = static_cast<std::int16_t>(~tok);
        set[slot] = true;
        break;
      }
      if (!set[slot]) {
        t.child_[slot] = static_cast<std::int16_t>(t.child_.size() / 2);
        set[slot] = true;
        t.child_.resize(t.child_.size() + 2, 0);
        set.resize(set.size() + 2, false);
      }
      node = static_cast<std::size_t>(t.child_[slot]);
    }
  }
  return t;
}

void TokenTree::write(ByteWriter& w) const {
  std::vector<int> used;
  for (int k = 0; k < 256; ++k)
    if (has(k)) used.push_back(k);
  put_varint(w, used.size());
  for (int k : used) {
    w.le<std::uint8_t>(static_cast<std::uint8_t>(k));
    w.le<std::uint8_t>(len_[static_cast<std::size_t>(k)]);
  }
}

TokenTree TokenTree::read(ByteReader& r) {
  const std::string what = r.what() + ": token tree";
  const auto k = get_varint(r, "token tree size");
  if (k == 0 || k > 256) r.fail("token tree size " + std::to_string(k) + " is not between 1 and 256");
  get_count(r, k, 256, 2, "token tree size");
  std::array<std::uint8_t, 256> len{};
  int last = -1;
  for (std::uint64_t i = 0; i < k; ++i) {
    const int tok = r.le<std::uint8_t>("token tree token");
    const int l = r.le<std::uint8_t>("token tree length");
    if (tok <= last) r.fail("token tree tokens are not increasing");
    if (tok > kMaxToken && tok != kEscapeToken) r.fail("token tree holds invalid token " + std::to_string(tok));
    if (k == 1 ? l != 0 : (l < 1 || l > kTokenTreeMaxDepth))
      r.fail("token tree length " + std::to_string(l) + " of token " + std::to_string(tok) + " is out of range");
    len[static_cast<std::size_t>(tok)] = static_cast<std::uint8_t>(k == 1 ? 1 : l);
    last = tok;
  }
  return from_lengths(len, &what);
}

}  // namespace baler::codec
