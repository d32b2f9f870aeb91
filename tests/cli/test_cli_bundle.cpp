// HDF5 files of several datasets through `baler`: one bundle holding every dataset with the
// file's groups and attributes, restored as the same tree. h5py makes the file and compares
// the tree written back (an independent reader: tests/cli/h5_tree_check.py).
#include <fstream>

#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "baler/npz.hpp"
#include "baler/root.hpp"
#include "rntuple.hpp"
#include "root_writer.hpp"
#include "cli/cli_test_support.hpp"

namespace baler::test {
namespace {

namespace fs = std::filesystem;

const std::string kCheck = std::string(BALER_SOURCE_DIR) + "/tests/cli/h5_tree_check.py";

// Debian's python3, where install-deps puts h5py (another python3 may come first on PATH).
int python(const TempDir& dir, const std::string& args) {
  const int raw = std::system(("cd " + quoted(dir.path()) + " && /usr/bin/python3 " + quoted(kCheck) + " " + args).c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

TEST(CliBundle, Hdf5TreeComesBackWithItsPathsAndAttributes) {
  TempDir dir;
  ASSERT_EQ(python(dir, "make two.h5"), 0) << "h5py is needed (scripts/install-deps.sh)";
  Result r = run(dir, "compress two.h5 -o two.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* col : {"/fields/run1/u:data", "/jets/table:pt", "/jets/table:label"})
    EXPECT_NE(r.out.find(col), std::string::npos) << col << "\n" << r.out;
  r = run(dir, "info two.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("baler bundle"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 data sets"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("two.baler:/jets/table: baler container"), std::string::npos) << r.out;
  // The same tree, shapes, dtypes, attributes and text, as h5py sees them; numbers within bounds.
  r = run(dir, "decompress two.baler -o back.h5");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(python(dir, "compare two.h5 back.h5"), 0);
  EXPECT_EQ(python(dir, "compare two.h5 two.h5"), 0);
  r = run(dir, "verify two.baler two.h5");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("/jets/table:label"), std::string::npos) << r.out;
  // The project workflow's default output name: the input's format, so .h5.
  r = run(dir, "decompress two.baler -O out");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(python(dir, "compare two.h5 out/two.h5"), 0);
  // One data set by its path; a wrong path names the ones there are.
  r = run(dir, "decompress two.baler:/jets/table -o table.csv");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string csv = slurp(dir / "table.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "pt,eta,n,label");
  EXPECT_NE(csv.find(",\"light, \"\"q\"\"\"\n"), std::string::npos) << csv.substr(0, 200);
  EXPECT_EQ(run(dir, "verify two.baler:/fields/run1/u two.h5:/fields/run1/u").status, 0);
  expect_error(run(dir, "decompress two.baler:/jets/nope -o x.npz"), 2, "usage", "it holds /fields/run1/u, /jets/table");
  // Several data sets go to .h5 or .npz (one key prefix per data set); --rows needs one data set.
  r = run(dir, "decompress two.baler -o back.npz");
  ASSERT_EQ(r.status, 0) << r.err;
  const NpzReader npz(dir / "back.npz");
  for (const char* key : {"fields/run1/u/data", "jets/table/names", "jets/table/pt", "jets/table/label"})
    EXPECT_TRUE(npz.has(key)) << key;
  expect_error(run(dir, "decompress two.baler -o back.csv"), 2, "usage", "holds 2 data sets: write .h5 or .npz");
  expect_error(run(dir, "decompress two.baler -o b2.h5 --rows 0:10"), 2, "usage", "--rows picks rows of one data set");
  EXPECT_FALSE(fs::exists(dir / "back.csv"));
  EXPECT_FALSE(fs::exists(dir / "b2.h5"));
  // A glob picks datasets: a bundle of those only; a bound must name a column of some dataset.
  ASSERT_EQ(run(dir, "compress 'two.h5:/jets/*' -o jets.baler -q --column-bound eta=abs=0.01").status, 0);
  const auto bundle = read_bundle(dir / "jets.baler");
  ASSERT_TRUE(bundle.has_value());
  EXPECT_EQ(bundle->members, std::vector<std::string>{"/jets/table"});
  expect_error(run(dir, "compress two.h5 -o x.baler -q --column-bound etta=abs=1"), 2, "usage",
               "'etta' matches no column of any dataset");
  expect_error(run(dir, "compress 'two.h5:/none/*' -o x.baler -q"), 2, "usage", "no dataset matching '/none/*'");
}

// The Baler project workflow with only input_path set, from newProject to plot, on the HDF5
// file of two datasets: each data set gets its own plots.
TEST(CliBundle, ProjectWorkflowOnAnHdf5FileOfTwoDatasets) {
  TempDir dir;
  ASSERT_EQ(python(dir, "make two.h5"), 0);
  for (const char* step : {"newProject --input two.h5", "train --set training.epochs=2", "compress", "decompress",
                           "plot", "info"}) {
    const Result r = run(dir, std::string("--project ws p --mode ") + step);
    ASSERT_EQ(r.status, 0) << step << ": " << r.err;
  }
  const fs::path out = dir / "workspaces/ws/p/output";
  EXPECT_EQ(python(dir, "compare two.h5 " + quoted((out / "decompressed_output/two.h5").string())), 0);
  for (const char* page : {"plotting/jets_table/report.html", "plotting/fields_run1_u/report.html"})
    EXPECT_TRUE(fs::exists(out / page)) << page;
}

// What a whole file leaves out is named in full in notes that begin "left out:", and --strict
// refuses to write such an output (exit 12, incomplete), leaving no file.
// A file with two cycles of one RNTuple (the shared bitset RNTuple written twice): baler keeps
// the newest and leaves the older one out, named.
fs::path two_cycles(const fs::path& dir) {
  const auto b = read_root_bundle(parse_data_spec(data_file("root/skhep/test_atomic_bitset_rntuple_v1-0-0-0.root").string()), nullptr);
  const auto member = [&](const std::string& m) -> const Dataset& {
    for (const auto& [name, d] : b.members)
      if (name == m) return d;
    throw Error(ErrorCode::Malformed, "no member " + m);
  };
  const auto out = dir / "two_cycles.root";
  rootio::RootFileWriter w(out);
  for (std::int16_t cycle : {1, 2}) {
    rootio::NtupleWrite nw;
    nw.what = "two_cycles";
    nw.class_name = "ROOT::RNTuple";
    nw.name = "ntuple";
    nw.cycle = cycle;
    for (const auto& o : b.index.objects)
      if (o.path == "/ntuple")
        for (const auto& a : o.attributes)
          if (a.name == "ROOT.ntuple") nw.layout.assign(reinterpret_cast<const std::int64_t*>(a.bytes.data()),
                                                        reinterpret_cast<const std::int64_t*>(a.bytes.data() + a.bytes.size()));
    nw.bytes = member("/ntuple/ROOT.bytes").columns.at(0).values.bytes;
    nw.pages = &member("/ntuple/ROOT.pages");
    nw.flat = &member("/ntuple/entries");
    rootio::write_ntuple(w, nw);
  }
  w.commit();
  return out;
}

TEST(CliBundle, LeftOutPartsAreNamedAndStrictRefusesThem) {
  TempDir dir;
  const std::string src = quoted(two_cycles(dir.path()).string());
  Result r = run(dir, "compress " + src + " -o x.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("baler: note: left out: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ntuple;1"), std::string::npos) << r.err;
  // info names it too: the bundle keeps what the source held besides (not written to .h5).
  r = run(dir, "info x.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("left out: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ntuple;1"), std::string::npos) << r.out;
  r = run(dir, "--strict compress " + src + " -o y.baler");  // after the note that the bitset is carried
  EXPECT_EQ(r.status, 12) << r.err;
  EXPECT_NE(r.err.find("baler: error (incomplete): "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ntuple;1"), std::string::npos) << r.err;
  // The shared file whose bitset field baler cannot read into a table carries it as stored.
  r = run(dir, "--strict compress " + quoted(data_file("root/skhep/test_atomic_bitset_rntuple_v1-0-0-0.root").string()) +
                   " -o b.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("carried as stored"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "y.baler"));
  // Nothing left out: --strict changes nothing. A histogram-only file is kept whole.
  const std::string hist = quoted(data_file("root/skhep/uproot-histograms.root").string());
  r = run(dir, "--strict compress " + hist + " -o h.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("left out"), std::string::npos) << r.err;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An RNTuple comes back as an RNTuple, or on request as a TTree of its columns with the same
// values; fields that only travel as stored pages are then named, and --strict refuses them.
TEST(CliBundle, RntupleAsTtreeOnRequest) {
  TempDir dir;
  const std::string muons = quoted(data_file("root/Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root").string());
  Result r = run(dir, "compress " + muons + " -o mu.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(dir, "decompress mu.baler -o n.root");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(dir, "decompress mu.baler -o t.root --rntuple-as-ttree");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("left out"), std::string::npos) << r.err;  // every field is in a table
  r = run(dir, "info n.root");
  EXPECT_NE(r.out.find("Events;1 ROOT::RNTuple"), std::string::npos) << r.out;
  r = run(dir, "info t.root");
  EXPECT_NE(r.out.find("Events;1 TTree"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("RNTuple"), std::string::npos) << r.out;
  for (const char* table : {"entries", "nMuon"}) {
    for (const char* f : {"n", "t"}) {
      r = run(dir, std::string("convert ") + f + ".root:/Events/" + table + " -o " + f + "_" + table + ".npz");
      ASSERT_EQ(r.status, 0) << r.err;
    }
    const auto a = file_bytes(dir / (std::string("n_") + table + ".npz"));
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, file_bytes(dir / (std::string("t_") + table + ".npz"))) << table;
  }
  // A bitset field travels as stored pages: as a TTree it is named as left out.
  const std::string bitset = quoted(data_file("root/skhep/test_atomic_bitset_rntuple_v1-0-0-0.root").string());
  r = run(dir, "compress " + bitset + " -o b.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(dir, "decompress b.baler -o b.root --rntuple-as-ttree");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("left out: RNTuple /ntuple written as a TTree: 1 field carried only as stored pages: bitset"),
            std::string::npos) << r.err;
  r = run(dir, "--strict decompress b.baler -o s.root --rntuple-as-ttree");
  EXPECT_EQ(r.status, 12) << r.err;
  EXPECT_NE(r.err.find("bitset"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "s.root"));
  r = run(dir, "--strict decompress b.baler -o s.root");  // as an RNTuple nothing is left out
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace baler::test
