// Internal helpers for the codec's byte layouts: strings, bounded counts, shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "baler/bytes.hpp"

namespace baler::codec {

inline void put_string(ByteWriter& w, const std::string& s) {
  w.le<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
  w.append(s.data(), s.size());
}

// A count read from a file, refused (Limit) above `limit` and (Malformed via need) when the
// remaining bytes cannot hold `count * min_item_bytes`.
inline std::uint64_t get_count(ByteReader& r, std::uint64_t count, std::uint64_t limit,
                               std::uint64_t min_item_bytes, const std::string& field) {
  if (count > limit)
    throw Error(ErrorCode::Limit, r.what() + ": " + field + " = " + std::to_string(count) +
                                      " exceeds the limit " + std::to_string(limit));
  if (min_item_bytes && count > r.remaining() / min_item_bytes)
    r.fail(field + " = " + std::to_string(count) + " items cannot fit in the " +
           std::to_string(r.remaining()) + " bytes left");
  return count;
}

inline std::string get_string(ByteReader& r, std::uint32_t limit, const std::string& field) {
  const auto n = get_count(r, r.le<std::uint32_t>(field), limit, 1, field + " length");
  auto b = r.bytes(n, field);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

inline void put_shape(ByteWriter& w, const std::vector<std::int64_t>& shape) {
  w.le<std::uint8_t>(static_cast<std::uint8_t>(shape.size()));
  for (auto d : shape) w.le<std::int64_t>(d);
}

inline std::vector<std::int64_t> get_shape(ByteReader& r, std::size_t max_dims, const std::string& field) {
  const auto n = get_count(r, r.le<std::uint8_t>(field), max_dims, 8, field + " ndim");
  std::vector<std::int64_t> s(n);
  for (auto& d : s) {
    d = r.le<std::int64_t>(field);
    if (d < 0) r.fail(field + " has a negative dimension " + std::to_string(d));
  }
  return s;
}

// Unsigned LEB128: 7 bits a byte, least significant first, at most 10 bytes (FORMAT.md §1).
inline void put_varint(ByteWriter& w, std::uint64_t v) {
  while (v >= 0x80) {
    w.le<std::uint8_t>(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  w.le<std::uint8_t>(static_cast<std::uint8_t>(v));
}

inline std::uint64_t get_varint(ByteReader& r, const std::string& field) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    const std::uint8_t b = r.le<std::uint8_t>(field);
    if (shift == 63 && b > 1) r.fail(field + " varint overflows 64 bits");
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      if (b == 0 && shift > 0) r.fail(field + " varint is not minimal");
      return v;
    }
  }
  r.fail(field + " varint is longer than 10 bytes");
}

inline void expect_end(const ByteReader& r, const std::string& field) {
  if (r.remaining() != 0)
    r.fail(field + " has " + std::to_string(r.remaining()) + " unexpected trailing bytes");
}

}  // namespace baler::codec
