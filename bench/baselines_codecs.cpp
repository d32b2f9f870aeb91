// Standard compressors for the comparison benchmark: zstd, xz, shuffle, mantissa truncation, zfp.
#include "baselines_codecs.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include <lzma.h>
#include <zfp.h>
#include <zstd.h>

#include "baler/bytes.hpp"
#include "baler/error.hpp"

namespace baler::bench {

Bytes zstd_pack(std::span<const std::byte> in, int level) {
  Bytes out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level);
  require(!ZSTD_isError(n), ErrorCode::Internal, std::string("zstd compress: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Bytes zstd_unpack(std::span<const std::byte> in, std::size_t size) {
  Bytes out(size);
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  require(!ZSTD_isError(n) && n == size, ErrorCode::Corrupt,
          std::string("zstd decompress: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size"));
  return out;
}

Bytes xz_pack(std::span<const std::byte> in) {
  Bytes out(lzma_stream_buffer_bound(in.size()));
  std::size_t pos = 0;
  // Preset 9 with the dictionary capped at the input size: the same output for inputs that fit,
  // without allocating (and timing) preset 9's 64 MiB dictionary for every small column.
  lzma_options_lzma opt{};
  require(!lzma_lzma_preset(&opt, 9), ErrorCode::Internal, "xz: preset 9 unavailable");
  opt.dict_size = std::clamp<std::uint32_t>(static_cast<std::uint32_t>(std::min<std::size_t>(in.size(), opt.dict_size)),
                                            LZMA_DICT_SIZE_MIN, opt.dict_size);
  const lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, nullptr}};
  const lzma_ret r = lzma_stream_buffer_encode(const_cast<lzma_filter*>(filters), LZMA_CHECK_NONE, nullptr,
                                               reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                               reinterpret_cast<uint8_t*>(out.data()), &pos, out.size());
  require(r == LZMA_OK, ErrorCode::Internal, "xz compress failed with code " + std::to_string(r));
  out.resize(pos);
  return out;
}

Bytes xz_unpack(std::span<const std::byte> in, std::size_t size) {
  Bytes out(size);
  std::uint64_t memlimit = std::numeric_limits<std::uint64_t>::max();
  std::size_t in_pos = 0, out_pos = 0;
  const lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, nullptr, reinterpret_cast<const uint8_t*>(in.data()),
                                               &in_pos, in.size(), reinterpret_cast<uint8_t*>(out.data()), &out_pos,
                                               out.size());
  require(r == LZMA_OK && out_pos == size, ErrorCode::Corrupt, "xz decompress failed with code " + std::to_string(r));
  return out;
}

Bytes shuffle_bytes(std::span<const std::byte> in, std::size_t elem_size) {
  require(elem_size > 0 && in.size() % elem_size == 0, ErrorCode::Internal, "shuffle: size not a multiple");
  Bytes out(in.size());
  baler::shuffle_bytes(in.data(), out.data(), in.size() / elem_size, elem_size);
  return out;
}

Bytes unshuffle_bytes(std::span<const std::byte> in, std::size_t elem_size) {
  require(elem_size > 0 && in.size() % elem_size == 0, ErrorCode::Internal, "unshuffle: size not a multiple");
  Bytes out(in.size());
  baler::unshuffle_bytes(in.data(), out.data(), in.size() / elem_size, elem_size);
  return out;
}

