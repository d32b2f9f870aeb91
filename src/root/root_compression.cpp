// ROOT's compressed-block framing: zlib ("ZL"), LZMA ("XZ"), LZ4 with xxhash64 ("L4"), zstd ("ZS").
#include <cstring>

#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "root_internal.hpp"
#include "root_write_buffer.hpp"

namespace baler::rootio {
namespace {

constexpr std::size_t kBlockHeader = 9;

std::uint32_t le24(const std::byte* p) {
  return std::to_integer<std::uint32_t>(p[0]) | (std::to_integer<std::uint32_t>(p[1]) << 8) |
         (std::to_integer<std::uint32_t>(p[2]) << 16);
}

[[noreturn]] void block_error(const std::string& what, int block, const std::string& message) {
  throw Error(ErrorCode::Malformed,
              what + ": compressed block " + std::to_string(block) + ": " + message);
}

void inflate_zlib(std::span<const std::byte> in, std::span<std::byte> out, const std::string& what,
                  int block) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) throw Error(ErrorCode::Internal, what + ": zlib init failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const auto produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != out.size())
    block_error(what, block, "zlib data are corrupt (inflate status " + std::to_string(rc) + ", " +
                                 std::to_string(produced) + " of " + std::to_string(out.size()) +
                                 " bytes)");
}

void inflate_lzma(std::span<const std::byte> in, std::span<std::byte> out, const std::string& what,
                  int block) {
  std::uint64_t memlimit = std::uint64_t{1} << 28;
  std::size_t in_pos = 0, out_pos = 0;
  const lzma_ret rc = lzma_stream_buffer_decode(
      &memlimit, 0, nullptr, reinterpret_cast<const std::uint8_t*>(in.data()), &in_pos, in.size(),
      reinterpret_cast<std::uint8_t*>(out.data()), &out_pos, out.size());
  if (rc != LZMA_OK || out_pos != out.size())
    block_error(what, block, "lzma data are corrupt (status " + std::to_string(rc) + ", " +
                                 std::to_string(out_pos) + " of " + std::to_string(out.size()) +
                                 " bytes)");
}

void inflate_lz4(std::span<const std::byte> in, std::span<std::byte> out, const std::string& what,
                 int block) {
  if (in.size() < 8) block_error(what, block, "lz4 block shorter than its 8-byte checksum");
  std::uint64_t expected = 0;
  for (int i = 0; i < 8; ++i) expected = (expected << 8) | std::to_integer<std::uint64_t>(in[i]);
  const auto body = in.subspan(8);
  const std::uint64_t actual = XXH64(body.data(), body.size(), 0);
  if (actual != expected)
    block_error(what, block, "lz4 checksum mismatch (stored " + std::to_string(expected) +
                                 ", computed " + std::to_string(actual) + ")");
  const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(body.data()),
                                    reinterpret_cast<char*>(out.data()),
                                    static_cast<int>(body.size()), static_cast<int>(out.size()));
  if (n < 0 || static_cast<std::size_t>(n) != out.size())
    block_error(what, block, "lz4 data are corrupt (" + std::to_string(n) + " of " +
                                 std::to_string(out.size()) + " bytes)");
}

void inflate_zstd(std::span<const std::byte> in, std::span<std::byte> out, const std::string& what,
                  int block) {
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != out.size())
    block_error(what, block,
                std::string("zstd data are corrupt (") +
                    (ZSTD_isError(n) ? ZSTD_getErrorName(n) : std::to_string(n) + " bytes") + ")");
}

}  // namespace

std::string block_algorithm_name(std::span<const std::byte> in) {
  if (in.size() < 2) return "?";
  const char a = static_cast<char>(in[0]), b = static_cast<char>(in[1]);
  if (a == 'Z' && b == 'L') return "zlib";
  if (a == 'X' && b == 'Z') return "lzma";
  if (a == 'L' && b == '4') return "lz4";
  if (a == 'Z' && b == 'S') return "zstd";
  return "?";
}

std::vector<std::byte> decompress_blocks(std::span<const std::byte> in,
                                         std::uint64_t uncompressed_size, const std::string& what) {
  require(uncompressed_size <= kMaxObjectBytes, ErrorCode::Limit,
          what + ": declared uncompressed size " + std::to_string(uncompressed_size) +
              " bytes is beyond the limit " + std::to_string(kMaxObjectBytes));
  std::vector<std::byte> out;
  std::size_t pos = 0;
  int block = 0;
  while (out.size() < uncompressed_size) {
    if (in.size() - pos < kBlockHeader)
      block_error(what, block, "header needs 9 bytes, " + std::to_string(in.size() - pos) +
                                   " remain (" + std::to_string(out.size()) + " of " +
                                   std::to_string(uncompressed_size) + " bytes decompressed)");
    const std::byte* h = in.data() + pos;
    const std::uint32_t c = le24(h + 3), u = le24(h + 6);
    pos += kBlockHeader;
    if (c > in.size() - pos)
      block_error(what, block, "declares " + std::to_string(c) + " compressed bytes, " +
                                   std::to_string(in.size() - pos) + " remain");
    if (u == 0 || u > uncompressed_size - out.size())
      block_error(what, block, "declares " + std::to_string(u) + " uncompressed bytes, " +
                                   std::to_string(uncompressed_size - out.size()) + " expected");
    const auto src = in.subspan(pos, c);
    const std::size_t filled = out.size();
    out.resize(filled + u);
    const std::span<std::byte> dst(out.data() + filled, u);
    const std::string algo = block_algorithm_name(in.subspan(pos - kBlockHeader, 2));
    if (algo == "zlib") inflate_zlib(src, dst, what, block);
    else if (algo == "lzma") inflate_lzma(src, dst, what, block);
    else if (algo == "lz4") inflate_lz4(src, dst, what, block);
    else if (algo == "zstd") inflate_zstd(src, dst, what, block);
    else if (static_cast<char>(h[0]) == 'C' && static_cast<char>(h[1]) == 'S')
      throw Error(ErrorCode::Unsupported, what + ": the pre-2003 ROOT 'CS' compression is not supported");
    else
      block_error(what, block, "unknown compression tag (bytes " +
                                   std::to_string(std::to_integer<int>(h[0])) + ", " +
                                   std::to_string(std::to_integer<int>(h[1])) + ")");
    pos += c;
    ++block;
  }
  if (pos != in.size())
    throw Error(ErrorCode::Malformed, what + ": " + std::to_string(in.size() - pos) +
                                          " bytes left over after the compressed blocks");
  return out;
}

