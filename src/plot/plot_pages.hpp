// Internal to baler_plot: the page sets make_plots draws (one function per kind of page).
#pragma once

#include <string>
#include <vector>

#include "baler/plot.hpp"
#include "plot_canvas.hpp"

namespace baler::plot {

// Tables. The datasets and summary must outlive the returned PageSet.
PageSet column_pages(const Dataset& orig, const Dataset& rec, const std::vector<ColumnSummary>& summary,
                     std::size_t bins, const std::string& title);
PageSet overview_pages(const Dataset& orig, const Dataset& rec, const std::vector<ColumnSummary>& summary,
                       const std::string& title);

// Fields: original, reconstructed and difference of each chosen frame; errors per frame.
PageSet field_pages(const Dataset& orig, const Dataset& rec, const std::vector<std::size_t>& frames,
                    const std::vector<FrameError>& errors, double abs_bound, const std::string& title);
PageSet field_error_pages(const std::vector<FrameError>& errors, double abs_bound, const std::string& title);
// The frames to draw: `wanted` checked against the field, or up to four spread over it.
// Throws Error(Config) naming an index out of range.
std::vector<std::size_t> choose_frames(const std::vector<std::int64_t>& wanted, std::size_t frames);

// Training and diagnosis.
PageSet loss_pages(const LossHistory& loss, const std::string& title);
PageSet activation_pages(const ActivationMap& map, const std::string& title);

// Physics check: the two mass histograms with their ratio.
PageSet physics_pages(const MassComparison& mass, std::size_t bins, const std::string& title);

}  // namespace baler::plot
