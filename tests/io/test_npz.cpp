// .npz: Baler's layout (data + names) from the shared data, stored and deflated members,
// round trips, and refusal of broken archives, pickled names and absurd member sizes.
#include <zip.h>

#include "baler/atomic_file.hpp"
#include "baler/io.hpp"
#include "baler/npy.hpp"
#include "baler/npz.hpp"
#include "io_test_support.hpp"

namespace baler::test {
namespace {

// Writes a zip with libzip directly (so the test does not depend on write_npz).
void make_zip(const std::filesystem::path& path,
              const std::vector<std::pair<std::string, std::vector<std::byte>>>& members, bool deflate) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, bytes] : members) {
    zip_source_t* s = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    const zip_int64_t i = zip_file_add(z, name.c_str(), s, 0);
    ASSERT_GE(i, 0);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(i), deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 9);
  }
  ASSERT_EQ(zip_close(z), 0);
}

TEST(Npz, LhcbIsATableWith26NamedColumns) {
  const auto path = data_file("lhcb/LHCb_B2HHH.npz");
  EXPECT_EQ(list_objects(path), (std::vector<std::string>{"data", "names"}));
  const Dataset ds = read_dataset(parse_data_spec(path.string()));
  ASSERT_EQ(ds.kind, DataKind::Table);
  EXPECT_TRUE(ds.table_from_matrix);
  ASSERT_EQ(ds.columns.size(), 26u);
  EXPECT_EQ(ds.rows(), 4322u);
  EXPECT_EQ(ds.columns[0].name, "B_FlightDistance");
  EXPECT_EQ(ds.columns[1].name, "B_VertexChi2");
  EXPECT_EQ(ds.columns[2].name, "H1_PX");
  EXPECT_EQ(ds.columns[25].name, "H3_isMuon");
  for (const auto& c : ds.columns) EXPECT_EQ(c.values.dtype, DType::F64);
  // Charges are exactly +-1.
  for (std::size_t r = 0; r < ds.rows(); ++r)
    EXPECT_EQ(std::abs(ds.columns[7].values.as<double>()[r]), 1.0) << r;
}

TEST(Npz, CfdFilesAreFieldsWithoutNames) {
  const Dataset still = read_dataset(parse_data_spec(data_file("cfd/CFD_still.npz").string()));
  ASSERT_EQ(still.kind, DataKind::Field);
  EXPECT_EQ(still.field.shape, (std::vector<std::int64_t>{1, 50, 50}));
  EXPECT_EQ(still.field.dtype, DType::F64);
  const Dataset anim = read_dataset(parse_data_spec(data_file("cfd/CFD_animation.npz").string()));
  EXPECT_EQ(anim.field.shape, (std::vector<std::int64_t>{60, 50, 50}));
  NpzReader z(data_file("cfd/CFD_still.npz"));
  EXPECT_TRUE(decode_npy_strings(z.member("names"), "names").empty());
  // Another key on request.
  const Dataset names = read_dataset(parse_data_spec(data_file("cfd/CFD_still.npz").string() + ":names"),
                                     ReadOptions{"field", {}, "", {}});
  EXPECT_EQ(names.field.shape, (std::vector<std::int64_t>{0}));
}

