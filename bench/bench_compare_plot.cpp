// Ratio-vs-bound plot of one data set (PLplot, pngcairo), written atomically.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "baler/error.hpp"
#include "bench_compare_report.hpp"
#ifdef BALER_BENCH_PLPLOT
#include <plstream.h>
#endif

namespace baler::bench {

#ifdef BALER_BENCH_PLPLOT
namespace {

// Dark, distinct line colours on white (PLplot's default map has yellow and wheat).
constexpr int kColours = 9;
constexpr int kPalette[kColours + 2][3] = {{255, 255, 255}, {0, 0, 0},     {0, 70, 200},  {200, 0, 0},
                                           {0, 140, 0},     {230, 120, 0}, {130, 0, 160}, {0, 140, 140},
                                           {140, 80, 20},   {110, 110, 110}, {200, 0, 150}};

int plplot_error(const char* message) {
  throw Error(ErrorCode::Internal, std::string("PLplot: ") + (message ? message : "fatal error"));
}

struct Series {
  std::vector<double> x, y;  // log10(rel), log10(ratio)
};

// Lossy codecs as lines over the bounds; lossless ones as flat lines; the targets as a line.
std::map<std::string, Series> series_of(const DatasetReport& rep, const std::vector<double>& rels) {
  std::map<std::string, Series> s;
  for (const auto& r : rep.rows) {
    if (r.bound == "none" || r.ratio_f32 <= 0) continue;
    if (r.bound == "lossless") {
      if (r.codec.find("shuffle") == std::string::npos) continue;  // the better lossless variants only
      for (double rel : rels) s[r.codec].x.push_back(std::log10(rel)), s[r.codec].y.push_back(std::log10(r.ratio_f32));
      continue;
    }
    const std::string name = r.violations ? r.codec + " (violations)" : r.codec;
    s[name].x.push_back(std::log10(r.rel));
    s[name].y.push_back(std::log10(r.ratio_f32));
  }
  for (double rel : rels)
    if (const double t = issue_target(rep.name, rel); t > 0)
      s["target (issue table)"].x.push_back(std::log10(rel)), s["target (issue table)"].y.push_back(std::log10(t));
  return s;
}

void draw(plstream& pls, const DatasetReport& rep, const std::map<std::string, Series>& series) {
  double x0 = 1e9, x1 = -1e9, y0 = 0, y1 = 0.5;
  for (const auto& [name, s] : series) {
    for (double x : s.x) x0 = std::min(x0, x), x1 = std::max(x1, x);
    for (double y : s.y) y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  pls.col0(1);
  pls.adv(0);
  pls.vpor(0.11, 0.66, 0.12, 0.9);
  pls.wind(x0 - 0.2, x1 + 0.2, y0 - 0.05, y1 + 0.15);
  pls.box("bcnstl", 0, 0, "bcnstlv", 0, 0);
  pls.lab("error bound (fraction of the range)", "ratio (float32 bytes / compressed)",
          (rep.name + ": ratio against the bound").c_str());
  std::vector<PLINT> opts, colours, styles;
  std::vector<PLFLT> widths, scales;
  std::vector<PLINT> numbers;
  std::vector<std::string> names;
  std::vector<const char*> texts, symbols;
  int colour = 2;
  for (const auto& [name, s] : series) {
    const bool flat = name.find("shuffle") != std::string::npos && name.find("trunc") == std::string::npos;
    const bool target = name.rfind("target", 0) == 0;
    pls.col0(target ? 1 : colour);
    pls.lsty(flat ? 2 : 1);
    pls.width(target ? 1.0 : 2.0);
    pls.line(static_cast<PLINT>(s.x.size()), const_cast<PLFLT*>(s.x.data()), const_cast<PLFLT*>(s.y.data()));
    pls.poin(static_cast<PLINT>(s.x.size()), const_cast<PLFLT*>(s.x.data()), const_cast<PLFLT*>(s.y.data()),
             target ? 5 : 17);
    opts.push_back(PL_LEGEND_LINE | PL_LEGEND_SYMBOL);
    colours.push_back(target ? 1 : colour);
    styles.push_back(flat ? 2 : 1);
    widths.push_back(target ? 1.0 : 2.0);
    scales.push_back(1.0);
    numbers.push_back(1);
    names.push_back(name);
    symbols.push_back(target ? "×" : "•");
    colour = colour % kColours + 2;
  }
  pls.lsty(1);
  for (const auto& n : names) texts.push_back(n.c_str());
  PLFLT lw = 0, lh = 0;
  pls.legend(&lw, &lh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_OUTSIDE | PL_POSITION_RIGHT, 0.03, 0.0,
             0.08, 0, 1, 1, 0, 0, static_cast<PLINT>(names.size()), opts.data(), 0.8, 0.7, 1.6, 0.0, colours.data(),
             texts.data(), nullptr, nullptr, nullptr, nullptr, colours.data(), styles.data(), widths.data(),
             colours.data(), scales.data(), numbers.data(), symbols.data());
}

}  // namespace

bool plot_ratio_vs_bound(const DatasetReport& rep, const std::filesystem::path& png) {
  std::vector<double> rels;
  for (const auto& r : rep.rows)
    if (r.rel > 0 && std::find(rels.begin(), rels.end(), r.rel) == rels.end()) rels.push_back(r.rel);
  const auto series = series_of(rep, rels);
  if (series.empty()) return false;
  const auto tmp = png.parent_path() / (png.filename().string() + ".tmp" + std::to_string(::getpid()));
  {
    plstream pls;
    pls.sexit(plplot_error);
    pls.sdev("pngcairo");
    pls.sfnam(tmp.c_str());
    pls.spage(0, 0, 1000, 700, 0, 0);
    pls.scmap0n(kColours + 2);
    for (int i = 0; i < kColours + 2; ++i) pls.scol0(i, kPalette[i][0], kPalette[i][1], kPalette[i][2]);
    pls.scolbg(255, 255, 255);
    pls.init();
    draw(pls, rep, series);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, png, ec);
  require(!ec, ErrorCode::Io, "cannot write " + png.string() + ": " + ec.message());
  return true;
}
#else
bool plot_ratio_vs_bound(const DatasetReport&, const std::filesystem::path&) { return false; }
#endif

}  // namespace baler::bench
