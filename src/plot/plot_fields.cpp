// Field pages: original, reconstructed and difference heat maps of chosen frames, and the
// PSNR and maximum error of every frame.
#include <algorithm>
#include <cmath>

#include "plot_pages.hpp"

namespace baler::plot {

std::vector<std::size_t> choose_frames(const std::vector<std::int64_t>& wanted, std::size_t frames) {
  std::vector<std::size_t> out;
  for (std::int64_t f : wanted) {
    require(f >= 0 && static_cast<std::size_t>(f) < frames, ErrorCode::Config,
            "plot.frames: frame " + std::to_string(f) + " is outside the field's " +
                std::to_string(frames) + " frames (0.." + std::to_string(frames - 1) + ")");
    out.push_back(static_cast<std::size_t>(f));
  }
  if (!out.empty()) return out;
  if (frames <= 4) {
    for (std::size_t f = 0; f < frames; ++f) out.push_back(f);
    return out;
  }
  for (std::size_t k = 0; k < 4; ++k) out.push_back(k * (frames - 1) / 3);
  return out;
}

namespace {

void draw_frame_page(plstream& pls, const std::vector<double>& a, const std::vector<double>& b,
                     FrameShape fs, std::size_t frame, const FrameError& e, double bound,
                     const std::string& title) {
  const std::size_t n = fs.height * fs.width;
  const std::span<const double> fa = std::span(a).subspan(frame * n, n);
  const std::span<const double> fb = std::span(b).subspan(frame * n, n);
  const std::vector<double> diff = residuals(fa, fb);
  const Range shared = full_range(fa, fb);
  const Moments md = moments(diff);
  double top = md.count ? std::max(std::abs(md.min), std::abs(md.max)) : 0;
  if (!(top > 0)) top = 1e-12;
  page_title(pls, "Frame " + std::to_string(frame) + " of " + std::to_string(fs.frames) + ":  PSNR " +
                      fmt(e.psnr_db) + " dB,  RMSE " + fmt(e.rmse) + ",  max |error| " + fmt(e.max_abs_error),
             joined(title, "original and reconstructed share one colour scale"));
  // Square cells on the 4:3 page: the panel's height follows the frame's aspect ratio.
  double w = 0.22, h = w * (4.0 / 3.0) * static_cast<double>(fs.height) / static_cast<double>(fs.width);
  if (h > 0.42) w *= 0.42 / h, h = 0.42;
  const double y1 = 0.85, y0 = y1 - h;
  const Box left{0.07, 0.07 + w, y0, y1}, middle{0.38, 0.38 + w, y0, y1}, right{0.69, 0.69 + w, y0, y1};
  heat_map(pls, left, fa, fs.height, fs.width, shared, Palette::Sequential, "original");
  heat_map(pls, middle, fb, fs.height, fs.width, shared, Palette::Sequential, "reconstructed", "column", "");
  heat_map(pls, right, diff, fs.height, fs.width, {-top, top}, Palette::Diverging, "reconstructed - original",
           "column", "");
  spread_panel(pls, {0.07, 0.93, 0.07, std::min(0.38, y0 - 0.12)}, diff, 100,
               "residual of frame " + std::to_string(frame), "rec - orig", {}, bound);
}

}  // namespace

PageSet field_pages(const Dataset& orig, const Dataset& rec, const std::vector<std::size_t>& frames,
                    const std::vector<FrameError>& errors, double abs_bound, const std::string& title) {
  auto a = std::make_shared<std::vector<double>>(to_doubles(orig.field));
  auto b = std::make_shared<std::vector<double>>(to_doubles(rec.field));
  const FrameShape fs = frame_shape(orig.field);
  PageSet set;
  set.stem = "fields";
  for (std::size_t f : frames) set.page_names.push_back(std::to_string(f));
  set.draw = [a, b, fs, frames, &errors, abs_bound, title](plstream& pls, std::size_t p) {
    draw_frame_page(pls, *a, *b, fs, frames[p], errors[frames[p]], abs_bound, title);
  };
  return set;
}

namespace {

void draw_series(plstream& pls, Box vp, const std::vector<double>& y, const std::string& ylabel,
                 const std::string& heading, double marker, bool from_zero) {
  std::vector<PLFLT> xs, ys;
  for (std::size_t i = 0; i < y.size(); ++i)
    if (std::isfinite(y[i])) xs.push_back(static_cast<double>(i)), ys.push_back(y[i]);
  const Moments m = moments(ys);
  double lo = m.count ? m.min : 0, hi = m.count ? m.max : 1;
  if (marker > 0) lo = std::min(lo, marker), hi = std::max(hi, marker);
  if (from_zero) lo = 0;
  const double pad = hi > lo ? 0.1 * (hi - lo) : (lo == 0 ? 1 : 0.1 * std::abs(lo));
  const Range xr{-0.5, static_cast<double>(y.size()) - 0.5};
  // The top third stays free for the text.
  axes(pls, vp, xr, {from_zero ? 0 : lo - pad, hi + pad + 0.5 * (hi - lo + pad)}, false, "frame", ylabel, heading);
  pls.col0(kBlue);
  pls.width(2);
  if (xs.size() > 1) pls.line(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
  pls.poin(static_cast<PLINT>(xs.size()), xs.data(), ys.data(), 17);
  pls.width(1);
  if (marker > 0) {
    pls.col0(kOrange);
    pls.lsty(2);
    pls.join(xr.lo, marker, xr.hi, marker);
    pls.lsty(1);
  }
  const std::size_t missing = y.size() - xs.size();
  std::vector<std::string> lines = {"mean " + fmt(m.mean), "min " + fmt(m.min), "max " + fmt(m.max)};
  if (missing) lines.push_back(std::to_string(missing) + " frames exact (infinite PSNR) or empty");
  if (marker > 0) lines.push_back("dashed: the bound " + fmt(marker));
  text_block(pls, lines, false);
}

}  // namespace

PageSet field_error_pages(const std::vector<FrameError>& errors, double abs_bound, const std::string& title) {
  PageSet set;
  set.stem = "field_errors";
  if (!errors.empty()) set.page_names = {""};
  set.draw = [&errors, abs_bound, title](plstream& pls, std::size_t) {
    std::vector<double> psnr, maxerr;
    for (const FrameError& e : errors) psnr.push_back(e.psnr_db), maxerr.push_back(e.max_abs_error);
    page_title(pls, "Error per frame", title);
    draw_series(pls, {0.08, 0.95, 0.55, 0.83}, psnr, "PSNR [dB]", "PSNR (peak = value range of the field)", kNaN, false);
    draw_series(pls, {0.08, 0.95, 0.08, 0.40}, maxerr, "max |error|", "maximum absolute error", abs_bound, true);
  };
  return set;
}

}  // namespace baler::plot