namespace {

// Rounds the magnitude to `keep` mantissa bits, ties away from zero (adding half an ulp to the
// bit pattern carries into the exponent exactly when the rounded value needs it).
template <typename F, typename U>
F round_mantissa(F x, int keep, int mant_bits) {
  const int drop = mant_bits - keep;
  if (drop <= 0 || !std::isfinite(x)) return x;
  U bits = std::bit_cast<U>(x);
  bits = (bits + (U{1} << (drop - 1))) & ~((U{1} << drop) - 1);
  return std::bit_cast<F>(bits);
}

template <typename F, typename U>
Array truncate_typed(const Array& a, double bound, int mant_bits, int* bits_kept) {
  const auto x = a.as<F>();
  int keep = 0;
  for (; keep < mant_bits; ++keep) {
    bool ok = true;
    for (F v : x) {
      const F t = round_mantissa<F, U>(v, keep, mant_bits);
      if (std::isfinite(v) && !(std::fabs(static_cast<double>(t) - static_cast<double>(v)) <= bound)) {
        ok = false;
        break;
      }
    }
    if (ok) break;
  }
  Array out = a;
  for (auto& v : out.as<F>()) v = round_mantissa<F, U>(v, keep, mant_bits);
  if (bits_kept) *bits_kept = keep;
  return out;
}

zfp_type zfp_type_of(DType t) {
  require(t == DType::F32 || t == DType::F64, ErrorCode::Unsupported, "zfp: float32/float64 only");
  return t == DType::F32 ? zfp_type_float : zfp_type_double;
}

// zfp field over `data` with the array's shape (C order: the last dim varies fastest = zfp's x).
std::unique_ptr<zfp_field, void (*)(zfp_field*)> make_field(void* data, DType t, const std::vector<std::int64_t>& shape) {
  std::vector<std::size_t> d;
  for (auto s : shape) d.push_back(static_cast<std::size_t>(s));
  if (d.empty()) d.push_back(1);
  while (d.size() > 4) {  // fold the slowest dims together
    d[1] *= d[0];
    d.erase(d.begin());
  }
  const zfp_type zt = zfp_type_of(t);
  zfp_field* f = nullptr;
  switch (d.size()) {
    case 1: f = zfp_field_1d(data, zt, d[0]); break;
    case 2: f = zfp_field_2d(data, zt, d[1], d[0]); break;
    case 3: f = zfp_field_3d(data, zt, d[2], d[1], d[0]); break;
    default: f = zfp_field_4d(data, zt, d[3], d[2], d[1], d[0]); break;
  }
  require(f != nullptr, ErrorCode::Internal, "zfp_field allocation failed");
  return {f, zfp_field_free};
}

// A zfp stream in accuracy (or, for bound 0, reversible) mode over a buffer set by attach().
struct ZfpStream {
  zfp_stream* zs = nullptr;
  bitstream* bits = nullptr;
  explicit ZfpStream(double bound) {
    zs = zfp_stream_open(nullptr);
    require(zs != nullptr, ErrorCode::Internal, "zfp stream allocation failed");
    if (bound > 0) zfp_stream_set_accuracy(zs, bound);
    else zfp_stream_set_reversible(zs);
  }
  void attach(void* buf, std::size_t size) {
    bits = stream_open(buf, size);
    require(bits != nullptr, ErrorCode::Internal, "zfp bit stream allocation failed");
    zfp_stream_set_bit_stream(zs, bits);
    zfp_stream_rewind(zs);
  }
  ~ZfpStream() {
    zfp_stream_close(zs);
    if (bits) stream_close(bits);
  }
  ZfpStream(const ZfpStream&) = delete;
  ZfpStream& operator=(const ZfpStream&) = delete;
};

}  // namespace

Array truncate_mantissa(const Array& a, double bound, int* bits_kept) {
  if (a.dtype == DType::F32) return truncate_typed<float, std::uint32_t>(a, bound, 23, bits_kept);
  if (a.dtype == DType::F64) return truncate_typed<double, std::uint64_t>(a, bound, 52, bits_kept);
  if (bits_kept) *bits_kept = -1;
  return a;
}

Array round_mantissa(const Array& a, int bits) {
  Array out = a;
  if (a.dtype == DType::F32)
    for (auto& v : out.as<float>()) v = round_mantissa<float, std::uint32_t>(v, bits, 23);
  else if (a.dtype == DType::F64)
    for (auto& v : out.as<double>()) v = round_mantissa<double, std::uint64_t>(v, bits, 52);
  return out;
}

