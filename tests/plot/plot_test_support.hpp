// Helpers for the plot tests: seeded synthetic tables and fields, file checks (PDF pages, PNG).
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "test_support.hpp"

namespace baler::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Pages of a PDF as cairo writes it: the "/Type /Page" objects (not "/Pages").
inline int pdf_page_count(const std::string& pdf) {
  int n = 0;
  for (std::size_t at = pdf.find("/Type /Page"); at != std::string::npos; at = pdf.find("/Type /Page", at + 1))
    if (at + 11 >= pdf.size() || pdf[at + 11] != 's') ++n;
  return n;
}

inline bool is_pdf(const std::string& bytes) { return bytes.rfind("%PDF-", 0) == 0 && bytes.find("%%EOF") != std::string::npos; }

// PNG signature and IHDR width × height (0 × 0 if not a PNG).
inline std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& b) {
  if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || b.compare(12, 4, "IHDR") != 0) return {0, 0};
  auto be32 = [&](std::size_t o) {
    return (std::uint32_t(std::uint8_t(b[o])) << 24) | (std::uint32_t(std::uint8_t(b[o + 1])) << 16) |
           (std::uint32_t(std::uint8_t(b[o + 2])) << 8) | std::uint32_t(std::uint8_t(b[o + 3]));
  };
  return {be32(16), be32(20)};
}

inline Column make_column(const std::string& name, const std::vector<double>& v) {
  Column c{name, Array(DType::F64, {static_cast<std::int64_t>(v.size())})};
  std::copy(v.begin(), v.end(), c.values.as<double>().begin());
  return c;
}

// Rounds every value to a multiple of `step`: a stand-in for a lossy reconstruction.
inline Dataset quantised(const Dataset& d, double step) {
  Dataset r = d;
  if (r.kind == DataKind::Field) {
    for (auto& v : r.field.as<float>()) v = static_cast<float>(std::round(v / step) * step);
    return r;
  }
  for (auto& c : r.columns)  // integer columns stay exact
    if (c.values.dtype == DType::F64)
      for (auto& v : c.values.as<double>()) v = std::round(v / step) * step;
  return r;
}

// An LHCb-like table: B_FlightDistance (with exact zeros), three hadrons' momenta (MeV).
inline Dataset synthetic_b2hhh(std::size_t rows, std::uint64_t seed) {
  auto gen = rng(seed);
  std::normal_distribution<double> pt(0, 1500), pz(20000, 8000);
  std::exponential_distribution<double> flight(0.1);
  std::vector<std::vector<double>> cols(10, std::vector<double>(rows));
  for (std::size_t i = 0; i < rows; ++i) {
    cols[0][i] = i % 20 == 0 ? 0.0 : flight(gen);
    for (int h = 0; h < 3; ++h) {
      cols[1 + 3 * h][i] = pt(gen);
      cols[2 + 3 * h][i] = pt(gen);
      cols[3 + 3 * h][i] = pz(gen);
    }
  }
  const char* names[] = {"B_FlightDistance", "H1_PX", "H1_PY", "H1_PZ", "H2_PX",
                         "H2_PY",            "H2_PZ", "H3_PX", "H3_PY", "H3_PZ"};
  Dataset d;
  for (int c = 0; c < 10; ++c) d.columns.push_back(make_column(names[c], cols[c]));
  return d;
}

// A movie of `frames` smooth 2-D waves, float32.
inline Dataset synthetic_field(std::int64_t frames, std::int64_t h, std::int64_t w) {
  Dataset d;
  d.kind = DataKind::Field;
  d.field = Array(DType::F32, {frames, h, w});
  auto v = d.field.as<float>();
  for (std::int64_t t = 0; t < frames; ++t)
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x)
        v[(t * h + y) * w + x] = static_cast<float>(std::sin(0.2 * x + 0.1 * t) * std::cos(0.15 * y));
  return d;
}

}  // namespace baler::test
