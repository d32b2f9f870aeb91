// Hostile containers: every truncation and single-bit flips are refused with a clear error
// (never a crash, never wrong data); huge declared sizes are refused before allocating.
#include <gtest/gtest.h>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "codec_test_util.hpp"

namespace baler::test {
namespace {

using container::SectionEntry;
using container::SectionId;

bool refusal(ErrorCode c) {
  return c == ErrorCode::Corrupt || c == ErrorCode::Malformed || c == ErrorCode::Limit || c == ErrorCode::Unsupported;
}

// Small table: 60 rows, integer and float columns, NaN, 3 chunks; optionally a model.
Dataset small_table() {
  auto g = rng(5);
  std::normal_distribution<double> nd;
  Dataset d;
  for (int j = 0; j < 4; ++j) d.columns.push_back({"c" + std::to_string(j), Array(DType::F64, {60})});
  for (int i = 0; i < 60; ++i) {
    d.columns[0].values.as<double>()[i] = nd(g) * 100;
    d.columns[1].values.as<double>()[i] = i % 2 ? 1.0 : -1.0;
    d.columns[2].values.as<double>()[i] = i == 7 ? NAN : nd(g);
    d.columns[3].values.as<double>()[i] = nd(g) + 10;
  }
  return d;
}

// Decodes `bytes` as a container; returns the error code, or Internal if it decoded.
ErrorCode try_decode(const std::vector<std::byte>& bytes, const Dataset* expect) {
  try {
    const Dataset d = decompress_memory(bytes, "variant");
    if (expect) {
      EXPECT_EQ(d, *expect) << "decoded to different data";
    }
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

void torture(const std::filesystem::path& file) {
  const auto bytes = read_file_bytes(file);
  const Dataset good = decompress_file(file);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto c = try_decode(std::vector<std::byte>(bytes.begin(), bytes.begin() + n), nullptr);
    ASSERT_TRUE(refusal(c)) << "truncated at " << n << ": " << error_code_name(c);
  }
  std::size_t refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = bytes;
    b[i] ^= std::byte{static_cast<unsigned char>(1u << (i % 8))};
    const auto c = try_decode(b, &good);
    ASSERT_TRUE(refusal(c) || c == ErrorCode::Internal) << "bit flip at " << i;
    refused += c != ErrorCode::Internal;
  }
  // The file path reads the same way as memory: a few variants through the file reader.
  for (std::size_t n : {std::size_t{0}, bytes.size() / 2, bytes.size() - 1}) {
    write_file_atomic(file.parent_path() / "cut.baler", std::span(bytes.data(), n));
    EXPECT_THROW(decompress_file(file.parent_path() / "cut.baler"), Error);
  }
  // Only flips in the optional STATS payload (not read to decode) may go unnoticed.
  EXPECT_GT(refused, bytes.size() * 8 / 10);
}

TEST(CodecCorrupt, TruncationsAndBitFlipsOfATable) {
  TempDir dir;
  CompressOptions o;
  o.chunk_rows = 25;
  compress_dataset(small_table(), dir / "t.baler", o);
  torture(dir / "t.baler");
}

TEST(CodecCorrupt, TruncationsAndBitFlipsWithAnEmbeddedModel) {
  TempDir dir;
  Dataset d = small_table();
  Model m = dense_model(2, 1, 3, LayerKind::Tanh);
  m.feature_names = {"c0", "c3"};
  CompressOptions o;
  o.model = &m;
  o.column_bounds["c3"] = {BoundKind::None, 0};
  o.chunk_rows = 30;
  const auto s = compress_dataset(d, dir / "m.baler", o);
  ASSERT_GT(s.model_bytes, 0u);
  torture(dir / "m.baler");
}

TEST(CodecCorrupt, TruncationsAndBitFlipsOfAField) {
  TempDir dir;
  Dataset f;
  f.kind = DataKind::Field;
  f.field = Array(DType::F32, {4, 9, 8});
  auto v = f.field.as<float>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.3f * static_cast<float>(i % 8)) + 0.1f * static_cast<float>(i / 72);
  v[17] = NAN;
  CompressOptions o;
  o.chunk_rows = 2;
  o.bound = {BoundKind::Rel, 1e-2};
  compress_dataset(f, dir / "f.baler", o);
  torture(dir / "f.baler");
}

// Metadata sections are packed (FORMAT.md §2): u8 0 (stored as is) | varint size | bytes.
std::vector<std::byte> packed(const std::vector<std::byte>& raw) {
  ByteWriter w;
  w.le<std::uint8_t>(0);
  std::uint64_t v = raw.size();
  while (v >= 0x80) {
    w.le<std::uint8_t>(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  w.le<std::uint8_t>(static_cast<std::uint8_t>(v));
  w.append(raw);
  return std::move(w.buffer());
}

// A container whose sections are well formed and correctly checksummed but declare absurd sizes.
std::vector<std::byte> schema_bytes(std::uint64_t rows, std::uint32_t columns, std::vector<std::int64_t> shape) {
  ByteWriter w;
  w.le<std::uint8_t>(shape.empty() ? 0 : 1);
  w.le<std::uint8_t>(0);
  w.le<std::uint16_t>(0);
  w.le<std::uint64_t>(rows);
  w.le<std::uint64_t>(1000);
  for (int i = 0; i < 2; ++i) w.le<std::uint32_t>(0);  // source format, name
  w.le<std::uint32_t>(columns);
  for (std::uint32_t j = 0; j < std::min<std::uint32_t>(columns, 2); ++j) {
    w.le<std::uint32_t>(1);
    w.le<char>('x');
    w.le<std::uint8_t>(static_cast<std::uint8_t>(DType::F64));
    w.le<std::uint8_t>(1);
    w.le<std::uint16_t>(0);
    w.le<double>(1e-3);
    w.le<double>(1.0);
  }
  w.le<std::uint8_t>(static_cast<std::uint8_t>(shape.size()));
  for (auto d : shape) w.le<std::int64_t>(d);
  return packed(w.buffer());
}

ErrorCode decode_sections(const std::vector<std::pair<SectionEntry, std::vector<std::byte>>>& s) {
  TempDir dir;
  write_file_atomic(dir / "h.baler", container::build_container(container::FileKind::Data, s));
  try {
    decompress_file(dir / "h.baler");
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

SectionEntry entry(SectionId id) { return {static_cast<std::uint32_t>(id), true, 0, 0, 0}; }

TEST(CodecCorrupt, HugeDeclaredSizesAreRefused) {
  const auto empty_index = packed(std::vector<std::byte>(4, std::byte{0}));
  EXPECT_EQ(decode_sections({{entry(SectionId::Schema), schema_bytes(std::uint64_t{1} << 50, 1, {})},
                             {entry(SectionId::ChunkIndex), empty_index}}),
            ErrorCode::Limit);
  EXPECT_EQ(decode_sections({{entry(SectionId::Schema), schema_bytes(10, 1u << 30, {})},
                             {entry(SectionId::ChunkIndex), empty_index}}),
            ErrorCode::Limit);
  EXPECT_EQ(decode_sections({{entry(SectionId::Schema), schema_bytes(1 << 20, 1, {1 << 20, 1 << 20, 1 << 20})},
                             {entry(SectionId::ChunkIndex), empty_index}}),
            ErrorCode::Limit);
  ByteWriter big;  // zstd-packed metadata declaring 2^42 unpacked bytes
  big.le<std::uint8_t>(1);
  for (int i = 0; i < 6; ++i) big.le<std::uint8_t>(0x80);
  big.le<std::uint8_t>(0x01);
  EXPECT_EQ(decode_sections({{entry(SectionId::Schema), big.buffer()}, {entry(SectionId::ChunkIndex), empty_index}}),
            ErrorCode::Limit);
  ByteWriter idx;
  idx.le<std::uint32_t>(1u << 30);
  EXPECT_EQ(decode_sections({{entry(SectionId::Schema), schema_bytes(10, 1, {})}, {entry(SectionId::ChunkIndex), packed(idx.buffer())}}),
            ErrorCode::Limit);
  // Huge tensor in an embedded model.
  ByteWriter t;
  t.le<std::uint32_t>(1);
  t.le<std::uint32_t>(1);
  t.le<char>('w');
  t.le<std::uint8_t>(0);
  t.le<std::uint8_t>(2);
  t.le<std::uint16_t>(0);
  t.le<std::int64_t>(std::int64_t{1} << 30);
  t.le<std::int64_t>(std::int64_t{1} << 30);
  t.le<std::uint64_t>(0);
  t.le<std::uint64_t>(std::uint64_t{1} << 62);
  const auto meta = container::encode_model(dense_model(2, 1, 1), container::TensorStorage::F32, false).meta;
  EXPECT_EQ(decode_sections({{entry(SectionId::Schema), schema_bytes(10, 1, {})},
                             {entry(SectionId::ModelMeta), meta},
                             {entry(SectionId::Tensors), t.buffer()},
                             {entry(SectionId::ChunkIndex), packed(idx.buffer())}}),
            ErrorCode::Limit);
}

TEST(CodecCorrupt, UnknownSectionsAndVersions) {
  TempDir dir;
  CompressOptions o;
  compress_dataset(small_table(), dir / "t.baler", o);
  container::ContainerReader r(dir / "t.baler");
  std::vector<std::pair<SectionEntry, std::vector<std::byte>>> s;
  for (std::size_t i = 0; i < r.entries().size(); ++i) s.push_back({r.entries()[i], r.section(i)});
  // An unknown optional section is skipped (appended last, chunk indices unchanged)...
  auto opt = s;
  opt.push_back({{999, false, 0, 0, 0}, std::vector<std::byte>(10, std::byte{1})});
  write_file_atomic(dir / "o.baler", container::build_container(container::FileKind::Data, opt));
  EXPECT_EQ(decompress_file(dir / "o.baler"), decompress_file(dir / "t.baler"));
  // ...an unknown required one refused.
  opt.back().first.required = true;
  EXPECT_EQ(decode_sections(opt), ErrorCode::Unsupported);
  // A newer major version is refused.
  auto bytes = read_file_bytes(dir / "t.baler");
  bytes[8] = std::byte{2};
  write_file_atomic(dir / "v.baler", bytes);
  try {
    decompress_file(dir / "v.baler");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace baler::test
