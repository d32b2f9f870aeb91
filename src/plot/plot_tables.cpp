// Table pages: per column histograms (original vs reconstructed, difference, response,
// residual) and an overview of all columns' residuals as box plots.
#include "plot_pages.hpp"

#include <algorithm>
#include <cmath>

namespace baler::plot {

namespace {

void panel_distributions(plstream& pls, Box vp, std::span<const double> a, std::span<const double> b,
                         std::size_t bins) {
  const Range r = full_range(a, b);
  const Histogram ha = make_histogram(a, r, bins), hb = make_histogram(b, r, bins);
  axes(pls, vp, r, log_count_range({&ha, &hb}, 0.8), true, "value", "count",
       "original vs reconstructed (full range)");
  step_line(pls, ha, true, kLogFloor, kBlue, 1);
  step_line(pls, hb, true, kLogFloor, kRed, 2);
  std::vector<std::string> lines = {"original", "reconstructed (dashed)"};
  if (ha.nonfinite + hb.nonfinite)
    lines.push_back("NaN/inf: " + std::to_string(ha.nonfinite) + " / " + std::to_string(hb.nonfinite));
  text_block(pls, lines, false, {kBlue, kRed});
}

void panel_difference(plstream& pls, Box vp, std::span<const double> a, std::span<const double> b,
                      std::size_t bins) {
  const Range r = full_range(a, b);
  Histogram d = make_histogram(b, r, bins);
  const Histogram ha = make_histogram(a, r, bins);
  double top = 0, moved = 0;
  for (std::size_t i = 0; i < bins; ++i) {
    d.counts[i] -= ha.counts[i];
    top = std::max(top, std::abs(d.counts[i]));
    moved += std::abs(d.counts[i]);
  }
  top = top > 0 ? top * 1.6 : 1;
  axes(pls, vp, r, {-top, top}, false, "value", "count difference", "reconstructed - original, per bin");
  pls.col0(kGrey);
  pls.join(r.lo, 0, r.hi, 0);
  step_line(pls, d, false, 0, kPurple, 1);
  text_block(pls, {fmt(moved / 2, 6) + " rows moved to another bin (sum of |difference| / 2)"}, false);
}

std::string column_heading(const ColumnSummary& s) {
  std::string t = s.name + ":  max |error| " + fmt(s.max_abs_error);
  if (!s.info.bound.empty()) t += ",  bound " + s.info.bound;
  if (s.info.abs_bound >= 0) t += " (|err| <= " + fmt(s.info.abs_bound) + (s.bound_held ? ", held)" : ", VIOLATED)");
  if (s.info.exact) t += ",  exact";
  if (s.info.bytes >= 0) t += ",  " + std::to_string(s.info.bytes) + " bytes";
  return t;
}

void draw_column_page(plstream& pls, const Column& a, const Column& b, const ColumnSummary& s,
                      std::size_t bins, const std::string& title) {
  const std::vector<double> orig = to_doubles(a.values), rec = to_doubles(b.values);
  page_title(pls, column_heading(s), joined(title, std::to_string(s.rows) + " rows, none dropped"));
  panel_distributions(pls, {0.08, 0.47, 0.55, 0.85}, orig, rec, bins);
  panel_difference(pls, {0.58, 0.97, 0.55, 0.85}, orig, rec, bins);
  std::size_t zeros = 0;
  const std::vector<double> resp = responses(orig, rec, &zeros);
  spread_panel(pls, {0.08, 0.47, 0.08, 0.40}, resp, bins, "response", "(rec - orig) / orig",
               {"skipped (orig = 0): " + std::to_string(zeros)}, kNaN);
  spread_panel(pls, {0.58, 0.97, 0.08, 0.40}, residuals(orig, rec), bins, "residual", "rec - orig",
               {}, s.info.abs_bound);
}

}  // namespace

PageSet column_pages(const Dataset& orig, const Dataset& rec, const std::vector<ColumnSummary>& summary,
                     std::size_t bins, const std::string& title) {
  PageSet set;
  set.stem = "columns";
  for (const ColumnSummary& s : summary) set.page_names.push_back(s.name);
  set.draw = [&orig, &rec, &summary, bins, title](plstream& pls, std::size_t p) {
    draw_column_page(pls, orig.columns[p], rec.columns[p], summary[p], bins, title);
  };
  return set;
}

namespace {

constexpr std::size_t kBoxesPerPage = 30;

struct NormalisedBox {
  std::string label;
  BoxStats box;
  bool by_bound = false;
};

// Residuals divided by the column's absolute bound when known, else by its value range.
std::vector<NormalisedBox> normalised_boxes(const Dataset& orig, const Dataset& rec,
                                            const std::vector<ColumnSummary>& summary) {
  std::vector<NormalisedBox> out;
  for (std::size_t c = 0; c < summary.size(); ++c) {
    const ColumnSummary& s = summary[c];
    const bool by_bound = s.info.abs_bound > 0;
    double scale = by_bound ? s.info.abs_bound : s.orig_max - s.orig_min;
    if (!(scale > 0)) scale = 1;
    std::vector<double> r = residuals(to_doubles(orig.columns[c].values), to_doubles(rec.columns[c].values));
    for (double& v : r) v /= scale;
    out.push_back({s.name + (by_bound ? "" : " *"), box_stats(r), by_bound});
  }
  return out;
}

void draw_box(plstream& pls, double x, const BoxStats& b) {
  if (b.count == 0) return;
  const double w = 0.3;
  const PLFLT bx[] = {x - w, x + w, x + w, x - w};
  const PLFLT by[] = {b.q25, b.q25, b.q75, b.q75};
  pls.col0(kLightBlue);
  pls.fill(4, bx, by);
  pls.col0(kBlue);
  const PLFLT ox[] = {x - w, x + w, x + w, x - w, x - w};
  const PLFLT oy[] = {b.q25, b.q25, b.q75, b.q75, b.q25};
  pls.line(5, ox, oy);
  pls.join(x, b.q75, x, b.q95);
  pls.join(x, b.q25, x, b.q05);
  pls.join(x - w / 2, b.q95, x + w / 2, b.q95);
  pls.join(x - w / 2, b.q05, x + w / 2, b.q05);
  pls.col0(kRed);
  pls.width(3);
  pls.join(x - w, b.median, x + w, b.median);
  pls.width(1);
  const PLFLT px[] = {x, x}, py[] = {b.min, b.max};
  pls.col0(kBlack);
  pls.poin(2, px, py, 5);
}

void draw_overview_page(plstream& pls, const std::vector<NormalisedBox>& boxes, std::size_t page,
                        const std::string& title) {
  const std::size_t first = page * kBoxesPerPage;
  const std::size_t last = std::min(boxes.size(), first + kBoxesPerPage);
  double lo = 0, hi = 0;
  for (std::size_t i = first; i < last; ++i)
    if (boxes[i].box.count) lo = std::min(lo, boxes[i].box.min), hi = std::max(hi, boxes[i].box.max);
  if (!(hi > lo)) lo = -1, hi = 1;
  const double pad = 0.08 * (hi - lo);
  page_title(pls, "Residuals of every column, normalised", title);
  const Range xr{0.0, static_cast<double>(last - first) + 1};
  pls.vpor(0.08, 0.97, 0.25, 0.88);
  const double top = hi + pad + 0.1 * (hi - lo);  // room for the legend above the data
  pls.wind(xr.lo, xr.hi, lo - pad, top);
  pls.col0(kBlack);
  pls.box("bc", 0, 0, "bcnstv", 0, 0);
  pls.lab("", "residual / bound   (* : residual / value range)", "");
  pls.col0(kGrey);
  pls.join(xr.lo, 0, xr.hi, 0);
  bool any_bound = false;
  for (std::size_t i = first; i < last; ++i) any_bound = any_bound || boxes[i].by_bound;
  pls.col0(kOrange);
  pls.lsty(2);
  for (double edge : {-1.0, 1.0})
    if (any_bound && edge > lo - pad && edge < top) pls.join(xr.lo, edge, xr.hi, edge);
  pls.lsty(1);
  pls.schr(0, 0.7);
  for (std::size_t i = first; i < last; ++i) {
    const double x = static_cast<double>(i - first) + 1;
    draw_box(pls, x, boxes[i].box);
    pls.col0(kBlack);
    pls.mtex("bv", 0.8, (x - xr.lo) / (xr.hi - xr.lo), 1.0, boxes[i].label.c_str());
  }
  pls.schr(0, kTextScale);
  std::vector<std::string> legend = {"box 25-75 %, whiskers 5-95 %, crosses min and max, red median"};
  if (any_bound) legend.push_back("dashed: the bound (±1)");
  text_block(pls, legend, true);
}

}  // namespace

PageSet overview_pages(const Dataset& orig, const Dataset& rec, const std::vector<ColumnSummary>& summary,
                       const std::string& title) {
  auto boxes = std::make_shared<std::vector<NormalisedBox>>(normalised_boxes(orig, rec, summary));
  PageSet set;
  set.stem = "overview";
  const std::size_t pages = (boxes->size() + kBoxesPerPage - 1) / kBoxesPerPage;
  for (std::size_t p = 0; p < pages; ++p) set.page_names.push_back(pages == 1 ? "" : std::to_string(p + 1));
  set.draw = [boxes, title](plstream& pls, std::size_t p) { draw_overview_page(pls, *boxes, p, title); };
  return set;
}

}  // namespace baler::plot
