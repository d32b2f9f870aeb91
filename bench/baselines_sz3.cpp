// SZ3 (error-bounded lossy compressor: interpolation + Lorenzo predictors, quantisation,
// Huffman + zstd) as a baseline, compiled from ../shared/peers/SZ3-src.tar.gz, which CMake
// extracts into the build folder (bench/CMakeLists.txt). Absolute bound; fields as N-d arrays
// (up to 4 dimensions, more folded into the slowest), table columns as 1-D arrays.
#include "baselines_codecs.hpp"

#include <cstring>
#include <memory>

#include "baler/error.hpp"

#if BALER_HAVE_SZ3
#include "SZ3/api/sz.hpp"
#endif

namespace baler::bench {

#if BALER_HAVE_SZ3
namespace {

// SZ3's configuration for an array: dims slowest first (SZ3 drops dims of 1), at most 4 (leading
// ones folded), ABS bound, its default algorithm (interpolation with Lorenzo fallback).
SZ3::Config sz3_config(const std::vector<std::int64_t>& shape, double bound) {
  std::vector<std::size_t> dims;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    const auto d = static_cast<std::size_t>(shape[k]);
    if (dims.size() + (shape.size() - k) > 4 && !dims.empty())
      dims.back() *= d;  // fold leading dimensions so that at most 4 remain
    else
      dims.push_back(d);
  }
  if (dims.empty()) dims.push_back(1);
  SZ3::Config conf;
  conf.setDims(dims.begin(), dims.end());
  conf.errorBoundMode = SZ3::EB_ABS;
  conf.absErrorBound = bound;
  return conf;
}

template <typename T>
Bytes sz3_pack_typed(const Array& a, double bound) {
  SZ3::Config conf = sz3_config(a.shape, bound);
  std::size_t n = 0;
  std::unique_ptr<char[]> out(SZ_compress<T>(conf, reinterpret_cast<const T*>(a.bytes.data()), n));
  Bytes b(n);
  std::memcpy(b.data(), out.get(), n);
  return b;
}

template <typename T>
Array sz3_unpack_typed(std::span<const std::byte> in, DType t, const std::vector<std::int64_t>& shape, double bound) {
  SZ3::Config conf = sz3_config(shape, bound);
  Array out(t, shape);
  // SZ3 takes the dims from the stream: let it allocate, then check the count before copying.
  std::unique_ptr<T[]> dec(SZ_decompress<T>(conf, reinterpret_cast<const char*>(in.data()), in.size()));
  require(conf.num * sizeof(T) == out.bytes.size(), ErrorCode::Corrupt, "sz3 baseline: decoded size differs");
  std::memcpy(out.bytes.data(), dec.get(), out.bytes.size());
  return out;
}

bool sz3_can(DType t) { return t == DType::F32 || t == DType::F64; }

}  // namespace

std::optional<Baseline> sz3_baseline(std::string* why_not) {
  (void)why_not;
  const Baseline lossless = standard_baselines()[1];  // zstd-19+shuffle, for what SZ3 cannot take
  Baseline b;
  b.name = "sz3";
  b.lossy = b.guaranteed = true;  // SZ3 promises the absolute bound for every value
  // First byte: 1 = an SZ3 stream, 0 = stored losslessly (integers, or an array SZ3 refuses: its
  // output buffer estimate fails on very short 1-D arrays).
  b.encode = [lossless](const Array& a, double bound) {
    Bytes body;
    std::byte kind{0};
    if (sz3_can(a.dtype) && bound > 0) {
      try {
        body = a.dtype == DType::F32 ? sz3_pack_typed<float>(a, bound) : sz3_pack_typed<double>(a, bound);
        kind = std::byte{1};
      } catch (const std::exception&) {
        body.clear();
      }
    }
    if (kind == std::byte{0}) body = lossless.encode(a, bound);
    body.insert(body.begin(), kind);
    return body;
  };
  b.decode = [lossless](std::span<const std::byte> in, DType t, const std::vector<std::int64_t>& shape,
                        double bound) {
    require(!in.empty(), ErrorCode::Corrupt, "sz3 baseline: empty stream");
    const auto body = in.subspan(1);
    if (in[0] == std::byte{0}) return lossless.decode(body, t, shape, bound);
    return t == DType::F32 ? sz3_unpack_typed<float>(body, t, shape, bound)
                           : sz3_unpack_typed<double>(body, t, shape, bound);
  };
  return b;
}

#else

std::optional<Baseline> sz3_baseline(std::string* why_not) {
  if (why_not) *why_not = "SZ3 not built: " BALER_SZ3_MISSING;
  return std::nullopt;
}

#endif

}  // namespace baler::bench
