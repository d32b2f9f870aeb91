// Plots and report of a compression: PDF/PNG pages drawn with PLplot, summary tables and a
// self-contained report.html. Numbers come from baler/analysis.hpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baler/analysis.hpp"
#include "baler/array.hpp"
#include "baler/config.hpp"

namespace baler {

// Mean activation of every node of every layer (from `baler --mode diagnose`). Layers may
// differ in width.
struct ActivationMap {
  std::vector<std::string> layer_names;
  std::vector<std::vector<double>> mean_activation;  // [layer][node]
};

// What to plot. Every part is optional: without data only the loss / activation pages are
// drawn. The datasets are not copied and must outlive the call.
struct PlotInputs {
  std::string title;                                  // heading, e.g. the project name
  const Dataset* original = nullptr;
  const Dataset* reconstructed = nullptr;             // same kind, names and shape as original
  std::map<std::string, ColumnInfo> columns;          // by column name ("field" for a field)
  std::optional<LossHistory> loss;                    // output/training/loss.csv
  std::optional<ActivationMap> activations;
  std::uint64_t raw_f32_bytes = 0;                    // the container's values as float32; 0 = unknown
  std::uint64_t compressed_bytes = 0;                 // container bytes, model included; 0 = unknown
  std::string page = "report.html";                   // the HTML page's name (diagnose: diagnose.html)
};

// What make_plots wrote (paths in out_dir, in the order the report shows them) and found.
struct PlotReport {
  std::vector<std::filesystem::path> files;
  std::vector<std::filesystem::path> pngs;            // the PNG pages among files
  std::vector<ColumnSummary> summary;                 // empty without data
  std::optional<MassComparison> physics;              // when an analysis ran
  std::vector<FrameError> frames;                     // fields only
};

// Draws every plot the inputs allow into out_dir (created if missing) and writes
// summary.csv, summary.md and, if config.html_report, the page inputs.page (report.html; it embeds the PNG
// pages, so PNGs are drawn whenever the report is wanted).
//   loss.{pdf,png}          train/validation loss per epoch (log scale), lr changes marked
//   columns.pdf, columns-NAME.png   per column: histograms, difference, response, residual
//   overview.{pdf,png}      residual box plots of all columns
//   fields.pdf, fields-N.png, field_errors.{pdf,png}   chosen frames; PSNR and max error
//   physics.{pdf,png}       invariant mass before/after with ratio
//   activations.{pdf,png}   mean activation per node and layer
// Every file appears complete or not at all. Throws Error(Usage) if the datasets do not
// match, Error(Config) for bad plot options (format, frames, analysis), Error(Io).
PlotReport make_plots(const PlotInputs& inputs, const PlotConfig& config,
                      const std::filesystem::path& out_dir);

// Per-column summary as CSV (one header line, one line a column) and as a Markdown table.
std::string summary_csv(std::span<const ColumnSummary> rows);
std::string summary_markdown(std::span<const ColumnSummary> rows);

// RFC 4648 base64 with padding, for data: URIs.
std::string base64_encode(std::span<const std::byte> data);

}  // namespace baler
