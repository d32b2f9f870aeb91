// Standard compressors baler is compared against: zstd, xz, byte shuffle, mantissa truncation, zfp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler::bench {

using Bytes = std::vector<std::byte>;

// Bytes charged to every encoded array for what a real container would have to record
// (dtype, length, codec parameters): baselines are never credited with free metadata.
inline constexpr std::size_t kArrayHeaderBytes = 16;

// zstd at `level`; zstd_unpack needs the exact decoded size. Throw Error(Internal|Corrupt).
Bytes zstd_pack(std::span<const std::byte> in, int level);
Bytes zstd_unpack(std::span<const std::byte> in, std::size_t size);
// xz (liblzma, preset 9 with the dictionary capped at the input size, no integrity check). Throw Error(Internal|Corrupt).
Bytes xz_pack(std::span<const std::byte> in);
Bytes xz_unpack(std::span<const std::byte> in, std::size_t size);
// Byte shuffle: byte k of every element together (planes of elem_size bytes). Sizes that
// are not a multiple of elem_size are refused with Error(Internal).
Bytes shuffle_bytes(std::span<const std::byte> in, std::size_t elem_size);
Bytes unshuffle_bytes(std::span<const std::byte> in, std::size_t elem_size);

// The fewest mantissa bits (0..23 for float32, 0..52 for float64) such that rounding every
// finite value to nearest at that precision changes it by at most `bound`. NaN/Inf are kept.
// Non-float arrays: returns the array unchanged and bits = -1.
Array truncate_mantissa(const Array& a, double bound, int* bits_kept = nullptr);
// Every finite value rounded to nearest (ties away from zero) at `bits` mantissa bits.
Array round_mantissa(const Array& a, int bits);

// zfp fixed-accuracy (tolerance = bound; bound 0 = zfp's reversible mode). Float32/float64
// arrays of 1..4 dims (more dims are folded into the slowest one). zfp does not promise the
// tolerance for every value: callers must check. Throws Error(Unsupported) for other dtypes.
Bytes zfp_pack(const Array& a, double bound);
Array zfp_unpack(std::span<const std::byte> in, DType dtype, const std::vector<std::int64_t>& shape,
                 double bound);

// One baseline codec, applied to one array (a table column, or a whole field).
struct Baseline {
  std::string name;     // "zstd-19", "xz-9+shuffle", "trunc+shuffle+zstd", "zfp-accuracy"
  bool lossy = false;   // false: decoding must give back the same bytes
  bool guaranteed = false;  // lossy and the bound holds by construction (0 violations expected)
  std::function<Bytes(const Array&, double bound)> encode;
  std::function<Array(std::span<const std::byte>, DType, const std::vector<std::int64_t>&, double bound)> decode;
};

// Lossless ones first (zstd-19, zstd-19+shuffle, xz-9, xz-9+shuffle), then the bounded lossy
// ones (trunc+shuffle+zstd, zfp-accuracy). Lossy codecs store non-float arrays losslessly.
std::vector<Baseline> standard_baselines();

// SZ3 with an absolute bound (bench/baselines_sz3.cpp), when the build found SZ3's source
// (../shared/peers/SZ3-src.tar.gz, extracted into the build folder); otherwise nullopt and
// `why_not` says what is missing. Non-float arrays, and arrays SZ3 refuses, are stored
// losslessly (zstd-19+shuffle).
std::optional<Baseline> sz3_baseline(std::string* why_not = nullptr);

}  // namespace baler::bench
