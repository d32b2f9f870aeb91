// Helpers for the I/O tests: seeded arrays of every dtype with edge values, error checks, files.
#pragma once

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "baler/array.hpp"
#include "test_support.hpp"

namespace baler::test {

inline constexpr DType kAllDTypes[] = {DType::Bool, DType::I8,  DType::I16, DType::I32,
                                       DType::I64,  DType::U8,  DType::U16, DType::U32,
                                       DType::U64,  DType::F16, DType::F32, DType::F64};

// Seeded values of dtype t with the type's edge cases first: min, max, 0, and for floats
// NaN, +Inf, -Inf, -0.0, the smallest subnormal.
inline Array random_array(DType t, std::vector<std::int64_t> shape, std::uint64_t seed) {
  Array a(t, std::move(shape));
  auto gen = rng(seed);
  visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    auto v = a.as<T>();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::uint64_t bits = gen();
      if constexpr (std::is_same_v<T, bool>) {
        v[i] = bits & 1;
      } else if constexpr (std::is_same_v<T, Half>) {
        static const std::uint16_t edge[] = {0x7e00, 0x7c00, 0xfc00, 0x8000, 0x0001, 0x7bff, 0xfbff};
        v[i] = Half{i < 7 ? edge[i] : static_cast<std::uint16_t>(bits & 0x7bff)};
      } else if constexpr (std::is_floating_point_v<T>) {
        const T edge[] = {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity(),
                          -std::numeric_limits<T>::infinity(), T(-0.0),
                          std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::max(),
                          std::numeric_limits<T>::lowest()};
        const double x = std::ldexp(static_cast<double>(bits >> 11) * 0x1p-53 - 0.5,
                                    static_cast<int>(bits % 60) - 30);
        v[i] = i < 7 ? edge[i] : static_cast<T>(x);
      } else {
        const T edge[] = {std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), T(0)};
        T r;
        std::memcpy(&r, &bits, sizeof(T));
        v[i] = i < 3 ? edge[i] : r;
      }
    }
  });
  return a;
}

// Runs f and checks that it throws Error with `code` and a message containing every needle.
inline void expect_error(const std::function<void()>& f, ErrorCode code,
                         const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "no error thrown; expected " << error_code_name(code);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
        << "message '" << e.what() << "' lacks '" << n << "'";
  }
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

inline std::string bytes_as_string(const std::vector<std::byte>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A .npy image with a hand-written header (version 1, 2 or 3) and raw data bytes.
inline std::string npy_image(const std::string& dict, const std::string& data, int version = 1) {
  std::string h = dict;
  const std::size_t pre = version == 1 ? 10 : 12;
  while ((pre + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const auto n = static_cast<std::uint32_t>(h.size());
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (version != 1) {
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>(n >> 24);
  }
  return out + h + data;
}

}  // namespace baler::test
