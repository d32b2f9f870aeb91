// Chunked reads and writes (io_stream.hpp): every format read in row ranges equals the whole
// read, for several chunk sizes, odd row counts and backward reads; sinks written in parts give
// the files write_dataset gives; a sink dropped before commit leaves nothing.
#include <zip.h>

#include <algorithm>
#include <thread>

#include "baler/atomic_file.hpp"
#include "baler/csv.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "baler/npy.hpp"
#include "io_test_support.hpp"

namespace baler::test {
namespace {

// Reads the whole source in parts of `step` rows (and once more backwards) and concatenates.
Dataset read_in_parts(DataSource& src, std::uint64_t step) {
  MemorySink all(src.layout());
  for (std::uint64_t a = 0; a < src.layout().rows; a += step)
    all.write_rows(src.read_rows(a, std::min(src.layout().rows, a + step)));
  return std::move(all.data());
}

// The source of `spec` gives read_dataset's data set whatever the chunking.
void expect_chunked_equals_whole(const std::string& spec_text, const ReadOptions& o = {}) {
  SCOPED_TRACE(spec_text);
  const DataSpec spec = parse_data_spec(spec_text);
  const Dataset whole = read_dataset(spec, o);
  auto src = open_data_source(spec, o);
  EXPECT_EQ(src->layout().rows, whole.rows());
  EXPECT_EQ(src->layout().kind, whole.kind);
  for (std::uint64_t step : {1ull, 3ull, 7ull, 64ull, 100000ull}) {
    if (step == 1 && whole.rows() > 2000) continue;
    EXPECT_EQ(read_in_parts(*src, step), whole) << "step " << step;
  }
  if (whole.rows() >= 5) {  // a read before the previous one (re-opens deflated members)
    const auto last = src->read_rows(whole.rows() - 2, whole.rows());
    EXPECT_EQ(src->read_rows(1, 4), slice_rows(whole, 1, 4));
    EXPECT_EQ(last, slice_rows(whole, whole.rows() - 2, whole.rows()));
  }
}

Dataset mixed_table(std::int64_t rows) {
  Dataset t;
  t.columns.push_back({"a", random_array(DType::F32, {rows}, 1)});
  t.columns.push_back({"b", random_array(DType::I16, {rows}, 2)});
  t.columns.push_back({"flag", random_array(DType::Bool, {rows}, 3)});
  t.columns.push_back({"d", random_array(DType::F64, {rows}, 4)});
  return t;
}

// A Fortran-order .npy of `m` (rows x cols): the header says so and the data are column-major.
std::vector<std::byte> fortran_npy(const Array& m) {
  auto img = encode_npy(m);
  std::string text(reinterpret_cast<const char*>(img.data()), 128);
  const auto pos = text.find("False");
  std::memcpy(img.data() + pos, "True ", 5);
  const std::size_t rows = static_cast<std::size_t>(m.shape[0]), cols = static_cast<std::size_t>(m.shape[1]);
  const std::size_t es = dtype_size(m.dtype), start = img.size() - m.bytes.size();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      std::memcpy(img.data() + start + (c * rows + r) * es, m.bytes.data() + (r * cols + c) * es, es);
  return img;
}

TEST(DataStream, NpyTablesFieldsRecordsAndFortranOrder) {
  TempDir dir;
  write_npy(random_array(DType::F32, {1001, 5}, 7), dir / "t.npy");
  write_npy(random_array(DType::I32, {37, 6, 5}, 8), dir / "f.npy");
  write_npy(random_array(DType::U16, {123}, 9), dir / "one.npy");
  write_file_atomic(dir / "rec.npy", encode_npy_records(mixed_table(333)));
  write_file_atomic(dir / "fort.npy", fortran_npy(random_array(DType::F64, {211, 3}, 10)));
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "fort.npy").string())),
            table_from_matrix(random_array(DType::F64, {211, 3}, 10), {}));  // the test file is Fortran order
  write_file_atomic(dir / "fort1.npy", fortran_npy(random_array(DType::Bool, {50, 1}, 11)));
  for (const char* f : {"t.npy", "f.npy", "one.npy", "rec.npy", "fort.npy", "fort1.npy"})
    expect_chunked_equals_whole((dir / f).string());
  ReadOptions field;
  field.kind = "field";
  expect_chunked_equals_whole((dir / "t.npy").string(), field);
  expect_chunked_equals_whole((dir / "fort.npy").string(), field);
  ReadOptions cols;
  cols.columns = {"col3", "col0"};
  expect_chunked_equals_whole((dir / "t.npy").string(), cols);
  EXPECT_EQ(open_data_source(parse_data_spec((dir / "t.npy").string()))->access(), "streamed");
}

