// ROOT trees read in row ranges: every chunking equals the whole read byte for byte, jagged
// selections are read whole, and a chunked compress through the CLI verifies.
#include <random>

#include "baler/io_stream.hpp"
#include "cli/cli_test_support.hpp"
#include "root_table.hpp"
#include "root_writer.hpp"
#include "root_test_util.hpp"

namespace baler::test {
namespace {

bool is_rntuple_file(const std::filesystem::path& p) {
  return p.filename().string().find("_rntuple_") != std::string::npos;
}

// The shared files that hold TTrees (the RNTuple files hold none).
std::vector<std::filesystem::path> all_root_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(data_dir() / "root"))
    if (e.path().extension() == ".root" && !is_rntuple_file(e.path())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

ReadOptions columns(std::vector<std::string> c) {
  ReadOptions o;
  o.columns = std::move(c);
  return o;
}

// Reads the source in consecutive chunks of `rows` and joins them.
Dataset read_in_chunks(DataSource& src, std::uint64_t rows) {
  MemorySink sink(src.layout());
  for (std::uint64_t a = 0; a < src.layout().rows; a += rows)
    sink.write_rows(src.read_rows(a, std::min(src.layout().rows, a + rows)));
  return std::move(sink.data());
}

void expect_same_table(const Dataset& got, const Dataset& want, const std::string& what) {
  ASSERT_EQ(got.columns.size(), want.columns.size()) << what;
  for (std::size_t j = 0; j < want.columns.size(); ++j) {
    const auto& g = got.columns[j];
    const auto& w = want.columns[j];
    EXPECT_EQ(g.name, w.name) << what;
    EXPECT_EQ(g.values.dtype, w.values.dtype) << what << " " << w.name;
    EXPECT_EQ(g.values.shape, w.values.shape) << what << " " << w.name;
    EXPECT_TRUE(g.values.bytes == w.values.bytes) << what << ": column " << w.name << " differs";
  }
}

// The sample-6.20.04 files hold 2-10 baskets per branch of 30 entries, so chunks of 1, 7 and
// 13 rows start and end inside baskets and span basket boundaries.
TEST(RootStream, EveryChunkSizeEqualsTheWholeRead) {
  const auto files = all_root_files();
  ASSERT_GE(files.size(), 10u);
  for (const auto& path : files) {
    const DataSpec spec = parse_data_spec(path.string());
    std::vector<std::string> whole_notes, stream_notes;
    const Dataset whole = read_root_dataset(spec, {}, &whole_notes);
    auto src = open_root_source(spec, {}, &stream_notes);
    ASSERT_TRUE(src) << path;
    EXPECT_EQ(src->access(), "streamed");
    EXPECT_EQ(stream_notes, whole_notes) << path;
    const DataLayout want = layout_of(whole);
    EXPECT_EQ(src->layout().names, want.names) << path;
    EXPECT_EQ(src->layout().dtypes, want.dtypes) << path;
    ASSERT_EQ(src->layout().rows, want.rows) << path;
    for (std::uint64_t chunk : {1, 7, 13, 100, 1000, 1 << 20})
      expect_same_table(read_in_chunks(*src, chunk), whole, path.filename().string() + " chunk " + std::to_string(chunk));
  }
}

// RNTuple files are refused with a clear error naming the file, never misread.
// An RNTuple named like a tree gives its per-entry table, whole and through a source alike.
TEST(RootStream, RntupleFilesReadLikeTrees) {
  std::size_t seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_dir() / "root")) {
    if (!is_rntuple_file(e.path())) continue;
    ++seen;
    const DataSpec spec = parse_data_spec(e.path().string());
    std::vector<std::string> notes;
    const Dataset whole = read_root_dataset(spec, {}, &notes);
    EXPECT_GT(whole.rows(), 0u);
    ASSERT_FALSE(notes.empty());  // the collections it leaves out, and how to get them
    EXPECT_NE(notes.back().find("collection"), std::string::npos) << notes.back();
    auto src = open_root_source(spec, {}, nullptr);
    ASSERT_TRUE(src);
    EXPECT_TRUE(read_in_chunks(*src, 3) == whole);
  }
  EXPECT_EQ(seen, 2u);
}

// Ranges in random order (backwards, overlapping, empty) give the rows of the whole read.
TEST(RootStream, RandomRangesEqualSlicesOfTheWholeRead) {
  for (const char* name : {"uproot-Zmumu-zstd.root", "uproot-HZZ-lz4.root", "uproot-small-flat-tree.root"}) {
    const DataSpec spec = parse_data_spec(root_file(name).string());
    const Dataset whole = read_root_dataset(spec, {});
    auto src = open_root_source(spec, {}, nullptr);
    ASSERT_TRUE(src);
    const std::uint64_t n = src->layout().rows;
    std::mt19937_64 rng(42);
    for (int k = 0; k < 40; ++k) {
      std::uint64_t a = rng() % (n + 1), b = rng() % (n + 1);
      if (a > b) std::swap(a, b);
      expect_same_table(src->read_rows(a, b), slice_rows(whole, a, b),
                        std::string(name) + " rows " + std::to_string(a) + ":" + std::to_string(b));
    }
  }
}

