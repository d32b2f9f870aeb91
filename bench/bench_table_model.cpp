// Table model benchmark (issue "Models that pay"): prints, as markdown,
//  1. the ratio of every shared table with the learned table model (embedded) against the plain
//     codec at rel 1e-2 … 1e-5, with violations checked by verify_container;
//  2. the same table with its columns renamed (the learner never reads names);
//  3. the time to learn a model of a 10 000-row × 20-column table at 1 and 2 threads;
//  4. compress / decompress MB/s with the model (from a model file, embedded) against the plain
//     codec on a ≥ 30 MB table at 1 and 2 threads, and whether the decoded bytes agree.
// Usage: bench_table_model [--data DIR] [--reps N] [--tmp DIR]. MB = 1e6 bytes of native input.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "baler/io.hpp"
#include "baler/table_model.hpp"

namespace {

using namespace baler;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::size_t native_bytes(const Dataset& d) {
  std::size_t n = 0;
  for (const auto& c : d.columns) n += c.values.bytes.size();
  return n;
}

double f32_bytes(const Dataset& d) { return 4.0 * static_cast<double>(d.rows() * d.columns.size()); }

// Rows [0, rows) of `d` repeated as often as needed (the first `cols` columns).
Dataset tiled(const Dataset& d, std::size_t rows, std::size_t cols) {
  Dataset out;
  for (std::size_t j = 0; j < std::min(cols, d.columns.size()); ++j) {
    const Array& a = d.columns[j].values;
    Array b(a.dtype, {static_cast<std::int64_t>(rows)});
    const std::size_t es = dtype_size(a.dtype), n = d.rows();
    for (std::size_t i = 0; i < rows; ++i) std::copy_n(a.bytes.data() + (i % n) * es, es, b.bytes.data() + i * es);
    out.columns.push_back({d.columns[j].name, std::move(b)});
  }
  return out;
}

TableModel learn(const Dataset& d, double rel, int threads, double* seconds = nullptr) {
  CompressOptions o;
  o.bound = {BoundKind::Rel, rel};
  LearnOptions lo;
  lo.threads = threads;
  MemorySource src(d);
  const auto t0 = Clock::now();
  TableModel m = learn_table_model(src, o, lo);
  if (seconds) *seconds = since(t0);
  return m;
}

void ratios(const fs::path& data, const fs::path& tmp) {
  std::printf("## 1. Ratio with the learned model (embedded) against the plain codec\n\n");
  std::printf("Ratio = float32 bytes ÷ file bytes, model included; `compress --learn`; violations by "
              "verify_container.\n\n");
  std::printf("| data set | bound | plain | with the model | gain | relations used | model bytes | violations |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (const char* f : {"root/Zmumu_events_flat.npy", "lhcb/LHCb_B2HHH.npz", "atlas/all_jets_test_4D.npy",
                        "cms/Zmumu_Run2011A.csv", "cms/nanoAOD_ttbar_Jets_flattened.npy", "root/HZZ_events_flat.npy",
                        "root/uproot-HZZ.root"}) {
    const Dataset d = read_dataset(parse_data_spec((data / f).string()), {});
    for (double rel : {1e-2, 1e-3, 1e-4, 1e-5}) {
      CompressOptions o;
      o.bound = {BoundKind::Rel, rel};
      const auto p = compress_dataset(d, tmp / "p.baler", o);
      o.learn = true;
      const auto m = compress_dataset(d, tmp / "m.baler", o);
      std::size_t used = 0;
      for (const auto& c : m.columns) used += !c.relation.empty();
      const auto rep = verify_container(tmp / "m.baler", d);
      std::printf("| %s | rel=%g | %.3f | %.3f | %.3f× | %zu of %zu | %llu | %llu |\n", f, rel,
                  f32_bytes(d) / static_cast<double>(p.file_bytes), f32_bytes(d) / static_cast<double>(m.file_bytes),
                  static_cast<double>(p.file_bytes) / static_cast<double>(m.file_bytes), used, d.columns.size(),
                  static_cast<unsigned long long>(m.model_bytes), static_cast<unsigned long long>(rep.violations));
    }
  }
}

void renamed(const fs::path& data, const fs::path& tmp) {
  std::printf("\n## 2. Column names are never read\n\n");
  std::printf("Zmumu_events_flat with every column renamed (c0_x, c7_x, …) against its own names.\n\n");
  std::printf("| bound | named | renamed | difference |\n|---|---:|---:|---:|\n");
  const Dataset d = read_dataset(parse_data_spec((data / "root/Zmumu_events_flat.npy").string()), {});
  Dataset r = d;
  for (std::size_t j = 0; j < r.columns.size(); ++j) r.columns[j].name = "c" + std::to_string((j * 7) % 19) + "_x";
  for (double rel : {1e-2, 1e-3}) {
    CompressOptions o;
    o.bound = {BoundKind::Rel, rel};
    o.learn = true;
    const double a = f32_bytes(d) / static_cast<double>(compress_dataset(d, tmp / "a.baler", o).file_bytes);
    const double b = f32_bytes(r) / static_cast<double>(compress_dataset(r, tmp / "b.baler", o).file_bytes);
    std::printf("| rel=%g | %.3f | %.3f | %+.2f %% |\n", rel, a, b, 100 * (b / a - 1));
  }
}

