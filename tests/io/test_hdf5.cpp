// HDF5: round trips of every dtype (matrix + names, compound tables, N-d fields), big-endian
// files written by hand, names attributes, dataset selection and missing-dataset errors.
#include <hdf5.h>

#include "baler/hdf5_io.hpp"
#include "baler/io.hpp"
#include "io_test_support.hpp"

namespace baler::test {
namespace {

Dataset field_of(Array a) {
  Dataset d;
  d.kind = DataKind::Field;
  d.field = std::move(a);
  return d;
}

TEST(Hdf5, RoundTripEveryDtypeBitExact) {
  TempDir dir;
  const auto path = dir / "t.h5";
  for (DType t : kAllDTypes) {
    const Dataset table = table_from_matrix(random_array(t, {25, 3}, 31), {"pt", "eta", "φ"});
    write_dataset(table, parse_data_spec(path.string()));
    EXPECT_EQ(read_dataset(parse_data_spec(path.string())), table) << dtype_name(t);
    const Dataset field = field_of(random_array(t, {2, 3, 4, 5}, 32));
    write_dataset(field, parse_data_spec(path.string() + ":/group/sub/vol"));
    EXPECT_EQ(list_objects(path), (std::vector<std::string>{"/group/sub/vol"}));
    EXPECT_EQ(read_dataset(parse_data_spec(path.string())), field) << dtype_name(t);
  }
}

TEST(Hdf5, MixedTableIsCompoundAndRoundTrips) {
  TempDir dir;
  const auto path = dir / "mixed.hdf5";
  Dataset t;
  std::uint64_t seed = 40;
  for (DType d : kAllDTypes) t.columns.push_back({"c_" + std::string(dtype_name(d)), random_array(d, {33}, ++seed)});
  write_dataset(t, parse_data_spec(path.string()));
  EXPECT_EQ(read_dataset(parse_data_spec(path.string())), t);
  const Dataset sel = read_dataset(parse_data_spec(path.string() + ":data"), ReadOptions{"auto", {"c_float*"}, "", {}});
  EXPECT_EQ(column_names(sel), (std::vector<std::string>{"c_float16", "c_float32", "c_float64"}));
  const Dataset f = read_dataset(parse_data_spec(path.string()), ReadOptions{"field", {"c_int8", "c_float64"}, "", {}});
  EXPECT_EQ(f.kind, DataKind::Field);
}

// Writes big-endian data and fixed-length names with the HDF5 API, as another program would.
void write_foreign_file(const std::filesystem::path& path) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[2] = {3, 2};
  hid_t sp = H5Screate_simple(2, dims, nullptr);
  const std::int32_t ivals[6] = {1, -2, 3, -4, 2147483647, -2147483647 - 1};
  hid_t d = H5Dcreate2(f, "ints", H5T_STD_I32BE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ivals);
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, 8);
  const hsize_t two = 2;
  hid_t asp = H5Screate_simple(1, &two, nullptr);
  hid_t a = H5Acreate2(d, "column_names", st, asp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, st, "left\0\0\0\0right\0\0\0");
  H5Aclose(a);
  H5Dclose(d);
  // A compound record array: big-endian double, a string (skipped) and a uint16.
  struct Rec { double e; char tag[4]; std::uint16_t n; };
  hid_t ft = H5Tcreate(H5T_COMPOUND, 14);
  H5Tinsert(ft, "energy", 0, H5T_IEEE_F64BE);
  hid_t s4 = H5Tcopy(H5T_C_S1);
  H5Tset_size(s4, 4);
  H5Tinsert(ft, "tag", 8, s4);
  H5Tinsert(ft, "n", 12, H5T_STD_U16BE);
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(Rec));
  H5Tinsert(mt, "energy", HOFFSET(Rec, e), H5T_NATIVE_DOUBLE);
  H5Tinsert(mt, "tag", HOFFSET(Rec, tag), s4);
  H5Tinsert(mt, "n", HOFFSET(Rec, n), H5T_NATIVE_UINT16);
  const Rec recs[2] = {{1.5, "ab", 7}, {-0.25, "cd", 65535}};
  const hsize_t n2 = 2;
  hid_t sp2 = H5Screate_simple(1, &n2, nullptr);
  hid_t g = H5Gcreate2(f, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t d2 = H5Dcreate2(g, "records", ft, sp2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d2, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, recs);
  for (hid_t id : {d2}) H5Dclose(id);
  for (hid_t id : {ft, mt, s4, st}) H5Tclose(id);
  for (hid_t id : {sp, sp2, asp}) H5Sclose(id);
  H5Gclose(g);
  H5Fclose(f);
}

TEST(Hdf5, ReadsForeignBigEndianFiles) {
  TempDir dir;
  const auto path = dir / "foreign.h5";
  write_foreign_file(path);
  EXPECT_EQ(list_objects(path), (std::vector<std::string>{"/events/records", "/ints"}));
  const Dataset ints = read_dataset(parse_data_spec(path.string() + ":/ints"));
  ASSERT_EQ(ints.kind, DataKind::Table);
  EXPECT_EQ(column_names(ints), (std::vector<std::string>{"left", "right"}));
  EXPECT_EQ(ints.columns[0].values.dtype, DType::I32);
  EXPECT_EQ(ints.columns[1].values.as<std::int32_t>()[1], -4);
  EXPECT_EQ(ints.columns[0].values.as<std::int32_t>()[2], 2147483647);
  const Dataset recs = read_dataset(parse_data_spec(path.string() + ":events/records"));
  ASSERT_EQ(column_names(recs), (std::vector<std::string>{"energy", "n"}));
  EXPECT_EQ(recs.columns[0].values.as<double>()[1], -0.25);
  EXPECT_EQ(recs.columns[1].values.dtype, DType::U16);
  EXPECT_EQ(recs.columns[1].values.as<std::uint16_t>()[1], 65535);
}

TEST(Hdf5, MissingOrAmbiguousDatasetsAreNamed) {
  TempDir dir;
  const auto path = dir / "foreign.h5";
  write_foreign_file(path);
  expect_error([&] { read_dataset(parse_data_spec(path.string() + ":/nope")); }, ErrorCode::Malformed,
               {"foreign.h5", "'/nope'", "/events/records", "/ints"});
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Usage,
               {"foreign.h5", "2 datasets", "/ints"});
  write_bytes(dir / "fake.h5", "not hdf5 at all");
  expect_error([&] { read_dataset(parse_data_spec((dir / "fake.h5").string())); }, ErrorCode::Malformed,
               {"fake.h5", "not an HDF5 file"});
  expect_error([&] { list_hdf5_datasets(dir / "none.h5"); }, ErrorCode::Io, {"none.h5"});
}

TEST(Hdf5, HugeDeclaredShapeWithoutDataIsRefusedBeforeAllocating) {
  TempDir dir;
  const auto path = dir / "huge.h5";
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[2] = {hsize_t{1} << 32, 64};  // 2^38 doubles = 2 TiB, never written
  hid_t sp = H5Screate_simple(2, dims, nullptr);
  hid_t d = H5Dcreate2(f, "data", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  H5Dclose(d);
  H5Sclose(sp);
  H5Fclose(f);
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Limit,
               {"huge.h5:/data", "declares"});
}

}  // namespace
}  // namespace baler::test
