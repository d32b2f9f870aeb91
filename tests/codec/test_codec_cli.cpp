// `baler compress / decompress / verify / info` on real files: exit statuses and outputs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "codec_test_util.hpp"

namespace baler::test {
namespace {

// Runs `baler ARGS`, capturing stdout+stderr into `out`; returns the exit status.
int run_baler(const std::string& args, std::string* out = nullptr, const TempDir* dir = nullptr) {
  TempDir tmp;
  const auto log = (dir ? dir->path() : tmp.path()) / "log.txt";
  const std::string cmd = baler_bin() + " " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (out) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    *out = ss.str();
  }
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(CodecCli, CompressDecompressVerifyInfo) {
  TempDir dir;
  const std::string in = data_file("lhcb/LHCb_B2HHH.npz").string();
  const std::string c = (dir / "l.baler").string();
  std::string out;
  ASSERT_EQ(run_baler("compress " + in + " -o " + c + " --error-bound rel=1e-3 --column-bound 'H1_P*=abs=1' --chunk-rows 1000", &out), 0) << out;
  EXPECT_NE(out.find("ratio"), std::string::npos);
  ASSERT_EQ(run_baler("verify " + c + " " + in, &out), 0) << out;
  EXPECT_NE(out.find("OK: 0 value(s)"), std::string::npos) << out;
  ASSERT_EQ(run_baler("info " + c, &out), 0) << out;
  EXPECT_NE(out.find("CHUNK_INDEX"), std::string::npos) << out;
  EXPECT_NE(out.find("abs=1"), std::string::npos) << out;
  ASSERT_EQ(run_baler("decompress " + c + " -o " + (dir / "back.npz").string() + " --rows 10:20", &out), 0) << out;
  const Dataset part = read_dataset(parse_data_spec((dir / "back.npz").string()));
  EXPECT_EQ(part.rows(), 10u);
  EXPECT_EQ(part.columns.size(), 26u);
}

TEST(CodecCli, VerifyFailsWithStatus10OnAViolation) {
  TempDir dir;
  Dataset d = read_dataset(parse_data_spec(data_file("atlas/all_jets_test_4D.npy").string()));
  const std::string orig = (dir / "a.npy").string(), c = (dir / "a.baler").string();
  write_dataset(d, parse_data_spec(orig));
  ASSERT_EQ(run_baler("compress " + orig + " -o " + c + " -e rel=1e-2"), 0);
  d.columns[1].values.as<double>()[5] += 1e6;  // the "original" no longer matches
  write_dataset(d, parse_data_spec(orig));
  std::string out;
  EXPECT_EQ(run_baler("verify " + c + " " + orig, &out), 10) << out;
  EXPECT_NE(out.find("FAILED: 1 value(s)"), std::string::npos) << out;
}

TEST(CodecCli, ProjectCompressAndDecompress) {
  TempDir dir;
  const std::string ws = "--workspaces " + (dir / "ws").string() + " --project w p ";
  std::string out;
  ASSERT_EQ(run_baler(ws + "--mode newProject --input " + data_file("cms/Zmumu_Run2011A.csv").string(), &out), 0) << out;
  ASSERT_EQ(run_baler(ws + "--mode compress --set compression.error_bound=rel=1e-2", &out), 0) << out;
  const auto c = dir / "ws" / "w" / "p" / "output" / "compressed_output" / "Zmumu_Run2011A.baler";
  ASSERT_TRUE(std::filesystem::exists(c)) << out;
  ASSERT_EQ(run_baler(ws + "--mode decompress", &out), 0) << out;
  const auto back = dir / "ws" / "w" / "p" / "output" / "decompressed_output" / "Zmumu_Run2011A.csv";
  ASSERT_TRUE(std::filesystem::exists(back)) << out;
  EXPECT_EQ(run_baler("verify " + c.string() + " " + back.string(), &out), 0) << out;
  EXPECT_EQ(run_baler("verify " + c.string() + " " + data_file("cms/Zmumu_Run2011A.csv").string(), &out), 0) << out;
}

TEST(CodecCli, ErrorsHaveTheirStatus) {
  TempDir dir;
  std::ofstream(dir / "junk.baler") << std::string(100, 'x');  // long enough for a header: bad magic
  std::string out;
  EXPECT_EQ(run_baler("decompress " + (dir / "junk.baler").string() + " -o " + (dir / "x.npz").string(), &out),
            exit_status(ErrorCode::Malformed)) << out;
  EXPECT_EQ(run_baler("compress " + data_file("cfd/CFD_still.npz").string() + " -o " + (dir / "y.baler").string() +
                          " -e rel=banana", &out),
            exit_status(ErrorCode::Config)) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "y.baler"));
}

}  // namespace
}  // namespace baler::test
