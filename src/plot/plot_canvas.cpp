// PLplot streams for baler's plots: devices, colours, atomic page files, drawing helpers.
#include "plot_canvas.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <unistd.h>

#include "baler/error.hpp"

namespace baler::plot {

namespace {

namespace fs = std::filesystem;

// PLplot calls exit() on a fatal error unless a handler intervenes: turn it into an Error.
int plplot_fatal(const char* message) {
  throw Error(ErrorCode::Internal, std::string("PLplot: ") + (message ? message : "fatal error"));
}

void open_stream(plstream& pls, const char* device, const fs::path& file) {
  pls.sexit(plplot_fatal);
  pls.sdev(device);
  pls.sfnam(file.c_str());
  pls.spage(0, 0, 1200, 900, 0, 0);
  pls.scolbg(255, 255, 255);
  static const int rgb[][3] = {{255, 255, 255}, {0, 0, 0},       {31, 90, 200},   {215, 40, 40},
                               {110, 110, 110}, {30, 150, 60},   {240, 140, 20},  {215, 215, 215},
                               {130, 60, 170},  {170, 200, 240}};
  const int n = static_cast<int>(std::size(rgb));
  pls.scmap0n(16);
  for (int i = 0; i < n; ++i) pls.scol0(i, rgb[i][0], rgb[i][1], rgb[i][2]);
  pls.init();
  pls.fontld(1);
  pls.schr(0, kTextScale);
}

std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
  return out;
}

// A scratch folder inside out_dir, removed with whatever is left in it.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& parent) {
    static std::atomic<int> counter{0};
    path_ = parent / (".plot-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::error_code ec;
    fs::create_directories(path_, ec);
    require(!ec, ErrorCode::Io, "cannot create folder " + path_.string() + ": " + ec.message());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void move_into(const fs::path& from, const fs::path& to, std::vector<fs::path>& files) {
  std::error_code ec;
  require(fs::is_regular_file(from, ec) && fs::file_size(from, ec) > 0, ErrorCode::Io,
          "PLplot wrote no output to " + from.string());
  fs::rename(from, to, ec);
  require(!ec, ErrorCode::Io, "cannot rename " + from.string() + " to " + to.string() + ": " + ec.message());
  files.push_back(to);
}

}  // namespace

void render(const PageSet& pages, bool pdf, bool png, const fs::path& out_dir, Written& out) {
  if (pages.page_names.empty()) return;
  ScratchDir scratch(out_dir);
  if (pdf) {
    const fs::path tmp = scratch.path() / (pages.stem + ".pdf");
    {
      plstream pls;
      open_stream(pls, "pdfcairo", tmp);
      for (std::size_t p = 0; p < pages.page_names.size(); ++p) {
        pls.adv(0);
        pages.draw(pls, p);
      }
    }  // the stream's destructor closes the file
    move_into(tmp, out_dir / (pages.stem + ".pdf"), out.files);
  }
  if (!png) return;
  for (std::size_t p = 0; p < pages.page_names.size(); ++p) {
    const std::string& name = pages.page_names[p];
    const std::string file = pages.stem + (name.empty() ? "" : "-" + safe_name(name)) + ".png";
    {
      plstream pls;
      open_stream(pls, "pngcairo", scratch.path() / file);
      pls.adv(0);
      pages.draw(pls, p);
    }
    move_into(scratch.path() / file, out_dir / file, out.files);
    out.pngs.push_back(out_dir / file);
  }
}

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string joined(const std::string& title, const std::string& text) {
  return title.empty() ? text : title + " - " + text;
}

void page_title(plstream& pls, const std::string& title, const std::string& subtitle) {
  pls.col0(kBlack);
  pls.vpor(0, 1, 0, 1);
  pls.wind(0, 1, 0, 1);
  pls.schr(0, 0.95);
  pls.mtex("t", -1.5, 0.5, 0.5, title.c_str());
  pls.schr(0, 0.65);
  if (!subtitle.empty()) pls.mtex("t", -4.2, 0.5, 0.5, subtitle.c_str());
  pls.schr(0, kTextScale);
}

void axes(plstream& pls, Box vp, Range x, Range y, bool log_y, const std::string& xlabel,
          const std::string& ylabel, const std::string& title) {
  pls.vpor(vp.x0, vp.x1, vp.y0, vp.y1);
  pls.wind(x.lo, x.hi, y.lo, y.hi);
  pls.col0(kBlack);
  pls.lsty(1);
  pls.width(1);
  pls.box("bcnst", 0, 0, log_y ? "bcnstlv" : "bcnstv", 0, 0);
  pls.lab(xlabel.c_str(), ylabel.c_str(), title.c_str());
}

void step_line(plstream& pls, const Histogram& h, bool log_y, double floor, int colour, int style) {
  const std::size_t n = h.counts.size();
  std::vector<PLFLT> xs, ys;
  xs.reserve(2 * n + 2);
  ys.reserve(2 * n + 2);
  auto y_of = [&](double c) { return log_y ? (c > 0 ? std::log10(c) : floor) : c; };
  xs.push_back(h.lo);
  ys.push_back(log_y ? floor : 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double y = y_of(h.counts[i]);
    xs.push_back(h.lo + static_cast<double>(i) * h.bin_width());
    ys.push_back(y);
    xs.push_back(h.lo + static_cast<double>(i + 1) * h.bin_width());
    ys.push_back(y);
  }
  xs.push_back(h.hi);
  ys.push_back(log_y ? floor : 0);
  pls.col0(colour);
  pls.lsty(style);
  pls.width(2);
  pls.line(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
  pls.lsty(1);
  pls.width(1);
}

void text_block(plstream& pls, const std::vector<std::string>& lines, bool left,
                const std::vector<int>& colours) {
  pls.schr(0, 0.6);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    pls.col0(i < colours.size() ? colours[i] : kBlack);
    pls.mtex("t", -1.5 * static_cast<double>(i + 1), left ? 0.03 : 0.97, left ? 0.0 : 1.0,
             lines[i].c_str());
  }
  pls.schr(0, kTextScale);
  pls.col0(kBlack);
}

void vertical_marker(plstream& pls, double x, Range y, int colour, const std::string& label) {
  pls.col0(colour);
  pls.lsty(2);
  pls.join(x, y.lo, x, y.hi);
  pls.lsty(1);
  if (!label.empty()) {
    pls.schr(0, 0.5);
    pls.ptex(x, y.lo + 0.03 * (y.hi - y.lo), 1, 0, 0.0, (" " + label).c_str());
    pls.schr(0, kTextScale);
  }
  pls.col0(kBlack);
}

namespace {

void set_palette(plstream& pls, Palette palette) {
  static const PLFLT seq_pos[] = {0, 0.25, 0.5, 0.75, 1};
  static const PLFLT seq_r[] = {68 / 255., 59 / 255., 33 / 255., 94 / 255., 253 / 255.};
  static const PLFLT seq_g[] = {1 / 255., 82 / 255., 145 / 255., 201 / 255., 231 / 255.};
  static const PLFLT seq_b[] = {84 / 255., 139 / 255., 140 / 255., 98 / 255., 37 / 255.};
  static const PLFLT div_pos[] = {0, 0.5, 1};
  static const PLFLT div_r[] = {33 / 255., 247 / 255., 178 / 255.};
  static const PLFLT div_g[] = {102 / 255., 247 / 255., 24 / 255.};
  static const PLFLT div_b[] = {172 / 255., 247 / 255., 43 / 255.};
  pls.scmap1n(256);
  if (palette == Palette::Sequential)
    pls.scmap1l(true, 5, seq_pos, seq_r, seq_g, seq_b);
  else
    pls.scmap1l(true, 3, div_pos, div_r, div_g, div_b);
}

// Reduces a grid to at most kMaxCells per side: block means (sequential) or the value of
// largest magnitude in each block (diverging, so no error disappears).
constexpr std::size_t kMaxCells = 400;

std::vector<double> reduce_grid(std::span<const double> grid, std::size_t h, std::size_t w,
                                Palette palette, std::size_t step, std::size_t& rh, std::size_t& rw) {
  rh = (h + step - 1) / step;
  rw = (w + step - 1) / step;
  std::vector<double> out(rh * rw, kNaN);
  for (std::size_t i = 0; i < rh; ++i) {
    for (std::size_t j = 0; j < rw; ++j) {
      double sum = 0, best = kNaN;
      std::size_t n = 0;
      for (std::size_t a = i * step; a < std::min(h, (i + 1) * step); ++a)
        for (std::size_t b = j * step; b < std::min(w, (j + 1) * step); ++b) {
          const double v = grid[a * w + b];
          if (!std::isfinite(v)) continue;
          sum += v;
          ++n;
          if (!(std::abs(v) <= std::abs(best))) best = v;
        }
      if (n) out[i * rw + j] = palette == Palette::Sequential ? sum / static_cast<double>(n) : best;
    }
  }
  return out;
}

void colour_bar(plstream& pls, Box vp, Range z) {
  constexpr int kSteps = 256;
  // Two identical columns: PLplot draws nothing for a one-column image.
  std::vector<PLFLT> column(kSteps);
  std::vector<const PLFLT*> rows(2, column.data());
  for (int i = 0; i < kSteps; ++i) column[i] = z.lo + (z.hi - z.lo) * (i + 0.5) / kSteps;
  pls.vpor(vp.x1 + 0.012, vp.x1 + 0.027, vp.y0, vp.y1);
  pls.wind(0, 1, z.lo, z.hi);
  pls.imagefr(rows.data(), 2, kSteps, 0, 1, z.lo, z.hi, z.lo, z.hi, z.lo, z.hi, nullptr, nullptr);
  pls.col0(kBlack);
  pls.schr(0, 0.55);
  pls.box("bc", 0, 0, "bcmstv", 0, 0);
  pls.schr(0, kTextScale);
}

}  // namespace

void heat_map(plstream& pls, Box vp, std::span<const double> grid, std::size_t height,
              std::size_t width, Range z, Palette palette, const std::string& title,
              const std::string& xlabel, const std::string& ylabel) {
  if (height == 0 || width == 0) {
    axes(pls, vp, {0, 1}, {0, 1}, false, xlabel, ylabel, title + " (empty)");
    return;
  }
  const std::size_t step = std::max<std::size_t>(1, (std::max(height, width) + kMaxCells - 1) / kMaxCells);
  std::size_t rh = height, rw = width;
  std::vector<double> reduced;
  if (step > 1) reduced = reduce_grid(grid, height, width, palette, step, rh, rw);
  std::span<const double> cells = step > 1 ? std::span<const double>(reduced) : grid;
  // PLplot wants [x][y] and draws (nx-1) x (ny-1) cells, cell (i,j) in the colour of point
  // (i,j): one extra, never drawn, row and column. The window's y axis points down so that
  // row 0 is at the top.
  const std::size_t nx = rw + 1, ny = rh + 1;
  std::vector<PLFLT> storage(nx * ny);
  std::vector<const PLFLT*> cols(nx);
  const double below = z.lo - (z.hi - z.lo);  // outside [zmin, zmax]: not drawn
  for (std::size_t x = 0; x < nx; ++x) {
    cols[x] = storage.data() + x * ny;
    for (std::size_t y = 0; y < ny; ++y) {
      const double v = cells[std::min(y, rh - 1) * rw + std::min(x, rw - 1)];
      storage[x * ny + y] = std::isfinite(v) ? std::clamp(v, z.lo, z.hi) : below;
    }
  }
  set_palette(pls, palette);
  pls.vpor(vp.x0, vp.x1, vp.y0, vp.y1);
  pls.wind(0, static_cast<double>(width), static_cast<double>(height), 0);
  pls.imagefr(cols.data(), static_cast<PLINT>(nx), static_cast<PLINT>(ny), 0,
              static_cast<double>(width), 0, static_cast<double>(height), z.lo, z.hi, z.lo, z.hi,
              nullptr, nullptr);
  pls.col0(kBlack);
  pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
  pls.lab(xlabel.c_str(), ylabel.c_str(), "");
  pls.mtex("t", step > 1 ? 2.4 : 1.2, 0.5, 0.5, title.c_str());
  if (step > 1) {
    const std::string note = "drawn in " + std::to_string(step) + "x" + std::to_string(step) + " blocks";
    pls.schr(0, 0.55);
    pls.mtex("t", 1.0, 0.5, 0.5, note.c_str());
    pls.schr(0, kTextScale);
  }
  colour_bar(pls, vp, z);
}

namespace {

constexpr double kQuantileLo = 0.005;  // response/residual windows: central 99 % plus margin
constexpr double kQuantileHi = 0.995;

}  // namespace

Range log_count_range(std::initializer_list<const Histogram*> hs, double fraction) {
  double top = 0;
  for (const Histogram* h : hs)
    for (double c : h->counts) top = std::max(top, c);
  const double data_top = std::log10(std::max(top, 1.0)) + 0.1;
  return {kLogFloor, kLogFloor + (data_top - kLogFloor) / fraction};
}

std::string flow_text(const Histogram& h) {
  std::string s = "outside the axis: " + std::to_string(h.underflow) + " below, " +
                  std::to_string(h.overflow) + " above";
  if (h.nonfinite) s += ", " + std::to_string(h.nonfinite) + " NaN/inf";
  return s;
}

void spread_panel(plstream& pls, Box vp, std::span<const double> values, std::size_t bins,
                  const std::string& title, const std::string& xlabel,
                  std::vector<std::string> extra, double bound) {
  const Range r = quantile_range(values, kQuantileLo, kQuantileHi, 0.1);
  const Histogram h = make_histogram(values, r, bins);
  const Range y = log_count_range({&h}, 0.55);
  axes(pls, vp, r, y, true, xlabel, "count", title);
  pls.col0(kGrey);
  if (r.lo < 0 && r.hi > 0) pls.join(0, y.lo, 0, y.hi);
  step_line(pls, h, true, kLogFloor, kBlack, 1);
  if (bound > 0) {
    const Range below_text{y.lo, y.lo + 0.55 * (y.hi - y.lo)};
    if (bound < r.hi) vertical_marker(pls, bound, below_text, kOrange, "");
    if (-bound > r.lo) vertical_marker(pls, -bound, below_text, kOrange, "");
    extra.push_back("orange: the bound ±" + fmt(bound));
  }
  const Moments m = moments(values);
  std::vector<std::string> lines = {"mean " + fmt(m.mean), "RMS " + fmt(m.rms), "min " + fmt(m.min),
                                    "max " + fmt(m.max), flow_text(h)};
  for (auto& e : extra) lines.push_back(std::move(e));
  std::vector<int> colours(lines.size(), kBlack);
  if (bound > 0) colours.back() = kOrange;
  text_block(pls, lines, false, colours);
}

}  // namespace baler::plot
