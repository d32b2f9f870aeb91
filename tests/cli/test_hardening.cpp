// Reproducers of the fault campaign's findings (issue "Hardening"), each now refused or fixed:
// temporary files never written through a planted link and removed on SIGINT/SIGTERM, the input
// never overwritten by its own output, npz member names that are paths refused, damaged optional
// sections never verifying.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <tuple>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/container.hpp"
#include "baler/error.hpp"
#include "baler/io.hpp"
#include "baler/npz.hpp"
#include "cli_test_support.hpp"

namespace baler::test {
namespace {
namespace fs = std::filesystem;

std::vector<fs::path> temp_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) out.push_back(e.path());
  return out;
}

// A symbolic link planted under every name the old scheme would have used (.NAME.tmp<PID>-1 …)
// is never followed: the temporary file has an unguessable name and is created O_EXCL|O_NOFOLLOW.
TEST(Hardening, TemporaryFilesNeverFollowPlantedLinks) {
  TempDir dir;
  const fs::path victim = dir / "victim.txt";
  std::ofstream(victim) << "precious";
  for (int k = 1; k <= 8; ++k)
    fs::create_symlink(victim, dir / (".out.bin.tmp" + std::to_string(::getpid()) + "-" + std::to_string(k)));
  write_file_atomic(dir / "out.bin", std::vector<std::byte>(100, std::byte{7}));
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_EQ(fs::file_size(dir / "out.bin"), 100u);
}

// SIGTERM or SIGINT while an output is being written: the process ends by the signal and its
// temporary file is gone (it used to stay, 5-12 MB, forever).
TEST(Hardening, SignalsRemoveTemporaryFiles) {
  for (int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      remove_temp_files_on_signals();
      AtomicFile f(dir / "big.baler");
      f.write(std::string(1 << 20, 'x'));
      ::raise(sig);
      ::_exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << status;
    EXPECT_TRUE(temp_files(dir.path()).empty()) << temp_files(dir.path()).front();
    EXPECT_FALSE(fs::exists(dir / "big.baler"));
  }
}

