// Comparison benchmark output: Markdown, CSV, JSON and a ratio-vs-bound plot per data set.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench_compare_run.hpp"

namespace baler::bench {

struct ReportMeta {
  std::string command;  // how the results were made (shown at the top of results.md)
  CompareOptions options;
  std::string machine;  // cores and load average at the start (speeds depend on it)
};

// The best ratio of the container issue's table (SZ3, zfp, truncation, lossless) for a data
// set at `rel`, or 0 when it lists none.
double issue_target(const std::string& dataset, double rel);

std::string results_markdown(const std::vector<DatasetReport>& reports, const ReportMeta& meta);
std::string results_csv(const std::vector<DatasetReport>& reports);
std::string results_json(const std::vector<DatasetReport>& reports, const ReportMeta& meta);

// Ratio (float32 bytes / compressed bytes) against the bound for every lossy codec, lossless
// codecs as flat lines, the issue's targets as points; PNG written atomically. Returns false
// (and writes nothing) when PLplot is not built in.
bool plot_ratio_vs_bound(const DatasetReport& report, const std::filesystem::path& png);

// Writes results.md, results.csv, results.json and ratio_<dataset>.png (when PLplot is
// built) into `dir` (created), each atomically. Throws Error(Io).
void write_results(const std::filesystem::path& dir, const std::vector<DatasetReport>& reports,
                   const ReportMeta& meta);

}  // namespace baler::bench
