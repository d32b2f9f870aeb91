// make_plots on seeded synthetic tables and fields: every promised file exists and is a valid
// PDF/PNG with the right page count, the summary equals an independent computation, the
// report is self-contained, and bad options are refused.
#include <cstdlib>

#include <gtest/gtest.h>

#include "baler/plot.hpp"
#include "plot_test_support.hpp"

namespace baler {
namespace {

namespace fs = std::filesystem;
using test::slurp;

std::vector<std::string> csv_row_of(const std::string& csv, const std::string& column) {
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(column + ",", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) cells.push_back(cell);
    return cells;
  }
  return {};
}

LossHistory sample_loss() {
  LossHistory h;
  for (int e = 1; e <= 40; ++e) {
    h.epoch.push_back(e);
    h.train.push_back(1.0 / e);
    h.val.push_back(1.2 / e + 0.01);
    h.lr.push_back(e <= 25 ? 1e-3 : 5e-4);
    h.seconds.push_back(e * 0.5);
  }
  h.has_val = h.has_lr = true;
  return h;
}

TEST(MakePlots, TableWritesEveryPageAndTheReport) {
  test::TempDir dir;
  const Dataset orig = test::synthetic_b2hhh(3000, 21);
  const Dataset rec = test::quantised(orig, 2.0);
  PlotInputs in;
  in.title = "synthetic B->hhh";
  in.original = &orig;
  in.reconstructed = &rec;
  in.columns["H1_PX"] = ColumnInfo{"abs=1", 1.0, false, 1234};
  in.loss = sample_loss();
  const PlotReport r = make_plots(in, PlotConfig{}, dir.path());

  const std::string columns_pdf = slurp(dir / "columns.pdf");
  EXPECT_TRUE(test::is_pdf(columns_pdf));
  EXPECT_EQ(test::pdf_page_count(columns_pdf), 10);
  for (const char* one : {"overview.pdf", "physics.pdf", "loss.pdf"}) {
    const std::string pdf = slurp(dir / one);
    EXPECT_TRUE(test::is_pdf(pdf)) << one;
    EXPECT_EQ(test::pdf_page_count(pdf), 1) << one;
  }
  for (const char* png : {"columns-H1_PX.png", "columns-B_FlightDistance.png", "overview.png", "physics.png", "loss.png"}) {
    const auto [w, h] = test::png_size(slurp(dir / png));
    EXPECT_EQ(w, 1200u) << png;
    EXPECT_EQ(h, 900u) << png;
  }
  EXPECT_EQ(r.pngs.size(), 13u);  // 10 columns, overview, physics, loss
  ASSERT_TRUE(r.physics.has_value());
  EXPECT_EQ(r.physics->analysis, Analysis::LhcbB2hhh);
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".plot-tmp"), std::string::npos) << "scratch left behind";

  const std::string html = slurp(dir / "report.html");
  std::size_t images = 0;
  for (auto at = html.find("data:image/png;base64,"); at != std::string::npos; at = html.find("data:image/png;base64,", at + 1)) ++images;
  EXPECT_EQ(images, r.pngs.size());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("lhcb_b2hhh"), std::string::npos);
  EXPECT_NE(slurp(dir / "summary.md").find("| H1_PX |"), std::string::npos);
}

