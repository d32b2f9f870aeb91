// bench_train: seconds per training epoch (median, min, max over ≥ 3 epochs) of Baler's AE on
// 600 000 seeded rows (24 → 14) and on the LHCb example (26 → 17), on the fused dense path and
// on LibTorch, at 1 and 2 threads, with the load average before and after.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "baler/error.hpp"
#include "baler/io.hpp"
#include "baler/train.hpp"

namespace {

using namespace baler;

struct Row {
  std::string name;
  std::string path;  // "fused dense" | "LibTorch"
  std::int64_t rows = 0;
  int threads = 0;
  double median = 0, min = 0, max = 0;
  std::size_t epochs = 0;
  double final_loss = 0;
  double cpu_median = 0;  // process CPU seconds per epoch (all threads): robust to a busy machine
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Records the process CPU time of every epoch.
class CpuClock : public ProgressSink {
 public:
  void on_start(const TrainStart&) override { last_ = cpu_seconds(); }
  void on_epoch(const EpochStats&, std::int64_t) override {
    const double now = cpu_seconds();
    per_epoch.push_back(now - last_);
    last_ = now;
  }
  std::vector<double> per_epoch;

 private:
  double last_ = 0;
};

// The 1, 5 and 15 minute load averages ("?" when /proc/loadavg cannot be read).
std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  if (!(f >> a >> b >> c)) return "?";
  return a + " " + b + " " + c;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// rows × 24: smooth functions of 6 hidden variables plus noise (seeded, fixed).
Dataset synthetic_table(std::int64_t rows) {
  std::mt19937_64 g(2024);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.01);
  constexpr int kF = 24, kH = 6;
  std::vector<double> mix(kF * kH);
  for (auto& m : mix) m = u(g);
  Array a(DType::F32, {rows, kF});
  auto x = a.as<float>();
  for (std::int64_t r = 0; r < rows; ++r) {
    double h[kH];
    for (auto& v : h) v = u(g);
    for (int f = 0; f < kF; ++f) {
      double s = 0;
      for (int k = 0; k < kH; ++k) s += mix[f * kH + k] * h[k];
      x[static_cast<std::size_t>(r * kF + f)] = static_cast<float>(std::tanh(s) + noise(g));
    }
  }
  return table_from_matrix(a, {});
}

Row run_case(const std::string& name, const Dataset& data, const Config& base, int threads) {
  Config c = base;
  c.training.threads = threads;
  CpuClock clock;
  const TrainResult r = train(data, c, {}, &clock);
  std::vector<double> sorted;
  for (const auto& e : r.history) sorted.push_back(e.seconds);
  std::sort(sorted.begin(), sorted.end());
  Row row;
  row.name = name;
  row.path = r.path;
  row.rows = static_cast<std::int64_t>(data.rows());
  row.threads = r.threads;
  row.median = sorted[sorted.size() / 2];
  row.min = sorted.front();
  row.max = sorted.back();
  row.epochs = sorted.size();
  row.final_loss = r.final_loss;
  row.cpu_median = median(clock.per_epoch);
  return row;
}

struct Environment {
  std::string blas, load_before, load_after;
};

void print(const std::vector<Row>& rows, const std::string& format, const Environment& env) {
  if (format == "csv") {
    std::printf("case,path,rows,threads,median_s_per_epoch,min_s,max_s,cpu_s_per_epoch,epochs,final_loss\n");
    for (const auto& r : rows)
      std::printf("%s,%s,%lld,%d,%.4f,%.4f,%.4f,%.4f,%zu,%.6g\n", r.name.c_str(), r.path.c_str(),
                  static_cast<long long>(r.rows), r.threads, r.median, r.min, r.max, r.cpu_median, r.epochs, r.final_loss);
  } else if (format == "json") {
    std::printf("{\"blas\": \"%s\", \"load_before\": \"%s\", \"load_after\": \"%s\", \"results\": [\n",
                env.blas.c_str(), env.load_before.c_str(), env.load_after.c_str());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      std::printf("  {\"case\": \"%s\", \"path\": \"%s\", \"rows\": %lld, \"threads\": %d, \"median_s\": %.4f, "
                  "\"min_s\": %.4f, \"max_s\": %.4f, \"cpu_s\": %.4f, \"epochs\": %zu, \"final_loss\": %.6g}%s\n",
                  r.name.c_str(), r.path.c_str(), static_cast<long long>(r.rows), r.threads, r.median, r.min, r.max,
                  r.cpu_median, r.epochs, r.final_loss, i + 1 < rows.size() ? "," : "");
    }
    std::printf("]}\n");
  } else {
    std::printf("BLAS: %s\nload average (1, 5, 15 min): %s before, %s after\n\n", env.blas.c_str(),
                env.load_before.c_str(), env.load_after.c_str());
    std::printf("| case | path | rows | threads | s/epoch (median) | min | max | CPU s/epoch | epochs | final loss |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& r : rows)
      std::printf("| %s | %s | %lld | %d | %.3f | %.3f | %.3f | %.3f | %zu | %.4g |\n", r.name.c_str(), r.path.c_str(),
                  static_cast<long long>(r.rows), r.threads, r.median, r.min, r.max, r.cpu_median, r.epochs,
                  r.final_loss);
  }
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_train [--format md|csv|json] [--epochs N≥3] [--rows N] [--threads 1,2] "
               "[--paths fused,off] [--data DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string format = "md", data_dir = BALER_DEFAULT_DATA_DIR, threads_list = "1,2", paths_list = "fused,off";
  std::int64_t epochs = 4, rows = 600000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string v = argv[++i];
    if (a == "--format") format = v;
    else if (a == "--epochs") epochs = std::max<std::int64_t>(3, std::atoll(v.c_str()));
    else if (a == "--rows") rows = std::max<std::int64_t>(1000, std::atoll(v.c_str()));
    else if (a == "--threads") threads_list = v;
    else if (a == "--data") data_dir = v;
    else if (a == "--paths") paths_list = v;
    else return usage();
  }
  if (format != "md" && format != "csv" && format != "json") return usage();
  std::vector<int> threads;
  std::stringstream ss(threads_list);
  for (std::string t; std::getline(ss, t, ',');) threads.push_back(std::max(1, std::atoi(t.c_str())));
  std::vector<std::string> paths;  // values of training.fused: "fused" → auto
  std::stringstream ps(paths_list);
  for (std::string p; std::getline(ps, p, ',');) {
    if (p != "fused" && p != "off") return usage();
    paths.push_back(p == "fused" ? "auto" : "off");
  }
  Environment env;
  env.load_before = load_average();
  try {
    Config c;
    c.model.model_name = "AE";
    c.training.epochs = epochs;
    c.training.batch_size = 512;
    c.training.test_size = 0.0;  // every row trains; the epoch time is the training pass
    c.training.early_stopping = false;
    c.training.lr_scheduler = false;
    c.training.float_dtype = "float32";
    std::vector<Row> out;
    const Dataset synth = synthetic_table(rows);
    Config synth_cfg = c;
    synth_cfg.model.latent_size = 14;
    const Dataset lhcb = read_dataset(parse_data_spec(data_dir + "/lhcb/LHCb_B2HHH.npz"));
    for (const auto& [name, data, cfg] : {std::tuple{"AE 24→14 synthetic", &synth, synth_cfg},
                                          std::tuple{"AE 26→17 LHCb_B2HHH", &lhcb, c}})
      for (const auto& path : paths)
        for (int t : threads) {
          Config run = cfg;
          run.training.fused = path;
          out.push_back(run_case(name, *data, run, t));
        }
    env.load_after = load_average();
    env.blas = configure_runtime(threads.back()).blas;
    print(out, format, env);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