TEST(RootStream, SelectionsOfArraysAndLeafListsStream) {
  const struct {
    const char* file;
    std::vector<std::string> cols;
  } cases[] = {{"uproot-small-flat-tree.root", {"ArrayFloat*", "Int64", "UInt*"}},
               {"uproot-leaflist.root", {}},
               {"uproot-HZZ.root", {"NJet", "MET_*"}}};
  for (const auto& c : cases) {
    const DataSpec spec = parse_data_spec(root_file(c.file).string());
    const Dataset whole = read_root_dataset(spec, columns(c.cols));
    auto src = open_root_source(spec, columns(c.cols), nullptr);
    ASSERT_TRUE(src) << c.file;
    for (std::uint64_t chunk : {1, 7, 64})
      expect_same_table(read_in_chunks(*src, chunk), whole, c.file);
  }
}

TEST(RootStream, JaggedSelectionsAreReadWhole) {
  const DataSpec spec = parse_data_spec(root_file("uproot-HZZ.root").string());
  EXPECT_FALSE(open_root_source(spec, columns({"Jet_*"}), nullptr));
  std::vector<std::string> notes;
  ReadOptions o = columns({"Jet_*"});
  o.on_note = [&](const std::string& s) { notes.push_back(s); };
  auto src = open_data_source(spec, o);
  EXPECT_EQ(src->access(), "read whole");
  expect_same_table(read_in_chunks(*src, 100), read_root_dataset(spec, columns({"Jet_*"})), "Jet_*");
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.front().find("read whole"), std::string::npos) << notes.front();
}

TEST(RootStream, OpenDataSourceStreamsFlatTrees) {
  const DataSpec spec = parse_data_spec(root_file("uproot-Zmumu.root").string());
  auto src = open_data_source(spec, {});
  EXPECT_EQ(src->access(), "streamed");
  expect_same_table(read_in_chunks(*src, 333), read_dataset(spec, {}), "Zmumu");
  EXPECT_THROW(src->read_rows(0, src->layout().rows + 1), Error);
}

// Sequential chunks decode each basket once; a range inside one basket decodes only that one.
TEST(RootStream, SequentialChunksDecodeEachBasketOnce) {
  for (const char* name : {"uproot-sample-6.20.04-zlib.root", "uproot-Zmumu.root", "uproot-small-flat-tree.root"}) {
    const DataSpec spec = parse_data_spec(root_file(name).string());
    const auto t = rootio::plan_tree(spec, {}, nullptr);
    rootio::FlatTableReader reader(t->file, t->tree, t->plans);
    std::size_t baskets = 0, multi = 0;
    for (std::int64_t a = 0; a < t->tree.entries; a += 3) reader.read(a, std::min(t->tree.entries, a + 3));
    for (const auto& b : reader.branches()) {
      EXPECT_EQ(b.decoded(), b.baskets()) << name;
      baskets += b.baskets();
      multi += b.baskets() > 1;
    }
    EXPECT_GT(baskets, 0u);
    if (std::string(name).find("sample") != std::string::npos) {
      EXPECT_GT(multi, 0u) << name;
    }
    rootio::FlatTableReader one(t->file, t->tree, t->plans);
    one.read(t->tree.entries - 1, t->tree.entries);
    for (const auto& b : one.branches()) EXPECT_EQ(b.decoded(), 1u) << name;
  }
}

// A corrupt basket is found when a range needs it: Error(Malformed) naming branch and basket;
// ranges of other branches still read.
TEST(RootStream, CorruptBasketIsAnErrorWhenItsRowsAreRead) {
  TempDir dir;
  auto file = read_file_bytes(root_file("uproot-Zmumu-zlib.root"));
  const std::string tag = std::string("\x07TBasket\x03px1");
  const std::string_view view(reinterpret_cast<const char*>(file.data()), file.size());
  const auto at = view.find(tag);
  ASSERT_NE(at, std::string_view::npos);
  file[at + tag.size() + 60] ^= std::byte{0x5A};  // inside the compressed payload
  write_bytes(dir / "bad.root", file);
  const DataSpec spec = parse_data_spec((dir / "bad.root").string());
  auto src = open_root_source(spec, columns({"px1"}), nullptr);
  ASSERT_TRUE(src);
  try {
    src->read_rows(0, 10);
    ADD_FAILURE() << "corrupt basket accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed) << e.what();
    EXPECT_NE(std::string(e.what()).find("branch 'px1' basket 0"), std::string::npos) << e.what();
  }
  auto other = open_root_source(spec, columns({"px2"}), nullptr);
  EXPECT_EQ(read_in_chunks(*other, 500).rows(), 2304u);
}

