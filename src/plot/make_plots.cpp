// make_plots: the one entry point of `baler --mode plot`; draws every page the inputs allow
// and writes the summary files and report.html.
#include <algorithm>
#include <string>

#include "baler/atomic_file.hpp"
#include "plot_pages.hpp"
#include "report_writer.hpp"

namespace baler {

namespace {

namespace fs = std::filesystem;

struct Formats {
  bool pdf = false;
  bool png = false;
};

Formats check_config(const PlotConfig& config) {
  Formats f;
  for (const std::string& name : config.formats) {
    if (name == "pdf") f.pdf = true;
    else if (name == "png") f.png = true;
    else throw Error(ErrorCode::Config, "plot.formats: '" + name + "' is not pdf or png");
  }
  require(config.bins >= 1 && config.bins <= 100000, ErrorCode::Config,
          "plot.bins = " + std::to_string(config.bins) + " is outside 1..100000");
  f.png = f.png || config.html_report;  // the report embeds the PNG pages
  return f;
}

void write_text(const fs::path& path, const std::string& text, std::vector<fs::path>& files) {
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
  files.push_back(path);
}

std::string summary_md_text(const PlotInputs& in, const PlotReport& r) {
  std::string md = "# baler summary" + (in.title.empty() ? "" : ": " + in.title) + "\n\n";
  if (r.physics) md += "## Physics check\n\n" + physics_markdown(*r.physics) + "\n";
  md += "## Per column\n\nresidual = rec - orig; response = (rec - orig) / orig, rows with orig = 0 "
        "skipped and counted; RMS = sqrt(mean(x^2)).\n\n" + summary_markdown(r.summary);
  return md;
}

// Data pages: tables (columns, overview, physics) or fields (frames, errors per frame).
void plot_data(const PlotInputs& in, const PlotConfig& config, Formats f, const fs::path& out,
               PlotReport& report, plot::Written& w) {
  const Dataset& a = *in.original;
  const Dataset& b = *in.reconstructed;
  report.summary = summarize(a, b, in.columns);
  const Analysis analysis = choose_analysis(a, config.analysis);
  const auto bins = static_cast<std::size_t>(config.bins);
  if (analysis != Analysis::None) {
    report.physics = compare_masses(a, b, analysis);
    plot::render(plot::physics_pages(*report.physics, bins, in.title), f.pdf, f.png, out, w);
  }
  if (a.kind == DataKind::Table) {
    plot::render(plot::overview_pages(a, b, report.summary, in.title), f.pdf, f.png, out, w);
    plot::render(plot::column_pages(a, b, report.summary, bins, in.title), f.pdf, f.png, out, w);
    return;
  }
  report.frames = frame_errors(a.field, b.field);
  const std::vector<std::size_t> frames = plot::choose_frames(config.frames, report.frames.size());
  const double bound = report.summary.front().info.abs_bound;
  plot::render(plot::field_error_pages(report.frames, bound, in.title), f.pdf, f.png, out, w);
  plot::render(plot::field_pages(a, b, frames, report.frames, bound, in.title), f.pdf, f.png, out, w);
}

}  // namespace

PlotReport make_plots(const PlotInputs& inputs, const PlotConfig& config, const fs::path& out_dir) {
  const Formats f = check_config(config);
  require((inputs.original == nullptr) == (inputs.reconstructed == nullptr), ErrorCode::Usage,
          "plotting needs both the original and the reconstructed data, or neither");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  require(!ec, ErrorCode::Io, "cannot create the plot folder " + out_dir.string() + ": " + ec.message());
  PlotReport report;
  plot::Written w;
  if (inputs.original) plot_data(inputs, config, f, out_dir, report, w);
  if (inputs.loss) plot::render(plot::loss_pages(*inputs.loss, inputs.title), f.pdf, f.png, out_dir, w);
  if (inputs.activations)
    plot::render(plot::activation_pages(*inputs.activations, inputs.title), f.pdf, f.png, out_dir, w);
  report.files = w.files;
  report.pngs = w.pngs;
  if (!report.summary.empty()) {
    write_text(out_dir / "summary.csv", summary_csv(report.summary), report.files);
    write_text(out_dir / "summary.md", summary_md_text(inputs, report), report.files);
  }
  if (config.html_report) write_text(out_dir / inputs.page, report_html(inputs, report), report.files);
  if (!std::count(config.formats.begin(), config.formats.end(), "png")) {
    // PNGs were drawn only for the report: keep the folder to what was asked for.
    for (const fs::path& p : report.pngs) fs::remove(p, ec);
    std::erase_if(report.files, [](const fs::path& p) { return p.extension() == ".png"; });
    report.pngs.clear();
  }
  return report;
}

}  // namespace baler
