// `baler --project ... --mode plot` end to end on a table project (LHCb) and a field project
// (CFD): newProject -> compress -> decompress -> plot, then the files are checked as files.
#include <string>

#include "cli/cli_test_support.hpp"
#include "plot_test_support.hpp"

using namespace baler::test;
namespace fs = std::filesystem;

namespace {

// Runs the project steps up to plot; returns the plotting folder.
fs::path plotted_project(const TempDir& dir, const std::string& input) {
  for (const std::string step : {"newProject --input " + quoted(input), std::string("compress"),
                                 std::string("decompress"), std::string("plot")}) {
    const Result r = run(dir, "--project ws p --mode " + step);
    EXPECT_EQ(r.status, 0) << step << ": " << r.err;
  }
  return dir / "workspaces/ws/p/output/plotting";
}

void expect_png(const fs::path& p) {
  const auto [w, h] = png_size(slurp(p));
  EXPECT_GT(w, 100u) << p;
  EXPECT_GT(h, 100u) << p;
}

}  // namespace

TEST(PlotProject, TableProjectWritesOnePagePerColumnAndTheReport) {
  TempDir dir;
  const fs::path out = plotted_project(dir, data_file("lhcb/LHCb_B2HHH.npz").string());
  const std::string columns = slurp(out / "columns.pdf");
  ASSERT_TRUE(is_pdf(columns)) << out / "columns.pdf";
  EXPECT_EQ(pdf_page_count(columns), 26);  // one page per LHCb column
  expect_png(out / "overview.png");
  expect_png(out / "columns-H1_PX.png");
  const std::string summary = slurp(out / "summary.csv");
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 27) << summary;  // header + 26
  const std::string html = slurp(out / "report.html");
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);  // nothing fetched from a network
}

TEST(PlotProject, FieldProjectWritesHeatMapsAndFrameErrors) {
  TempDir dir;
  const fs::path out = plotted_project(dir, data_file("cfd/CFD_still.npz").string());
  const std::string fields = slurp(out / "fields.pdf");
  ASSERT_TRUE(is_pdf(fields)) << out / "fields.pdf";
  EXPECT_GE(pdf_page_count(fields), 1);
  ASSERT_TRUE(is_pdf(slurp(out / "field_errors.pdf")));
  expect_png(out / "field_errors.png");
  EXPECT_FALSE(slurp(out / "summary.md").empty());
}

// The Baler workflow with only data.input_path set (and few epochs, to keep the test short),
// newProject -> train -> compress -> decompress -> plot, on every kind of input the issue names
// (the two-dataset HDF5 file: tests/cli/test_cli_bundle.cpp).
TEST(PlotProject, WorkflowRunsOnCsvRootNpzTableAndField) {
  for (const char* input : {"cms/Zmumu_Run2011A.csv", "root/uproot-HZZ.root", "lhcb/LHCb_B2HHH.npz",
                            "cfd/CFD_animation.npz"}) {
    SCOPED_TRACE(input);
    TempDir dir;
    for (const std::string step : {"newProject --input " + quoted(data_file(input).string()),
                                   std::string("train --set training.epochs=2"), std::string("compress"),
                                   std::string("decompress"), std::string("plot")}) {
      const Result r = run(dir, "--project ws p --mode " + step);
      ASSERT_EQ(r.status, 0) << step << ": " << r.err;
    }
    // A ROOT file is a bundle of its tree's tables: a report for each, in a folder of its own.
    const bool root = std::string(input).ends_with(".root");
    const fs::path plots = dir / "workspaces/ws/p/output/plotting";
    EXPECT_TRUE(fs::exists(plots / (root ? "events_entries/report.html" : "report.html")));
    if (root) EXPECT_TRUE(fs::exists(plots / "events_NMuon/report.html"));
  }
}