// ---- Writing -----------------------------------------------------------------------------

namespace {
constexpr std::size_t kMaxBlock = 0xFFFFFF;  // one compressed block holds at most 16 MiB - 1
}  // namespace



std::vector<std::byte> compress_blocks(std::span<const std::byte> in, Algo algo, int level,
                                       const std::string& what) {
  std::vector<std::byte> out;
  if (algo == Algo::None || in.size() < 64) return out;
  std::vector<std::byte> tmp;
  for (std::size_t pos = 0; pos < in.size();) {
    const std::size_t n = std::min(kMaxBlock, in.size() - pos);
    const auto src = in.subspan(pos, n);
    std::size_t produced = 0;
    char tag[3] = {};
    switch (algo) {
      case Algo::Zlib: {
        uLongf len = compressBound(static_cast<uLong>(n));
        tmp.resize(len);
        if (compress2(reinterpret_cast<Bytef*>(tmp.data()), &len, reinterpret_cast<const Bytef*>(src.data()),
                      static_cast<uLong>(n), level) != Z_OK)
          throw Error(ErrorCode::Internal, what + ": zlib compression failed");
        produced = len;
        tag[0] = 'Z', tag[1] = 'L', tag[2] = Z_DEFLATED;
        break;
      }
      case Algo::Lzma: {
        tmp.resize(lzma_stream_buffer_bound(n));
        std::size_t len = 0;
        if (lzma_easy_buffer_encode(static_cast<std::uint32_t>(level), LZMA_CHECK_CRC32, nullptr,
                                    reinterpret_cast<const std::uint8_t*>(src.data()), n,
                                    reinterpret_cast<std::uint8_t*>(tmp.data()), &len, tmp.size()) != LZMA_OK)
          throw Error(ErrorCode::Internal, what + ": lzma compression failed");
        produced = len;
        tag[0] = 'X', tag[1] = 'Z', tag[2] = 0;
        break;
      }
      case Algo::Lz4: {
        // 8 bytes of xxhash64 (big-endian) of the compressed bytes, then the LZ4 block.
        const int bound = LZ4_compressBound(static_cast<int>(n));
        tmp.resize(8 + static_cast<std::size_t>(bound));
        char* dst = reinterpret_cast<char*>(tmp.data() + 8);
        const char* s = reinterpret_cast<const char*>(src.data());
        const int len = level >= 4 ? LZ4_compress_HC(s, dst, static_cast<int>(n), bound, level)
                                   : LZ4_compress_default(s, dst, static_cast<int>(n), bound);
        if (len <= 0) throw Error(ErrorCode::Internal, what + ": lz4 compression failed");
        std::uint64_t h = XXH64(dst, static_cast<std::size_t>(len), 0);
        for (int i = 7; i >= 0; --i, h >>= 8) tmp[static_cast<std::size_t>(i)] = std::byte(h & 0xFF);
        produced = 8 + static_cast<std::size_t>(len);
        tag[0] = 'L', tag[1] = '4', tag[2] = static_cast<char>(LZ4_versionNumber() / 10000);
        break;
      }
      case Algo::Zstd: {
        tmp.resize(ZSTD_compressBound(n));
        const std::size_t len = ZSTD_compress(tmp.data(), tmp.size(), src.data(), n, level);
        if (ZSTD_isError(len)) throw Error(ErrorCode::Internal, what + ": zstd compression failed");
        produced = len;
        tag[0] = 'Z', tag[1] = 'S', tag[2] = 1;
        break;
      }
      case Algo::None: break;
    }
    if (produced > kMaxBlock || out.size() + 9 + produced >= in.size()) return {};
    const std::uint32_t c = static_cast<std::uint32_t>(produced), u = static_cast<std::uint32_t>(n);
    const std::byte head[9] = {std::byte(tag[0]), std::byte(tag[1]), std::byte(tag[2]),
                               std::byte(c & 0xFF), std::byte((c >> 8) & 0xFF), std::byte((c >> 16) & 0xFF),
                               std::byte(u & 0xFF), std::byte((u >> 8) & 0xFF), std::byte((u >> 16) & 0xFF)};
    out.insert(out.end(), head, head + 9);
    out.insert(out.end(), tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(produced));
    pos += n;
  }
  return out;
}

}  // namespace baler::rootio
