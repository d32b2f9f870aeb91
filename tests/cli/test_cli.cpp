// Tests of the `baler` tool as users run it: exit statuses, one-line errors, projects, info,
// convert. Each test runs the built binary ($BALER_BIN) in a fresh folder.
#include <fstream>
#include <sstream>

#include "baler/atomic_file.hpp"
#include "baler/config.hpp"
#include "baler/error.hpp"
#include "baler/io.hpp"
#include "cli/cli_test_support.hpp"

using namespace baler;
using namespace baler::test;
namespace fs = std::filesystem;

namespace {

std::string lhcb() { return test::data_file("lhcb/LHCb_B2HHH.npz").string(); }

}  // namespace

TEST(Cli, VersionAndHelp) {
  test::TempDir dir;
  const Result v = run(dir, "--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("baler ", 0), 0u) << v.out;
  const Result h = run(dir, "--help");
  EXPECT_EQ(h.status, 0);
  for (const char* text : {"--project", "newProject", "info", "convert", "Exit status"})
    EXPECT_NE(h.out.find(text), std::string::npos) << text;
  const Result hs = run(dir, "convert --help");
  EXPECT_EQ(hs.status, 0);
  EXPECT_NE(hs.out.find("--kind TEXT:{auto,table,field}=auto"), std::string::npos)
      << "defaults are shown: " << hs.out;
  // Every mode's help lists its own options (train and diagnose run in baler-train, whose help
  // `baler train --help` must show, not the launcher's empty one).
  for (const auto& [mode, option] : std::vector<std::pair<std::string, std::string>>{
           {"new-project", "--input"}, {"train", "--input"}, {"diagnose", "--training"},
           {"compress", "--error-bound"}, {"decompress", "--rows"}, {"verify", "--model"},
           {"plot", "--reconstructed"}, {"info", "FILE"}, {"convert", "--columns"}}) {
    const Result m = run(dir, mode + " --help");
    EXPECT_EQ(m.status, 0) << mode << ": " << m.err;
    EXPECT_NE(m.out.find(option), std::string::npos) << mode << " --help lacks " << option << ": " << m.out;
  }
}

// baler-train and baler-plot are the same command line with a library linked in: the same
// modes, names, help lines and order as baler (its launchers copy the real modes' help).
TEST(Cli, SiblingsOfferTheSameModes) {
  test::TempDir dir;
  const Result own = run(dir, "--help");
  ASSERT_EQ(own.status, 0) << own.err;
  for (const char* sibling : {"baler-train", "baler-plot"}) {
    const fs::path tool = fs::path(baler_bin()).parent_path() / sibling;
    if (!fs::exists(tool)) continue;  // not built here (no LibTorch or no PLplot): baler says so
    const fs::path out = dir / "help.txt";
    const std::string cmd = quoted(tool.string()) + " --help >" + quoted(out.string()) + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << sibling;
    EXPECT_EQ(slurp(out), own.out) << sibling;
  }
}

// baler loads neither LibTorch nor PLplot (docs/CLI.md): every start of every mode would pay
// for them (a second; 2.5 ms).
TEST(Cli, BalerLinksNeitherLibTorchNorPlplot) {
  test::TempDir dir;
  const fs::path out = dir / "ldd.txt";
  if (std::system(("ldd " + quoted(baler_bin()) + " >" + quoted(out.string()) + " 2>&1").c_str()) != 0)
    GTEST_SKIP() << "ldd cannot read " << baler_bin();
  const std::string libs = slurp(out);
  for (const char* lib : {"libtorch", "libc10", "libplplot", "libfreetype", "libqhull", "libpng"})
    EXPECT_EQ(libs.find(lib), std::string::npos) << lib << " in: " << libs;
}

TEST(Cli, UsageErrorsExit2WithOneLine) {
  test::TempDir dir;
  expect_error(run(dir, "frobnicate"), 2, "usage", "frobnicate");
  expect_error(run(dir, ""), 2, "usage", "no mode given");
  expect_error(run(dir, "--project ws p"), 2, "usage", "--project needs --mode");
  expect_error(run(dir, "--mode train"), 2, "usage", "project form");
  expect_error(run(dir, "--project ws p --mode info info x.npz"), 2, "usage", "not both");
  expect_error(run(dir, "convert a.npz"), 2, "usage", "--output");
}

TEST(Cli, UnknownModeExit2ListsValidModes) {
  test::TempDir dir;
  const Result r = run(dir, "--project ws p --mode trian");
  expect_error(r, 2, "usage", "unknown mode 'trian'");
  for (const char* m : {"newProject", "train", "compress", "decompress", "plot", "info", "diagnose"})
    EXPECT_NE(r.err.find(m), std::string::npos) << m;
  EXPECT_NE(r.err.find("did you mean 'train'"), std::string::npos) << r.err;
}

TEST(Cli, BenchIsNotBuiltYetExit11) {
  test::TempDir dir;
  expect_error(run(dir, "bench"), 11, "not-implemented", "not built yet");
}

TEST(Cli, PlotNeedsDecompressedOutput) {
  test::TempDir dir;
  ASSERT_EQ(run(dir, "--project ws p --mode newProject --input " + quoted(lhcb())).status, 0);
  expect_error(run(dir, "--project ws p --mode plot"), 4, "io", "--mode decompress first");
}

TEST(Cli, PlotWritesSummaryOfTwoTables) {
  test::TempDir dir;
  {
    std::ofstream orig(dir / "orig.csv"), rec(dir / "rec.csv");
    orig << "a,b\n";
    rec << "a,b\n";
    for (int i = 0; i < 40; ++i) {
      orig << i << "," << 0.5 * i << "\n";
      rec << i << "," << 0.5 * i + (i % 2 ? 0.25 : -0.25) << "\n";
    }
  }
  const Result r = run(dir, "plot --original orig.csv -r rec.csv -o figs --set plot.formats=pdf "
                            "--set plot.html_report=false --set plot.analysis=none");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string summary = slurp(dir / "figs/summary.csv");
  EXPECT_NE(summary.find("\nb,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("0.25"), std::string::npos) << "max |error| of b: " << summary;
  EXPECT_FALSE(fs::exists(dir / "figs/report.html"));
}

// The number after "ratio" in `text` (after `from`), or -1.
double ratio_in(const std::string& text, const std::string& from) {
  const auto at = text.find(from);
  if (at == std::string::npos) return -1;
  const auto num = text.find_first_of("0123456789", at + from.size());
  return num == std::string::npos ? -1 : std::stod(text.substr(num));
}

// compress, info and report.html give one ratio, with one label: float32 bytes over the file
// (a CSV's text size, or columns the container does not hold, never enter it).
TEST(Cli, OneRatioInCompressInfoAndReport) {
  test::TempDir dir;
  {
    std::ofstream t(dir / "t.csv");
    t << "energy,pt,note_id\n";
    for (int i = 0; i < 3000; ++i) t << 1000.0 + 0.37 * i << "," << 3.25 + (i % 17) * 0.5 << "," << i % 5 << "\n";
  }
  const Result c = run(dir, "compress t.csv -o t.baler -e abs=0.01");
  ASSERT_EQ(c.status, 0) << c.err;
  const std::string label = "(float32 bytes / file bytes, model included)";
  EXPECT_NE(c.out.find(label), std::string::npos) << c.out;
  const double cli = ratio_in(c.out, "ratio");
  const std::string info = run(dir, "info t.baler").out;
  EXPECT_NE(info.find("ratio " + label), std::string::npos) << info;
  EXPECT_NEAR(ratio_in(info, "ratio " + label), cli, 1e-3) << info;
  // 3000 rows x 3 values x 4 bytes over the container's bytes, whatever the CSV's size.
  EXPECT_NEAR(cli, 36000.0 / static_cast<double>(fs::file_size(dir / "t.baler")), 1e-3);
  ASSERT_EQ(run(dir, "decompress t.baler -o back.csv -q").status, 0);
  const Result p = run(dir, "plot --original t.csv -r back.csv --container t.baler -o figs --set plot.formats=png "
                            "--set plot.analysis=none -q");
  ASSERT_EQ(p.status, 0) << p.err;
  const std::string html = slurp(dir / "figs/report.html");
  EXPECT_NE(html.find(label), std::string::npos) << html;
  EXPECT_NEAR(ratio_in(html, "bytes: ratio"), cli, 1e-3) << html;
}

TEST(Cli, NewProjectCreatesTreeAndConfig) {
  test::TempDir dir;
  const Result r = run(dir, "--project ws p --mode newProject");
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path root = dir / "workspaces/ws/p";
  for (const char* sub : {"output/training", "output/compressed_output",
                          "output/decompressed_output", "output/plotting", "config"})
    EXPECT_TRUE(fs::is_directory(root / sub)) << sub;
  const fs::path config = root / "config/p_config.toml";
  ASSERT_TRUE(fs::is_regular_file(config));
  EXPECT_EQ(load_config(config), Config{});
  const std::string text = slurp(config);
  for (const auto& o : config_options()) EXPECT_NE(text.find(o.comment), std::string::npos);
}

TEST(Cli, NewProjectTwiceIsIoErrorAndKeepsConfig) {
  test::TempDir dir;
  ASSERT_EQ(run(dir, "--project ws p --mode newProject --set training.epochs=3").status, 0);
  expect_error(run(dir, "--project ws p --mode newProject"), 4, "io", "exists already");
  expect_error(run(dir, "new-project ws p"), 4, "io", "exists already");
  EXPECT_EQ(load_config(dir / "workspaces/ws/p/config/p_config.toml").training.epochs, 3);
}

TEST(Cli, NewProjectPlainSubcommandAndWorkspacesFolder) {
  test::TempDir dir;
  ASSERT_EQ(run(dir, "new-project ws a --input data.npz --workspaces elsewhere").status, 0);
  EXPECT_EQ(load_config(dir / "elsewhere/ws/a/config/a_config.toml").data.input_path, "data.npz");
  // The subcommand's name works in --mode too, and Baler's --verbose is accepted.
  ASSERT_EQ(run(dir, "--project ws b --mode new-project --verbose", "BALER_WORKSPACES=env_ws").status, 0);
  EXPECT_TRUE(fs::is_regular_file(dir / "env_ws/ws/b/config/b_config.toml"));
  expect_error(run(dir, "--project ws nope --mode info"), 4, "io", "--mode newProject");
  expect_error(run(dir, "--project ws .. --mode newProject"), 2, "usage", "plain folder name");
}

TEST(Cli, UnknownConfigKeyExit3NamesKey) {
  test::TempDir dir;
  ASSERT_EQ(run(dir, "--project ws p --mode newProject").status, 0);
  const fs::path config = dir / "workspaces/ws/p/config/p_config.toml";
  std::string text = slurp(config);
  const auto at = text.find("\nepochs = ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "\nepoch ");
  std::ofstream(config) << text;
  const Result r = run(dir, "--project ws p --mode info");
  expect_error(r, 3, "config", "unknown key 'training.epoch'");
  EXPECT_NE(r.err.find("did you mean 'training.epochs'"), std::string::npos) << r.err;
}

TEST(Cli, BadOverrideExit3) {
  test::TempDir dir;
  expect_error(run(dir, "--project ws p --mode newProject --set training.normalization=foo"), 3,
               "config", "must be one of minmax");
  EXPECT_FALSE(fs::exists(dir / "workspaces/ws/p")) << "a refused config creates no project";
  ASSERT_EQ(run(dir, "--project ws p --mode newProject").status, 0);
  expect_error(run(dir, "--project ws p --mode info --set training.epoch=5"), 3, "config",
               "did you mean 'training.epochs'");
}

// A bound for a column that does not exist (a typo) is an error naming the nearest column, from
// the command line and from the configuration alike; a glob that matches is fine.
TEST(Cli, ColumnBoundMatchingNoColumnIsAnError) {
  test::TempDir dir;
  std::ofstream(dir / "t.csv") << "pt,eta,phi\n1.5,2,3\n4,5.25,6\n";
  expect_error(run(dir, "compress t.csv -o t.baler --column-bound ptt=abs=0.1"), 2, "usage",
               "the column bound 'ptt' matches no column; did you mean 'pt'? (columns: pt, eta, phi)");
  expect_error(run(dir, "compress t.csv -o t.baler --set compression.column_bounds.ehta=exact"), 2, "usage",
               "did you mean 'eta'?");
  expect_error(run(dir, "compress t.csv -o t.baler --column-bound 'x*=exact'"), 2, "usage",
               "the column bound 'x*' matches no column (columns: pt, eta, phi)");
  EXPECT_FALSE(fs::exists(dir / "t.baler"));
  EXPECT_EQ(run(dir, "compress t.csv -o t.baler --column-bound 'p*=abs=0.01' -q").status, 0);
}

// Output paths are checked before any work: a folder, a missing folder, an extension baler does
// not write (decompress used to write npz into out.xyz; convert read the whole input first).
TEST(Cli, OutputPathsAreCheckedBeforeTheWork) {
  test::TempDir dir;
  std::ofstream(dir / "t.csv") << "pt,eta\n1.5,2\n4,5.25\n";
  fs::create_directories(dir / "folder");
  expect_error(run(dir, "compress t.csv -o folder"), 2, "usage", "the output folder is a folder");
  expect_error(run(dir, "compress t.csv -o nowhere/t.baler"), 4, "io", "the folder nowhere does not exist");
  expect_error(run(dir, "convert t.csv -o folder --format npy"), 2, "usage", "is a folder");
  expect_error(run(dir, "convert t.csv -o t.xyz"), 2, "usage", "cannot tell the output format from 't.xyz'");
  ASSERT_EQ(run(dir, "compress t.csv -o t.baler -q").status, 0);
  expect_error(run(dir, "decompress t.baler -o out.xyz"), 2, "usage",
               "cannot write out.xyz: unknown extension '.xyz'; use .npz, .npy, .csv, .h5 or --format");
  expect_error(run(dir, "decompress t.baler -o folder"), 2, "usage", "is a folder");
  expect_error(run(dir, "decompress t.baler -o nowhere/out.csv"), 4, "io", "does not exist");
  EXPECT_FALSE(fs::exists(dir / "out.xyz"));
  ASSERT_EQ(run(dir, "decompress t.baler -o out -q").status, 0);  // no extension: the input's format
  EXPECT_EQ(slurp(dir / "out").substr(0, 7), "pt,eta\n");
  EXPECT_EQ(run(dir, "decompress t.baler -o out.xyz --format csv -q").status, 0);
}

// -q drops progress, notes and confirmations; what info and verify exist to print stays.
TEST(Cli, QuietKeepsWhatAModeIsAskedFor) {
  test::TempDir dir;
  std::ofstream(dir / "t.csv") << "pt,eta\n1.5,2\n4,5.25\n";
  Result r = run(dir, "compress t.csv -o t.baler -q");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(run(dir, "compress t.csv -o t2.baler").out.rfind("wrote t2.baler", 0), 0u);
  r = run(dir, "verify t.baler t.csv -q");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("OK: 0 value(s) outside their bound"), std::string::npos) << r.out;
  EXPECT_NE(run(dir, "info t.baler -q").out.find("data: table (2, 2)"), std::string::npos);
  EXPECT_EQ(run(dir, "decompress t.baler -o back.csv -q").out, "");
}

// A CSV written without a header: read as data with a note; --header / --no-header decide.
TEST(Cli, HeaderlessCsvIsReadAsDataWithANote) {
  test::TempDir dir;
  std::ofstream(dir / "h.csv") << "1.5,2\n3,4\n";
  Result r = run(dir, "info h.csv");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 rows x 2 columns"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("baler: note: h.csv: the first row is all numbers"), std::string::npos) << r.err;
  r = run(dir, "info h.csv --header");
  EXPECT_NE(r.out.find("1 rows x 2 columns"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
  std::ofstream(dir / "n.csv") << "a,b\n1,2\n";
  r = run(dir, "compress n.csv -o n.baler --no-header");  // the names become text values
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("column 'col0' holds text (line 1: 'a')"), std::string::npos) << r.err;
  expect_error(run(dir, "info h.csv --header --no-header"), 2, "usage", "excludes");
}

// Text tables (.dat/.txt whitespace, .tsv tabs, ';' in a .csv, --delimiter) compress and come
// back in their own form.
TEST(Cli, TextTablesComeBackInTheirOwnForm) {
  test::TempDir dir;
  std::ofstream(dir / "run.dat") << "# px py q, written by hand\n  px   py  q\n1.5  2.25 1\n\t-3 4 -1\n";
  ASSERT_EQ(run(dir, "compress run.dat -o c/run.baler -e exact -q").status, 4);  // no folder c
  ASSERT_EQ(run(dir, "compress run.dat -O c -e exact -q").status, 0);
  Result r = run(dir, "decompress c/run.baler -O back");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(dir / "back/run.dat"), "px py q\n1.5 2.25 1\n-3.0 4.0 -1\n");
  std::ofstream(dir / "s.csv") << "px;py\n1,5;2\n";  // a decimal comma is text, not a number: kept as text
  r = run(dir, "compress s.csv -o s.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("note: s.csv: column 'px' holds text (line 2: '1,5'), kept exactly as text"), std::string::npos)
      << r.err;
  std::ofstream(dir / "p.txt") << "px|py\n1.5|2\n";
  ASSERT_EQ(run(dir, "compress p.txt -o p.baler -e exact --delimiter '|' -q").status, 0);
  EXPECT_NE(run(dir, "info p.baler").out.find("data: table (1, 2)"), std::string::npos);
  expect_error(run(dir, "compress p.txt -o p.baler --delimiter ab"), 2, "usage", "the delimiter is one character");
}

// The CMS CSV with a text column added (quotes, delimiters, line breaks, blanks, UTF-8, an
// empty value): the text comes back byte-identical in CSV and npz, the numbers within their
// bounds; info lists the column; verify counts a changed text value as a violation; a bound on
// a text column is refused.
TEST(Cli, CsvTextColumnRoundTrips) {
  test::TempDir dir;
  std::ifstream in(test::data_file("cms/Zmumu_Run2011A.csv"));
  const char* labels[] = {"\"golden \"\"Z\"\"\"", "\"side, band\"", "", "\" spaced \"", "\xC3\xBCn\xC3\xAF" "code \xC2\xB5",
                          "\"multi\nline\""};
  const char* plain[] = {"golden \"Z\"", "side, band", "", " spaced ", "\xC3\xBCn\xC3\xAF" "code \xC2\xB5", "multi\nline"};
  std::ofstream out(dir / "zm.csv");
  std::vector<std::string> want;
  std::size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const auto cut = line.find(',');
    if (n > 0) want.push_back(plain[n % 6]);
    out << line.substr(0, cut) << ',' << (n ? labels[n % 6] : "label") << line.substr(cut) << '\n';
  }
  out.close();
  Result r = run(dir, "compress zm.csv -o zm.baler");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("label"), std::string::npos) << r.out;
  r = run(dir, "info zm.baler");
  EXPECT_NE(r.out.find("data: table (10583, 15)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TEXT:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("label  text  exact"), std::string::npos) << r.out;
  ASSERT_EQ(run(dir, "verify zm.baler zm.csv").status, 0);
  for (const char* ext : {"csv", "npz", "npy", "h5"}) {
    r = run(dir, std::string("decompress zm.baler -o back.") + ext);
    ASSERT_EQ(r.status, 0) << ext << ": " << r.err;
    const Dataset orig = read_dataset(parse_data_spec((dir / "zm.csv").string()));
    const Dataset back = read_dataset(parse_data_spec((dir / (std::string("back.") + ext)).string()));
    ASSERT_EQ(back.text.size(), 1u) << ext;
    EXPECT_EQ(back.text[0].name, "label");
    EXPECT_EQ(back.text[0].position, 1u);
    EXPECT_EQ(back.text[0].values, want) << ext;  // byte-identical
    EXPECT_EQ(all_column_names(back), all_column_names(orig)) << ext;
  }
  // The CSV written back keeps the column in place: its header is the input's.
  std::string head;
  std::ifstream back_csv(dir / "back.csv");
  std::getline(back_csv, head);
  EXPECT_EQ(head, "Run,label,Event,pt1,eta1,phi1,Q1,dxy1,iso1,pt2,eta2,phi2,Q2,dxy2,iso2");
  // One changed label is a violation (exit 10).
  std::string text = slurp(dir / "zm.csv");
  text.replace(text.find("side, band"), 4, "SIDE");
  std::ofstream(dir / "changed.csv") << text;
  r = run(dir, "verify zm.baler changed.csv");
  EXPECT_EQ(r.status, 10) << r.out << r.err;
  EXPECT_NE(r.out.find("label"), std::string::npos);
  expect_error(run(dir, "compress zm.csv -o b.baler -q --column-bound label=abs=1"), 2, "usage",
               "names column 'label', which holds text");

}

TEST(Cli, InfoOnLhcbTable) {
  test::TempDir dir;
  const Result r = run(dir, "info " + quoted(lhcb()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("4322 rows x 26 columns"), std::string::npos) << r.out;
  int rows = 0;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(" float64 ") != std::string::npos) ++rows;
  EXPECT_EQ(rows, 26) << r.out;
  // Charges are integer-valued floats; momenta are not.
  EXPECT_NE(r.out.find("H1_Charge                float64               -1               1  yes"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("H1_PX"), std::string::npos);
}

TEST(Cli, InfoOnField) {
  test::TempDir dir;
  const Result r = run(dir, "info " + quoted(test::data_file("cfd/CFD_animation.npz").string()));
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* text : {"kind:    field", "shape:   (60, 50, 50)", "(all values)", " no "})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
}

TEST(Cli, InfoErrors) {
  test::TempDir dir;
  expect_error(run(dir, "info missing.npz"), 4, "io", "missing.npz");
  std::ofstream(dir / "junk.xyz") << "hello";
  expect_error(run(dir, "info junk.xyz"), 6, "unsupported", "junk.xyz");
}

TEST(Cli, ProjectInfoShowsInputAndOutputs) {
  test::TempDir dir;
  ASSERT_EQ(run(dir, "--project ws p --mode newProject --input " + quoted(lhcb())).status, 0);
  std::ofstream(dir / "workspaces/ws/p/output/training/model.balermodel") << "x";
  const Result r = run(dir, "--project ws p --mode info");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* text : {"project: ws/p", "p_config.toml", "model.balermodel (1 bytes)",
                           "compressed_output: (empty)", "4322 rows x 26 columns"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
}

TEST(Cli, ConvertNpzCsvNpzKeepsTheData) {
  test::TempDir dir;
  ASSERT_EQ(run(dir, "convert " + quoted(lhcb()) + " -o a.csv").status, 0);
  const Result r = run(dir, "convert a.csv -o b.npz --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const Dataset original = read_dataset(parse_data_spec(lhcb()));
  const Dataset back = read_dataset(parse_data_spec((dir / "b.npz").string()));
  ASSERT_EQ(back.kind, DataKind::Table);
  EXPECT_EQ(back.columns, original.columns);  // names, dtypes and every value's bits
}

// --sync (fsync before the rename) changes when bytes reach the disk, never which bytes: the
// same container and the same decoded file as without it, before or after the mode's name.
TEST(Cli, SyncWritesTheSameFiles) {
  test::TempDir dir;
  const std::string in = quoted(test::data_file("cfd/CFD_animation.npz").string());
  ASSERT_EQ(run(dir, "compress " + in + " -o a.baler -e rel=1e-3 --quiet").status, 0);
  const Result r = run(dir, "--sync compress " + in + " -o b.baler -e rel=1e-3 --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_file_bytes(dir / "a.baler"), read_file_bytes(dir / "b.baler"));
  ASSERT_EQ(run(dir, "decompress a.baler -o a.npy --quiet").status, 0);
  ASSERT_EQ(run(dir, "decompress b.baler -o b.npy --quiet --sync").status, 0);
  EXPECT_EQ(read_file_bytes(dir / "a.npy"), read_file_bytes(dir / "b.npy"));
}

// ROOT branches of unsupported types are skipped with a note on stderr (not with --quiet).
TEST(Cli, ConvertRootTreeNotesSkippedBranches) {
  test::TempDir dir;
  const std::string in = quoted(test::data_file("root/uproot-Zmumu.root").string() + ":events");
  const Result r = run(dir, "convert " + in + " -o z.npy");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("baler: note: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'Type'"), std::string::npos) << r.err;
  const Dataset z = read_dataset(parse_data_spec((dir / "z.npy").string()));
  EXPECT_EQ(z.columns.size(), 19u);
  const Result q = run(dir, "convert " + in + " -o z2.npy --quiet");
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_EQ(q.err, "");
}

// Malformed inputs reach the user as exit 5 (malformed) with one line naming the file.
TEST(Cli, MalformedInputsExit5NamingTheFile) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  const std::string magic("\x93NUMPY\x01\x00", 8);
  write("cut_header.npy", magic + std::string("\x76\x00{'descr': '<f8', 'fortran", 27));
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }";
  header.append(118 - header.size(), ' ');
  header += '\n';
  write("short_data.npy", magic + std::string("\x76\x00", 2) + header + std::string(8, '\0'));
  write("broken.npz", std::string("PK\x03\x04", 4) + "this is not a zip archive at all");
  write("text.csv", "a,b\n1,2\n3\n");  // a row short of a field
  ASSERT_EQ(run(dir, "convert " + quoted(lhcb()) + " -o t.h5 --quiet").status, 0);
  const std::pair<std::string, std::string> cases[] = {
      {"cut_header.npy", "cut_header.npy"},   {"short_data.npy", "short_data.npy"},
      {"broken.npz", "broken.npz"},           {"text.csv", "line 3"},
      {"t.h5:/no/such/dataset", "/no/such/dataset"}};
  for (const auto& [arg, text] : cases) {
    SCOPED_TRACE(arg);
    expect_error(run(dir, "info " + arg), 5, "malformed", text);
  }
}

TEST(Cli, ConvertFailureLeavesNoFileAndKeepsGoodOne) {
  test::TempDir dir;
  std::ofstream(dir / "not_a_folder") << "x";
  expect_error(run(dir, "convert " + quoted(lhcb()) + " -o not_a_folder/x.npz"), 4, "io",
               "not_a_folder/x.npz");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
  ASSERT_EQ(run(dir, "convert " + quoted(lhcb()) + " -o good.npz").status, 0);
  const std::string good = slurp(dir / "good.npz");
  std::ofstream(dir / "broken.npz") << "PK\x03\x04 this is not a zip archive";
  const Result r = run(dir, "convert broken.npz -o good.npz");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(slurp(dir / "good.npz"), good);
  expect_error(run(dir, "convert good.npz -o x.xls"), 2, "usage", "--format");
}

// docs/CLI.md has a section for every subcommand and the exit-status table matches the codes.
TEST(Cli, DocsListEveryModeAndExitStatus) {
  test::TempDir dir;
  const std::string docs = slurp(fs::path(BALER_SOURCE_DIR) / "docs" / "CLI.md");
  ASSERT_FALSE(docs.empty());
  const Result h = run(dir, "--help");
  ASSERT_EQ(h.status, 0);
  std::istringstream lines(h.out.substr(h.out.find("Subcommands:")));
  std::string line;
  std::getline(lines, line);
  int modes = 0;
  while (std::getline(lines, line) && !line.empty()) {
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    EXPECT_NE(docs.find("### `baler " + name + "`"), std::string::npos) << name;
    ++modes;
  }
  EXPECT_GE(modes, 5);
  for (int code = 1; code <= 11; ++code) {
    const auto c = static_cast<ErrorCode>(code);
    const std::string row = "| " + std::to_string(exit_status(c)) + " | `" + error_code_name(c) + "` |";
    EXPECT_NE(docs.find(row), std::string::npos) << row;
  }
}
