// Bounds-checked reading of untrusted bytes, and little-/big-endian encoding helpers.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "baler/error.hpp"

namespace baler {

template <typename T>
T byteswap_value(T v) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  unsigned char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
  std::memcpy(&v, b, sizeof(T));
  return v;
}

// Reverses the byte order of `count` elements of `elem_size` bytes in place.
void byteswap_inplace(std::byte* data, std::size_t count, std::size_t elem_size) noexcept;
// Byte planes ("shuffle"): byte k of element i goes to out[k * count + i]; unshuffle_bytes
// undoes it. `in` and `out` each hold count * elem_size bytes and must not overlap.
void shuffle_bytes(const std::byte* in, std::byte* out, std::size_t count, std::size_t elem_size) noexcept;
void unshuffle_bytes(const std::byte* in, std::byte* out, std::size_t count, std::size_t elem_size) noexcept;

// Reads values from a byte span, checking every length against the bytes that remain.
// Errors are Error(code) naming the source (`what`, e.g. the file name) and the field.
class ByteReader {
 public:
  ByteReader(std::span<const std::byte> data, std::string what,
             ErrorCode code = ErrorCode::Malformed)
      : data_(data), what_(std::move(what)), code_(code) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t size() const { return data_.size(); }
  const std::string& what() const { return what_; }
  // The byte at the read position (where a field starts, for a writer that patches it).
  const std::byte* here() const { return data_.data() + pos_; }

  // Throws unless n bytes remain; `field` names what is being read.
  void need(std::uint64_t n, std::string_view field) const;
  void seek(std::uint64_t pos, std::string_view field);
  void skip(std::uint64_t n, std::string_view field) { need(n, field); pos_ += n; }
  std::span<const std::byte> bytes(std::uint64_t n, std::string_view field);

  template <typename T> T le(std::string_view field) { return get<T>(field, std::endian::little); }
  template <typename T> T be(std::string_view field) { return get<T>(field, std::endian::big); }

  [[noreturn]] void fail(std::string_view message) const;

 private:
  template <typename T> T get(std::string_view field, std::endian order) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    if (order != std::endian::native) v = byteswap_value(v);
    return v;
  }

  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
  std::string what_;
  ErrorCode code_;
};

// Appends values in little-endian order.
class ByteWriter {
 public:
  template <typename T> void le(T v) {
    if constexpr (std::endian::native != std::endian::little) v = byteswap_value(v);
    append(&v, sizeof(T));
  }
  void append(const void* p, std::size_t n) {
    auto b = static_cast<const std::byte*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  void append(std::span<const std::byte> s) { buf_.insert(buf_.end(), s.begin(), s.end()); }
  std::vector<std::byte>& buffer() { return buf_; }
  std::size_t size() const { return buf_.size(); }

 private:
  std::vector<std::byte> buf_;
};

}  // namespace baler
