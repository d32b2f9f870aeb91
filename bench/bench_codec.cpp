// Codec benchmark: ratio (float32 bytes / .baler bytes, model included), max error/bound
// (checked independently of the codec's own verifier) and compress/decompress speed per data
// set, bound and thread count. Usage: bench_codec [--data DIR] [--tables] [--reps N]
// [--threads 1,2] [--rels 1e-2,1e-3] [--tmp DIR] [--zstd-level N]. MB = 1e6 bytes of the native input; wall-clock medians
// and process CPU time per run (the latter is less sensitive to other load on the machine).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "baler/codec.hpp"
#include "baler/io.hpp"

namespace {

struct Case {
  std::string file;
  std::string kind;
};

// Largest |x - y| / bound over the columns, and values out of bound (NaN/Inf must match).
std::pair<double, std::size_t> worst_error(const baler::Dataset& a, const baler::Dataset& b,
                                           const std::vector<baler::ColumnCoding>& cols) {
  std::vector<const baler::Array*> xs, ys;
  if (a.kind == baler::DataKind::Field) {
    xs = {&a.field};
    ys = {&b.field};
  } else {
    for (std::size_t j = 0; j < a.columns.size(); ++j) {
      xs.push_back(&a.columns[j].values);
      ys.push_back(&b.columns[j].values);
    }
  }
  double worst = 0;
  std::size_t bad = 0;
  for (std::size_t j = 0; j < xs.size(); ++j) {
    const double bound = cols[j].abs_bound;
    for (std::size_t i = 0; i < xs[j]->size(); ++i) {
      const double x = xs[j]->value(i), y = ys[j]->value(i);
      if (!std::isfinite(x)) {
        bad += (std::isnan(x) ? !std::isnan(y) : x != y);
        continue;
      }
      const double e = std::fabs(x - y);
      if (bound > 0) worst = std::max(worst, e / bound);
      bad += bound > 0 ? e > bound : e != 0;
    }
  }
  return {worst, bad};
}

std::size_t native_bytes(const baler::Dataset& d) {
  if (d.kind == baler::DataKind::Field) return d.field.bytes.size();
  std::size_t n = 0;
  for (const auto& c : d.columns) n += c.values.bytes.size();
  return n;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

template <typename T>
std::vector<T> parse_list(const std::string& s) {
  std::vector<T> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(static_cast<T>(std::stod(item)));
  return out;
}

struct Timing {
  double wall_med = 0, cpu_med = 0;
};

// Runs f `reps` times; medians of wall and process CPU seconds.
template <typename F>
Timing time_runs(int reps, F&& f) {
  std::vector<double> wall, cpu;
  for (int r = 0; r < reps; ++r) {
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(cpu_seconds() - c0);
  }
  return {median(wall), median(cpu)};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("BALER_DATA_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::path(BALER_DEFAULT_DATA_DIR);
  bool tables_only = false;
  int reps = 5;
  std::vector<int> threads = {1, 2};
  std::vector<double> rels = {1e-2, 1e-3, 1e-4, 1e-5};
  int zstd_level = baler::CompressOptions{}.zstd_level;
  // Scratch container on tmpfs when there is one: the figures are then the codec's, not the
  // disk's (compress_dataset fsyncs its output; on this machine's disk that adds ~1-10 ms).
  fs::path tmpdir = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_next = i + 1 < argc;
    if (a == "--tables") tables_only = true;
    else if (a == "--data" && has_next) dir = argv[++i];
    else if (a == "--reps" && has_next) reps = std::max(1, std::stoi(argv[++i]));
    else if (a == "--threads" && has_next) threads = parse_list<int>(argv[++i]);
    else if (a == "--rels" && has_next) rels = parse_list<double>(argv[++i]);
    else if (a == "--tmp" && has_next) tmpdir = argv[++i];
    else if (a == "--zstd-level" && has_next) zstd_level = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_codec [--data DIR] [--tables] [--reps N] [--threads 1,2] [--rels 1e-2,...] [--tmp DIR] [--zstd-level N]\n");
      return 2;
    }
  }
  const std::vector<Case> cases = {
      {"lhcb/LHCb_B2HHH.npz", "table"}, {"atlas/all_jets_test_4D.npy", "table"},
      {"cms/Zmumu_Run2011A.csv", "table"}, {"cms/nanoAOD_ttbar_Jets_flattened.npy", "table"},
      {"cfd/CFD_animation.npz", "field"}, {"fields/vorticity.128_128_41.npy", "field"},
      {"fields/vorticity.512_512.npy", "field"}};
  const fs::path tmp = tmpdir / ("bench_codec_" + std::to_string(::getpid()) + ".baler");
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("load average at start: %.2f %.2f %.2f; %d repetitions (medians); scratch file in %s\n\n", load[0], load[1],
              load[2], reps, tmpdir.c_str());
  std::printf("| data | bound | ratio | max err/bound | violations | exact-stored | threads | compress MB/s | "
              "decompress MB/s | compress CPU ms | decompress CPU ms |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& c : cases) {
    if (tables_only && c.kind != "table") continue;
    baler::ReadOptions ro;
    ro.kind = c.kind;
    baler::Dataset d;
    try {
      d = baler::read_dataset(baler::parse_data_spec((dir / c.file).string()), ro);
    } catch (const baler::Error& e) {
      std::printf("| %s | - | read failed: %s |\n", c.file.c_str(), e.what());
      continue;
    }
    const double mb = static_cast<double>(native_bytes(d)) / 1e6;
    for (double rel : rels) {
      for (int nt : threads) {
        baler::CompressOptions o;
        o.bound = {baler::BoundKind::Rel, rel};
        o.threads = nt;
        o.zstd_level = zstd_level;
        baler::CompressSummary sum;
        const Timing tc = time_runs(reps, [&] { sum = baler::compress_dataset(d, tmp, o); });
        baler::DecompressOptions dopt;
        dopt.threads = nt;
        baler::Dataset back;
        const Timing td = time_runs(reps, [&] { back = baler::decompress_file(tmp, dopt); });
        const auto [worst, bad] = worst_error(d, back, sum.columns);
        std::uint64_t outl = 0;
        for (const auto& col : sum.columns) outl += col.outliers;
        std::printf("| %s | rel=%g | %.3f | %.3f | %zu | %llu | %d | %.1f | %.1f | %.1f | %.1f |\n", c.file.c_str(), rel,
                    static_cast<double>(sum.raw_f32_bytes) / static_cast<double>(sum.file_bytes), worst, bad,
                    static_cast<unsigned long long>(outl), nt, mb / tc.wall_med, mb / td.wall_med, 1e3 * tc.cpu_med,
                    1e3 * td.cpu_med);
        std::fflush(stdout);
      }
    }
  }
  fs::remove(tmp);
  return 0;
}
