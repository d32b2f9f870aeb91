// Round trips on every shared data set at several bounds: 0 violations (checked here, not by
// the codec), integer columns exact, NaN/Inf kept, dtype and shape restored, partial decode.
#include <gtest/gtest.h>

#include <limits>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "codec_test_util.hpp"

namespace baler::test {
namespace {

struct DataCase {
  const char* file;
  const char* kind;
};

const DataCase kCases[] = {
    {"lhcb/LHCb_B2HHH.npz", "table"},
    {"atlas/all_jets_test_4D.npy", "table"},
    {"cfd/CFD_animation.npz", "field"},
    {"cfd/CFD_still.npz", "field"},
    {"cms/Zmumu_Run2011A.csv", "table"},
    {"cms/Zmumu_Run2011A.npy", "table"},
    {"cms/nanoAOD_ttbar_Jets_flattened.npy", "table"},
    {"fields/vorticity.128_128_41.npy", "field"},
    {"fields/vorticity.512_512.npy", "field"},
    {"root/Zmumu_events_flat.npy", "table"},
    {"root/HZZ_events_flat.npy", "table"},
};

Dataset load(const DataCase& c) {
  ReadOptions ro;
  ro.kind = c.kind;
  return read_dataset(parse_data_spec(data_file(c.file).string()), ro);
}

Dataset round_trip(const Dataset& d, const CompressOptions& o, CompressSummary* sum = nullptr) {
  TempDir dir;
  const auto s = compress_dataset(d, dir / "x.baler", o);
  if (sum) *sum = s;
  EXPECT_EQ(s.file_bytes, std::filesystem::file_size(dir / "x.baler"));
  return decompress_file(dir / "x.baler");
}

class SharedData : public ::testing::TestWithParam<DataCase> {};

TEST_P(SharedData, RelativeBoundsHoldAndIntegersStayExact) {
  const Dataset d = load(GetParam());
  for (double rel : {1e-2, 1e-3, 1e-4}) {
    CompressOptions o;
    o.bound = {BoundKind::Rel, rel};
    o.chunk_rows = 3000;  // several chunks on the larger tables
    CompressSummary s;
    const Dataset back = round_trip(d, o, &s);
    EXPECT_EQ(back.table_from_matrix, d.table_from_matrix);
    EXPECT_EQ(count_violations(d, back, {rel, 0, true, false}), 0u) << GetParam().file << " rel=" << rel;
    EXPECT_GT(s.raw_f32_bytes, s.file_bytes) << "no compression at rel=" << rel;
  }
}

INSTANTIATE_TEST_SUITE_P(Codec, SharedData, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string n = info.param.file;
  for (auto& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

// Columns of one chunk (and a field's predictor trials) are coded in parallel: the container's
// bytes and the decoded values are the same for any thread count (LHCb and the CFD field are
// single chunks; the CMS table is cut into three chunks so that chunks and columns share the
// threads).
TEST(CodecThreads, BytesAndValuesDoNotDependOnTheThreadCount) {
  const std::tuple<const char*, const char*, int> cases[] = {
      {"lhcb/LHCb_B2HHH.npz", "table", 65536}, {"cms/Zmumu_Run2011A.csv", "table", 4000}, {"cfd/CFD_animation.npz", "field", 64}};
  for (const auto& [file, kind, chunk_rows] : cases) {
    const Dataset d = load({file, kind});
    TempDir dir;
    std::vector<std::vector<std::byte>> files;
    for (int threads : {1, 2, 3, 5}) {
      CompressOptions o;
      o.bound = {BoundKind::Rel, 1e-4};
      o.chunk_rows = chunk_rows;
      o.threads = threads;
      compress_dataset(d, dir / "t.baler", o);
      files.push_back(read_file_bytes(dir / "t.baler"));
      EXPECT_EQ(files.back(), files.front()) << file << " at " << threads << " threads";
    }
    const Dataset one = decompress_file(dir / "t.baler");
    for (int threads : {2, 3, 7}) {
      DecompressOptions o;
      o.threads = threads;
      EXPECT_EQ(decompress_file(dir / "t.baler", o), one) << file << " at " << threads << " threads";
    }
    // An npy output takes each chunk from the thread that decoded it, at its place: the same
    // file at any thread count, that of write_dataset.
    write_dataset(one, parse_data_spec((dir / "one.npy").string()));
    for (int threads : {1, 2, 3, 7}) {
      DecompressOptions o;
      o.threads = threads;
      auto sink = open_data_sink(parse_data_spec((dir / "back.npy").string()), container_layout(dir / "t.baler"));
      decompress_into(dir / "t.baler", *sink, o);
      sink->commit();
      EXPECT_EQ(read_file_bytes(dir / "back.npy"), read_file_bytes(dir / "one.npy")) << file << " at " << threads << " threads";
    }
    EXPECT_EQ(count_violations(d, one, {1e-4, 0, true, false}), 0u);
  }
}

TEST(CodecBounds, AbsoluteExactAndPointwiseRelative) {
  const Dataset d = load({"lhcb/LHCb_B2HHH.npz", "table"});
  CompressOptions o;
  o.bound = {BoundKind::Abs, 0.5};
  EXPECT_EQ(count_violations(d, round_trip(d, o), {0, 0.5, true, false}), 0u);
  o.bound = {BoundKind::Exact, 0};
  EXPECT_EQ(round_trip(d, o), d);
  o.bound = {BoundKind::PwRel, 1e-3};
  const Dataset back = round_trip(d, o);
  for (std::size_t j = 0; j < d.columns.size(); ++j) {
    const auto& x = d.columns[j].values;
    const auto& y = back.columns[j].values;
    const bool ints = all_integers(x);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (ints) {
        ASSERT_EQ(x.value(i), y.value(i));
      } else {
        ASSERT_LE(std::fabs(x.value(i) - y.value(i)), 1e-3 * std::fabs(x.value(i))) << d.columns[j].name;
      }
    }
  }
}

TEST(CodecBounds, ColumnBoundsOverrideAndGlobs) {
  const Dataset d = load({"lhcb/LHCb_B2HHH.npz", "table"});
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-2};
  o.column_bounds["H1_*"] = {BoundKind::Exact, 0};
  o.column_bounds["H2_Charge"] = {BoundKind::Rel, 0.6};  // explicit: no longer kept exact
  CompressSummary s;
  Dataset orig = d;
  Dataset back = round_trip(d, o, &s);
  for (std::size_t j = d.columns.size(); j-- > 0;) {
    const auto& name = d.columns[j].name;
    if (name.rfind("H1_", 0) == 0) {
      EXPECT_EQ(d.columns[j].values, back.columns[j].values) << name;
    }
    if (name != "H2_Charge") continue;
    EXPECT_EQ(s.columns[j].requested.kind, BoundKind::Rel);
    EXPECT_EQ(count_violations(d.columns[j].values, back.columns[j].values, {0.6, 0, false, false}), 0u);
    orig.columns.erase(orig.columns.begin() + static_cast<std::ptrdiff_t>(j));
    back.columns.erase(back.columns.begin() + static_cast<std::ptrdiff_t>(j));
  }
  EXPECT_EQ(count_violations(orig, back, {1e-2, 0, true, false}), 0u);
}

TEST(CodecBounds, NanAndInfAreKeptExactly) {
  Dataset d = load({"lhcb/LHCb_B2HHH.npz", "table"});
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(), INFINITY, -INFINITY, -0.0};
  for (std::size_t j = 0; j < d.columns.size(); ++j) {
    auto v = d.columns[j].values.as<double>();
    for (std::size_t k = 0; k < 4; ++k) v[(j * 37 + k * 101) % v.size()] = specials[k];
  }
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  const Dataset back = round_trip(d, o);
  EXPECT_EQ(count_violations(d, back, {1e-3, 0, true, false}), 0u);
  Dataset f = load({"cfd/CFD_still.npz", "field"});
  f.field.as<double>()[7] = std::numeric_limits<double>::quiet_NaN();
  f.field.as<double>()[99] = -INFINITY;
  EXPECT_EQ(count_violations(f, round_trip(f, o), {1e-3, 0, true, false}), 0u);
}

TEST(CodecDtypes, EveryDtypeComesBackWithItsShape) {
  auto g = rng(7);
  Dataset d;
  d.kind = DataKind::Table;
  const std::int64_t n = 1000;
  std::uniform_real_distribution<double> u(-100, 100);
  auto add = [&](const char* name, DType t) {
    Column c{name, Array(t, {n})};
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = u(g);
      visit_dtype(t, [&](auto tag) {
        using T = decltype(tag);
        T x;
        if constexpr (std::is_same_v<T, Half>) x = float_to_half(static_cast<float>(v));
        else if constexpr (std::is_same_v<T, bool>) x = v > 0;
        else if constexpr (std::is_unsigned_v<T>) x = static_cast<T>(std::fabs(v) * 1000);
        else x = static_cast<T>(v * (std::is_floating_point_v<T> ? 1.0 : 1000.0));
        std::memcpy(c.values.bytes.data() + i * sizeof(T), &x, sizeof(T));
      });
    }
    d.columns.push_back(std::move(c));
  };
  for (int t = 0; t < kDTypeCount; ++t) add(std::string(dtype_name(static_cast<DType>(t))).c_str(), static_cast<DType>(t));
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  o.chunk_rows = 300;
  const Dataset back = round_trip(d, o);
  EXPECT_EQ(count_violations(d, back, {1e-3, 0, true, false}), 0u);

