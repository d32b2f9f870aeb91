// Physics checks on the real example data: the Z mass from CMS dimuons, the B mass from LHCb
// B→hhh candidates, and a full plot run on the LHCb table.
#include <gtest/gtest.h>

#include "baler/io.hpp"
#include "baler/plot.hpp"
#include "plot_test_support.hpp"

namespace baler {
namespace {

Dataset read_example(const std::string& rel) {
  ReadOptions o;
  o.kind = "table";
  return read_dataset(parse_data_spec(test::data_file(rel).string()), o);
}

TEST(PlotData, CmsDimuonMassPeaksAtTheZ) {
  const Dataset cms = read_example("cms/Zmumu_Run2011A.csv");
  ASSERT_EQ(choose_analysis(cms, "auto"), Analysis::CmsZmumu);
  const Peak p = find_peak(zmumu_mass(cms));
  EXPECT_NEAR(p.position, 91.1876, 1.0);  // PDG Z mass in GeV
  EXPECT_GT(p.width, 0.5);
  EXPECT_LT(p.width, 5.0);
}

TEST(PlotData, LhcbPlotsCountEveryRowAndKeepThePeak) {
  const Dataset orig = read_example("lhcb/LHCb_B2HHH.npz");
  ASSERT_EQ(orig.rows(), 4322u);
  const Dataset rec = test::quantised(orig, 0.5);  // half an MeV on momenta
  test::TempDir dir;
  PlotInputs in;
  in.title = "LHCb B2HHH";
  in.original = &orig;
  in.reconstructed = &rec;
  const PlotReport r = make_plots(in, PlotConfig{}, dir.path());
  ASSERT_TRUE(r.physics.has_value());
  EXPECT_EQ(r.physics->analysis, Analysis::LhcbB2hhh);
  // This sample shows no narrow B peak under the three-kaon hypothesis: a broad bump whose
  // median, computed independently (Python, no numpy) from the npz, is 6934-6935 MeV.
  const std::vector<double> sorted = sorted_finite(r.physics->before);
  EXPECT_NEAR(quantile_sorted(sorted, 0.5), 6934.5, 2.0);
  EXPECT_GT(r.physics->peak_before.position, sorted.front());
  EXPECT_LT(r.physics->peak_before.position, sorted.back());
  EXPECT_TRUE(r.physics->within_target);
  EXPECT_LT(r.physics->ks, 0.05);
  EXPECT_EQ(test::pdf_page_count(test::slurp(dir / "columns.pdf")), 26);
  ASSERT_EQ(r.summary.size(), 26u);
  // Baler's fixed axes drop 1414 of these rows from its plots; ours draw every row.
  for (std::size_t c = 0; c < orig.columns.size(); ++c) {
    const std::vector<double> a = to_doubles(orig.columns[c].values), b = to_doubles(rec.columns[c].values);
    EXPECT_EQ(make_histogram(a, full_range(a, b), 100).total_in_range(), 4322.0) << orig.columns[c].name;
    EXPECT_EQ(make_histogram(b, full_range(a, b), 100).total_in_range(), 4322.0) << orig.columns[c].name;
  }
  for (const ColumnSummary& s : r.summary) {
    EXPECT_EQ(s.rows, 4322u) << s.name;
    EXPECT_LE(s.max_abs_error, 0.25 + 1e-9) << s.name;
  }
}

}  // namespace
}  // namespace baler
