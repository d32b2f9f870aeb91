// Internal to baler_plot: PLplot streams that write pages atomically, and drawing helpers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <plstream.h>

#include "baler/analysis.hpp"

namespace baler::plot {

// Colour map 0 indices set on every stream.
enum Colour : int {
  kWhite = 0, kBlack = 1, kBlue = 2, kRed = 3, kGrey = 4, kGreen = 5, kOrange = 6,
  kLightGrey = 7, kPurple = 8, kLightBlue = 9,
};

// Pages to draw: one PDF (stem.pdf, all pages) and one PNG per page (stem-NAME.png, or
// stem.png when there is a single page whose name is empty).
struct PageSet {
  std::string stem;
  std::vector<std::string> page_names;  // one per page
  std::function<void(plstream&, std::size_t page)> draw;
};

struct Written {
  std::vector<std::filesystem::path> files;
  std::vector<std::filesystem::path> pngs;
};

// Draws the pages into a temporary folder inside out_dir, then renames each finished file
// into out_dir. Throws Error(Io) (or Error(Internal) if PLplot gives up).
void render(const PageSet& pages, bool pdf, bool png, const std::filesystem::path& out_dir,
            Written& out);

// Default character scale of every page (PLplot's default height times this).
inline constexpr double kTextScale = 0.7;

// Viewport in normalised page coordinates.
struct Box {
  double x0, x1, y0, y1;
};

// "1.234e-05" style with `digits` significant digits.
std::string fmt(double v, int digits = 4);
// "title - text", or text alone when title is empty.
std::string joined(const std::string& title, const std::string& text);
// Page heading at the top centre (and an optional smaller second line).
void page_title(plstream& pls, const std::string& title, const std::string& subtitle = "");
// Sets viewport and window, draws the axes box and labels. log_y: y values are log10 and the
// axis is labelled in powers of ten.
void axes(plstream& pls, Box vp, Range x, Range y, bool log_y, const std::string& xlabel,
          const std::string& ylabel, const std::string& title);
// Histogram outline as a step line. log_y: counts drawn as log10, empty bins at `floor`.
void step_line(plstream& pls, const Histogram& h, bool log_y, double floor, int colour, int style);
// Lines of text in the top-left (left = true) or top-right corner inside the viewport, each in
// its colour (kBlack when colours is shorter).
void text_block(plstream& pls, const std::vector<std::string>& lines, bool left,
                const std::vector<int>& colours = {});
// A vertical marker at x over the whole window, with an optional label at its top.
void vertical_marker(plstream& pls, double x, Range y, int colour, const std::string& label);

// Where empty bins sit on a log10(count) axis.
inline constexpr double kLogFloor = -0.3;
// A log10(count) axis whose lower `fraction` holds the data (the rest is room for text).
Range log_count_range(std::initializer_list<const Histogram*> hs, double fraction);
// "outside the axis: a below, b above[, n NaN/inf]".
std::string flow_text(const Histogram& h);
// Histogram (log counts) of `values` over their central 99 % plus a margin, with mean, RMS,
// min, max (of all values) and the flow counts written, then the `extra` lines; bound > 0
// adds orange markers at ±bound.
void spread_panel(plstream& pls, Box vp, std::span<const double> values, std::size_t bins,
                  const std::string& title, const std::string& xlabel, std::vector<std::string> extra,
                  double bound);

enum class Palette { Sequential, Diverging };
// Image of a height × width grid (row 0 at the top) with a colour bar on its right. Values
// outside [zmin, zmax] are drawn in the end colours; NaN cells are left white.
void heat_map(plstream& pls, Box vp, std::span<const double> grid, std::size_t height,
              std::size_t width, Range z, Palette palette, const std::string& title,
              const std::string& xlabel = "column", const std::string& ylabel = "row");

}  // namespace baler::plot
