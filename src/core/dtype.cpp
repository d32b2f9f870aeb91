// Element type sizes, names and IEEE half conversions.
#include "baler/dtype.hpp"

#include <array>
#include <bit>
#include <cstring>

#include "baler/error.hpp"

namespace baler {
namespace {

struct DTypeInfo {
  DType type;
  std::size_t size;
  std::string_view name;
  std::string_view short_name;  // numpy's kind+size, without byte order
};

constexpr std::array<DTypeInfo, kDTypeCount> kInfo = {{
    {DType::Bool, 1, "bool", "b1"},
    {DType::I8, 1, "int8", "i1"},
    {DType::I16, 2, "int16", "i2"},
    {DType::I32, 4, "int32", "i4"},
    {DType::I64, 8, "int64", "i8"},
    {DType::U8, 1, "uint8", "u1"},
    {DType::U16, 2, "uint16", "u2"},
    {DType::U32, 4, "uint32", "u4"},
    {DType::U64, 8, "uint64", "u8"},
    {DType::F16, 2, "float16", "f2"},
    {DType::F32, 4, "float32", "f4"},
    {DType::F64, 8, "float64", "f8"},
}};

const DTypeInfo& info(DType t) noexcept { return kInfo[static_cast<std::size_t>(t)]; }

}  // namespace

std::size_t dtype_size(DType t) noexcept { return info(t).size; }
std::string_view dtype_name(DType t) noexcept { return info(t).name; }
bool is_float(DType t) noexcept { return t == DType::F16 || t == DType::F32 || t == DType::F64; }
bool is_signed_int(DType t) noexcept { return t >= DType::I8 && t <= DType::I64; }
bool is_unsigned_int(DType t) noexcept { return t >= DType::U8 && t <= DType::U64; }

DType parse_dtype(std::string_view name) {
  for (const auto& i : kInfo)
    if (name == i.name || name == i.short_name) return i.type;
  if (name == "double") return DType::F64;
  if (name == "float") return DType::F32;
  if (name == "half") return DType::F16;
  throw Error(ErrorCode::Unsupported, "unknown dtype '" + std::string(name) + "'");
}

DType dtype_from_code(std::uint8_t code, std::string_view what) {
  if (code >= kDTypeCount)
    throw Error(ErrorCode::Malformed, std::string(what) + ": dtype code " + std::to_string(code) +
                                          " is not one of 0.." + std::to_string(kDTypeCount - 1));
  return static_cast<DType>(code);
}

float half_to_float(Half h) noexcept {
  const std::uint32_t sign = (h.bits & 0x8000u) << 16;
  const std::uint32_t exp = (h.bits >> 10) & 0x1fu;
  const std::uint32_t man = h.bits & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // Inf or NaN, payload kept
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal half: value = man × 2^-24, exact in float
    float v = static_cast<float>(man) * 0x1p-24f;
    return sign ? -v : v;
  }
  return std::bit_cast<float>(bits);
}

Half float_to_half(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t exp = (x >> 23) & 0xffu;
  std::uint32_t man = x & 0x7fffffu;
  if (exp == 0xff) {  // Inf / NaN (keep NaN quiet and non-zero)
    std::uint16_t m = man ? static_cast<std::uint16_t>(0x200u | (man >> 13)) : 0;
    return Half{static_cast<std::uint16_t>(sign | 0x7c00u | m)};
  }
  const int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 0x1f) return Half{static_cast<std::uint16_t>(sign | 0x7c00u)};  // overflow to Inf
  if (e <= 0) {                                                             // subnormal or zero
    if (e < -10) return Half{sign};
    man |= 0x800000u;
    const int shift = 14 - e;
    std::uint32_t h = man >> shift;
    const std::uint32_t rem = man & ((1u << shift) - 1);
    const std::uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return Half{static_cast<std::uint16_t>(sign | h)};
  }
  std::uint32_t h = (static_cast<std::uint32_t>(e) << 10) | (man >> 13);
  const std::uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent: fine
  return Half{static_cast<std::uint16_t>(sign | h)};
}

}  // namespace baler
