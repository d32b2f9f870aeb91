// Helpers for the plot tests: seeded synthetic tables and fields, file checks (PDF pages, PNG).
#pragma once

#include <array>
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

#include <zlib.h>

namespace baler::test {

// A decoded 8-bit RGB or RGBA PNG (as cairo writes them), enough to read pixel colours.
struct Image {
  std::uint32_t width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;  // row-major, `channels` bytes a pixel
  std::array<int, 3> rgb(std::uint32_t x, std::uint32_t y) const {
    const std::uint8_t* p = &pixels[(static_cast<std::size_t>(y) * width + x) * channels];
    return {p[0], p[1], p[2]};
  }
};

inline Image decode_png(const std::string& b) {
  Image img;
  auto be32 = [&](std::size_t o) {
    return (std::uint32_t(std::uint8_t(b[o])) << 24) | (std::uint32_t(std::uint8_t(b[o + 1])) << 16) |
           (std::uint32_t(std::uint8_t(b[o + 2])) << 8) | std::uint32_t(std::uint8_t(b[o + 3]));
  };
  std::string idat;
  for (std::size_t at = 8; at + 12 <= b.size();) {
    const std::uint32_t len = be32(at);
    const std::string type = b.substr(at + 4, 4);
    if (type == "IHDR") {
      img.width = be32(at + 8);
      img.height = be32(at + 12);
      const int colour_type = std::uint8_t(b[at + 17]);
      if (std::uint8_t(b[at + 16]) != 8 || (colour_type != 2 && colour_type != 6) || b[at + 20] != 0) return {};
      img.channels = colour_type == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      idat += b.substr(at + 8, len);
    }
    at += 12 + len;
  }
  const std::size_t stride = static_cast<std::size_t>(img.width) * img.channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_size = raw.size();
  if (img.channels == 0 ||
      uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != raw.size())
    return {};
  img.pixels.assign(stride * img.height, 0);
  for (std::size_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    std::uint8_t* out = &img.pixels[y * stride];
    const std::uint8_t* up = y ? &img.pixels[(y - 1) * stride] : nullptr;
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= img.channels ? out[i - img.channels] : 0, u = up ? up[i] : 0,
                c = up && i >= img.channels ? up[i - img.channels] : 0;
      int pred = 0;
      if (filter == 1) pred = a;
      if (filter == 2) pred = u;
      if (filter == 3) pred = (a + u) / 2;
      if (filter == 4) {
        const int p = a + u - c, pa = std::abs(p - a), pb = std::abs(p - u), pc = std::abs(p - c);
        pred = pa <= pb && pa <= pc ? a : (pb <= pc ? u : c);
      }
      out[i] = static_cast<std::uint8_t>(in[i] + pred);
    }
  }
  return img;
}

}  // namespace baler::test