  Dataset f;
  f.kind = DataKind::Field;
  f.field = Array(DType::F32, {3, 4, 5, 6});
  for (auto& v : f.field.as<float>()) v = static_cast<float>(u(g));
  const Dataset fb = round_trip(f, o);
  EXPECT_EQ(fb.field.shape, f.field.shape);
  EXPECT_EQ(count_violations(f, fb, {1e-3, 0, true, false}), 0u);
}

TEST(CodecChunks, PartialDecodeReadsTheRequestedRows) {
  const Dataset d = load({"atlas/all_jets_test_4D.npy", "table"});
  TempDir dir;
  CompressOptions o;
  o.chunk_rows = 1000;
  const auto s = compress_dataset(d, dir / "a.baler", o);
  EXPECT_EQ(s.chunks, 28u);
  DecompressOptions opt;
  opt.row_begin = 2500;
  opt.row_end = 4321;
  const Dataset part = decompress_file(dir / "a.baler", opt);
  const Dataset all = decompress_file(dir / "a.baler");
  ASSERT_EQ(part.rows(), 1821u);
  for (std::size_t j = 0; j < all.columns.size(); ++j) {
    const auto a = all.columns[j].values.as<double>();
    const auto p = part.columns[j].values.as<double>();
    for (std::size_t i = 0; i < p.size(); ++i) ASSERT_EQ(std::memcmp(&p[i], &a[2500 + i], 8), 0);
  }
  opt.row_end = 30000;
  try {
    decompress_file(dir / "a.baler", opt);
    FAIL() << "rows beyond the end accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
  }
}

