// bench_memory: peak RSS of `baler compress` and `baler decompress` (child processes) on a
// large seeded table and field written to a temporary folder, against the input and chunk
// sizes. Prints figures; asserts nothing. The temporary folder is removed at the end.
//   bench_memory [--gb 3] [--chunk-rows 65536] [--frame-chunk 16] [--threads 2] [--what table|field|both]
//                [--dir /tmp] [--baler PATH]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "baler/io_stream.hpp"

namespace fs = std::filesystem;

namespace {

struct Options {
  double gb = 3.0;
  long chunk_rows = 65536;
  long frame_chunk = 16;
  int threads = 2;
  std::string what = "both";
  fs::path dir = fs::temp_directory_path();
  std::string baler = BALER_BIN_PATH;
};

struct RunResult {
  double seconds = 0;
  double peak_mb = 0;
  int status = -1;
};

// Runs argv as a child process; its own peak RSS from wait4's rusage (kilobytes on Linux).
RunResult run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execv(args[0], args.data());
    _exit(127);
  }
  RunResult r;
  if (pid < 0) return r;
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) < 0) return r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Writes a seeded float32 data set of `layout` through the npy sink, `block` rows at a time:
// each column (or pixel) a random walk plus noise, so that the codec has structure to find.
void write_seeded(const fs::path& path, const baler::DataLayout& layout, std::uint64_t block) {
  auto sink = baler::open_data_sink(baler::DataSpec{path, "", baler::FileFormat::Npy}, layout);
  std::mt19937_64 g(42);
  std::normal_distribution<float> nd;
  const std::uint64_t per = layout.row_elements();
  const std::size_t cols = layout.kind == baler::DataKind::Table ? layout.names.size() : 1;
  std::vector<float> level(cols * per, 0.0f);
  for (std::uint64_t a = 0; a < layout.rows; a += block) {
    const std::uint64_t n = std::min(block, layout.rows - a);
    baler::Dataset part;
    part.kind = layout.kind;
    part.table_from_matrix = layout.table_from_matrix;
    if (layout.kind == baler::DataKind::Field) {
      auto shape = layout.field_shape;
      shape[0] = static_cast<std::int64_t>(n);
      part.field = baler::Array(baler::DType::F32, shape);
      auto v = part.field.as<float>();
      for (std::uint64_t r = 0; r < n; ++r)
        for (std::uint64_t i = 0; i < per; ++i) {
          if (i % 64 == 0) level[i] += 0.01f * nd(g);
          v[r * per + i] = std::sin(0.001f * static_cast<float>(i)) + level[i - i % 64] + 0.001f * nd(g);
        }
    } else {
      for (std::size_t c = 0; c < cols; ++c) {
        baler::Column col{layout.names[c], baler::Array(baler::DType::F32, {static_cast<std::int64_t>(n)})};
        auto v = col.values.as<float>();
        for (std::uint64_t r = 0; r < n; ++r) v[r] = (level[c] += 0.01f * nd(g)) + 0.1f * nd(g);
        part.columns.push_back(std::move(col));
      }
    }
    sink->write_rows(part);
  }
  sink->commit();
}

void report(const char* what, const fs::path& in, long chunk, int threads, const RunResult& c, const RunResult& d,
            const fs::path& out) {
  std::error_code ec;
  const double in_mb = static_cast<double>(fs::file_size(in, ec)) / 1048576.0;
  const double out_mb = static_cast<double>(fs::file_size(out, ec)) / 1048576.0;
  std::printf("| %-5s | %9.0f | %8ld | %7d | %9.1f | %7.1f | %11.1f | %7.1f | %9.1f | %s |\n", what, in_mb, chunk, threads,
              c.peak_mb, c.seconds, d.peak_mb, d.seconds, out_mb,
              c.status == 0 && d.status == 0 ? "ok" : "FAILED");
  std::fflush(stdout);
}

// Removes the temporary folder however the run ends.
struct TempFolder {
  fs::path path;
  explicit TempFolder(fs::path p) : path(std::move(p)) { fs::create_directories(path); }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void bench(const Options& o, bool field) {
  const TempFolder tmp(o.dir / ("bench_memory_" + std::to_string(getpid())));
  const fs::path& dir = tmp.path;
  const fs::path in = dir / (field ? "field.npy" : "table.npy"), packed = dir / "x.baler", back = dir / "back.npy";
  baler::DataLayout l;
  const double bytes = o.gb * 1073741824.0;
  if (field) {
    l.kind = baler::DataKind::Field;
    l.field_dtype = baler::DType::F32;
    l.rows = static_cast<std::uint64_t>(bytes / (512.0 * 512 * 4));
    l.field_shape = {static_cast<std::int64_t>(l.rows), 512, 512};
  } else {
    l.table_from_matrix = true;
    for (int c = 0; c < 16; ++c) {
      l.names.push_back("x" + std::to_string(c));
      l.dtypes.push_back(baler::DType::F32);
    }
    l.rows = static_cast<std::uint64_t>(bytes / (16.0 * 4));
  }
  write_seeded(in, l, field ? 8 : 65536);
  const long chunk = field ? o.frame_chunk : o.chunk_rows;
  const std::string j = std::to_string(o.threads);
  const auto c = run({o.baler, "--quiet", "compress", in.string(), "-o", packed.string(), "-e", "rel=1e-3",
                      "--chunk-rows", std::to_string(chunk), "-j", j});
  const auto d = run({o.baler, "--quiet", "decompress", packed.string(), "-o", back.string(), "-j", j});
  report(field ? "field" : "table", in, chunk, o.threads, c, d, packed);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const char* usage =
      "usage: bench_memory [--gb 3] [--chunk-rows 65536] [--frame-chunk 16] [--threads 2] "
      "[--what table|field|both] [--dir /tmp] [--baler PATH]\n";
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h" || i + 1 >= argc) {
      std::fputs(usage, k == "--help" || k == "-h" ? stdout : stderr);
      return k == "--help" || k == "-h" ? 0 : 2;
    }
    const std::string v = argv[i + 1];
    if (k == "--gb") o.gb = std::stod(v);
    else if (k == "--chunk-rows") o.chunk_rows = std::stol(v);
    else if (k == "--frame-chunk") o.frame_chunk = std::stol(v);
    else if (k == "--threads") o.threads = std::stoi(v);
    else if (k == "--what") o.what = v;
    else if (k == "--dir") o.dir = v;
    else if (k == "--baler") o.baler = v;
    else {
      std::fprintf(stderr, "unknown option %s\n%s", k.c_str(), usage);
      return 2;
    }
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("baler: %s; load average %.2f\n\n", o.baler.c_str(), load[0]);
  std::printf("| data  | input MB  | chunk    | threads | comp. RSS MB | comp. s | decomp. RSS MB | decomp. s | .baler MB | |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  try {
    if (o.what != "field") bench(o, false);
    if (o.what != "table") bench(o, true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_memory: %s\n", e.what());
    return 1;
  }
  return 0;
}
