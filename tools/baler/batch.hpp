// Many files in one command (compress, decompress, verify) and the progress line on a terminal.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "baler/bundle_io.hpp"
#include "baler/codec.hpp"
#include "baler/io.hpp"

namespace baler::cli {

// The files named by `args`, in order: a file as given; a folder's regular files whose format
// is in `formats` (by extension, sorted by name, not recursive; X.names.txt, the column names of
// X.npy, is no data file); a glob the shell left
// unexpanded (*, ?, [...] in the last part) matched in its folder, sorted. A file that does not
// exist is kept (its job fails and says so); a glob or folder that matches nothing is an
// Error(Usage) naming it, and so is a name given twice.
std::vector<std::filesystem::path> expand_inputs(const std::vector<std::string>& args,
                                                 const std::set<FileFormat>& formats);

// Whether the command line names exactly one file and no -O folder: the one-file form, with
// -o and the usual exit statuses.
inline bool is_one_file(const std::vector<std::string>& args, const std::vector<std::filesystem::path>& inputs,
                        const std::string& out_dir) {
  return args.size() == 1 && inputs.size() == 1 && out_dir.empty() && inputs[0] == std::filesystem::path(args[0]);
}

// Creates the -O folder if missing. Throws Error(Usage) if it is a file, Error(Io).
void make_output_dir(const std::filesystem::path& dir);

// Throws Error(Usage) if two inputs would be written to the same output path.
void check_distinct_outputs(const std::vector<std::filesystem::path>& inputs,
                            const std::vector<std::filesystem::path>& outputs);

// A time span as "45s", "3m07s" or "2h05m" ("?" when not finite or negative): ETAs of train
// and of the progress line.
std::string duration_text(double seconds);

// One line of progress on stderr, redrawn at most 4 times a second, shown only when stderr is
// a terminal, --quiet is off and the work has run for half a second; the line is erased when
// done. BALER_PROGRESS=1 shows it on any stderr from the first update (tests), =0 never.
class Progress {
 public:
  // `what` names the input ("" = none); `row_bytes`: native bytes per row, for MB/s (0 =
  // counts only); `unit` names what is counted.
  Progress(std::string what, std::uint64_t row_bytes, std::string unit = "rows");
  ~Progress();  // erases the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  static bool wanted();
  // Adopts `stage` and its counts; for ProgressFn.
  void update(std::string_view stage, std::uint64_t done, std::uint64_t total);
  // Erases the line (before other output on the terminal); the next update draws it again.
  void clear();
  ProgressFn fn() {
    return [this](std::string_view s, std::uint64_t d, std::uint64_t t) { update(s, d, t); };
  }
  // The progress line of one input named `what` with `layout` (MB/s from its native bytes per
  // row): emplaced into `bar` and its ProgressFn returned when wanted(), else an empty one.
  static ProgressFn start(std::optional<Progress>& bar, const std::string& what, const DataLayout& layout);

 private:
  void draw(const std::string& line);
  std::string what_;
  std::uint64_t row_bytes_;
  std::string unit_;
  bool on_;
  std::string stage_;
  std::chrono::steady_clock::time_point start_, stage_start_, last_draw_, last_update_;
  bool drawn_ = false;
  std::mutex mutex_;
};

// A progress line for each data set of a bundle (compress_bundle, decompress_bundle): each
// returned ProgressFn owns its line, erased when the data set's options let it go.
inline BundleProgress bundle_progress() {
  return [](const std::string& label, const DataLayout& layout) -> ProgressFn {
    auto bar = std::make_shared<std::optional<Progress>>();
    ProgressFn f = Progress::start(*bar, label, layout);
    if (!f) return {};
    return [bar, f](std::string_view stage, std::uint64_t done, std::uint64_t total) { f(stage, done, total); };
  };
}

// Runs job(i) for every input, `jobs` at a time. A job returns its one-line result or throws;
// results are printed in input order as they become ready (stdout, unless `quiet_lines`), a
// failure as "baler: error (NAME) in FILE: message" on stderr; the others go on. Then (unless
// `quiet_lines`) a summary line "VERB N of M file(s), K failed: IN to OUT" (bytes, when the
// jobs gave them). Returns the exit status: 0, or the number of failed files (at most 100).
struct BatchResult {
  std::string line;            // what to print for the file
  std::uint64_t in_bytes = 0;  // for the summary
  std::uint64_t out_bytes = 0;
  int status = 0;              // nonzero: the file counts as failed (e.g. verify's violations)
};
int run_batch(const std::vector<std::filesystem::path>& inputs, int jobs, const std::string& verb,
              bool quiet_lines, const std::function<BatchResult(std::size_t)>& job);

// `-j` for one file: threads inside it; for several files: files at a time (each on one
// thread). The output never depends on it.
inline int file_threads(std::size_t files, int jobs) { return files > 1 ? 1 : jobs; }

// -j N as given: N > 0 threads, 0 (the default) every core, as zstd -T0.
inline int threads_or_all_cores(int j) {
  if (j > 0) return j;
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(std::min(n, 64u)) : 1;
}

}  // namespace baler::cli
