// report.html: one offline page with the summary, the tables and every plot inline.
#include <cmath>

#include "baler/atomic_file.hpp"
#include "baler/ratio.hpp"
#include "plot_canvas.hpp"
#include "report_writer.hpp"

namespace baler {

namespace {

using plot::fmt;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string row(const std::vector<std::string>& cells, const char* tag = "td") {
  std::string out = "<tr>";
  for (const auto& c : cells) out += std::string("<") + tag + ">" + escape(c) + "</" + tag + ">";
  return out + "</tr>\n";
}

std::string overview(const PlotInputs& in, const PlotReport& r) {
  std::string out = "<ul>\n";
  if (in.original) {
    const Dataset& d = *in.original;
    out += d.kind == DataKind::Table
               ? "<li>table: " + std::to_string(d.rows()) + " rows, " + std::to_string(d.columns.size()) + " columns</li>\n"
               : "<li>field of shape " + escape(shape_string(d.field.shape)) + "</li>\n";
  }
  if (in.raw_f32_bytes && in.compressed_bytes)
    out += "<li>" + std::to_string(in.raw_f32_bytes) + " bytes as float32 compressed to " +
           std::to_string(in.compressed_bytes) + " bytes: ratio " +
           fmt(compression_ratio(in.raw_f32_bytes, in.compressed_bytes)) + " (" + escape(kRatioDefinition) + ")</li>\n";
  std::size_t violated = 0, bounded = 0;
  for (const auto& s : r.summary) {
    violated += s.bound_held ? 0 : 1;
    bounded += s.info.abs_bound >= 0 || s.info.exact ? 1 : 0;
  }
  if (bounded)
    out += "<li>" + std::to_string(violated) + " of " + std::to_string(bounded) +
           " columns with a known error bound are outside it</li>\n";
  else if (!r.summary.empty())
    out += "<li>no error bounds were given: the table shows the errors only</li>\n";
  if (in.loss && !in.loss->train.empty())
    out += "<li>training: " + std::to_string(in.loss->train.size()) + " epochs, final train loss " +
           fmt(in.loss->train.back()) + "</li>\n";
  return out + "</ul>\n";
}

std::string summary_table(const std::vector<ColumnSummary>& rows) {
  std::string out = "<table>\n" + row({"column", "response mean", "response RMS", "zeros skipped", "residual mean",
                                       "residual RMS", "max abs error", "bound", "held", "exact", "bytes"}, "th");
  for (const ColumnSummary& s : rows) {
    const bool has_bound = s.info.abs_bound >= 0 || s.info.exact;
    out += row({s.name, fmt(s.response.mean), fmt(s.response.rms), std::to_string(s.response_zeros),
                fmt(s.residual.mean), fmt(s.residual.rms), fmt(s.max_abs_error), s.info.bound,
                has_bound ? (s.bound_held ? "yes" : "NO") : "", s.info.exact ? "yes" : "no",
                s.info.bytes >= 0 ? std::to_string(s.info.bytes) : ""});
  }
  return out + "</table>\n";
}

std::string physics_table(const MassComparison& m) {
  const std::string u = " " + m.unit;
  return "<table>\n" +
         row({"analysis", "peak before", "width before", "peak after", "width after", "shift / width",
              "KS distance", "target: shift < " + fmt(kPeakShiftTarget) + " width"}, "th") +
         row({std::string(analysis_name(m.analysis)), fmt(m.peak_before.position, 6) + u, fmt(m.peak_before.width) + u,
              fmt(m.peak_after.position, 6) + u, fmt(m.peak_after.width) + u, fmt(m.shift_over_width, 3),
              fmt(m.ks, 3), m.within_target ? "met" : "MISSED"}) +
         "</table>\n";
}

std::string figures(const PlotReport& r) {
  std::string out;
  for (const auto& png : r.pngs) {
    const std::vector<std::byte> bytes = read_file_bytes(png);
    out += "<figure><img alt=\"" + escape(png.filename().string()) + "\" src=\"data:image/png;base64," +
           base64_encode(bytes) + "\"><figcaption>" + escape(png.filename().string()) + "</figcaption></figure>\n";
  }
  return out;
}

}  // namespace

std::string report_html(const PlotInputs& inputs, const PlotReport& report) {
  const std::string title = "baler report" + (inputs.title.empty() ? "" : ": " + inputs.title);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) +
      "</title>\n<style>\nbody{font-family:sans-serif;margin:2em;color:#222}\n"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;"
      "text-align:right}th{background:#eee}td:first-child{text-align:left}\n"
      "figure{margin:1em 0}img{max-width:100%;border:1px solid #ddd}\n</style>\n</head>\n<body>\n<h1>" +
      escape(title) + "</h1>\n" + overview(inputs, report);
  if (report.physics) out += "<h2>Physics check</h2>\n" + physics_table(*report.physics);
  if (!report.summary.empty())
    out += "<h2>Per column</h2>\n<p>residual = reconstructed - original; response = residual / original "
           "(rows with original = 0 skipped and counted); RMS = sqrt(mean(x<sup>2</sup>)).</p>\n" +
           summary_table(report.summary);
  out += "<h2>Plots</h2>\n" + figures(report) + "</body>\n</html>\n";
  return out;
}

}  // namespace baler
