// Summary tables (CSV, Markdown) and the self-contained report.html with inline PNGs.
#include "report_writer.hpp"

#include <cmath>
#include <cstdio>

#include "baler/atomic_file.hpp"
#include "plot_canvas.hpp"

namespace baler {

std::string base64_encode(std::span<const std::byte> data) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const auto v = (std::to_integer<unsigned>(data[i]) << 16) | (std::to_integer<unsigned>(data[i + 1]) << 8) |
                   std::to_integer<unsigned>(data[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 0) return out;
  unsigned v = std::to_integer<unsigned>(data[i]) << 16;
  if (rest == 2) v |= std::to_integer<unsigned>(data[i + 1]) << 8;
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
  out += '=';
  return out;
}

namespace {

std::string exact_number(double v) {
  if (std::isnan(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string bytes_text(std::int64_t b) { return b >= 0 ? std::to_string(b) : ""; }

std::string held_text(const ColumnSummary& s) {
  if (!(s.info.abs_bound >= 0) && !s.info.exact) return "";
  return s.bound_held ? "yes" : "NO";
}

}  // namespace

std::string summary_csv(std::span<const ColumnSummary> rows) {
  std::string out =
      "column,rows,response_mean,response_rms,response_zeros_skipped,residual_mean,residual_rms,"
      "max_abs_error,bound,abs_bound,bound_held,exact,bytes,nonfinite\n";
  for (const ColumnSummary& s : rows) {
    out += csv_field(s.name) + "," + std::to_string(s.rows) + "," + exact_number(s.response.mean) + "," +
           exact_number(s.response.rms) + "," + std::to_string(s.response_zeros) + "," +
           exact_number(s.residual.mean) + "," + exact_number(s.residual.rms) + "," +
           exact_number(s.max_abs_error) + "," + csv_field(s.info.bound) + "," +
           exact_number(s.info.abs_bound) + "," + held_text(s) + "," + (s.info.exact ? "yes" : "no") +
           "," + bytes_text(s.info.bytes) + "," + std::to_string(s.nonfinite) + "\n";
  }
  return out;
}

std::string summary_markdown(std::span<const ColumnSummary> rows) {
  using plot::fmt;
  std::string out =
      "| column | response mean | response RMS | zeros skipped | residual mean | residual RMS | "
      "max abs error | bound | held | exact | bytes |\n"
      "|---|--:|--:|--:|--:|--:|--:|---|---|---|--:|\n";
  for (const ColumnSummary& s : rows) {
    out += "| " + md_cell(s.name) + " | " + fmt(s.response.mean) + " | " + fmt(s.response.rms) + " | " +
           std::to_string(s.response_zeros) + " | " + fmt(s.residual.mean) + " | " + fmt(s.residual.rms) +
           " | " + fmt(s.max_abs_error) + " | " + md_cell(s.info.bound) + " | " + held_text(s) + " | " +
           (s.info.exact ? "yes" : "no") + " | " + bytes_text(s.info.bytes) + " |\n";
  }
  return out;
}

std::string physics_markdown(const MassComparison& m) {
  using plot::fmt;
  const std::string u = " " + m.unit;
  return "| analysis | peak before | width before | peak after | width after | shift / width | KS distance | target (< " +
         fmt(kPeakShiftTarget) + ") |\n|---|--:|--:|--:|--:|--:|--:|---|\n| " +
         std::string(analysis_name(m.analysis)) + " | " + fmt(m.peak_before.position, 6) + u + " | " +
         fmt(m.peak_before.width) + u + " | " + fmt(m.peak_after.position, 6) + u + " | " +
         fmt(m.peak_after.width) + u + " | " + fmt(m.shift_over_width, 3) + " | " + fmt(m.ks, 3) + " | " +
         (m.within_target ? "met" : "MISSED") + " |\n";
}

}  // namespace baler
