// Internal to baler_plot: the text parts of the report (Markdown pieces, report.html).
#pragma once

#include <string>

#include "baler/plot.hpp"

namespace baler {

// The physics check as a one-row Markdown table.
std::string physics_markdown(const MassComparison& m);
// A self-contained HTML page: summary, tables, and every PNG of `report` inline (base64).
// Throws Error(Io) if a PNG cannot be read.
std::string report_html(const PlotInputs& inputs, const PlotReport& report);

}  // namespace baler
