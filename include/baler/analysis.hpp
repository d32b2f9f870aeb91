// What compression lost, as numbers: per-column statistics, histograms, field errors, the
// training loss history and the physics checks (invariant masses before and after).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "baler/array.hpp"

namespace baler {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Basic statistics. Every function ignores NaN and ±Inf values (they are counted separately
// where it matters); none of them drops a finite value.

// Mean, root mean square (about zero, sqrt(mean(x²)), as in Baler's paper) and extremes of
// the finite values. count = 0 gives NaN for the rest.
struct Moments {
  std::size_t count = 0;
  double mean = kNaN;
  double rms = kNaN;
  double std = kNaN;  // standard deviation about the mean (population, 1/n)
  double min = kNaN;
  double max = kNaN;
};
Moments moments(std::span<const double> values);

// Quantile q in [0,1] of sorted finite values, linear interpolation between order statistics
// (numpy's default). Empty input gives NaN. Throws Error(Internal) if q is outside [0,1].
double quantile_sorted(std::span<const double> sorted, double q);
// The finite values of `values`, sorted ascending.
std::vector<double> sorted_finite(std::span<const double> values);

// All elements of an array converted to double (any dtype).
std::vector<double> to_doubles(const Array& array);

// A closed interval [lo, hi] with hi > lo.
struct Range {
  double lo = 0;
  double hi = 1;
};
// Smallest range holding every finite value of a and b (widened when all values are equal).
Range full_range(std::span<const double> a, std::span<const double> b);
// [quantile q_lo, quantile q_hi] of the finite values, widened by `margin` of its width on
// each side (and made non-degenerate). Empty input gives [-1, 1].
Range quantile_range(std::span<const double> values, double q_lo, double q_hi, double margin);

// A histogram with equal bins over [lo, hi]: bin i holds lo + i·w <= x < lo + (i+1)·w, the
// last bin also x == hi. Values outside are counted in underflow / overflow, NaN/Inf in
// nonfinite: every input value is accounted for exactly once.
struct Histogram {
  double lo = 0;
  double hi = 1;
  std::vector<double> counts;
  std::size_t underflow = 0;
  std::size_t overflow = 0;
  std::size_t nonfinite = 0;

  double bin_width() const { return (hi - lo) / static_cast<double>(counts.size()); }
  double bin_center(std::size_t i) const { return lo + (static_cast<double>(i) + 0.5) * bin_width(); }
  double total_in_range() const;
};
// Throws Error(Usage) if bins == 0 or the range is not finite with hi > lo.
Histogram make_histogram(std::span<const double> values, Range range, std::size_t bins);

// Box-plot figures of the finite values: extremes, 5/25/50/75/95 % quantiles.
struct BoxStats {
  std::size_t count = 0;
  double min = kNaN, q05 = kNaN, q25 = kNaN, median = kNaN, q75 = kNaN, q95 = kNaN, max = kNaN;
};
BoxStats box_stats(std::span<const double> values);

// ---------------------------------------------------------------------------------------------
// Per-column summary (Baler's paper, Table 2, plus what our compressor guarantees).

// What the compressor knows about one column (all optional).
struct ColumnInfo {
  std::string bound;         // as configured: "abs=0.01", "rel=1e-3", "exact", "none"; "" = unknown
  double abs_bound = kNaN;   // the effective absolute bound on |rec - orig|; NaN = unknown/none
  bool exact = false;        // stored losslessly
  std::int64_t bytes = -1;   // compressed bytes spent on this column; -1 = unknown
};

// residual = rec - orig; response = (rec - orig) / orig over the rows with orig != 0.
// Rows where orig or rec is NaN/Inf are left out of every statistic and counted.
struct ColumnSummary {
  std::string name;
  std::size_t rows = 0;
  Moments residual;
  Moments response;
  std::size_t response_zeros = 0;  // rows skipped in the response because orig == 0
  std::size_t nonfinite = 0;       // rows where orig or rec is not finite
  double max_abs_error = kNaN;     // max |rec - orig| over finite rows
  double orig_min = kNaN;          // range of the original values
  double orig_max = kNaN;
  bool bound_held = true;          // max_abs_error <= info.abs_bound (true when no bound known)
  ColumnInfo info;
};

// rec - orig, element by element (NaN where either is not finite).
// Throws Error(Usage) when the sizes differ.
std::vector<double> residuals(std::span<const double> orig, std::span<const double> rec);
// (rec - orig) / orig for finite rows with orig != 0; `zeros` counts the rows skipped.
std::vector<double> responses(std::span<const double> orig, std::span<const double> rec,
                              std::size_t* zeros);

ColumnSummary summarize_column(const std::string& name, std::span<const double> orig,
                               std::span<const double> rec, const ColumnInfo& info);
// One summary per column of two tables with the same column names and row count, or one
// summary named "field" for two fields of the same shape. `info` is looked up by column name;
// a field uses the entry "field", or the only entry whatever its name. Throws Error(Usage)
// naming what differs.
std::vector<ColumnSummary> summarize(const Dataset& orig, const Dataset& rec,
                                     const std::map<std::string, ColumnInfo>& info);

// ---------------------------------------------------------------------------------------------
// Fields: frames are the 2-D slices over the last two dimensions (all leading dimensions
// flattened: time steps of a movie, slices of a volume). A 1-D field is one 1×N frame.

struct FrameShape {
  std::size_t frames = 1;
  std::size_t height = 1;
  std::size_t width = 1;
};
FrameShape frame_shape(const Array& field);

// Error of one frame. PSNR = 20·log10(peak / RMSE) dB with peak = max − min of the whole
// original field (one scale for every frame); +Inf when the frame is reproduced exactly.
struct FrameError {
  double psnr_db = kNaN;
  double rmse = kNaN;
  double max_abs_error = kNaN;
};
// Throws Error(Usage) when the shapes differ.
std::vector<FrameError> frame_errors(const Array& orig, const Array& rec);

// ---------------------------------------------------------------------------------------------
// Training loss history: output/training/loss.csv with a header naming the columns
// epoch,train,val,lr,seconds. epoch and train are required; val, lr and seconds may be absent
// (or empty / "nan" in a row: then NaN).

struct LossHistory {
  std::vector<double> epoch;
  std::vector<double> train;
  std::vector<double> val;      // NaN where absent
  std::vector<double> lr;       // NaN where absent
  std::vector<double> seconds;  // NaN where absent
  bool has_val = false;
  bool has_lr = false;
};
// Throws Error(Malformed) naming `what`, the line and the field.
LossHistory parse_loss_csv(std::string_view text, const std::string& what);
// Throws Error(Io) if the file cannot be read, Error(Malformed) as above.
LossHistory read_loss_csv(const std::filesystem::path& path);

// ---------------------------------------------------------------------------------------------
// Physics checks on tables: an invariant mass computed before and after compression.

enum class Analysis { None, LhcbB2hhh, CmsZmumu };

inline constexpr double kKaonMassMeV = 493.677;
inline constexpr double kMuonMassGeV = 0.1056584;

// "none", "lhcb_b2hhh", "cms_zmumu".
std::string_view analysis_name(Analysis a) noexcept;
// Columns an analysis needs, in order.
std::vector<std::string> analysis_columns(Analysis a);
// Resolves plot.analysis: "auto" picks the built-in analysis whose columns all exist (None if
// none does, or for a field); a named one must find its columns. Throws Error(Config) for an
// unknown name or missing columns (naming them).
Analysis choose_analysis(const Dataset& data, const std::string& setting);

// B candidate mass in MeV from H{1,2,3}_P{X,Y,Z} (MeV/c) under the kaon hypothesis.
std::vector<double> b2hhh_mass(const Dataset& table);
// Dimuon mass in GeV from pt1, eta1, phi1, pt2, eta2, phi2 (GeV, rad) with the muon mass.
std::vector<double> zmumu_mass(const Dataset& table);
// The mass of `a` (not None). Throws Error(Config) if a column is missing.
std::vector<double> analysis_mass(const Dataset& table, Analysis a);

// Peak of a mass distribution: starting at the mode of a smoothed histogram, the mean and
// width of the values within ±2 widths, iterated to convergence. width is the σ of a Gaussian
// with that truncated RMS (RMS / 0.8796). NaN when fewer than 10 finite values.
struct Peak {
  double position = kNaN;
  double width = kNaN;
  std::size_t used = 0;  // values inside the final window
};
Peak find_peak(std::span<const double> masses);

// Two-sample Kolmogorov–Smirnov distance sup |F_a − F_b| over the finite values (0..1).
double ks_distance(std::span<const double> a, std::span<const double> b);

struct MassComparison {
  Analysis analysis = Analysis::None;
  std::string unit;               // "MeV" or "GeV"
  std::vector<double> before;     // mass per row, original data
  std::vector<double> after;      // mass per row, reconstructed data
  Peak peak_before;
  Peak peak_after;
  double shift = kNaN;            // peak_after.position − peak_before.position
  double shift_over_width = kNaN; // |shift| / peak_before.width
  double ks = kNaN;
  bool within_target = false;     // shift_over_width < kPeakShiftTarget
};
inline constexpr double kPeakShiftTarget = 0.1;
// Throws Error(Config) for missing columns, Error(Usage) if the row counts differ.
MassComparison compare_masses(const Dataset& orig, const Dataset& rec, Analysis a);

}  // namespace baler
