// CSV: the CMS file against its .npy twin, RFC 4180 quoting, dtype inference, round trips of
// every dtype, and messages naming line, column and text of bad values.
#include "baler/csv.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "io_test_support.hpp"

namespace baler::test {
namespace {

TEST(Csv, CmsFileMatchesItsNpyTwin) {
  const Dataset csv = read_dataset(parse_data_spec(data_file("cms/Zmumu_Run2011A.csv").string()));
  const Dataset npy = read_dataset(parse_data_spec(data_file("cms/Zmumu_Run2011A.npy").string()));
  ASSERT_EQ(csv.kind, DataKind::Table);
  ASSERT_EQ(csv.columns.size(), 14u);
  ASSERT_EQ(csv.rows(), 10583u);
  EXPECT_EQ(column_names(csv), column_names(npy));  // CSV header vs .names.txt
  EXPECT_EQ(csv.columns[0].name, "Run");
  for (const char* name : {"Run", "Event", "Q1", "Q2"}) {
    for (const auto& c : csv.columns) {
      if (c.name == name) {
        EXPECT_EQ(c.values.dtype, DType::I64) << name;
      }
    }
  }
  EXPECT_EQ(csv.columns[2].values.dtype, DType::F64);
  for (std::size_t c = 0; c < 14; ++c)
    for (std::size_t r = 0; r < csv.rows(); ++r)
      ASSERT_EQ(csv.columns[c].values.value(r), npy.columns[c].values.value(r)) << csv.columns[c].name << " row " << r;
}

TEST(Csv, QuotingCrlfAndInference) {
  const std::string text =
      "\xEF\xBB\xBF\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain\r\n"
      "1,2.5,nan,\"7\"\r\n"
      "\r\n"
      "-3,1e3,-inf,+8\r\n"
      "9223372036854775807,NaN,Infinity,9\r\n";
  const Dataset ds = parse_csv(text, "q.csv");
  EXPECT_EQ(column_names(ds), (std::vector<std::string>{"a,b", "say \"hi\"", "two\nlines", "plain"}));
  EXPECT_EQ(ds.columns[0].values.dtype, DType::I64);
  EXPECT_EQ(ds.columns[0].values.as<std::int64_t>()[2], 9223372036854775807LL);
  EXPECT_EQ(ds.columns[1].values.dtype, DType::F64);
  EXPECT_EQ(ds.columns[1].values.as<double>()[1], 1000.0);
  EXPECT_TRUE(std::isnan(ds.columns[1].values.as<double>()[2]));
  const auto inf = ds.columns[2].values.as<double>();
  EXPECT_TRUE(std::isnan(inf[0]));
  EXPECT_EQ(inf[1], -INFINITY);
  EXPECT_EQ(inf[2], INFINITY);
  EXPECT_EQ(ds.columns[3].values.as<std::int64_t>()[1], 8);
  // An integer beyond int64 makes the column float64.
  EXPECT_EQ(parse_csv("x\n1\n9223372036854775808\n", "big.csv").columns[0].values.dtype, DType::F64);
}

TEST(Csv, BadValuesNameLineColumnAndText) {
  // A forced dtype still refuses a number it cannot hold (a word would make a text column).
  expect_error([] { parse_csv("a,b\n1,2\n3,4.5\n", "f.csv", DType::I32); }, ErrorCode::Malformed,
               {"f.csv line 3 column 2 ('b'): '4.5' is not a valid int32"});
  expect_error([] { parse_csv("a,b\n1,2\n3\n", "r.csv"); }, ErrorCode::Malformed,
               {"r.csv line 3", "1 fields", "2 columns"});
  expect_error([] { parse_csv("a,b\n1,2,3\n", "r.csv"); }, ErrorCode::Malformed, {"r.csv line 2", "3 fields"});
  expect_error([] { parse_csv("a,b\n1,\"2\n", "u.csv"); }, ErrorCode::Malformed, {"u.csv line 2", "never closed"});
  expect_error([] { parse_csv("a,b\n1,\"2\"x\n", "t.csv"); }, ErrorCode::Malformed, {"t.csv line 2"});
  expect_error([] { parse_csv("", "empty.csv"); }, ErrorCode::Malformed, {"empty.csv", "header"});
  expect_error([] { parse_csv("a,a\n1,2\n", "d.csv"); }, ErrorCode::Malformed, {"d.csv", "'a'"});
  expect_error([] { parse_csv("a\n300\n", "i.csv", DType::I8); }, ErrorCode::Malformed,
               {"i.csv line 2 column 1 ('a'): '300' is not a valid int8"});
  TempDir dir;
  write_bytes(dir / "bad.csv", "x,y\n1,2\n3,oops\n");
  ReadOptions odd;
  odd.csv_dtype = "complex64";
  expect_error([&] { read_dataset(parse_data_spec((dir / "bad.csv").string()), odd); }, ErrorCode::Usage, {"complex64"});
  odd.csv_dtype = "int8";
  write_bytes(dir / "big.csv", "x,y\n1,2\n3,300\n");
  expect_error([&] { read_dataset(parse_data_spec((dir / "big.csv").string()), odd); }, ErrorCode::Malformed,
               {"big.csv line 3 column 2 ('y'): '300' is not a valid int8"});
}

// A column with a field that is not a number is a text column: its fields are kept exactly
// (quotes removed), in their place among the columns, with a note naming the first such field;
// written back (quoted where needed) they read back the same, with every delimiter.
TEST(Csv, TextColumnsAreKeptExactly) {
  const std::string text =
      "id,label,x,comment\n"
      "1,\"golden \"\"Z\"\"\",0.5,\n"
      "2,\"side, band\",1.5,\" spaced \"\n"
      "3,\"multi\nline\",2.5,\xC3\xBCn\xC3\xAF" "code\n"
      "4,12,3.5,#hash\n";
  std::vector<std::string> notes;
  const Dataset ds = parse_csv(text, "t.csv", std::nullopt, CsvHeader::Auto, nullptr, ',', &notes);
  EXPECT_EQ(column_names(ds), (std::vector<std::string>{"id", "x"}));
  EXPECT_EQ(all_column_names(ds), (std::vector<std::string>{"id", "label", "x", "comment"}));
  ASSERT_EQ(ds.text.size(), 2u);
  EXPECT_EQ(ds.text[0].position, 1u);
  EXPECT_EQ(ds.text[0].values, (std::vector<std::string>{"golden \"Z\"", "side, band", "multi\nline", "12"}));
  EXPECT_EQ(ds.text[1].values, (std::vector<std::string>{"", " spaced ", "\xC3\xBCn\xC3\xAF" "code", "#hash"}));
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("column 'label' holds text (line 2: 'golden \"Z\"')"), std::string::npos) << notes[0];
  EXPECT_EQ(ds.rows(), 4u);
  for (char delim : {',', ';', '\t', kWhitespace}) {
    const Dataset back = parse_csv(format_csv(ds, delim), "back", std::nullopt, CsvHeader::Auto, nullptr, delim);
    EXPECT_EQ(back, ds) << "delimiter '" << delim << "'";
  }
  // The streamed reader agrees, and selecting columns keeps the text where it was asked for.
  TempDir dir;
  write_bytes(dir / "t.csv", text);
  ReadOptions ro;
  ro.columns = {"comment", "x"};
  const Dataset picked = read_dataset(parse_data_spec((dir / "t.csv").string()), ro);
  EXPECT_EQ(all_column_names(picked), (std::vector<std::string>{"comment", "x"}));
  EXPECT_EQ(picked.text.at(0).values, ds.text[1].values);
  auto src = open_data_source(parse_data_spec((dir / "t.csv").string()), ro);
  EXPECT_EQ(src->layout().text_names, (std::vector<std::string>{"comment"}));
  EXPECT_EQ(src->read_rows(1, 3).text.at(0).values, (std::vector<std::string>{" spaced ", "\xC3\xBCn\xC3\xAF" "code"}));
  // A text column cannot become part of a field.
  ro.columns.clear();
  ro.kind = "field";
  expect_error([&] { read_dataset(parse_data_spec((dir / "t.csv").string()), ro); }, ErrorCode::Usage,
               {"'label' holds text"});
}

// Text columns in the other formats: npz as numpy str arrays, .npy as '<Un' fields of a record
// array, HDF5 as variable-length UTF-8 string members of the compound; all read back as text.
TEST(Csv, TextColumnsInNpzAndNpy) {
  Dataset t;
  t.columns.push_back({"x", random_array(DType::F32, {3}, 1)});
  t.text.push_back({"name", 0, {"a\xC3\xA9", "", "long text, with comma"}});
  TempDir dir;
  write_dataset(t, parse_data_spec((dir / "t.npz").string()));
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "t.npz").string())), t);
  auto src = open_data_source(parse_data_spec((dir / "t.npz").string()));
  EXPECT_EQ(src->read_rows(1, 3).text.at(0).values, (std::vector<std::string>{"", "long text, with comma"}));
  write_dataset(t, parse_data_spec((dir / "t.h5").string()));  // a compound with a string member
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "t.h5").string())), t);
  EXPECT_EQ(open_data_source(parse_data_spec((dir / "t.h5").string()))->read_rows(2, 3).text.at(0).values,
            (std::vector<std::string>{"long text, with comma"}));
  write_dataset(t, parse_data_spec((dir / "t.npy").string()));  // a record array with a '<U21' field
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "t.npy").string())), t);
  EXPECT_NE(slurp(dir / "t.npy").find("('name', '<U21')"), std::string::npos);
}

