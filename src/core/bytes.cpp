// Bounds-checked byte reading.
#include "baler/bytes.hpp"

#include <algorithm>

namespace baler {

void byteswap_inplace(std::byte* data, std::size_t count, std::size_t elem_size) noexcept {
  if (elem_size <= 1) return;
  for (std::size_t i = 0; i < count; ++i) std::reverse(data + i * elem_size, data + (i + 1) * elem_size);
}

void shuffle_bytes(const std::byte* in, std::byte* out, std::size_t count, std::size_t elem_size) noexcept {
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t k = 0; k < elem_size; ++k) out[k * count + i] = in[i * elem_size + k];
}

void unshuffle_bytes(const std::byte* in, std::byte* out, std::size_t count, std::size_t elem_size) noexcept {
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t k = 0; k < elem_size; ++k) out[i * elem_size + k] = in[k * count + i];
}

void ByteReader::need(std::uint64_t n, std::string_view field) const {
  if (n > remaining())
    fail(std::string(field) + " needs " + std::to_string(n) + " bytes at offset " +
         std::to_string(pos_) + " but only " + std::to_string(remaining()) + " remain");
}

void ByteReader::seek(std::uint64_t pos, std::string_view field) {
  if (pos > data_.size())
    fail(std::string(field) + " offset " + std::to_string(pos) + " is past the end (" +
         std::to_string(data_.size()) + " bytes)");
  pos_ = static_cast<std::size_t>(pos);
}

std::span<const std::byte> ByteReader::bytes(std::uint64_t n, std::string_view field) {
  need(n, field);
  auto s = data_.subspan(pos_, static_cast<std::size_t>(n));
  pos_ += static_cast<std::size_t>(n);
  return s;
}

void ByteReader::fail(std::string_view message) const {
  throw Error(code_, what_ + ": " + std::string(message));
}

}  // namespace baler