TEST(DataStream, SharedExampleFiles) {
  for (const char* f : {"cms/Zmumu_Run2011A.npy", "fields/vorticity.128_128_41.npy", "lhcb/LHCb_B2HHH.npz"})
    expect_chunked_equals_whole(data_file(f).string());
}

// An npz whose members are deflated (numpy.savez_compressed) or stored (numpy.savez).
void make_npz(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::vector<std::byte>>>& members,
              bool deflate) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, bytes] : members) {
    zip_source_t* s = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    const auto i = zip_file_add(z, (name + ".npy").c_str(), s, 0);
    ASSERT_GE(i, 0);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(i), deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  ASSERT_EQ(zip_close(z), 0);
}

TEST(DataStream, NpzStoredDeflatedAndColumnLayout) {
  TempDir dir;
  const auto data = encode_npy(random_array(DType::F64, {517, 4}, 12));
  const auto names = encode_npy_strings({"w", "x", "y", "z"});
  make_npz(dir / "stored.npz", {{"data", data}, {"names", names}}, false);
  make_npz(dir / "deflated.npz", {{"data", data}, {"names", names}}, true);
  make_npz(dir / "field.npz", {{"frames", encode_npy(random_array(DType::F32, {29, 8, 3}, 13))}}, true);
  write_dataset(mixed_table(401), parse_data_spec((dir / "cols.npz").string()));
  for (const char* f : {"stored.npz", "deflated.npz", "field.npz", "cols.npz"})
    expect_chunked_equals_whole((dir / f).string());
  ReadOptions sel;
  sel.columns = {"d", "a"};
  expect_chunked_equals_whole((dir / "cols.npz").string(), sel);
}

// A damaged byte in a stored member: a pass over all rows ends in a CRC error, as the whole read.
TEST(DataStream, NpzCrcIsCheckedByAFullPass) {
  TempDir dir;
  const auto data = encode_npy(random_array(DType::F64, {300, 2}, 21));
  make_npz(dir / "s.npz", {{"data", data}}, false);
  auto zip_bytes = read_file_bytes(dir / "s.npz");
  const auto at = std::search(zip_bytes.begin(), zip_bytes.end(), data.end() - 64, data.end());
  ASSERT_NE(at, zip_bytes.end());
  *at ^= std::byte{1};
  write_file_atomic(dir / "s.npz", zip_bytes);
  const auto spec = parse_data_spec((dir / "s.npz").string());
  expect_error([&] { read_dataset(spec); }, ErrorCode::Malformed, {"s.npz"});
  auto src = open_data_source(spec);
  EXPECT_NO_THROW(src->read_rows(0, 100));  // a part cannot be checked
  expect_error([&] { read_in_parts(*src, 64); }, ErrorCode::Malformed, {"s.npz:data", "CRC"});
}

TEST(DataStream, Hdf5MatrixCompoundAndField) {
  TempDir dir;
  Dataset m = table_from_matrix(random_array(DType::F32, {389, 3}, 14), {"p", "q", "r"});
  write_dataset(m, parse_data_spec((dir / "m.h5").string()));
  write_dataset(mixed_table(277), parse_data_spec((dir / "c.h5").string()));
  Dataset f;
  f.kind = DataKind::Field;
  f.field = random_array(DType::I64, {31, 4, 4}, 15);
  write_dataset(f, parse_data_spec((dir / "f.h5:/g/vol").string()));
  for (const char* s : {"m.h5", "c.h5", "f.h5:/g/vol"}) expect_chunked_equals_whole((dir / s).string());
}

TEST(DataStream, CsvIsParsedForward) {
  TempDir dir;
  write_dataset(mixed_table(57), parse_data_spec((dir / "t.csv").string()));
  expect_chunked_equals_whole((dir / "t.csv").string());
  ReadOptions f32;
  f32.csv_dtype = "float32";
  expect_chunked_equals_whole((dir / "t.csv").string(), f32);
  EXPECT_EQ(open_data_source(parse_data_spec((dir / "t.csv").string()))->access(), "streamed");
  const std::string odd = "\xEF\xBB\xBF\"a,\nb\",\"c\"\"d\"\r\n\r\n1,\"2.5\"\r\n\n3,-4\n5,  6  ";
  write_file_atomic(dir / "odd.csv", std::as_bytes(std::span(odd.data(), odd.size())));
  expect_chunked_equals_whole((dir / "odd.csv").string());
}