TEST(MakePlots, SummaryCsvEqualsIndependentComputation) {
  test::TempDir dir;
  const Dataset orig = test::synthetic_b2hhh(2000, 5);
  const Dataset rec = test::quantised(orig, 0.5);
  PlotInputs in;
  in.original = &orig;
  in.reconstructed = &rec;
  in.columns["B_FlightDistance"] = ColumnInfo{"abs=0.25", 0.25, false, 777};
  PlotConfig cfg;
  cfg.formats = {"pdf"};
  cfg.html_report = false;
  make_plots(in, cfg, dir.path());
  const std::string csv = slurp(dir / "summary.csv");
  const auto cells = csv_row_of(csv, "B_FlightDistance");
  ASSERT_EQ(cells.size(), 14u) << csv;
  const auto a = orig.columns[0].values.as<double>(), b = rec.columns[0].values.as<double>();
  double r2 = 0, p = 0, maxe = 0;
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    r2 += (b[i] - a[i]) * (b[i] - a[i]);
    maxe = std::max(maxe, std::abs(b[i] - a[i]));
    if (a[i] == 0) ++zeros;
    else p += (b[i] - a[i]) / a[i];
  }
  EXPECT_EQ(cells[1], "2000");
  EXPECT_NEAR(std::stod(cells[2]), p / static_cast<double>(a.size() - zeros), 1e-12);
  EXPECT_EQ(std::stoul(cells[4]), zeros);
  EXPECT_GT(zeros, 0u);
  EXPECT_NEAR(std::stod(cells[6]), std::sqrt(r2 / static_cast<double>(a.size())), 1e-12);
  EXPECT_DOUBLE_EQ(std::stod(cells[7]), maxe);
  EXPECT_EQ(cells[8], "abs=0.25");
  EXPECT_EQ(cells[10], "yes");
  EXPECT_EQ(cells[12], "777");
  // Only PDFs were asked for and no report: no PNG, no HTML.
  for (const auto& e : fs::directory_iterator(dir.path())) EXPECT_NE(e.path().extension(), ".png");
  EXPECT_FALSE(fs::exists(dir / "report.html"));
}

TEST(MakePlots, FieldDrawsChosenFramesAndErrorsPerFrame) {
  test::TempDir dir;
  const Dataset orig = test::synthetic_field(9, 24, 32);
  const Dataset rec = test::quantised(orig, 0.05);
  PlotInputs in;
  in.original = &orig;
  in.reconstructed = &rec;
  in.columns["data"] = ColumnInfo{"abs=0.025", 0.025, false, -1};  // the lone entry: the field's
  const PlotReport r = make_plots(in, PlotConfig{}, dir.path());
  EXPECT_EQ(r.summary.at(0).info.abs_bound, 0.025);
  EXPECT_EQ(test::pdf_page_count(slurp(dir / "fields.pdf")), 4);
  EXPECT_EQ(test::pdf_page_count(slurp(dir / "field_errors.pdf")), 1);
  ASSERT_EQ(r.frames.size(), 9u);
  for (const auto& e : r.frames) EXPECT_LE(e.max_abs_error, 0.025 + 1e-6);
  for (const char* png : {"fields-0.png", "fields-8.png", "field_errors.png"})
    EXPECT_EQ(test::png_size(slurp(dir / png)).first, 1200u) << png;
  ASSERT_EQ(r.summary.size(), 1u);
  EXPECT_EQ(r.summary[0].rows, 9u * 24 * 32);
  EXPECT_FALSE(r.physics.has_value());

  PlotConfig cfg;
  cfg.frames = {2, 5};
  test::TempDir dir2;
  make_plots(in, cfg, dir2.path());
  EXPECT_EQ(test::pdf_page_count(slurp(dir2 / "fields.pdf")), 2);
  EXPECT_TRUE(fs::exists(dir2 / "fields-5.png"));
}

TEST(MakePlots, LossAndActivationsWithoutData) {
  test::TempDir dir;
  PlotInputs in;
  in.loss = sample_loss();
  ActivationMap act;
  act.layer_names = {"enc1", "enc2", "latent"};
  act.mean_activation = {{0.1, 0.5, 0.9, 0.3}, {0.2, 0.4}, {1.0}};
  in.activations = act;
  const PlotReport r = make_plots(in, PlotConfig{}, dir.path());
  EXPECT_TRUE(test::is_pdf(slurp(dir / "loss.pdf")));
  EXPECT_TRUE(test::is_pdf(slurp(dir / "activations.pdf")));
  EXPECT_EQ(test::png_size(slurp(dir / "activations.png")).second, 900u);
  EXPECT_TRUE(r.summary.empty());
  EXPECT_FALSE(fs::exists(dir / "summary.csv"));
  EXPECT_TRUE(fs::exists(dir / "report.html"));
}