// The whole tool: a SIGTERM while compress writes leaves no temporary file.
TEST(Hardening, KilledCompressLeavesNothing) {
  TempDir dir;
  const auto in = data_file("cms/Zmumu_Run2011A.csv").string();
  // Run in the background and stop it as soon as its temporary output appears (or it ends).
  const std::string cmd = "cd " + quoted(dir.path()) + " && (" + quoted(baler_bin()) + " -q compress " + quoted(in) +
                          " -o out.baler -e rel=1e-6 --learn & p=$!; for i in $(seq 1 2000); do "
                          "ls -a | grep -q tmp && break; kill -0 $p 2>/dev/null || break; sleep 0.001; done; "
                          "kill -TERM $p 2>/dev/null; wait $p; true)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

// compress x.npy -o x.npy, decompress f.baler -o f.baler, convert through a link: refused
// before any work (exit 2), the input intact.
TEST(Hardening, OutputThatIsTheInputIsRefused) {
  TempDir dir;
  fs::copy_file(data_file("atlas/all_jets_test_4D.npy"), dir / "x.npy");
  const auto before = slurp(dir / "x.npy");
  auto r = run(dir, "compress x.npy -o x.npy");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("only copy"), std::string::npos) << r.err;
  fs::create_symlink(dir / "x.npy", dir / "link.npy");
  r = run(dir, "convert x.npy -o link.npy");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(slurp(dir / "x.npy"), before);
  ASSERT_EQ(run(dir, "compress x.npy -o f.baler").status, 0);
  const auto baler = slurp(dir / "f.baler");
  r = run(dir, "decompress f.baler -o f.baler --format npy");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(slurp(dir / "f.baler"), baler);
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

// An .npy output writes its column names beside itself (X.names.txt): when that file is the
// input (a container or table that happens to be named so), the output is refused before any
// work and the input is unchanged (issue 30, point 4).
TEST(Hardening, NpyColumnNamesFileThatIsTheInputIsRefused) {
  TempDir dir;
  std::ofstream(dir / "t.csv") << "a,b\n1,2\n3,4\n";
  ASSERT_EQ(run(dir, "compress t.csv -o y.names.txt -q").status, 0);
  const auto container = slurp(dir / "y.names.txt");
  for (const char* cmd : {"decompress y.names.txt -o y.npy", "decompress y.names.txt -o y.dat --format npy"}) {
    SCOPED_TRACE(cmd);
    const auto r = run(dir, cmd);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("writes its column names to y.names.txt, which is the input"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(dir / "y.names.txt"), container);
    EXPECT_FALSE(fs::exists(dir / "y.npy"));
  }
  fs::copy_file(dir / "t.csv", dir / "q.names.txt");
  const auto r = run(dir, "convert q.names.txt -o q.npy");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(slurp(dir / "q.names.txt"), "a,b\n1,2\n3,4\n");
  // An .npy input's column names (t.names.txt) are part of the input: no output replaces them.
  ASSERT_EQ(run(dir, "convert t.csv -o t.npy -q").status, 0);
  const auto names = slurp(dir / "t.names.txt");
  for (const char* cmd : {"convert t.npy -o t.names.txt --format csv", "compress t.npy -o t.names.txt"}) {
    SCOPED_TRACE(cmd);
    EXPECT_EQ(run(dir, cmd).status, 2);
    EXPECT_EQ(slurp(dir / "t.names.txt"), names);
  }
  // Other formats write no such file: the same container decompresses to .npz beside it.
  EXPECT_EQ(run(dir, "decompress y.names.txt -o y.npz -q").status, 0);
  EXPECT_EQ(slurp(dir / "y.names.txt"), container);
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

// Column names that are paths never become npz member names.
TEST(Hardening, NpzMemberNamesThatArePathsAreRefused) {
  TempDir dir;
  Dataset d;
  d.columns = {{"../../../tmp/evil", Array(DType::F64, {3})}, {"ok", Array(DType::I32, {3})}};
  for (const auto& f : {dir / "a.npz"}) {
    try {
      write_dataset(d, parse_data_spec(f.string()));
      ADD_FAILURE() << "written";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Unsupported);
      EXPECT_NE(std::string(e.what()).find("../../../tmp/evil"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(f));
  }
  EXPECT_FALSE(safe_npz_key(".."));
  EXPECT_FALSE(safe_npz_key("a\\b"));
  EXPECT_FALSE(safe_npz_key(""));
  EXPECT_TRUE(safe_npz_key("B_PX"));
  EXPECT_TRUE(safe_npz_key("events/NJet/Jet_Px"));  // groups of a bundle
  EXPECT_FALSE(safe_npz_key("/etc/x"));
  EXPECT_FALSE(safe_npz_key("x//y"));
  EXPECT_FALSE(safe_npz_key("x/../../y"));
  EXPECT_FALSE(safe_npz_key("x/"));
  EXPECT_THROW(write_npz(dir / "b.npz", {{"x/../y", {}, {}}}), Error);
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

// A container whose optional STATS section is damaged (its checksum no longer matches) does
// not verify: exit 8 (corrupt), as info already said.
TEST(Hardening, VerifyChecksOptionalSections) {
  TempDir dir;
  const auto in = data_file("atlas/all_jets_test_4D.npy").string();
  ASSERT_EQ(run(dir, "compress " + quoted(in) + " -o c.baler").status, 0);
  auto bytes = read_file_bytes(dir / "c.baler");
  container::ContainerReader r(bytes, "c");
  const int i = r.find(container::SectionId::Stats);
  ASSERT_GE(i, 0);
  bytes[r.entries()[static_cast<std::size_t>(i)].offset] ^= std::byte{0x40};
  write_file_atomic(dir / "c.baler", bytes);
  const auto v = run(dir, "verify c.baler " + quoted(in));
  EXPECT_EQ(v.status, 8) << v.out << v.err;
  EXPECT_EQ(run(dir, "info c.baler").status, 8);
}

// The hostile HDF5 files (chunks larger than the fixed maximum dims, chunks of another rank than
// the dataspace) made libhdf5 crash, return heap bytes or loop: each command now refuses each
// file with an error naming it (exit 5, malformed), and writes nothing.
TEST(Hardening, HostileHdf5FilesAreRefusedBeforeAnyRead) {
  TempDir dir;
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(data_dir() / "hostile")) {
    if (e.path().extension() != ".h5") continue;
    ++files;
    const std::string f = quoted(e.path().string());
    for (const std::string args : {"info " + f, "compress " + f + " -o out.baler", "convert " + f + " -o out.npy"}) {
      const auto r = run(dir, args);
      EXPECT_EQ(r.status, 5) << args << "\n" << r.err;
      EXPECT_NE(r.err.find(e.path().filename().string()), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "out.baler"));
    EXPECT_FALSE(fs::exists(dir / "out.npy"));
  }
  EXPECT_GE(files, 4u);
}

// A CSV header of 300 000 columns was checked for duplicates pairwise (166 s); now one pass.
// Duplicates are still refused.
TEST(Hardening, WideCsvHeaderIsReadInLinearTime) {
  TempDir dir;
  {
    std::ofstream f(dir / "wide.csv");
    for (int i = 0; i < 300000; ++i) f << (i ? "," : "") << "c" << i;
    f << "\n";
    for (int i = 0; i < 300000; ++i) f << (i ? "," : "") << i % 7;
    f << "\n";
  }
  auto r = run(dir, "info wide.csv");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("1 rows x 300000 columns"), std::string::npos) << r.out.substr(0, 300);
  std::ofstream(dir / "dup.csv") << "a,b,a\n1,2,3\n";
  r = run(dir, "info dup.csv");
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_NE(r.err.find("'a' appears twice"), std::string::npos) << r.err;
}

// info reads a data set a block of rows at a time: statistics over blocks equal the whole's
// (the minimum in the last block, the maximum in the first, NaN and Inf counted across).
TEST(Hardening, InfoStatisticsSpanEveryBlock) {
  TempDir dir;
  const std::int64_t rows = 3'000'000;
  Dataset d;
  d.columns = {{"a", Array(DType::F32, {rows})}, {"b", Array(DType::F32, {rows})}};
  auto a = d.columns[0].values.as<float>();
  auto b = d.columns[1].values.as<float>();
  for (std::int64_t i = 0; i < rows; ++i) a[i] = 1.0f, b[i] = static_cast<float>(i % 5);
  a[0] = 7.5f;
  a[rows - 1] = -3.25f;
  b[10] = NAN;
  b[rows - 2] = INFINITY;
  write_dataset(d, parse_data_spec((dir / "t.npz").string()));
  const auto r = run(dir, "info t.npz");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("3000000 rows x 2 columns"), std::string::npos) << r.out;
  const auto line_a = r.out.substr(r.out.find("   0  a"), 90), line_b = r.out.substr(r.out.find("   1  b"));
  EXPECT_NE(line_a.find("-3.25"), std::string::npos) << line_a;
  EXPECT_NE(line_a.find("7.5"), std::string::npos) << line_a;
  EXPECT_NE(line_b.find("yes"), std::string::npos) << line_b;  // 0..4: integer-valued
  EXPECT_NE(line_b.find("     1      1"), std::string::npos) << line_b;  // one NaN, one Inf
}

// A write that fails for want of space (here a file-size limit: EFBIG, as a full disk gives
// ENOSPC) names the cause, not only "cannot write rows 0:N"; no output is left.
TEST(Hardening, Hdf5WriteFailureNamesItsCause) {
  TempDir dir;
  const fs::path msg = dir / "message.txt";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Dataset d;
    d.columns = {{"x", Array(DType::F64, {400000})}};
    std::string text = "no error";
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{256 * 1024, 256 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    try {
      write_dataset(d, parse_data_spec((dir / "big.h5").string()));
    } catch (const Error& e) {
      text = e.what();
    }
    std::ofstream(msg) << text;
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const std::string text = slurp(msg);
  EXPECT_NE(text.find("too large"), std::string::npos) << text;  // strerror(EFBIG): "File too large"
  EXPECT_FALSE(fs::exists(dir / "big.h5"));
  EXPECT_TRUE(temp_files(dir.path()).empty());
}

// Item 9: train and diagnose run only the baler-train beside the baler executable, never one
// planted in the working folder, also when /proc/self/exe cannot be read (the old fallback ran
// ./baler-train then). The same for plot and baler-plot.
TEST(Hardening, SiblingsNeverRunFromTheWorkingFolder) {
#if defined(__SANITIZE_ADDRESS__)
  const char* no_proc_less_run = "the sanitizer runtimes need /proc: the /proc-less run is checked in the plain build";
#else
  const char* no_proc_less_run = std::system("unshare --mount --map-root-user true >/dev/null 2>&1") == 0
                                     ? nullptr
                                     : "unshare --mount --map-root-user is not available here";
#endif
  for (const auto& [mode, sibling, feature, library] :
       {std::tuple{"train", "baler-train", "training", "LibTorch"}, std::tuple{"plot", "baler-plot", "plotting", "PLplot"}}) {
    SCOPED_TRACE(mode);
    TempDir dir;
    fs::create_directories(dir / "bin");
    fs::create_directories(dir / "data");
    fs::copy_file(baler_bin(), dir / "bin" / "baler");  // no sibling beside this copy
    const fs::path planted = dir / "data" / sibling;
    std::ofstream(planted) << "#!/bin/sh\ntouch planted-ran\nexit 0\n";
    fs::permissions(planted, fs::perms::owner_all);
    auto run_in_data = [&](const std::string& prefix) {
      const std::string cmd = "cd " + quoted((dir / "data").string()) + " && " + prefix + "../bin/baler " +
                              mode + " 2>" + quoted((dir / "err").string()) + "'";
      const int raw = std::system(cmd.c_str());
      return std::make_pair(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir / "err"));
    };
    auto [status, err] = run_in_data("sh -c 'exec ");
    EXPECT_EQ(status, 11) << err;
    // The error says what is missing: the sibling, where it was looked for, and what it adds.
    EXPECT_NE(err.find("cannot run " + (dir / "bin" / sibling).string()), std::string::npos) << err;
    EXPECT_NE(err.find(std::string(feature) + " is not built into this baler"), std::string::npos) << err;
    EXPECT_NE(err.find(std::string("with ") + library + " linked in"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(dir / "data" / "planted-ran"));
    if (no_proc_less_run) continue;
    // A mount namespace whose /proc is an empty tmpfs: /proc/self/exe cannot be read.
    std::tie(status, err) =
        run_in_data("unshare --mount --map-root-user sh -c 'mount -t tmpfs none /proc && exec ");
    EXPECT_EQ(status, 11) << err;
    EXPECT_NE(err.find("cannot locate " + std::string(sibling) + ": this executable's path is unknown"),
              std::string::npos) << err;
    EXPECT_FALSE(fs::exists(dir / "data" / "planted-ran"));
  }
  if (no_proc_less_run) GTEST_SKIP() << no_proc_less_run;
}

// A fuzz finding inside libhdf5 1.10.8: walking the groups of this 5 KB file reads through a
// null pointer (SIGSEGV before). The walk runs first in a child process: now a clear error.
TEST(Hardening, LibHdf5FaultWhileWalkingGroupsIsAnError) {
  TempDir dir;
  const fs::path file = fs::path(BALER_SOURCE_DIR) / "fuzz/regressions/hdf5/h5ovisit_null_read.h5";
  for (const std::string cmd : {"info ", "compress ", "convert "}) {
    const std::string out = cmd == "info " ? "" : cmd == "compress " ? " -o out.baler" : " -o out.npy";
    const Result r = run(dir, cmd + quoted(file.string()) + out);
    EXPECT_EQ(r.status, 5) << cmd << r.err;
    // "(Segmentation fault)"; under ASan the child reports the fault and exits: "(exit status 1)".
    EXPECT_NE(r.err.find("libhdf5 fails ("), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(") walking the file's groups and datasets: the file is malformed"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "out.baler"));
  EXPECT_FALSE(fs::exists(dir / "out.npy"));
}

}  // namespace
}  // namespace baler::test
