// Element types of arrays and table columns, with their names in numpy's notation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace baler {

// Numeric element types. Values are stored in files (container schema): never renumber.
enum class DType : std::uint8_t {
  Bool = 0,
  I8 = 1,
  I16 = 2,
  I32 = 3,
  I64 = 4,
  U8 = 5,
  U16 = 6,
  U32 = 7,
  U64 = 8,
  F16 = 9,
  F32 = 10,
  F64 = 11,
};

inline constexpr int kDTypeCount = 12;

std::size_t dtype_size(DType t) noexcept;
bool is_float(DType t) noexcept;          // F16, F32, F64
bool is_signed_int(DType t) noexcept;     // I8..I64
bool is_unsigned_int(DType t) noexcept;   // U8..U64 (not Bool)
std::string_view dtype_name(DType t) noexcept;  // "bool", "int8", ..., "float64"
// Parses a dtype name ("float32", "f4", "int64", "i8", "bool", ...). Throws Error(Unsupported).
DType parse_dtype(std::string_view name);
// Validates a byte read from a file. Throws Error(Malformed) naming `what`.
DType dtype_from_code(std::uint8_t code, std::string_view what);

// IEEE half as stored by numpy ('<f2'); conversions are exact for all finite halves.
struct Half {
  std::uint16_t bits = 0;
};
float half_to_float(Half h) noexcept;
Half float_to_half(float f) noexcept;  // round to nearest even

template <typename T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<std::int8_t> { static constexpr DType value = DType::I8; };
template <> struct dtype_of<std::int16_t> { static constexpr DType value = DType::I16; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::U8; };
template <> struct dtype_of<std::uint16_t> { static constexpr DType value = DType::U16; };
template <> struct dtype_of<std::uint32_t> { static constexpr DType value = DType::U32; };
template <> struct dtype_of<std::uint64_t> { static constexpr DType value = DType::U64; };
template <> struct dtype_of<Half> { static constexpr DType value = DType::F16; };
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };

// Calls f(T{}) with the C++ type of `t` (bool, int8_t, ..., Half, float, double).
template <typename F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::Bool: return std::forward<F>(f)(bool{});
    case DType::I8: return std::forward<F>(f)(std::int8_t{});
    case DType::I16: return std::forward<F>(f)(std::int16_t{});
    case DType::I32: return std::forward<F>(f)(std::int32_t{});
    case DType::I64: return std::forward<F>(f)(std::int64_t{});
    case DType::U8: return std::forward<F>(f)(std::uint8_t{});
    case DType::U16: return std::forward<F>(f)(std::uint16_t{});
    case DType::U32: return std::forward<F>(f)(std::uint32_t{});
    case DType::U64: return std::forward<F>(f)(std::uint64_t{});
    case DType::F16: return std::forward<F>(f)(Half{});
    case DType::F32: return std::forward<F>(f)(float{});
    case DType::F64: break;
  }
  return std::forward<F>(f)(double{});
}

}  // namespace baler
