// Many files in one command (compress, decompress and verify over files, folders and globs, -j
// files at a time) and the progress line: each test runs the built binary ($BALER_BIN).
#include <fstream>

#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "cli/cli_test_support.hpp"

using namespace baler;
using namespace baler::test;
namespace fs = std::filesystem;

namespace {

// A small table with its own values (seed), written as CSV.
void write_table(const fs::path& path, int seed, int rows = 300) {
  std::ofstream out(path);
  out << "px,py,charge\n";
  for (int i = 0; i < rows; ++i)
    out << (seed * 131 + i * 17) % 1000 * 0.013 << "," << 2.5 + ((seed + i) * 7919 % 211) * 0.25 << ","
        << ((i + seed) % 2 ? 1 : -1) << "\n";
}

// runs/: 17 CSV tables and three of the shared files (an npz table, an npz field, an npy table
// with its X.names.txt), and a file that is not data.
void make_runs(const fs::path& runs) {
  fs::create_directories(runs);
  for (int k = 0; k < 17; ++k) write_table(runs / ("run" + std::to_string(100 + k) + ".csv"), k);
  fs::copy_file(data_file("lhcb/LHCb_B2HHH.npz"), runs / "lhcb.npz");
  fs::copy_file(data_file("cfd/CFD_still.npz"), runs / "cfd_still.npz");
  fs::copy_file(data_file("atlas/all_jets_test_4D.npy"), runs / "jets.npy");
  fs::copy_file(data_file("atlas/all_jets_test_4D.names.txt"), runs / "jets.names.txt");
  std::ofstream(runs / "notes.md") << "not data: a folder's other files are left alone\n";
}

std::size_t lines_of(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

// The bar of issue 11: a folder of 20 files with -j 2 gives the same bytes as one by one.
TEST(CliBatch, FolderOfTwentyFilesEqualsOneByOne) {
  TempDir dir;
  make_runs(dir / "runs");
  const Result r = run(dir, "compress runs -O out -j 2 -e abs=0.01");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(lines_of(r.out), 21u) << r.out;  // one line per file, then the summary
  EXPECT_NE(r.out.find("runs/lhcb.npz -> out/lhcb.baler: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("compressed 20 of 20 file(s)"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "out/notes.baler"));
  EXPECT_FALSE(fs::exists(dir / "out/jets.names.baler"));
  fs::create_directories(dir / "single");
  std::size_t compared = 0;
  for (const auto& e : fs::directory_iterator(dir / "runs")) {
    if (e.path().extension() == ".md" || e.path().extension() == ".txt") continue;
    const std::string stem = e.path().stem().string();
    ASSERT_EQ(run(dir, "compress runs/" + e.path().filename().string() + " -o single/" + stem + ".baler -q -e abs=0.01")
                  .status,
              0);
    EXPECT_EQ(slurp(dir / "out" / (stem + ".baler")), slurp(dir / "single" / (stem + ".baler"))) << stem;
    ++compared;
  }
  EXPECT_EQ(compared, 20u);
}

// One bad file: its error names it, the others are written, the status is the failure count.
TEST(CliBatch, AFailingFileDoesNotStopTheOthers) {
  TempDir dir;
  write_table(dir / "a.csv", 1);
  write_table(dir / "c.csv", 3);
  std::ofstream(dir / "b.csv") << "x,y\n1,2\n3\n";  // a row short of a field
  const Result r = run(dir, "compress a.csv b.csv missing.csv c.csv -O out -j 2");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("baler: error (malformed) in b.csv: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("baler: error (io) in missing.csv: "), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err), 2u) << r.err;
  EXPECT_NE(r.out.find("compressed 2 of 4 file(s), 2 failed"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "out/a.baler"));
  EXPECT_TRUE(fs::exists(dir / "out/c.baler"));
  EXPECT_FALSE(fs::exists(dir / "out/b.baler"));
  // The results in input order, whatever finished first.
  EXPECT_LT(r.out.find("a.csv ->"), r.out.find("c.csv ->")) << r.out;
}

TEST(CliBatch, DecompressAndVerifyManyFindTheOriginalsByName) {
  TempDir dir;
  for (int k = 0; k < 4; ++k) write_table(dir / ("t" + std::to_string(k) + ".csv"), k);
  ASSERT_EQ(run(dir, "compress 't*.csv' -O c -q").status, 0);  // a glob the shell did not expand
  Result r = run(dir, "decompress c -O back --format npz -j 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("decompressed 4 of 4 file(s)"), std::string::npos) << r.out;
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(fs::exists(dir / "back" / ("t" + std::to_string(k) + ".npz")));
  ASSERT_EQ(run(dir, "decompress c/t0.baler c/t1.baler -O csv -q").status, 0);  // the source's format
  EXPECT_EQ(slurp(dir / "csv/t1.csv").substr(0, 13), "px,py,charge\n");
  r = run(dir, "verify c/*.baler --originals . -q");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("c/t2.baler against ./t2.csv: OK, 0 value(s) outside their bound"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verified 4 of 4 file(s)"), std::string::npos) << r.out;
  // An original that changed fails its line and counts.
  write_table(dir / "t3.csv", 9);
  r = run(dir, "verify c --originals .");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("c/t3.baler against ./t3.csv: FAILED, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verified 3 of 4 file(s), 1 failed"), std::string::npos) << r.out;
}

// The original of a container is the file of its recorded name inside --originals: a recorded
// name with a folder in it (a container not made by compress) is refused, nothing outside read.
TEST(CliBatch, VerifyManyStaysInsideTheOriginalsFolder) {
  TempDir dir;
  fs::create_directories(dir / "originals");
  fs::create_directories(dir / "c");
  write_table(dir / "outside.csv", 1);
  const Dataset d = read_dataset(parse_data_spec((dir / "outside.csv").string()));
  for (const std::string name : {std::string("../outside.csv"), (dir / "outside.csv").string(), std::string("..")}) {
    SCOPED_TRACE(name);
    CompressOptions o;
    o.source_name = name;
    compress_dataset(d, dir / "c" / "x.baler", o);
    const Result r = run(dir, "verify c/x.baler --originals originals");
    EXPECT_EQ(r.status, 1) << r.err;  // the file fails; a batch goes on with the others
    EXPECT_NE(r.err.find("baler: error (usage) in c/x.baler: c/x.baler records the original '" + name +
                         "', not a file name inside --originals"),
              std::string::npos) << r.err;
    EXPECT_NE(r.out.find("verified 0 of 1 file(s), 1 failed"), std::string::npos) << r.out;
  }
  // The same container is verified against a file named on the command line.
  EXPECT_EQ(run(dir, "verify c/x.baler outside.csv -q").status, 0);
}

TEST(CliBatch, UsageErrorsBeforeAnyWork) {
  TempDir dir;
  write_table(dir / "a.csv", 1);
  write_table(dir / "b.csv", 2);
  fs::create_directories(dir / "sub");
  write_table(dir / "sub/a.csv", 3);
  expect_error(run(dir, "compress a.csv b.csv -o x.baler"), 2, "usage", "with several inputs give -O DIR");
  expect_error(run(dir, "compress a.csv sub/a.csv -O out"), 2, "usage",
               "a.csv and sub/a.csv would both be written to out/a.baler");
  expect_error(run(dir, "compress 'z*.csv' -O out"), 2, "usage", "no file matches 'z*.csv'");
  expect_error(run(dir, "compress a.csv a.csv -O out"), 2, "usage", "a.csv is given twice");
  std::ofstream(dir / "file") << "x";
  expect_error(run(dir, "compress a.csv -O file"), 2, "usage", "-O file is a file, not a folder");
  EXPECT_FALSE(fs::exists(dir / "out"));
  ASSERT_EQ(run(dir, "compress a.csv b.csv -q").status, 0);  // without -O: beside each input
  EXPECT_TRUE(fs::exists(dir / "a.baler") && fs::exists(dir / "b.baler"));
  expect_error(run(dir, "decompress a.baler b.baler"), 2, "usage", "several inputs need -O DIR");
  expect_error(run(dir, "decompress a.baler"), 2, "usage", "give the output file with -o FILE");
  expect_error(run(dir, "verify a.baler b.baler a.csv"), 2, "usage", "--originals DIR");
}

// The progress line: on stderr when asked (BALER_PROGRESS=1 stands in for a terminal), never
// with -q and never when stderr is not a terminal; it never reaches stdout.
TEST(CliBatch, ProgressOnlyOnATerminal) {
  TempDir dir;
  write_table(dir / "t.csv", 1, 20000);
  Result r = run(dir, "compress t.csv -o t.baler --chunk-rows 1000", "BALER_PROGRESS=1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("baler: compressing t.csv: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/20000 rows ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" MB/s"), std::string::npos) << r.err;
  // Every rate is measured over a real interval: a stage's first report too (it was once
  // divided by a nanosecond: 10^9 MB/s).
  for (std::size_t at = r.err.find(" MB/s"); at != std::string::npos; at = r.err.find(" MB/s", at + 1)) {
    const std::size_t from = r.err.rfind(", ", at);
    ASSERT_NE(from, std::string::npos) << r.err;
    EXPECT_LT(std::stod(r.err.substr(from + 2, at - from - 2)), 1e5) << r.err;
  }
  EXPECT_EQ(r.out.rfind("wrote t.baler", 0), 0u) << r.out;
  r = run(dir, "decompress t.baler -o back.npz", "BALER_PROGRESS=1");
  EXPECT_NE(r.err.find("baler: decompressing t.baler: "), std::string::npos) << r.err;
  r = run(dir, "verify t.baler t.csv", "BALER_PROGRESS=1");
  EXPECT_NE(r.err.find("baler: verifying t.baler: "), std::string::npos) << r.err;
  EXPECT_EQ(run(dir, "compress t.csv -o t.baler -q", "BALER_PROGRESS=1").err, "");
  EXPECT_EQ(run(dir, "compress t.csv -o t.baler").err, "");  // stderr is a file here
}

namespace baler::test {
namespace {

// -j defaults to every core (0); the bytes are those of -j 1, 2 and 3, and so is the data back.
TEST(CliBatch, DefaultThreadsUseEveryCoreWithTheSameBytes) {
  TempDir dir;
  const std::string in = quoted(data_file("lhcb/LHCb_B2HHH.npz").string());
  ASSERT_EQ(run(dir, "compress " + in + " -o all.baler --chunk-rows 500 -q").status, 0);
  for (const char* j : {"1", "2", "3"}) {
    ASSERT_EQ(run(dir, "compress " + in + " -o j.baler --chunk-rows 500 -q -j " + std::string(j)).status, 0);
    EXPECT_EQ(slurp(dir / "j.baler"), slurp(dir / "all.baler")) << "-j " << j;
  }
  ASSERT_EQ(run(dir, "decompress all.baler -o a.npz -q").status, 0);
  ASSERT_EQ(run(dir, "decompress all.baler -o b.npz -q -j 1").status, 0);
  EXPECT_EQ(slurp(dir / "a.npz"), slurp(dir / "b.npz"));
  EXPECT_NE(run(dir, "compress --help").out.find("default: every core"), std::string::npos);
}

}  // namespace
}  // namespace baler::test