TEST(Csv, RoundTripEveryDtypeBitExactWithDtype) {
  TempDir dir;
  const auto path = dir / "t.csv";
  for (DType t : kAllDTypes) {
    const Dataset table = table_from_matrix(random_array(t, {40, 3}, 21), {"a", "b,c", " d"});
    write_dataset(table, parse_data_spec(path.string()));
    ReadOptions o;
    o.csv_dtype = std::string(dtype_name(t));
    Dataset back = read_dataset(parse_data_spec(path.string()), o);
    back.table_from_matrix = true;
    EXPECT_EQ(back, table) << dtype_name(t);
  }
}

TEST(Csv, RoundTripWithoutDtypeKeepsValues) {
  TempDir dir;
  const auto path = dir / "t.csv";
  Dataset t;
  t.columns.push_back({"i", random_array(DType::I64, {50}, 1)});
  t.columns.push_back({"f", random_array(DType::F64, {50}, 2)});
  t.columns.push_back({"g", random_array(DType::F32, {50}, 3)});
  t.columns.push_back({"whole", Array(DType::F64, {50})});  // 0.0 everywhere: must stay float
  t.columns.back().values.as<double>()[1] = -0.0;
  t.columns.back().values.as<double>()[2] = 12.0;
  write_csv(t, path);
  const Dataset back = read_csv(path);
  EXPECT_EQ(back.columns[0], t.columns[0]);
  EXPECT_EQ(back.columns[1], t.columns[1]);  // float64 bit-exact (NaN, inf, -0.0 included)
  EXPECT_EQ(back.columns[3], t.columns[3]);
  ASSERT_EQ(back.columns[2].values.dtype, DType::F64);  // float32 reads back as float64 ...
  for (std::size_t r = 0; r < 50; ++r) {                // ... that rounds to the same float
    const float orig = t.columns[2].values.as<float>()[r];
    const float got = static_cast<float>(back.columns[2].values.as<double>()[r]);
    if (std::isnan(orig)) EXPECT_TRUE(std::isnan(got));
    else EXPECT_EQ(std::bit_cast<std::uint32_t>(got), std::bit_cast<std::uint32_t>(orig)) << r;
  }
}