TEST(CodecEdges, EmptyConstantAndAllNanInputs) {
  CompressOptions o;
  Dataset empty;
  empty.columns.push_back({"a", Array(DType::F64, {0})});
  empty.columns.push_back({"b", Array(DType::I16, {0})});
  EXPECT_EQ(round_trip(empty, o), empty);
  Dataset odd;
  odd.columns.push_back({"const", Array(DType::F64, {50})});
  odd.columns.push_back({"nan", Array(DType::F32, {50})});
  odd.columns.push_back({"tiny", Array(DType::F16, {50})});
  for (std::size_t i = 0; i < 50; ++i) {
    odd.columns[0].values.as<double>()[i] = 3.25;
    odd.columns[1].values.as<float>()[i] = NAN;
    odd.columns[2].values.as<Half>()[i] = float_to_half(0.001f * static_cast<float>(i) + 0.5f);
  }
  EXPECT_EQ(count_violations(odd, round_trip(odd, o), {1e-3, 0, true, false}), 0u);
  Dataset f;
  f.kind = DataKind::Field;
  f.field = Array(DType::F32, {0, 4});
  EXPECT_EQ(round_trip(f, o), f);
}

TEST(CodecConfig, BadBoundsAreConfigErrors) {
  for (const char* s : {"rel=", "rel=-1", "abs=0", "pw_rel=2", "foo=1", "rel=1e-3x", "exactly"}) {
    try {
      parse_error_bound(s);
      FAIL() << s;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Config) << s;
    }
  }
  EXPECT_EQ(parse_error_bound("rel=1e-3"), (ErrorBound{BoundKind::Rel, 1e-3}));
  EXPECT_EQ(parse_error_bound("none").kind, BoundKind::None);
  const Dataset d = load({"cfd/CFD_still.npz", "field"});
  TempDir dir;
  CompressOptions o;
  o.bound = {BoundKind::None, 0};
  try {
    compress_dataset(d, dir / "x.baler", o);
    FAIL() << "bound none without a model accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.baler"));
}

}  // namespace
}  // namespace baler::test