// Records that straddle the reader's first 1 MiB block at every offset within a row: CRLF
// split, inside a quoted field, between a field and its comma.
TEST(DataStream, CsvRecordsAcrossBlockBoundaries) {
  TempDir dir;
  std::string body;
  for (int r = 0; body.size() < (1u << 20) + 4096; ++r) body += std::to_string(r % 10) + ",\"-1." + std::to_string(r % 7) + "\"\r\n";
  for (int shift = 0; shift < 11; ++shift) {
    const std::string text = "first" + std::string(static_cast<std::size_t>(shift), ' ') + ",second\r\n" + body;
    const auto path = dir / ("b" + std::to_string(shift) + ".csv");
    write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
    const Dataset whole = parse_csv(text, "text");
    auto src = open_data_source(parse_data_spec(path.string()));
    ASSERT_EQ(src->layout().rows, whole.rows()) << shift;
    EXPECT_EQ(read_in_parts(*src, 40000), whole) << shift;
  }
}

TEST(DataStream, CsvErrorsNameTheLine) {
  TempDir dir;
  std::string text = "a,b\n";
  for (int r = 0; r < 5000; ++r) text += "1,2\n";
  text += "1,2,3\n";
  write_file_atomic(dir / "bad.csv", std::as_bytes(std::span(text.data(), text.size())));
  expect_error([&] { open_data_source(parse_data_spec((dir / "bad.csv").string())); }, ErrorCode::Malformed,
               {"bad.csv", "line 5002", "3 fields"});
  text = "a,b\n1,\"2\n";
  write_file_atomic(dir / "open.csv", std::as_bytes(std::span(text.data(), text.size())));
  expect_error([&] { open_data_source(parse_data_spec((dir / "open.csv").string())); }, ErrorCode::Malformed,
               {"open.csv", "line 2", "never closed"});
}

TEST(DataStream, HostileFilesAreRefusedAtOpen) {
  TempDir dir;
  auto img = encode_npy(random_array(DType::F64, {100, 2}, 16));
  img.resize(img.size() - 8);  // one value short
  write_file_atomic(dir / "short.npy", img);
  expect_error([&] { open_data_source(parse_data_spec((dir / "short.npy").string())); }, ErrorCode::Malformed,
               {"short.npy", "1600", "1592"});
  write_file_atomic(dir / "tiny.npy", std::vector<std::byte>(5, std::byte{0x93}));
  expect_error([&] { open_data_source(parse_data_spec((dir / "tiny.npy").string())); }, ErrorCode::Malformed,
               {"tiny.npy"});
}

// Writes `d` through a sink in parts of `step` rows.
void write_in_parts(const Dataset& d, const std::string& spec, std::uint64_t step) {
  auto sink = open_data_sink(parse_data_spec(spec), layout_of(d));
  for (std::uint64_t a = 0; a < d.rows(); a += step) sink->write_rows(slice_rows(d, a, std::min(d.rows(), a + step)));
  sink->commit();
}

TEST(DataStream, SinksInPartsWriteWhatWriteDatasetWrites) {
  TempDir dir;
  Dataset field;
  field.kind = DataKind::Field;
  field.field = random_array(DType::F32, {23, 5, 2}, 17);
  Dataset field2d;
  field2d.kind = DataKind::Field;
  field2d.field = random_array(DType::F64, {19, 3}, 18);
  const Dataset matrix = table_from_matrix(random_array(DType::F64, {101, 3}, 19), {"u", "v", "w"});
  const Dataset mixed = mixed_table(99);
  struct Case { const Dataset* d; const char* ext; };
  const Case cases[] = {{&field, "npy"}, {&field, "npz"}, {&field, "h5"},  {&field2d, "csv"},
                        {&matrix, "npy"}, {&matrix, "npz"}, {&matrix, "h5"}, {&matrix, "csv"},
                        {&mixed, "npy"},  {&mixed, "npz"},  {&mixed, "h5"},  {&mixed, "csv"}};
  int k = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.ext) + " case " + std::to_string(k));
    const auto whole = dir / ("w" + std::to_string(k) + "." + c.ext);
    const auto parts = dir / ("p" + std::to_string(k) + "." + c.ext);
    write_dataset(*c.d, parse_data_spec(whole.string()));
    write_in_parts(*c.d, parts.string(), 7);
    ReadOptions o;
    o.csv_dtype = std::string(c.ext) == "csv" && c.d != &mixed ? std::string(dtype_name(DType::F64)) : "";
    const Dataset back = read_dataset(parse_data_spec(parts.string()), o);
    EXPECT_EQ(back, read_dataset(parse_data_spec(whole.string()), o));
    if (std::string(c.ext) != "h5") {
      EXPECT_EQ(read_file_bytes(parts), read_file_bytes(whole));
    }
    ++k;
  }
}