// Reads pixel colours of the activation heat map: every cell, including the last row and
// column, is drawn in its palette colour and missing nodes stay white. The cell centres
// follow from the panel's viewport (x 0.08-0.88, y 0.12-0.85 of the 1200 x 900 page).
TEST(MakePlots, HeatMapDrawsEveryCellInItsColour) {
  test::TempDir dir;
  PlotInputs in;
  ActivationMap act;
  act.layer_names = {"a", "b"};
  act.mean_activation = {{0, 0, 1}, {0.5}};
  in.activations = act;
  PlotConfig cfg;
  cfg.formats = {"png"};
  cfg.html_report = false;
  make_plots(in, cfg, dir.path());
  const test::Image img = test::decode_png(slurp(dir / "activations.png"));
  ASSERT_EQ(img.width, 1200u);
  auto cell = [&](int layer, int node) {
    const double x = (0.08 + 0.80 * (node + 0.5) / 3) * 1200;
    const double y = (1 - (0.85 - 0.73 * (layer + 0.5) / 2)) * 900;
    return img.rgb(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
  };
  auto near = [](std::array<int, 3> got, std::array<int, 3> want) {
    for (int i = 0; i < 3; ++i)
      if (std::abs(got[i] - want[i]) > 4) return false;
    return true;
  };
  EXPECT_TRUE(near(cell(0, 0), {68, 1, 84}));     // 0: the palette's low end
  EXPECT_TRUE(near(cell(0, 2), {253, 231, 37}));  // 1: the high end, last column
  EXPECT_TRUE(near(cell(1, 0), {33, 145, 140}));  // 0.5: the middle, last row
  EXPECT_TRUE(near(cell(1, 2), {255, 255, 255})); // no node
}

TEST(MakePlots, RefusesBadOptionsAndMismatchedData) {
  test::TempDir dir;
  const Dataset orig = test::synthetic_field(3, 8, 8);
  const Dataset other = test::synthetic_field(3, 8, 9);
  PlotInputs in;
  in.original = &orig;
  in.reconstructed = &orig;
  auto code_of = [&](const PlotInputs& i, const PlotConfig& c) {
    try {
      make_plots(i, c, dir.path());
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;
  };
  PlotConfig svg;
  svg.formats = {"svg"};
  EXPECT_EQ(code_of(in, svg), ErrorCode::Config);
  PlotConfig frames;
  frames.frames = {3};
  EXPECT_EQ(code_of(in, frames), ErrorCode::Config);
  PlotConfig zmumu;
  zmumu.analysis = "cms_zmumu";
  EXPECT_EQ(code_of(in, zmumu), ErrorCode::Config);
  PlotConfig bins;
  bins.bins = 0;
  EXPECT_EQ(code_of(in, bins), ErrorCode::Config);
  PlotInputs mismatch = in;
  mismatch.reconstructed = &other;
  EXPECT_EQ(code_of(mismatch, PlotConfig{}), ErrorCode::Usage);
  PlotInputs half = in;
  half.reconstructed = nullptr;
  EXPECT_EQ(code_of(half, PlotConfig{}), ErrorCode::Usage);
}

// Opens report.html in headless Chromium (when installed) and checks it renders.
TEST(MakePlots, ReportRendersInHeadlessChromium) {
  const fs::path chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "Chromium is not installed (/usr/bin/chromium)";
  test::TempDir dir;
  const Dataset orig = test::synthetic_b2hhh(500, 9);
  const Dataset rec = test::quantised(orig, 4.0);
  PlotInputs in;
  in.original = &orig;
  in.reconstructed = &rec;
  make_plots(in, PlotConfig{}, dir / "plots");
  const fs::path shot = dir / "shot.png";
  const std::string cmd = "timeout 120 " + chromium.string() +
                          " --headless --no-sandbox --disable-gpu --disable-background-networking"
                          " --disable-component-update --disable-sync --no-first-run"
                          " --user-data-dir=" + (dir / "profile").string() +
                          " --window-size=1280,2000 --screenshot=" + shot.string() + " file://" +
                          fs::absolute(dir / "plots" / "report.html").string() + " > " +
                          (dir / "chromium.log").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir / "chromium.log");
  const std::string png = slurp(shot);
  const auto [w, h] = test::png_size(png);
  EXPECT_EQ(w, 1280u);
  EXPECT_EQ(h, 2000u);
  EXPECT_GT(png.size(), 20000u) << "a blank page compresses to a few kilobytes";
}

}  // namespace
}  // namespace baler
