// Bundles and text columns at the codec's level: members read in place, TEXT round trips, and
// hostile DATA_SETS / TEXT payloads refused with the field named.
#include <gtest/gtest.h>

#include <fstream>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "bundle.hpp"
#include "codec_test_util.hpp"
#include "test_support.hpp"
#include "text_section.hpp"
#include "wire.hpp"

namespace baler::test {
namespace {

namespace fs = std::filesystem;

Dataset small_table(std::uint64_t seed) {
  auto g = rng(seed);
  Dataset d;
  d.columns.push_back({"x", random_vector(g, 300, 5.0f)});
  d.text.push_back({"tag", 1, {}});
  for (int i = 0; i < 300; ++i) d.text[0].values.push_back(i % 7 ? "jet" + std::to_string(i % 5) : "");
  return d;
}

CompressOptions exact() {
  CompressOptions o;
  o.bound = ErrorBound{BoundKind::Exact, 0};
  o.chunk_rows = 64;  // several chunks: text cut across them
  return o;
}

TEST(CodecBundle, MembersAndTextComeBackExactly) {
  TempDir dir;
  const Dataset a = small_table(1), b = small_table(2);
  compress_dataset(a, dir / "a.baler", exact());
  compress_dataset(b, dir / "b.baler", exact());
  EXPECT_EQ(decompress_file(dir / "a.baler"), a);  // numbers and text, positions included
  DecompressOptions rows;
  rows.row_begin = 100;
  rows.row_end = 170;
  EXPECT_EQ(decompress_file(dir / "a.baler", rows).text.at(0).values,
            std::vector<std::string>(a.text[0].values.begin() + 100, a.text[0].values.begin() + 170));
  Hdf5Tree tree;
  tree.objects = {{"/", false, {}}, {"/g", false, {}}, {"/g/a", true, {}}, {"/g/b", true, {}}};
  Hdf5Attribute units;
  units.name = "units";
  units.is_string = true;
  units.strings = {"GeV"};
  tree.objects[1].attributes.push_back(units);
  write_bundle(dir / "ab.baler", {{"/g/a", dir / "a.baler"}, {"/g/b", dir / "b.baler"}}, tree);
  const auto got = read_bundle(dir / "ab.baler");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->members, (std::vector<std::string>{"/g/a", "/g/b"}));
  EXPECT_EQ(got->tree, tree);
  EXPECT_EQ(decompress_file(ContainerRef(dir / "ab.baler", "/g/b")), b);
  EXPECT_EQ(verify_container(ContainerRef(dir / "ab.baler", "/g/a"), a).violations, 0u);
  EXPECT_FALSE(read_bundle(dir / "a.baler").has_value());
  std::string msg;
  EXPECT_EQ(code_of([&] { decompress_file(dir / "ab.baler"); }, &msg), ErrorCode::Usage);
  EXPECT_NE(msg.find("holds 2 data sets (/g/a, /g/b)"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { decompress_file(ContainerRef(dir / "ab.baler", "/g/c")); }, &msg), ErrorCode::Usage);
  EXPECT_NE(msg.find("no data set '/g/c'"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { decompress_file(ContainerRef(dir / "a.baler", "/g/a")); }), ErrorCode::Usage);
  // A changed byte inside a member: the member's own checksums catch it when read in place,
  // and verify checks the MEMBER payload too.
  std::string bytes = slurp(dir / "ab.baler");
  bytes[200] = static_cast<char>(bytes[200] ^ 0x40);
  std::ofstream(dir / "bad.baler", std::ios::binary) << bytes;
  EXPECT_EQ(code_of([&] { verify_container(ContainerRef(dir / "bad.baler", "/g/a"), a); }), ErrorCode::Corrupt);
}

// DATA_SETS pointing at a section that is not a MEMBER, or leaving one out, is refused.
TEST(CodecBundle, HostileIndexIsRefused) {
  TempDir dir;
  compress_dataset(small_table(3), dir / "a.baler", exact());
  const std::string member = slurp(dir / "a.baler");
  auto write = [&](const fs::path& p, std::uint64_t section, bool extra_member) {
    container::ContainerWriter w(p, container::FileKind::Data);
    const auto span = std::as_bytes(std::span(member.data(), member.size()));
    w.add(container::SectionId::Member, true, span);
    if (extra_member) w.add(container::SectionId::Member, true, span);
    ByteWriter idx;
    codec::put_varint(idx, 1);
    codec::put_string(idx, "/a");
    codec::put_varint(idx, section);
    codec::put_varint(idx, 0);  // an empty tree
    w.add(container::SectionId::DataSets, true, idx.buffer());
    w.finish();
  };
  write(dir / "ok.baler", 0, false);
  EXPECT_NO_THROW(read_bundle(dir / "ok.baler"));
  write(dir / "self.baler", 1, false);  // points at DATA_SETS itself
  std::string msg;
  EXPECT_EQ(code_of([&] { read_bundle(dir / "self.baler"); }, &msg), ErrorCode::Malformed);
  EXPECT_NE(msg.find("not a MEMBER"), std::string::npos) << msg;
  write(dir / "extra.baler", 0, true);  // a MEMBER nobody lists
  EXPECT_EQ(code_of([&] { read_bundle(dir / "extra.baler"); }), ErrorCode::Malformed);
}

// Every truncation of a TEXT payload, and bad positions, are refused, never crash.
TEST(CodecBundle, HostileTextSectionIsRefused) {
  Dataset d = small_table(4);
  codec::TextSectionWriter w(layout_of(d), 3);
  w.add(d);
  const auto payload = w.finish();
  EXPECT_EQ(codec::decode_text_section(payload, 300, 1, "t").at(0).values, d.text[0].values);
  for (std::size_t n = 0; n < payload.size(); ++n)
    EXPECT_NE(code_of([&] { codec::decode_text_section(std::span(payload).first(n), 300, 1, "t"); }),
              ErrorCode::Internal) << n;  // refused with a reason (Internal: nothing thrown)
  EXPECT_EQ(code_of([&] { codec::decode_text_section(payload, 299, 1, "t"); }), ErrorCode::Malformed);  // row count
  EXPECT_EQ(code_of([&] { codec::decode_text_section(payload, 300, 0, "t"); }), ErrorCode::Malformed);  // position 1 of 1
}

}  // namespace
}  // namespace baler::test
