// Pages beyond the data: training loss curves, mean activations, and the physics check.
#include <algorithm>
#include <cmath>

#include "plot_pages.hpp"

namespace baler::plot {

namespace {

// log10 of the positive finite values with their epochs.
void log_series(const std::vector<double>& x, const std::vector<double>& y, std::vector<PLFLT>& xs,
                std::vector<PLFLT>& ys) {
  for (std::size_t i = 0; i < y.size(); ++i)
    if (std::isfinite(y[i]) && y[i] > 0 && std::isfinite(x[i])) xs.push_back(x[i]), ys.push_back(std::log10(y[i]));
}

std::string best_text(const std::vector<double>& epoch, const std::vector<double>& v) {
  std::size_t best = v.size();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (std::isfinite(v[i]) && (best == v.size() || v[i] < v[best])) best = i;
  if (best == v.size()) return "no values";
  return "final " + fmt(v.back()) + ", best " + fmt(v[best]) + " at epoch " + fmt(epoch[best], 6);
}

void draw_loss_page(plstream& pls, const LossHistory& h, const std::string& title) {
  std::vector<PLFLT> tx, ty, vx, vy;
  log_series(h.epoch, h.train, tx, ty);
  log_series(h.epoch, h.val, vx, vy);
  std::vector<double> all_y = ty, all_x = tx;
  all_y.insert(all_y.end(), vy.begin(), vy.end());
  all_x.insert(all_x.end(), vx.begin(), vx.end());
  const Range xr = full_range(all_x, {});
  Range yr = full_range(all_y, {});
  yr = {yr.lo - 0.05 * (yr.hi - yr.lo), yr.hi + 0.3 * (yr.hi - yr.lo)};
  const Range below_text{yr.lo, yr.lo + 0.78 * (yr.hi - yr.lo)};
  page_title(pls, "Training loss", title);
  axes(pls, {0.09, 0.95, 0.1, 0.86}, xr, yr, true, "epoch", "loss", "");
  pls.width(2);
  pls.col0(kBlue);
  if (!tx.empty()) pls.line(static_cast<PLINT>(tx.size()), tx.data(), ty.data());
  pls.col0(kRed);
  pls.lsty(2);
  if (!vx.empty()) pls.line(static_cast<PLINT>(vx.size()), vx.data(), vy.data());
  pls.lsty(1);
  pls.width(1);
  for (std::size_t i = 1; i < h.lr.size(); ++i)
    if (std::isfinite(h.lr[i]) && std::isfinite(h.lr[i - 1]) && h.lr[i] != h.lr[i - 1])
      vertical_marker(pls, h.epoch[i], below_text, kGreen, "lr " + fmt(h.lr[i], 3));
  std::vector<std::string> lines = {"train: " + best_text(h.epoch, h.train)};
  lines.push_back(h.has_val ? "validation (dashed): " + best_text(h.epoch, h.val) : "no validation loss");
  if (h.has_lr) lines.push_back("green: learning-rate changes (first lr " + fmt(h.lr.front(), 3) + ")");
  const std::size_t skipped = h.train.size() - tx.size();
  if (skipped) lines.push_back(std::to_string(skipped) + " train values not positive: not drawn");
  text_block(pls, lines, false, {kBlue, kRed, kGreen});
}

}  // namespace

PageSet loss_pages(const LossHistory& loss, const std::string& title) {
  PageSet set;
  set.stem = "loss";
  if (!loss.epoch.empty()) set.page_names = {""};
  set.draw = [&loss, title](plstream& pls, std::size_t) { draw_loss_page(pls, loss, title); };
  return set;
}

PageSet activation_pages(const ActivationMap& map, const std::string& title) {
  std::size_t width = 0;
  for (const auto& layer : map.mean_activation) width = std::max(width, layer.size());
  auto grid = std::make_shared<std::vector<double>>(map.mean_activation.size() * width, kNaN);
  for (std::size_t l = 0; l < map.mean_activation.size(); ++l)
    std::copy(map.mean_activation[l].begin(), map.mean_activation[l].end(), grid->begin() + l * width);
  PageSet set;
  set.stem = "activations";
  if (width > 0) set.page_names = {""};
  const std::size_t layers = map.mean_activation.size();
  set.draw = [grid, layers, width, &map, title](plstream& pls, std::size_t) {
    std::string names;
    for (std::size_t l = 0; l < map.layer_names.size(); ++l)
      names += (l ? ", " : "") + std::to_string(l) + " " + map.layer_names[l];
    page_title(pls, "Mean activation per node and layer (white: no node)",
               names.empty() ? title : joined(title, "layers: " + names));
    heat_map(pls, {0.08, 0.88, 0.12, 0.85}, *grid, layers, width, full_range(*grid, {}),
             Palette::Sequential, "", "node", "layer (first at the top)");
  };
  return set;
}

namespace {

void draw_physics_page(plstream& pls, const MassComparison& m, std::size_t bins, const std::string& title) {
  const std::string name(analysis_name(m.analysis));
  const Range r = quantile_range(m.before, 0.005, 0.995, 0.05);
  const Histogram hb = make_histogram(m.before, r, bins), ha = make_histogram(m.after, r, bins);
  double top = 1;
  for (std::size_t i = 0; i < bins; ++i) top = std::max({top, hb.counts[i], ha.counts[i]});
  page_title(pls, "Physics check (" + name + "): invariant mass before and after", title);
  const std::string xlabel = "mass [" + m.unit + "]";
  axes(pls, {0.09, 0.95, 0.40, 0.86}, r, {0, top / 0.62}, false, "", "candidates", "");
  step_line(pls, hb, false, 0, kBlue, 1);
  step_line(pls, ha, false, 0, kRed, 2);
  auto peak = [&](const Peak& p) { return fmt(p.position, 6) + " ± " + fmt(p.width, 4) + " " + m.unit; };
  text_block(pls,
             {"original: peak " + peak(m.peak_before), "reconstructed (dashed): peak " + peak(m.peak_after),
              "shift " + fmt(m.shift, 3) + " " + m.unit + " = " + fmt(m.shift_over_width, 3) +
                  " widths (target < " + fmt(kPeakShiftTarget) + ": " + (m.within_target ? "met)" : "MISSED)"),
              "Kolmogorov-Smirnov distance " + fmt(m.ks, 3),
              "outside the axis: " + std::to_string(hb.underflow + hb.overflow) + " / " +
                  std::to_string(ha.underflow + ha.overflow)},
             false, {kBlue, kRed});
  std::vector<PLFLT> xs, ys;
  for (std::size_t i = 0; i < bins; ++i)
    if (hb.counts[i] > 0) xs.push_back(hb.bin_center(i)), ys.push_back(ha.counts[i] / hb.counts[i]);
  const Moments mr = moments(ys);
  const double dev = mr.count ? std::max({std::abs(mr.max - 1), std::abs(1 - mr.min), 0.05}) : 0.5;
  const Range yr{1 - std::min(dev, 1.0) * 1.2, 1 + std::min(dev, 1.0) * 1.2};
  axes(pls, {0.09, 0.95, 0.08, 0.33}, r, yr, false, xlabel, "after / before", "");
  pls.col0(kGrey);
  pls.join(r.lo, 1, r.hi, 1);
  pls.col0(kPurple);
  pls.poin(static_cast<PLINT>(xs.size()), xs.data(), ys.data(), 17);
}

}  // namespace

PageSet physics_pages(const MassComparison& mass, std::size_t bins, const std::string& title) {
  PageSet set;
  set.stem = "physics";
  set.page_names = {""};
  set.draw = [&mass, bins, title](plstream& pls, std::size_t) { draw_physics_page(pls, mass, bins, title); };
  return set;
}

}  // namespace baler::plot
