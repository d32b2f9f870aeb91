// Helpers for the ROOT reader tests: paths, a tiny .npy (v1, little-endian) parser, file edits.
#pragma once

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "baler/atomic_file.hpp"
#include "baler/root.hpp"
#include "test_support.hpp"

namespace baler::test {

inline std::filesystem::path root_file(const std::string& name) { return data_file("root/" + name); }

// A 2-D little-endian '<f8' or '<f4' .npy file (format v1), values widened to double.
struct ExpectedMatrix {
  std::int64_t rows = 0, cols = 0;
  bool f32 = false;
  std::vector<double> values;  // row-major
  double at(std::int64_t r, std::int64_t c) const { return values[static_cast<std::size_t>(r * cols + c)]; }
};

inline ExpectedMatrix read_expected_npy(const std::filesystem::path& path) {
  const auto bytes = read_file_bytes(path);
  const std::string head(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 512));
  if (head.compare(0, 6, "\x93NUMPY") != 0 || head[6] != 1) throw std::runtime_error("not npy v1");
  const std::size_t hlen = static_cast<unsigned char>(head[8]) | (static_cast<unsigned char>(head[9]) << 8);
  const std::string dict = head.substr(10, hlen);
  ExpectedMatrix m;
  m.f32 = dict.find("'<f4'") != std::string::npos;
  if (!m.f32 && dict.find("'<f8'") == std::string::npos) throw std::runtime_error("dtype");
  if (dict.find("'fortran_order': False") == std::string::npos) throw std::runtime_error("order");
  const auto s = dict.find("'shape': (");
  std::sscanf(dict.c_str() + s + 10, "%ld, %ld", &m.rows, &m.cols);
  const std::byte* p = bytes.data() + 10 + hlen;
  const std::size_t n = static_cast<std::size_t>(m.rows * m.cols);
  if (bytes.size() != 10 + hlen + n * (m.f32 ? 4 : 8)) throw std::runtime_error("size");
  for (std::size_t i = 0; i < n; ++i) {
    if (m.f32) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      m.values.push_back(f);
    } else {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      m.values.push_back(d);
    }
  }
  return m;
}

inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

inline DataSpec root_spec(const std::filesystem::path& path, const std::string& tree = "") {
  DataSpec s;
  s.path = path;
  s.object = tree;
  s.format = FileFormat::Root;
  return s;
}

inline Dataset read_root(const std::filesystem::path& path, const std::string& tree = "",
                         std::vector<std::string> columns = {},
                         std::vector<std::string>* notes = nullptr) {
  ReadOptions o;
  o.columns = std::move(columns);
  return read_root_dataset(root_spec(path, tree), o, notes);
}

inline const Column& column(const Dataset& d, const std::string& name) {
  for (const auto& c : d.columns)
    if (c.name == name) return c;
  throw std::runtime_error("no column " + name);
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::byte>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Flips one bit at about 300 places of `full` in turn, writes each copy to `path` and calls
// read(path) (true: accepted; false: a baler::Error). Returns {errors, accepted}.
template <typename F>
std::pair<std::size_t, std::size_t> flip_bits(const std::vector<std::byte>& full,
                                              const std::filesystem::path& path, F&& read) {
  const std::size_t step = std::max<std::size_t>(1, full.size() / 300);
  std::size_t errors = 0, accepted = 0;
  for (std::size_t at = 0; at < full.size(); at += step) {
    auto flipped = full;
    flipped[at] ^= std::byte{static_cast<unsigned char>(1u << (at % 8))};
    write_bytes(path, flipped);
    (read(path) ? accepted : errors)++;
  }
  return {errors, accepted};
}

}  // namespace baler::test
