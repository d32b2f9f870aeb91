// Running the built `baler` in a test: exit status, stdout and stderr, one-line error checks.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>

#include "test_support.hpp"

namespace baler::test {

struct Result {
  int status = -1;
  std::string out, err;
};

inline std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `baler ARGS` inside `dir` (env: extra "NAME=value " assignments).
inline Result run(const TempDir& dir, const std::string& args, const std::string& env = "") {
  const std::filesystem::path out = dir / ".stdout", err = dir / ".stderr";
  const std::string cmd = "cd " + quoted(dir.path()) + " && env -u BALER_WORKSPACES " + env + " " +
                          quoted(baler_bin()) + " " + args + " >" + quoted(out) + " 2>" +
                          quoted(err);
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// An error run: the status, and exactly one stderr line "baler: error (<name>): ...".
inline void expect_error(const Result& r, int status, const std::string& name, const std::string& text) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(r.err.rfind("baler: error (" + name + "): ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(text), std::string::npos) << "stderr lacks '" << text << "': " << r.err;
}

}  // namespace baler::test