Bytes zfp_pack(const Array& a, double bound) {
  Array copy = a;  // zfp's field API takes a non-const pointer
  auto field = make_field(copy.bytes.data(), a.dtype, a.shape);
  ZfpStream w(bound);
  Bytes out(zfp_stream_maximum_size(w.zs, field.get()));
  w.attach(out.data(), out.size());
  const std::size_t n = zfp_compress(w.zs, field.get());
  require(n > 0, ErrorCode::Internal, "zfp_compress failed");
  out.resize(n);
  return out;
}

Array zfp_unpack(std::span<const std::byte> in, DType dtype, const std::vector<std::int64_t>& shape, double bound) {
  Array out(dtype, shape);
  auto field = make_field(out.bytes.data(), dtype, shape);
  Bytes buf(in.begin(), in.end());
  ZfpStream s(bound);
  s.attach(buf.data(), buf.size());
  require(zfp_decompress(s.zs, field.get()) > 0, ErrorCode::Corrupt, "zfp_decompress failed");
  return out;
}

namespace {

Bytes raw(const Array& a) { return a.bytes; }
Array from_bytes(Bytes b, DType t, const std::vector<std::int64_t>& shape) {
  Array out(t, shape);
  require(b.size() == out.bytes.size(), ErrorCode::Corrupt, "decoded size differs from the shape");
  out.bytes = std::move(b);
  return out;
}
std::size_t nbytes(DType t, const std::vector<std::int64_t>& shape) {
  return checked_element_count(shape, "baseline") * dtype_size(t);
}

Baseline lossless(std::string name, bool xz, bool shuffle) {
  Baseline b;
  b.name = std::move(name);
  b.encode = [xz, shuffle](const Array& a, double) {
    const Bytes in = shuffle ? shuffle_bytes(a.bytes, dtype_size(a.dtype)) : raw(a);
    return xz ? xz_pack(in) : zstd_pack(in, 19);
  };
  b.decode = [xz, shuffle](std::span<const std::byte> in, DType t, const std::vector<std::int64_t>& shape, double) {
    Bytes out = xz ? xz_unpack(in, nbytes(t, shape)) : zstd_unpack(in, nbytes(t, shape));
    if (shuffle) out = unshuffle_bytes(out, dtype_size(t));
    return from_bytes(std::move(out), t, shape);
  };
  return b;
}

bool zfp_can(DType t) { return t == DType::F32 || t == DType::F64; }

}  // namespace

std::vector<Baseline> standard_baselines() {
  std::vector<Baseline> v = {lossless("zstd-19", false, false), lossless("zstd-19+shuffle", false, true),
                             lossless("xz-9", true, false), lossless("xz-9+shuffle", true, true)};
  const Baseline shuffled_zstd = v[1];
  Baseline trunc;
  trunc.name = "trunc+shuffle+zstd";
  trunc.lossy = trunc.guaranteed = true;
  trunc.encode = [shuffled_zstd](const Array& a, double bound) {
    return shuffled_zstd.encode(truncate_mantissa(a, bound), bound);
  };
  trunc.decode = shuffled_zstd.decode;  // the truncated values are stored losslessly
  v.push_back(trunc);
  Baseline zfp;
  zfp.name = "zfp-accuracy";
  zfp.lossy = true;
  zfp.encode = [shuffled_zstd](const Array& a, double bound) {
    return zfp_can(a.dtype) ? zfp_pack(a, bound) : shuffled_zstd.encode(a, bound);
  };
  zfp.decode = [shuffled_zstd](std::span<const std::byte> in, DType t, const std::vector<std::int64_t>& shape,
                               double bound) {
    return zfp_can(t) ? zfp_unpack(in, t, shape, bound) : shuffled_zstd.decode(in, t, shape, bound);
  };
  v.push_back(zfp);
  return v;
}

}  // namespace baler::bench
