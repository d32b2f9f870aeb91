// The field path (FORMAT.md §2.7): large chunks pick their predictor on sample boxes instead of
// coding the chunk with every predictor; the pick stays close to the best full trial, the
// bytes do not depend on the thread count and every value keeps its bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "codec_test_util.hpp"
#include "column_codec.hpp"

namespace baler::test {
namespace {

// The shared vorticity field (41 x 128 x 128) repeated `times` along its first axis: one chunk
// of at least 2^20 values and 32 frames, large enough to be sampled.
Dataset tiled_vorticity(int times) {
  ReadOptions ro;
  ro.kind = "field";
  const Dataset v = read_dataset(parse_data_spec(data_file("fields/vorticity.128_128_41.npy").string()), ro);
  Dataset d;
  d.kind = DataKind::Field;
  auto shape = v.field.shape;
  shape[0] *= times;
  d.field = Array(v.field.dtype, shape);
  for (int k = 0; k < times; ++k)
    std::memcpy(d.field.bytes.data() + static_cast<std::size_t>(k) * v.field.bytes.size(), v.field.bytes.data(),
                v.field.bytes.size());
  return d;
}

double field_range(const Array& a) {
  const auto v = a.as<float>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return static_cast<double>(*hi) - *lo;
}

TEST(FieldCodec, SampledPredictorIsCloseToTheBestFullTrial) {
  const Dataset d = tiled_vorticity(4);
  ASSERT_GE(d.field.size(), std::size_t{1} << 20);
  const double range = field_range(d.field);
  const std::array<std::size_t, 3> dims{164, 128, 128};
  const codec::ColumnSlice c{d.field.dtype, d.field.bytes.data(), d.field.size()};
  for (double rel : {1e-2, 1e-3, 1e-4}) {
    const double bound = rel * range;
    std::size_t best = SIZE_MAX;
    for (auto p : {codec::FieldPredictor::Lorenzo3, codec::FieldPredictor::Lorenzo2, codec::FieldPredictor::Interp}) {
      codec::BlockStats st;
      const auto b = p == codec::FieldPredictor::Interp ? codec::encode_interp_block(c, dims, bound, st)
                                                        : codec::encode_field_block(c, dims, bound, p, st);
      best = std::min(best, b.size());
    }
    TempDir dir;
    std::vector<std::vector<std::byte>> files;
    for (int threads : {1, 2, 3}) {
      CompressOptions o;
      o.bound = {BoundKind::Abs, bound};
      o.threads = threads;
      compress_dataset(d, dir / "f.baler", o);
      files.push_back(read_file_bytes(dir / "f.baler"));
      EXPECT_EQ(files.back(), files.front()) << "rel " << rel << " at " << threads << " threads";
    }
    // The container adds its header, schema and index (well under 1 KiB) to the block.
    EXPECT_LE(static_cast<double>(files.front().size()), 1.005 * static_cast<double>(best) + 1024) << "rel " << rel;
    const Dataset back = decompress_file(dir / "f.baler");
    EXPECT_EQ(count_violations(d, back, {0, bound, true, false}), 0u) << "rel " << rel;
  }
}

}  // namespace
}  // namespace baler::test