// An npy sink takes parts at their rows, out of order and from several threads at once
// (decompress writes each chunk on the thread that decoded it): the same file as in order.
TEST(DataStream, NpySinkTakesRowsAtTheirPlaceFromSeveralThreads) {
  TempDir dir;
  Dataset field;
  field.kind = DataKind::Field;
  field.field = random_array(DType::F32, {23, 5, 2}, 17);
  const Dataset matrix = table_from_matrix(random_array(DType::F64, {101, 3}, 19), {"u", "v", "w"});
  const Dataset mixed = mixed_table(99);
  int k = 0;
  for (const Dataset* d : std::initializer_list<const Dataset*>{&field, &matrix, &mixed}) {
    SCOPED_TRACE("case " + std::to_string(k));
    const auto whole = dir / ("w" + std::to_string(k) + ".npy");
    const auto parts = dir / ("p" + std::to_string(k) + ".npy");
    write_dataset(*d, parse_data_spec(whole.string()));
    auto sink = open_data_sink(parse_data_spec(parts.string()), layout_of(*d));
    ASSERT_TRUE(sink->writes_at_rows());
    const std::uint64_t step = 6, n = d->rows(), parts_n = (n + step - 1) / step;
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&, t] {  // parts from the last backwards, dealt round-robin
        for (std::uint64_t p = static_cast<std::uint64_t>(t); p < parts_n; p += 3) {
          const std::uint64_t a = (parts_n - 1 - p) * step;
          sink->write_rows_at(slice_rows(*d, a, std::min(n, a + step)), a);
        }
      });
    for (auto& t : threads) t.join();
    sink->commit();
    EXPECT_EQ(read_file_bytes(parts), read_file_bytes(whole));
    ++k;
  }
  // Rows beyond the layout, and a commit that lacks rows, are refused; nothing is left behind.
  const auto out = dir / "short.npy";
  expect_error([&] {
    auto sink = open_data_sink(parse_data_spec(out.string()), layout_of(matrix));
    sink->write_rows_at(slice_rows(matrix, 0, 10), 95);
  }, ErrorCode::Internal, {"beyond"});
  expect_error([&] {
    auto sink = open_data_sink(parse_data_spec(out.string()), layout_of(matrix));
    sink->write_rows_at(slice_rows(matrix, 0, 10), 91);
    sink->commit();
  }, ErrorCode::Internal, {"not every row"});
  EXPECT_FALSE(std::filesystem::exists(out));
  // Outputs that take rows in order only say so.
  Dataset text = mixed_table(5);
  text.text.push_back({"label", 1, {"a", "b", "c", "d", "e"}});
  for (const char* name : {"t.npy", "t.csv", "t.h5", "t.npz"}) {
    auto sink = open_data_sink(parse_data_spec((dir / name).string()), layout_of(std::string(name) == "t.npy" ? text : matrix));
    EXPECT_FALSE(sink->writes_at_rows()) << name;
    SCOPED_TRACE(name);
    expect_error([&] { sink->write_rows_at(slice_rows(matrix, 0, 1), 0); }, ErrorCode::Internal, {"in order"});
  }
}

TEST(DataStream, SinkDroppedBeforeCommitLeavesNothing) {
  const Dataset mixed = mixed_table(50);
  for (const char* ext : {"npy", "npz", "csv", "h5"}) {
    TempDir dir;
    {
      auto sink = open_data_sink(parse_data_spec((dir / (std::string("x.") + ext)).string()), layout_of(mixed));
      sink->write_rows(slice_rows(mixed, 0, 20));
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << ext;
  }
}

}  // namespace
}  // namespace baler::test
