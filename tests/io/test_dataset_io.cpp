// read_dataset / write_dataset: the shared example files, the kind rule, column selection,
// data specs, the .names.txt sidecar, and atomic writes that leave nothing behind on failure.
#include "baler/atomic_file.hpp"
#include "baler/io.hpp"
#include "baler/npy.hpp"
#include "io_test_support.hpp"

namespace baler::test {
namespace {

Dataset read(const std::string& rel, ReadOptions o = {}) {
  return read_dataset(parse_data_spec(data_file(rel).string()), o);
}

TEST(DatasetIo, SharedNpyFilesHaveDocumentedShapesAndKinds) {
  struct Case { const char* file; DataKind kind; std::vector<std::int64_t> shape; DType dtype; const char* first; };
  const Case cases[] = {
      {"cms/Zmumu_Run2011A.npy", DataKind::Table, {10583, 14}, DType::F64, "Run"},
      {"cms/nanoAOD_ttbar_Jets_flattened.npy", DataKind::Table, {537, 41}, DType::F32, "event_index"},
      {"atlas/all_jets_test_4D.npy", DataKind::Table, {27945, 4}, DType::F64, "m"},
      {"root/Zmumu_events_flat.npy", DataKind::Table, {2304, 19}, DType::F64, "Run"},
      {"root/HZZ_events_flat.npy", DataKind::Table, {2421, 28}, DType::F32, "NJet"},
      {"fields/vorticity.128_128_41.npy", DataKind::Field, {41, 128, 128}, DType::F32, ""},
      {"fields/vorticity.512_512.npy", DataKind::Field, {512, 512}, DType::F32, ""},
  };
  for (const auto& c : cases) {
    const Dataset ds = read(c.file);
    ASSERT_EQ(ds.kind, c.kind) << c.file;
    if (c.kind == DataKind::Field) {
      EXPECT_EQ(ds.field.shape, c.shape) << c.file;
      EXPECT_EQ(ds.field.dtype, c.dtype) << c.file;
      continue;
    }
    EXPECT_EQ(ds.rows(), static_cast<std::size_t>(c.shape[0])) << c.file;
    ASSERT_EQ(ds.columns.size(), static_cast<std::size_t>(c.shape[1])) << c.file;
    EXPECT_EQ(ds.columns[0].name, c.first) << c.file;
    EXPECT_EQ(ds.columns[0].values.dtype, c.dtype) << c.file;
  }
  EXPECT_EQ(column_names(read("atlas/all_jets_test_4D.npy")), (std::vector<std::string>{"m", "pt", "phi", "eta"}));
}

TEST(DatasetIo, KindCanBeForced) {
  const Dataset f = read("lhcb/LHCb_B2HHH.npz", ReadOptions{"field", {}, "", {}});
  EXPECT_EQ(f.field.shape, (std::vector<std::int64_t>{4322, 26}));
  const Dataset t = read("fields/vorticity.512_512.npy", ReadOptions{"table", {}, "", {}});
  EXPECT_EQ(t.columns.size(), 512u);
  EXPECT_EQ(t.columns[511].name, "col511");
  expect_error([] { read("cfd/CFD_still.npz", ReadOptions{"table", {}, "", {}}); }, ErrorCode::Usage,
               {"CFD_still.npz", "(1, 50, 50)"});
  expect_error([] { read("cfd/CFD_still.npz", ReadOptions{"image", {}, "", {}}); }, ErrorCode::Usage, {"image"});
  const Dataset csv_field = read("cms/Zmumu_Run2011A.csv", ReadOptions{"field", {}, "", {}});
  EXPECT_EQ(csv_field.field.dtype, DType::F64);  // int64 + float64 columns become float64
  EXPECT_EQ(csv_field.field.shape, (std::vector<std::int64_t>{10583, 14}));
}

TEST(DatasetIo, ColumnSelectionByNameAndGlob) {
  const Dataset ds = read("lhcb/LHCb_B2HHH.npz", ReadOptions{"auto", {"H1_P?", "B_*", "H1_PX"}, "", {}});
  EXPECT_EQ(column_names(ds), (std::vector<std::string>{"H1_PX", "H1_PY", "H1_PZ", "B_FlightDistance", "B_VertexChi2"}));
  expect_error([] { read("lhcb/LHCb_B2HHH.npz", ReadOptions{"auto", {"H1_PX", "H9_*"}, "", {}}); }, ErrorCode::Usage,
               {"LHCb_B2HHH.npz", "'H9_*'", "B_FlightDistance", "H3_isMuon"});
  expect_error([] { read("cfd/CFD_still.npz", ReadOptions{"auto", {"x"}, "", {}}); }, ErrorCode::Usage, {"field"});
  const Dataset csv = read("cms/Zmumu_Run2011A.csv", ReadOptions{"auto", {"pt*"}, "", {}});
  EXPECT_EQ(column_names(csv), (std::vector<std::string>{"pt1", "pt2"}));
}

TEST(DatasetIo, DataSpecsAndFormats) {
  auto s = parse_data_spec("dir/file.h5:/group/ds");
  EXPECT_EQ(s.path, "dir/file.h5");
  EXPECT_EQ(s.object, "/group/ds");
  EXPECT_EQ(s.format, FileFormat::Hdf5);
  s = parse_data_spec("a.npz:names");
  EXPECT_EQ(s.path, "a.npz");
  EXPECT_EQ(s.object, "names");
  s = parse_data_spec("weird:dir/x.npy");  // ':' not after a known extension: part of the path
  EXPECT_EQ(s.path, "weird:dir/x.npy");
  EXPECT_EQ(s.object, "");
  EXPECT_EQ(s.format, FileFormat::Npy);
  s = parse_data_spec("events.root:tree");
  EXPECT_EQ(s.format, FileFormat::Root);
  EXPECT_EQ(s.object, "tree");
  EXPECT_EQ(parse_data_spec("X.CSV").format, FileFormat::Csv);
  EXPECT_EQ(format_from_path("a.hdf5"), FileFormat::Hdf5);
  EXPECT_EQ(format_from_path("a.baler"), FileFormat::Baler);
  EXPECT_EQ(format_from_path("a.txt"), FileFormat::Csv);  // text tables: .tsv .txt .dat
  EXPECT_EQ(format_from_path("a.DAT"), FileFormat::Csv);
  EXPECT_EQ(format_from_path("a.xls"), FileFormat::Unknown);
  EXPECT_EQ(parse_format("h5"), FileFormat::Hdf5);
  EXPECT_EQ(parse_format("NPZ"), FileFormat::Npz);
  EXPECT_EQ(format_name(FileFormat::Csv), "csv");
  expect_error([] { parse_format("xls"); }, ErrorCode::Usage, {"'xls'"});
  expect_error([] { read_dataset(parse_data_spec("x.baler")); }, ErrorCode::Usage, {"decompress"});
  expect_error([] { read_dataset(parse_data_spec("x.xls")); }, ErrorCode::Usage, {"x.xls"});
  EXPECT_EQ(recorded_format_name(parse_data_spec("run.dat")), "dat");
  EXPECT_EQ(recorded_format_name(parse_data_spec("run.CSV")), "csv");
  EXPECT_EQ(recorded_format_name(parse_data_spec("run.npz:data")), "npz");
}

TEST(DatasetIo, NpyTablesWriteASidecarAndRoundTrip) {
  TempDir dir;
  const auto path = dir / "t.npy";
  const Dataset table = table_from_matrix(random_array(DType::I16, {10, 3}, 5), {"a", "b", "c"});
  write_dataset(table, parse_data_spec(path.string()));
  EXPECT_TRUE(std::filesystem::exists(dir / "t.names.txt"));
  EXPECT_EQ(read_dataset(parse_data_spec(path.string())), table);
  // Unnamed 300-column tables stay tables thanks to the sidecar.
  const Dataset wide = table_from_matrix(random_array(DType::F32, {2, 300}, 6), {});
  write_dataset(wide, parse_data_spec(path.string()));
  EXPECT_EQ(read_dataset(parse_data_spec(path.string())), wide);
  // A field removes the stale sidecar.
  Dataset field;
  field.kind = DataKind::Field;
  field.field = random_array(DType::F32, {4, 4}, 7);
  write_dataset(field, parse_data_spec(path.string()));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.names.txt"));
  EXPECT_EQ(read_dataset(parse_data_spec(path.string()), ReadOptions{"field", {}, "", {}}), field);
  // Mixed dtypes become a structured (record) array, names inside, no sidecar.
  Dataset mixed;
  std::uint64_t seed = 70;
  for (DType t : kAllDTypes) mixed.columns.push_back({"c " + std::string(dtype_name(t)), random_array(t, {13}, ++seed)});
  mixed.columns[0].name = "ünïcödé 'q'";
  write_dataset(mixed, parse_data_spec(path.string()));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.names.txt"));
  EXPECT_EQ(read_dataset(parse_data_spec(path.string())), mixed);
  EXPECT_EQ(parse_npy_header(read_file_bytes(path), "t").major, 3);  // UTF-8 names need v3
  // A sidecar that does not match the array is an error naming both files.
  write_npy(random_array(DType::F64, {3, 2}, 9), dir / "s.npy");
  write_bytes(dir / "s.names.txt", "one\ntwo\nthree\n");
  expect_error([&] { read_dataset(parse_data_spec((dir / "s.npy").string())); }, ErrorCode::Malformed,
               {"s.names.txt has 3 names", "s.npy has 2 columns"});
}

TEST(DatasetIo, AtomicWritesLeaveNothingOnFailure) {
  TempDir dir;
  const Dataset table = table_from_matrix(random_array(DType::F64, {5, 2}, 1), {"x", "y"});
  for (const char* name : {"out.npy", "out.npz", "out.csv", "out.h5"}) {
    const auto path = dir / "missing_dir" / name;
    expect_error([&] { write_dataset(table, parse_data_spec(path.string())); }, ErrorCode::Io, {name});
    EXPECT_FALSE(std::filesystem::exists(dir / "missing_dir")) << name;
  }
  // A successful write leaves exactly the files asked for (no temporaries).
  for (const char* name : {"out.npy", "out.npz", "out.csv", "out.h5"})
    write_dataset(table, parse_data_spec((dir / name).string()));
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();
    ++n;
  }
  EXPECT_EQ(n, 5u);  // four files + out.names.txt
}

}  // namespace
}  // namespace baler::test
