// Shared helpers for tests: where the example data are, temporary folders, seeded data.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

namespace baler::test {

// ../shared/data, or $BALER_DATA_DIR.
inline std::filesystem::path data_dir() {
  const char* env = std::getenv("BALER_DATA_DIR");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(BALER_DEFAULT_DATA_DIR);
}

inline std::filesystem::path data_file(const std::string& rel) { return data_dir() / rel; }

// Whole file as bytes ("" if it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Path of the built `baler` tool (set by CTest), for CLI tests.
inline std::string baler_bin() {
  const char* env = std::getenv("BALER_BIN");
  return env ? env : "baler";
}

// A fresh folder removed at scope exit.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "baler-test-";
    if (info) name += std::string(info->test_suite_name()) + "-" + info->name() + "-";
    name += std::to_string(::getpid()) + "-" + std::to_string(++counter);
    for (auto& c : name)
      if (c == '/') c = '_';
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

 private:
  std::filesystem::path path_;
};

// Deterministic generator for test data (never std::random_device).
inline std::mt19937_64 rng(std::uint64_t seed = 12345) { return std::mt19937_64(seed); }

}  // namespace baler::test
