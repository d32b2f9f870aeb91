// Unit tests of the core types: dtypes, halves, arrays, table conversions, byte reading, files.
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "baler/array.hpp"
#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "test_support.hpp"

using namespace baler;

TEST(DType, NamesRoundTrip) {
  for (int i = 0; i < kDTypeCount; ++i) {
    auto t = static_cast<DType>(i);
    EXPECT_EQ(parse_dtype(dtype_name(t)), t);
  }
  EXPECT_EQ(parse_dtype("f8"), DType::F64);
  EXPECT_THROW(parse_dtype("complex128"), Error);
  EXPECT_THROW(dtype_from_code(200, "test"), Error);
}

TEST(Half, AllHalvesRoundTripThroughFloat) {
  for (std::uint32_t b = 0; b <= 0xffff; ++b) {
    Half h{static_cast<std::uint16_t>(b)};
    float f = half_to_float(h);
    Half back = float_to_half(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(half_to_float(back)));
    } else {
      ASSERT_EQ(back.bits, h.bits) << "half bits " << b;
    }
  }
  EXPECT_EQ(half_to_float(float_to_half(65504.f)), 65504.f);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 0x1p-11f)), 1.0f);  // tie rounds to even
}

TEST(Array, ShapeLimitsRefusedBeforeAllocating) {
  std::vector<std::int64_t> huge = {1 << 30, 1 << 30, 4};
  EXPECT_THROW(checked_element_count(huge, "x"), Error);
  try {
    checked_element_count(huge, "x");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Limit);
  }
  std::vector<std::int64_t> neg = {3, -1};
  EXPECT_THROW(checked_element_count(neg, "x"), Error);
  EXPECT_EQ(checked_element_count(std::vector<std::int64_t>{3, 4, 0}, "x"), 0u);
}

TEST(Array, TableMatrixRoundTrip) {
  Array m(DType::F64, {3, 2});
  auto v = m.as<double>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 1.5;
  Dataset t = table_from_matrix(m, {"a", "b"});
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.columns[1].values.as<double>()[2], 5 * 1.5);
  EXPECT_EQ(table_to_matrix(t), m);
  Dataset unnamed = table_from_matrix(m, {});
  EXPECT_EQ(unnamed.columns[1].name, "col1");
  EXPECT_THROW(table_from_matrix(m, {"only-one"}), Error);
  t.columns[0].values = Array(DType::I32, {3});
  EXPECT_THROW(table_to_matrix(t), Error);
}

TEST(ByteReader, ChecksEveryLength) {
  std::vector<std::byte> buf(6);
  buf[0] = std::byte{0x01};
  buf[1] = std::byte{0x02};
  ByteReader r(buf, "buf");
  EXPECT_EQ(r.le<std::uint16_t>("u16"), 0x0201);
  EXPECT_EQ(r.remaining(), 4u);
  try {
    r.le<std::uint64_t>("big field");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_NE(std::string(e.what()).find("big field"), std::string::npos);
  }
  EXPECT_THROW(r.seek(7, "seek"), Error);
  ByteReader be(buf, "buf");
  EXPECT_EQ(be.be<std::uint16_t>("u16"), 0x0102);
}

TEST(AtomicFile, FailureLeavesOldFileAndNoTemp) {
  test::TempDir dir;
  auto target = dir / "out.bin";
  { std::ofstream(target) << "good"; }
  try {
    AtomicFile f(target);
    f.write(std::string("partial"));
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(std::filesystem::file_size(target), 4u);
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
  {
    AtomicFile f(target);
    f.write(std::string("replaced"));
    f.commit();
  }
  EXPECT_EQ(std::filesystem::file_size(target), 8u);
  EXPECT_THROW(AtomicFile(dir / "no-such-dir" / "x"), Error);
}
