// HDF5: round trips of every dtype (matrix + names, compound tables, N-d fields), big-endian
// files written by hand, names attributes, dataset selection and missing-dataset errors.
#include <hdf5.h>
#include <zlib.h>

#include "baler/io_stream.hpp"

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


// A 2-D float64 dataset of rows x 4 in chunks of 8 x 4 with the given filters (shuffle, gzip,
// fletcher32 in h5py's order), values i * 0.5.
void write_filtered(const std::filesystem::path& path, hsize_t rows, bool shuffle, bool gzip, bool fletcher) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[2] = {rows, 4}, chunk[2] = {8, 4};
  hid_t sp = H5Screate_simple(2, dims, nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 2, chunk);
  if (shuffle) H5Pset_shuffle(dcpl);
  if (gzip) H5Pset_deflate(dcpl, 4);
  if (fletcher) H5Pset_fletcher32(dcpl);
  hid_t d = H5Dcreate2(f, "data", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  std::vector<double> v(rows * 4);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 0.5;
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(d);
  H5Pclose(dcpl);
  H5Sclose(sp);
  H5Fclose(f);
}

TEST(Hdf5, ReadsGzipShuffleAndFletcherChunks) {
  TempDir dir;
  for (int filters = 0; filters < 8; ++filters) {
    const auto path = dir / ("f" + std::to_string(filters) + ".h5");
    write_filtered(path, 21, filters & 1, filters & 2, filters & 4);  // a partial last chunk
    const Dataset d = read_dataset(parse_data_spec(path.string()));
    ASSERT_EQ(d.columns.size(), 4u);
    EXPECT_EQ(d.columns[3].values.as<double>()[20], (20 * 4 + 3) * 0.5) << filters;
    auto source = open_data_source(parse_data_spec(path.string()));
    EXPECT_EQ(source->read_rows(9, 17).columns[1].values.as<double>()[0], (9 * 4 + 1) * 0.5) << filters;
  }
}

// The fuzz_hdf5 finding: a gzip chunk that inflates to less than its chunk made libhdf5 copy
// past the end of its buffer inside H5Dread. Now refused before the read, naming the chunk.
TEST(Hdf5, GzipChunkThatInflatesShortIsRefused) {
  TempDir dir;
  const auto path = dir / "short.h5";
  write_filtered(path, 16, false, true, false);
  {  // replace the second chunk (rows 8..15, 256 bytes) by a valid gzip stream of 40 bytes
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "data", H5P_DEFAULT);
    unsigned char raw[40] = {}, packed[128];
    uLongf n = sizeof packed;
    ASSERT_EQ(compress2(packed, &n, raw, sizeof raw, 4), Z_OK);
    const hsize_t at[2] = {8, 0};
    ASSERT_GE(H5Dwrite_chunk(d, H5P_DEFAULT, 0, at, n, packed), 0);
    H5Dclose(d);
    H5Fclose(f);
  }
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Malformed,
               {"short.h5:/data", "chunk at row 8", "decodes to 40 bytes", "256"});
  auto source = open_data_source(parse_data_spec(path.string()));
  EXPECT_EQ(source->read_rows(0, 8).columns[0].values.as<double>()[7], 28 * 0.5);  // the first chunk is fine
  expect_error([&] { source->read_rows(4, 12); }, ErrorCode::Malformed, {"chunk at row 8"});
}

TEST(Hdf5, FiltersBalerCannotCheckAreRefused) {
  TempDir dir;
  const auto path = dir / "nbit.h5";
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[1] = {16}, chunk[1] = {8};
  hid_t sp = H5Screate_simple(1, dims, nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, chunk);
  H5Pset_scaleoffset(dcpl, H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT);
  hid_t d = H5Dcreate2(f, "data", H5T_STD_I32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  std::vector<int> v(16, 7);
  H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(d);
  H5Pclose(dcpl);
  H5Sclose(sp);
  H5Fclose(f);
  expect_error([&] { read_dataset(parse_data_spec(path.string())); }, ErrorCode::Unsupported,
               {"nbit.h5:/data", "filter 6", "gzip, shuffle and fletcher32"});
}

}  // namespace
}  // namespace baler::test
