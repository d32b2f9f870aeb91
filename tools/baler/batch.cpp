// Many files in one command, and the progress line.
#include "batch.hpp"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>

#include "baler/error.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace fs = std::filesystem;

namespace {

bool is_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::vector<fs::path> sorted_matches(const fs::path& dir, const std::function<bool(const fs::path&)>& keep) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir.empty() ? fs::path(".") : dir, ec))
    if (e.is_regular_file() && keep(e.path())) out.push_back(dir.empty() ? e.path().filename() : e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string bytes_text(std::uint64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (bytes < 10'000) std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  else if (b < 1e7) std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else if (b < 1e10) std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else std::snprintf(buf, sizeof buf, "%.1f GB", b / 1e9);
  return buf;
}

// Native bytes of one row of `l` (a table's row, a field's frame), for MB/s.
std::uint64_t native_row_bytes(const DataLayout& l) {
  if (l.kind == DataKind::Field) return l.row_elements() * dtype_size(l.field_dtype);
  std::uint64_t n = 0;
  for (const DType t : l.dtypes) n += dtype_size(t);
  return n;
}

}  // namespace

std::string duration_text(double s) {
  char b[32];
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = std::lround(s);
  if (t >= 3600) std::snprintf(b, sizeof b, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60) std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(b, sizeof b, "%lds", t);
  return b;
}

std::vector<fs::path> expand_inputs(const std::vector<std::string>& args, const std::set<FileFormat>& formats) {
  std::vector<fs::path> out;
  for (const auto& a : args) {
    const fs::path p(a);
    std::error_code ec;
    const DataSpec spec = parse_data_spec(a);
    if (!spec.object.empty() && fs::is_regular_file(spec.path, ec)) {  // "f.h5:/ds" (its object may be a glob)
      out.push_back(p);
    } else if (fs::is_directory(p, ec)) {
      const auto found = sorted_matches(p, [&](const fs::path& f) {
        const std::string name = f.filename().string();
        const bool sidecar = name.size() > 10 && name.ends_with(".names.txt");  // X.npy's column names
        return formats.count(format_from_path(f)) > 0 && !sidecar;
      });
      require(!found.empty(), ErrorCode::Usage, "the folder " + a + " holds no file baler reads here");
      out.insert(out.end(), found.begin(), found.end());
    } else if (!fs::exists(p, ec) && is_glob(p.filename().string()) && !is_glob(p.parent_path().string())) {
      const std::string pattern = p.filename().string();
      const auto found = sorted_matches(p.parent_path(), [&](const fs::path& f) {
        return fnmatch(pattern.c_str(), f.filename().c_str(), FNM_PERIOD) == 0;
      });
      require(!found.empty(), ErrorCode::Usage, "no file matches '" + a + "'");
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  std::set<fs::path> seen;
  for (const auto& p : out)
    require(seen.insert(p.lexically_normal()).second, ErrorCode::Usage, p.string() + " is given twice");
  return out;
}

void make_output_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw Error(ErrorCode::Usage, "-O " + dir.string() + " is a file, not a folder");
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create the folder " + dir.string() + ": " + ec.message());
}

void check_distinct_outputs(const std::vector<fs::path>& inputs, const std::vector<fs::path>& outputs) {
  std::map<fs::path, fs::path> by_output;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto [it, fresh] = by_output.emplace(outputs[i].lexically_normal(), inputs[i]);
    require(fresh, ErrorCode::Usage,
            it->second.string() + " and " + inputs[i].string() + " would both be written to " + outputs[i].string());
  }
}

// ---------------------------------------------------------------------------------------------

namespace {
// BALER_PROGRESS: "1" always (from the first update), "0" never, unset: on a terminal.
const char* progress_env() { return std::getenv("BALER_PROGRESS"); }
bool progress_forced() {
  const char* e = progress_env();
  return e && std::string(e) == "1";
}
}  // namespace

bool Progress::wanted() {
  if (global_options().quiet) return false;
  if (const char* e = progress_env()) return std::string(e) == "1";
  return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string what, std::uint64_t row_bytes, std::string unit)
    : what_(std::move(what)), row_bytes_(row_bytes), unit_(std::move(unit)), on_(wanted()), start_(std::chrono::steady_clock::now()),
      stage_start_(start_), last_draw_(start_), last_update_(start_) {}

Progress::~Progress() { clear(); }

ProgressFn Progress::start(std::optional<Progress>& bar, const std::string& what, const DataLayout& layout) {
  if (!wanted()) return {};
  bar.emplace(what, native_row_bytes(layout));
  return bar->fn();
}

void Progress::clear() {
  std::lock_guard lock(mutex_);
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

void Progress::draw(const std::string& line) {
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::update(std::string_view stage, std::uint64_t done, std::uint64_t total) {
  if (!on_) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const bool new_stage = stage != stage_;
  if (new_stage) {  // the stage began when the one before reported last (the first: at start)
    stage_ = std::string(stage);
    stage_start_ = last_update_;
  }
  last_update_ = now;
  const double running = std::chrono::duration<double>(now - start_).count();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if ((running < 0.5 && !progress_forced()) || (drawn_ && !new_stage && since_draw < 0.25) || total == 0 || done >= total) return;
  last_draw_ = now;
  const double in_stage = std::max(1e-9, std::chrono::duration<double>(now - stage_start_).count());
  const double rate = static_cast<double>(done) / in_stage;  // rows per second
  char buf[256];
  std::snprintf(buf, sizeof buf, "%llu/%llu %s (%.0f%%)", static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total), unit_.c_str(),
                100.0 * static_cast<double>(done) / static_cast<double>(total));
  std::string line = "baler: " + stage_ + (what_.empty() ? " " : " " + what_ + ": ") + buf;
  if (row_bytes_ && done > 0) {
    std::snprintf(buf, sizeof buf, ", %.1f MB/s", rate * static_cast<double>(row_bytes_) / 1e6);
    line += buf;
  }
  if (done > 0 && done < total) line += ", ETA " + duration_text(static_cast<double>(total - done) / rate);
  draw(line);
}

// ---------------------------------------------------------------------------------------------

int run_batch(const std::vector<fs::path>& inputs, int jobs, const std::string& verb, bool quiet_lines,
              const std::function<BatchResult(std::size_t)>& job) {
  const std::size_t n = inputs.size();
  struct Outcome {
    bool done = false;
    std::optional<BatchResult> result;
    std::string error;  // "(name) message"
  };
  std::vector<Outcome> outcomes(n);
  std::mutex mutex;
  std::size_t printed = 0, failed = 0, finished = 0;
  std::uint64_t in_bytes = 0, out_bytes = 0;
  Progress progress("", 0, "files");
  auto print_ready = [&] {  // under `mutex`
    for (; printed < n && outcomes[printed].done; ++printed) {
      const Outcome& o = outcomes[printed];
      progress.clear();
      if (!o.result) {
        std::fprintf(stderr, "baler: error %s\n", o.error.c_str());
        continue;
      }
      if (!quiet_lines && !o.result->line.empty()) std::printf("%s\n", o.result->line.c_str());
    }
    std::fflush(stdout);
  };
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < n;) {
      Outcome o;
      try {
        o.result = job(i);
      } catch (const Error& e) {
        o.error = std::string("(") + error_code_name(e.code()) + ") in " + inputs[i].string() + ": " + e.what();
      } catch (const std::exception& e) {
        o.error = std::string("(internal) in ") + inputs[i].string() + ": " + e.what();
      }
      o.done = true;
      std::lock_guard lock(mutex);
      if (!o.result || o.result->status != 0) ++failed;
      if (o.result) in_bytes += o.result->in_bytes, out_bytes += o.result->out_bytes;
      outcomes[i] = std::move(o);
      print_ready();
      progress.update(verb, ++finished, n);
    }
  };
  const int nt = std::clamp<int>(jobs, 1, static_cast<int>(std::max<std::size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < nt; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (!quiet_lines) {
    std::printf("%s %zu of %zu file(s)", verb.c_str(), n - failed, n);
    if (failed) std::printf(", %zu failed", failed);
    if (in_bytes && out_bytes) std::printf(": %s to %s", bytes_text(in_bytes).c_str(), bytes_text(out_bytes).c_str());
    std::printf("\n");
  }
  return static_cast<int>(std::min<std::size_t>(failed, 100));
}

}  // namespace baler::cli