TEST(Npz, StoredAndDeflatedMembersRead) {
  TempDir dir;
  const Array a = random_array(DType::F32, {50, 3}, 3);
  for (bool deflate : {false, true}) {
    const auto path = dir / (deflate ? "d.npz" : "s.npz");
    make_zip(path, {{"data.npy", encode_npy(a)}, {"names.npy", encode_npy_strings({"x", "y", "z"})},
                    {"extra.npy", encode_npy(Array(DType::I8, {4}))}}, deflate);
    const Dataset ds = read_dataset(parse_data_spec(path.string()));
    EXPECT_EQ(column_names(ds), (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(table_to_matrix(ds), a);
    const Dataset extra = read_dataset(parse_data_spec(path.string() + ":extra"));
    EXPECT_EQ(extra.columns.at(0).name, "extra");
    EXPECT_EQ(extra.columns.at(0).values, Array(DType::I8, {4}));
  }
}

TEST(Npz, RoundTripsEveryDtypeBitExact) {
  TempDir dir;
  const auto path = dir / "t.npz";
  for (DType t : kAllDTypes) {
    const Dataset table = table_from_matrix(random_array(t, {30, 4}, 11), {"a", "b", "c", "d"});
    write_dataset(table, parse_data_spec(path.string()));
    EXPECT_EQ(read_dataset(parse_data_spec(path.string())), table) << dtype_name(t);
    Dataset field;
    field.kind = DataKind::Field;
    field.field = random_array(t, {3, 5, 7}, 12);
    write_dataset(field, parse_data_spec(path.string()));
    EXPECT_EQ(read_dataset(parse_data_spec(path.string())), field) << dtype_name(t);
    NpzReader z(path);
    EXPECT_EQ(z.keys(), (std::vector<std::string>{"data", "names"}));
  }
}

TEST(Npz, MixedDtypeTableIsOneKeyPerColumn) {
  TempDir dir;
  const auto path = dir / "mixed.npz";
  Dataset t;
  t.columns.push_back({"run", random_array(DType::I64, {20}, 1)});
  t.columns.push_back({"pt", random_array(DType::F32, {20}, 2)});
  t.columns.push_back({"ok", random_array(DType::Bool, {20}, 3)});
  write_dataset(t, parse_data_spec(path.string()));
  EXPECT_EQ(list_objects(path), (std::vector<std::string>{"names", "run", "pt", "ok"}));
  EXPECT_EQ(read_dataset(parse_data_spec(path.string())), t);
  EXPECT_EQ(read_dataset(parse_data_spec(path.string()), ReadOptions{"auto", {"p*", "run"}, "", {}}).columns.size(), 2u);
  t.columns[1].name = "names";
  expect_error([&] { write_dataset(t, parse_data_spec(path.string())); }, ErrorCode::Unsupported, {"'names'"});
}

TEST(Npz, BrokenArchivesAreMalformedNamingTheFile) {
  TempDir dir;
  const auto garbage = dir / "garbage.npz";
  write_bytes(garbage, std::string(1000, 'x'));
  expect_error([&] { read_dataset(parse_data_spec(garbage.string())); }, ErrorCode::Malformed,
               {"garbage.npz", "zip"});
  // A valid zip cut short.
  const auto bytes = read_file_bytes(data_file("cfd/CFD_still.npz"));
  const auto cut = dir / "cut.npz";
  for (std::size_t keep : {bytes.size() / 2, bytes.size() - 30}) {
    write_bytes(cut, bytes_as_string(bytes).substr(0, keep));
    expect_error([&] { read_dataset(parse_data_spec(cut.string())); }, ErrorCode::Malformed, {"cut.npz"});
  }
  expect_error([&] { read_dataset(parse_data_spec((dir / "none.npz").string())); }, ErrorCode::Io, {"none.npz"});
}

TEST(Npz, CorruptMemberDataIsMalformed) {
  TempDir dir;
  const auto path = dir / "crc.npz";
  make_zip(path, {{"data.npy", encode_npy(random_array(DType::F64, {100, 2}, 4))}}, false);
  auto bytes = bytes_as_string(read_file_bytes(path));
  bytes[300] ^= 0x55;  // inside the stored data: CRC mismatch
  write_bytes(path, bytes);
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Malformed, {"crc.npz:data"});
}

TEST(Npz, PickledNamesAreRefused) {
  TempDir dir;
  const auto path = dir / "pickle.npz";
  const std::string obj = npy_image("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "\x80\x02]q\x00.");
  make_zip(path, {{"data.npy", encode_npy(random_array(DType::F64, {4, 2}, 4))},
                  {"names.npy", std::vector<std::byte>(reinterpret_cast<const std::byte*>(obj.data()),
                                                       reinterpret_cast<const std::byte*>(obj.data()) + obj.size())}},
           false);
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Unsupported,
               {"pickle.npz:names", "re-save", "str"});
}

TEST(Npz, AbsurdDeclaredSizeIsRefusedBeforeAllocating) {
  TempDir dir;
  const auto path = dir / "bomb.npz";
  make_zip(path, {{"data.npy", encode_npy(Array(DType::F64, {1000}))}}, true);
  auto bytes = bytes_as_string(read_file_bytes(path));
  // Patch the uncompressed size in the local header (offset 22) and central directory (24).
  const auto patch = [&](const std::string& sig, std::size_t off) {
    const auto pos = bytes.find(sig);
    ASSERT_NE(pos, std::string::npos);
    const std::uint32_t huge = 0xfff00000u;
    std::memcpy(bytes.data() + pos + off, &huge, 4);
  };
  patch(std::string("PK\x03\x04", 4), 22);
  patch(std::string("PK\x01\x02", 4), 24);
  write_bytes(path, bytes);
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Limit, {"bomb.npz:data"});
}

TEST(Npz, EveryTruncationIsAnErrorNotACrash) {
  TempDir dir;
  const auto whole = dir / "whole.npz";
  Dataset t = table_from_matrix(random_array(DType::I16, {4, 2}, 5), {"a", "b"});
  write_dataset(t, parse_data_spec(whole.string()));
  const std::string bytes = bytes_as_string(read_file_bytes(whole));
  const auto cut = dir / "cut.npz";
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(cut, bytes.substr(0, n));
    expect_error([&] { read_dataset(parse_data_spec(cut.string())); }, ErrorCode::Malformed, {"cut.npz"});
  }
}

}  // namespace
}  // namespace baler::test
