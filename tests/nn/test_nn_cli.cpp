// `baler train` and `baler diagnose` end to end on the LHCb example, plus a slow field case.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "baler/io.hpp"
#include "baler/train.hpp"
#include "test_support.hpp"

namespace baler {
namespace {

namespace fs = std::filesystem;

int run(const std::string& args, const fs::path& log) {
  const std::string cmd = test::baler_bin() + " " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

using test::slurp;

TEST(NnCli, TrainAndDiagnoseLhcb) {
  test::TempDir dir;
  const auto lhcb = test::data_file("lhcb/LHCb_B2HHH.npz");
  const auto cfg = dir / "c.toml";
  std::ofstream(cfg) << "[model]\nmodel_name = \"AE\"\n[training]\nthreads = 1\nbatch_size = 256\n";
  ASSERT_EQ(run("train --config " + cfg.string() + " --input " + lhcb.string() + " --epochs 3 --output " +
                    (dir / "t").string(), dir / "log"), 0)
      << slurp(dir / "log");
  const std::string log = slurp(dir / "log");
  EXPECT_NE(log.find("BLAS"), std::string::npos) << log;
  EXPECT_NE(log.find("latent 17"), std::string::npos) << log;  // AE 26 → 17
  const std::string csv = slurp(dir / "t" / "loss.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << csv;
  const Model m = load_trained_model(dir / "t" / "model.balermodel");
  EXPECT_EQ(m.feature_names.size(), 26u);
  fs::create_directories(dir / "p");
  std::ofstream(dir / "p" / "report.html") << "the plot mode's report";
  ASSERT_EQ(run("diagnose --quiet --config " + cfg.string() + " --input " + lhcb.string() + " --training " +
                    (dir / "t").string() + " --output " + (dir / "p").string(), dir / "log2"), 0)
      << slurp(dir / "log2");
  EXPECT_TRUE(fs::exists(dir / "t" / "activations.npy"));
  // diagnose writes its own page and leaves the plot mode's report alone.
  EXPECT_NE(slurp(dir / "p" / "diagnose.html").find("<html"), std::string::npos);
  EXPECT_EQ(slurp(dir / "p" / "report.html"), "the plot mode's report");
}

TEST(NnCli, BadModelNameExitsWithConfigStatus) {
  test::TempDir dir;
  const auto cfg = dir / "c.toml";
  std::ofstream(cfg) << "[model]\nmodel_name = \"Conv_AE\"\n";
  EXPECT_EQ(run("train --quiet --config " + cfg.string() + " --input " +
                    test::data_file("lhcb/LHCb_B2HHH.npz").string() + " --output " + (dir / "t").string(),
                dir / "log"), 3);
  EXPECT_NE(slurp(dir / "log").find("needs a field"), std::string::npos) << slurp(dir / "log");
  EXPECT_FALSE(fs::exists(dir / "t" / "model.pt"));
}

}  // namespace
}  // namespace baler