// A CSV without a header: a first row of unquoted numbers is data (columns col0, col1, ...,
// and a note), --header / --no-header override; quoted names and names that are numbers (which
// the writer quotes) stay names; CR-only line ends read too.
TEST(Csv, HeaderlessFilesAreDetectedAndOverridable) {
  bool had = true;
  Dataset d = parse_csv("1.5,2\n3,4\n", "h.csv", std::nullopt, CsvHeader::Auto, &had);
  EXPECT_FALSE(had);
  EXPECT_EQ(column_names(d), (std::vector<std::string>{"col0", "col1"}));
  ASSERT_EQ(d.rows(), 2u);
  EXPECT_EQ(d.columns[0].values.as<double>()[0], 1.5);
  d = parse_csv("1.5,2\n3,4\n", "h.csv", std::nullopt, CsvHeader::Yes, &had);
  EXPECT_TRUE(had);
  EXPECT_EQ(column_names(d), (std::vector<std::string>{"1.5", "2"}));
  EXPECT_EQ(d.rows(), 1u);
  EXPECT_EQ(column_names(parse_csv("\"1\",\"2\"\n3,4\n", "q.csv")), (std::vector<std::string>{"1", "2"}));
  // Forced to data, a first row of names makes text columns.
  d = parse_csv("a,b\n1,2\n", "n.csv", std::nullopt, CsvHeader::No);
  EXPECT_EQ(all_column_names(d), (std::vector<std::string>{"col0", "col1"}));
  EXPECT_EQ(d.text.at(0).values, (std::vector<std::string>{"a", "1"}));
  // Names that are numbers survive a write and a read.
  Dataset numeric;
  numeric.columns.push_back({"1", random_array(DType::F64, {4}, 3)});
  numeric.columns.push_back({"2.5", random_array(DType::I32, {4}, 4)});
  EXPECT_EQ(column_names(parse_csv(format_csv(numeric), "w.csv")), (std::vector<std::string>{"1", "2.5"}));
  EXPECT_EQ(parse_csv("a,b\r1,2\r3,4\r", "cr.csv").rows(), 2u);

  // The streaming reader and read_dataset agree, and a note says what happened.
  TempDir dir;
  write_bytes(dir / "h.csv", "1.5,2\n3,4\n5,6\n");
  std::vector<std::string> notes;
  ReadOptions o;
  o.on_note = [&](const std::string& n) { notes.push_back(n); };
  const Dataset whole = read_dataset(parse_data_spec((dir / "h.csv").string()), o);
  EXPECT_EQ(whole.rows(), 3u);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("the first row is all numbers"), std::string::npos) << notes[0];
  auto source = open_data_source(parse_data_spec((dir / "h.csv").string()), o);
  EXPECT_EQ(source->layout().rows, 3u);
  EXPECT_EQ(source->read_rows(0, 3), whole);
  EXPECT_EQ(source->read_rows(1, 2).columns[1].values.as<std::int64_t>()[0], 4);
  o.csv_header = "yes";
  EXPECT_EQ(open_data_source(parse_data_spec((dir / "h.csv").string()), o)->layout().rows, 2u);
  o.csv_header = "maybe";
  expect_error([&] { read_dataset(parse_data_spec((dir / "h.csv").string()), o); }, ErrorCode::Usage, {"auto, yes or no"});
}