// Bit flips anywhere: chunked reads give an error or rows, never a crash.
TEST(RootStream, BitFlipsNeverCrashAChunkedRead) {
  TempDir dir;
  auto chunked = [](const std::filesystem::path& path) {
    try {
      auto src = open_root_source(parse_data_spec(path.string()), {}, nullptr);
      read_in_chunks(*src, 7);
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  const auto [errors, accepted] =
      flip_bits(read_file_bytes(root_file("uproot-sample-6.20.04-uncompressed.root")), dir / "flip.root", chunked);
  EXPECT_GT(errors, 0u);
  EXPECT_GT(accepted, 0u);
}

TEST(RootStream, ChunkedCompressVerifies) {
  TempDir dir;
  const std::string in = quoted(root_file("uproot-Zmumu.root").string());
  // A selection of branches streams (a whole file becomes a bundle of its trees, read whole).
  const Result c = run(dir, "compress " + in + " -o z.baler --error-bound rel=1e-3 --chunk-rows 97 --columns '*'");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.err.find("baler: note: left out: "), std::string::npos) << c.err;  // notes are shown
  EXPECT_NE(c.err.find(": 1 branch: 1 strings (TLeafC) ('Type')"), std::string::npos) << c.err;
  EXPECT_EQ(c.err.find("read whole"), std::string::npos) << c.err;
  const Result v = run(dir, "verify z.baler " + in);
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("OK: 0 value(s) outside their bound"), std::string::npos) << v.out;
}

// A TNtuple (made by the project's own writer: the shared files hold none) is listed by info,
// compresses by name and comes back as a TNtuple with its values; a whole file keeps each
// tree's class.
TEST(RootStream, NtupleIsListedCompressedByNameAndWrittenBack) {
  TempDir dir;
  const std::size_t n = 500;
  std::vector<float> px(n), py(n);
  std::vector<std::int32_t> k(n);
  for (std::size_t i = 0; i < n; ++i)
    px[i] = static_cast<float>(i) * 0.25f, py[i] = 100.0f - static_cast<float>(i), k[i] = static_cast<std::int32_t>(i);
  {
    rootio::RootFileWriter w(dir / "t.root");
    const auto scalar = [](const char* name, DType t) { return rootio::RootBranchSpec{name, {{name, t, {}, false}}, ""}; };
    w.begin_tree({"events", "", "TTree", {scalar("k", DType::I32)}});
    w.append(static_cast<std::int64_t>(n), std::vector<rootio::RootBranchData>{{std::as_bytes(std::span(k)), {}}});
    w.end_tree();
    w.begin_tree({"nt", "x and y", "TNtuple", {scalar("px", DType::F32), scalar("py", DType::F32)}});
    w.append(static_cast<std::int64_t>(n), std::vector<rootio::RootBranchData>{{std::as_bytes(std::span(px)), {}},
                                                                             {std::as_bytes(std::span(py)), {}}});
    w.end_tree();
    w.commit();
  }
  Result r = run(dir, "info t.root");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("key nt;1 TNtuple"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TNtuple nt;1 entries 500, 2 branches"), std::string::npos) << r.out;
  r = run(dir, "compress t.root:nt -o nt.baler -e exact -q");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(run(dir, "decompress nt.baler -o nt.root -q").status, 0);
  EXPECT_EQ(list_root_trees(dir / "nt.root"), std::vector<std::string>{"nt"});
  const Dataset back = read_root(dir / "nt.root", "nt");
  EXPECT_TRUE(back == read_root(dir / "t.root", "nt"));
  EXPECT_EQ(rootio::RootFile(dir / "nt.root").entries().at(0).key.class_name, "TNtuple");
  // The whole file: both trees, each with its class.
  ASSERT_EQ(run(dir, "compress t.root -o all.baler -e exact -q").status, 0);
  ASSERT_EQ(run(dir, "decompress all.baler -o all.root -q").status, 0);
  std::vector<std::string> classes;
  for (const auto& e : rootio::RootFile(dir / "all.root").entries()) classes.push_back(e.path + " " + e.key.class_name);
  EXPECT_EQ(classes, (std::vector<std::string>{"events TTree", "nt TNtuple"}));
  EXPECT_TRUE(read_root(dir / "all.root", "events") == read_root(dir / "t.root", "events"));
  // One table of a bundle cannot become a ROOT file on its own.
  r = run(dir, "decompress all.baler:/nt/entries -o one.root");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("whole trees"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "one.root"));
}

}  // namespace
}  // namespace baler::test