void learn_time(const fs::path& data, int reps) {
  std::printf("\n## 3. Time to learn a model of a 10 000 × 20 table\n\n");
  std::printf("LHCb_B2HHH's first 20 columns, rows repeated to 10 000; rel 1e-3; median of %d runs.\n\n", reps);
  std::printf("| threads | seconds (median) | min | max |\n|---:|---:|---:|---:|\n");
  const Dataset d = tiled(read_dataset(parse_data_spec((data / "lhcb/LHCb_B2HHH.npz").string()), {}), 10000, 20);
  for (int t : {1, 2}) {
    std::vector<double> s;
    for (int k = 0; k < reps; ++k) {
      double sec = 0;
      learn(d, 1e-3, t, &sec);
      s.push_back(sec);
    }
    std::printf("| %d | %.2f | %.2f | %.2f |\n", t, median(s), *std::min_element(s.begin(), s.end()),
                *std::max_element(s.begin(), s.end()));
  }
}

void speed(const fs::path& data, const fs::path& tmp, int reps) {
  const Dataset d = tiled(read_dataset(parse_data_spec((data / "root/Zmumu_events_flat.npy").string()), {}), 230400, 19);
  const double mb = static_cast<double>(native_bytes(d)) / 1e6;
  std::printf("\n## 4. Speed with the model against the plain codec\n\n");
  std::printf("Zmumu_events_flat tiled 100× (%.1f MB of float64), rel 1e-3, the model learned once and "
              "given as a model file (embedded); compress reads from memory and writes to %s. Median "
              "MB/s of %d runs.\n\n",
              mb, tmp.parent_path().c_str(), reps);
  std::printf("| threads | codec | compress MB/s | decompress MB/s | ratio | with ÷ plain (compress / decompress) | decoded bytes equal at 1 and 2 threads |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---|\n");
  const TableModel m = learn(d, 1e-3, 2);
  std::vector<Dataset> decoded;
  for (int t : {1, 2}) {
    double pc = 0, pd = 0;
    for (int with = 0; with < 2; ++with) {
      CompressOptions o;
      o.bound = {BoundKind::Rel, 1e-3};
      o.threads = t;
      o.table_model = with ? &m : nullptr;
      DecompressOptions dopt;
      dopt.threads = t;
      std::vector<double> tc, td;
      std::uint64_t bytes = 0;
      Dataset back;
      for (int k = 0; k < reps; ++k) {
        auto t0 = Clock::now();
        bytes = compress_dataset(d, tmp / "s.baler", o).file_bytes;
        tc.push_back(since(t0));
        t0 = Clock::now();
        back = decompress_file(tmp / "s.baler", dopt);
        td.push_back(since(t0));
      }
      const double c = mb / median(tc), dd = mb / median(td);
      if (with) decoded.push_back(std::move(back));
      std::string same = "-";
      if (with && decoded.size() == 2) same = decoded[0] == decoded[1] ? "yes" : "NO";
      char rel_speed[64] = "-";
      if (with) std::snprintf(rel_speed, sizeof rel_speed, "%.0f %% / %.0f %%", 100 * c / pc, 100 * dd / pd);
      std::printf("| %d | %s | %.1f | %.1f | %.3f | %s | %s |\n", t, with ? "table model" : "plain", c, dd,
                  f32_bytes(d) / static_cast<double>(bytes), rel_speed, same.c_str());
      if (!with) pc = c, pd = dd;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data = std::getenv("BALER_DATA_DIR") ? std::getenv("BALER_DATA_DIR") : BALER_DEFAULT_DATA_DIR;
  fs::path tmp = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: bench_table_model [--data DIR] [--reps N] [--tmp DIR]\n");
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_table_model: %s needs a value (see --help)\n", a.c_str());
      return 2;
    }
    if (a == "--data") data = argv[++i];
    else if (a == "--reps") reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--tmp") tmp = argv[++i];
    else {
      std::fprintf(stderr, "bench_table_model: unknown option %s (see --help)\n", a.c_str());
      return 2;
    }
  }
  tmp /= "bench_table_model_" + std::to_string(::getpid());
  fs::create_directories(tmp);
  double load[1] = {0};
  getloadavg(load, 1);
  std::printf("# The learned table model: ratio, names, learning time, speed\n\n");
  std::printf("`bench_table_model --reps %d` (bench/bench_table_model.cpp); machine: %u cores, load average %.2f "
              "at the start.\n\n",
              reps, std::max(1u, std::thread::hardware_concurrency()), load[0]);
  try {
    ratios(data, tmp);
    renamed(data, tmp);
    learn_time(data, reps);
    speed(data, tmp, reps);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_table_model: %s\n", e.what());
    fs::remove_all(tmp);
    return 1;
  }
  fs::remove_all(tmp);
  return 0;
}