// Text tables: tabs, semicolons and whitespace (with '#' comments) read as CSV does; the
// delimiter comes from the extension, the first line of a .csv, or ReadOptions.
TEST(Csv, TextTablesWithOtherDelimiters) {
  const Dataset comma = parse_csv("px,py,q\n1.5,2,-1\n3,4.25,1\n", "c.csv");
  EXPECT_EQ(parse_csv("px\tpy\tq\n1.5\t2\t-1\n3\t4.25\t1\n", "t.tsv", std::nullopt, CsvHeader::Auto, nullptr, '\t'),
            comma);
  EXPECT_EQ(parse_csv("px;py;q\r\n1.5;2;-1\r\n3;4.25;1\r\n", "s.csv", std::nullopt, CsvHeader::Auto, nullptr, ';'),
            comma);
  const std::string ws =
      "# run 7, written by numpy.savetxt\n"
      "  px   py\t q \n"
      "\t1.5  2  -1\n"
      "\n"
      "   # a comment between rows\n"
      "3 4.25 1   \r"
      "\n";
  EXPECT_EQ(parse_csv(ws, "w.dat", std::nullopt, CsvHeader::Auto, nullptr, kWhitespace), comma);
  // Quotes keep blanks inside a field; a headerless whitespace table is detected as data.
  const Dataset q = parse_csv("\"p x\" \"\" y\n1 2 3\n", "q.txt", std::nullopt, CsvHeader::Auto, nullptr, kWhitespace);
  EXPECT_EQ(column_names(q), (std::vector<std::string>{"p x", "col1", "y"}));
  bool had = true;
  EXPECT_EQ(parse_csv("1 2\n3 4\n", "h.txt", std::nullopt, CsvHeader::Auto, &had, kWhitespace).rows(), 2u);
  EXPECT_FALSE(had);
  expect_error([] { parse_csv("a b\n1 2 3\n", "r.txt", std::nullopt, CsvHeader::Auto, nullptr, kWhitespace); },
               ErrorCode::Malformed, {"r.txt line 2: 3 fields, but the header has 2 columns"});
  // Written with the delimiter and read back the same, names with blanks quoted.
  Dataset t;
  t.columns.push_back({"p x", random_array(DType::F64, {5}, 1)});
  t.columns.push_back({"#n", random_array(DType::I32, {5}, 2)});
  for (const char d : {',', '\t', ';', kWhitespace})
    EXPECT_EQ(parse_csv(format_csv(t, d), "w", DType::F64, CsvHeader::Auto, nullptr, d).columns[0], t.columns[0]) << d;
  EXPECT_EQ(column_names(parse_csv(format_csv(t, kWhitespace), "w", std::nullopt, CsvHeader::Auto, nullptr, kWhitespace)),
            column_names(t));

  // Files: by extension, by the first line of a .csv, or as asked; streamed and whole agree.
  TempDir dir;
  write_bytes(dir / "a.dat", "# x y\nx y\n1 2\n3 4\n");
  write_bytes(dir / "b.tsv", "x\ty\n1\t2\n3\t4\n");
  write_bytes(dir / "c.csv", "x;y\n1;2\n3;4\n");
  write_bytes(dir / "d.txt", "x|y\n1|2\n3|4\n");
  const Dataset want = parse_csv("x,y\n1,2\n3,4\n", "want.csv");
  ReadOptions o;
  for (const char* f : {"a.dat", "b.tsv", "c.csv"}) {
    const DataSpec spec = parse_data_spec((dir / f).string());
    EXPECT_EQ(spec.format, FileFormat::Csv) << f;
    EXPECT_EQ(read_dataset(spec, o), want) << f;
    EXPECT_EQ(open_data_source(spec, o)->read_rows(0, 2), want) << f;
  }
  o.csv_delimiter = "|";
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "d.txt").string()), o), want);
  o.csv_delimiter = "tab";
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "b.tsv").string()), o), want);
  o.csv_delimiter = "::";
  expect_error([&] { read_dataset(parse_data_spec((dir / "b.tsv").string()), o); }, ErrorCode::Usage,
               {"the delimiter is one character"});
  // Written back in the input's own form.
  write_dataset(want, parse_data_spec((dir / "out.dat").string()));
  EXPECT_EQ(slurp(dir / "out.dat"), "x y\n1 2\n3 4\n");
  write_dataset(want, parse_data_spec((dir / "out.tsv").string()));
  EXPECT_EQ(slurp(dir / "out.tsv"), "x\ty\n1\t2\n3\t4\n");
}

}  // namespace
}  // namespace baler::test
