// bench_compare: baler against zstd, xz, mantissa truncation, zfp and PCA on the same arrays;
// writes results.md/.csv/.json and ratio-vs-bound plots (see README.md, "Benchmarks").
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "baler/error.hpp"
#include "baler/io.hpp"
#include "bench_compare_report.hpp"
#include "bench_compare_run.hpp"

namespace {

namespace fs = std::filesystem;
using namespace baler;

const char* kUsage =
    "usage: bench_compare [options]\n"
    "  --data DIR          data folder (default $BALER_DATA_DIR, else the compiled-in ../shared/data)\n"
    "  --datasets A,B      files under DIR (default lhcb/LHCb_B2HHH.npz, atlas/all_jets_test_4D.npy,\n"
    "                      cfd/CFD_animation.npz, cms/Zmumu_Run2011A.npy, cms/nanoAOD_ttbar_Jets_flattened.npy,\n"
    "                      root/Zmumu_events_flat.npy)\n"
    "  --bounds R,R        relative bounds (default 1e-2,1e-3,1e-4,1e-5)\n"
    "  --reps N            timed repetitions, >= 1 (default 5)\n"
    "  --threads N         baler codec and training threads (default 2)\n"
    "  --epochs N          AE training epochs at most (default 30)\n"
    "  --no-ae, --no-pca, --no-table-model, --no-baselines   skip those codecs\n"
    "  --out DIR           write results.md, results.csv, results.json, ratio_*.png there\n"
    "  --format md|csv|json  what to print on stdout (default md)\n"
    "  --command TEXT      the command recorded in results.md (default: this command line)\n";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');)
    if (!t.empty()) out.push_back(t);
  return out;
}

struct Args {
  fs::path data, out;
  std::vector<std::string> datasets = {"lhcb/LHCb_B2HHH.npz", "atlas/all_jets_test_4D.npy", "cfd/CFD_animation.npz",
                                       "cms/Zmumu_Run2011A.npy", "cms/nanoAOD_ttbar_Jets_flattened.npy",
                                       "root/Zmumu_events_flat.npy"};
  std::string format = "md", command;
  bench::CompareOptions options;
};

double number(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  require(end && *end == 0 && v.size() > 0, ErrorCode::Usage, flag + ": '" + v + "' is not a number");
  return x;
}

Args parse(int argc, char** argv) {
  Args a;
  const char* env = std::getenv("BALER_DATA_DIR");
  a.data = env && *env ? fs::path(env) : fs::path(BALER_DEFAULT_DATA_DIR);
  for (int i = 1; i < argc; ++i) a.command += std::string(i > 1 ? " " : "") + argv[i];
  a.command = "bench_compare " + a.command;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--no-ae") { a.options.ae = false; continue; }
    if (f == "--no-table-model") { a.options.table_model = false; continue; }
    if (f == "--no-pca") { a.options.pca = false; continue; }
    if (f == "--no-baselines") { a.options.baselines = false; continue; }
    require(i + 1 < argc, ErrorCode::Usage, std::string(f) + " needs a value\n" + kUsage);
    const std::string v = argv[++i];
    if (f == "--data") a.data = v;
    else if (f == "--datasets") a.datasets = split(v);
    else if (f == "--bounds") {
      a.options.rels.clear();
      for (const auto& b : split(v)) a.options.rels.push_back(number(f, b));
    } else if (f == "--reps") a.options.repetitions = static_cast<int>(number(f, v));
    else if (f == "--threads") a.options.threads = static_cast<int>(number(f, v));
    else if (f == "--epochs") a.options.epochs = static_cast<std::int64_t>(number(f, v));
    else if (f == "--out") a.out = v;
    else if (f == "--format") a.format = v;
    else if (f == "--command") a.command = v;
    else throw Error(ErrorCode::Usage, "unknown option " + f + "\n" + kUsage);
  }
  require(a.format == "md" || a.format == "csv" || a.format == "json", ErrorCode::Usage, "--format: md, csv or json");
  require(a.options.repetitions >= 1 && a.options.threads >= 1 && a.options.epochs >= 1, ErrorCode::Usage,
          "--reps, --threads and --epochs must be >= 1");
  for (double r : a.options.rels)
    require(r > 0 && r < 1, ErrorCode::Usage, "--bounds: each relative bound must be in (0, 1)");
  return a;
}

// "N cores, load average L" (from /proc/loadavg when readable).
std::string machine_description() {
  std::string s = std::to_string(std::thread::hardware_concurrency()) + " cores";
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    double load = 0;
    if (std::fscanf(f, "%lf", &load) == 1) {
      char buf[64];
      std::snprintf(buf, sizeof buf, ", load average %.1f at the start", load);
      s += buf;
    }
    std::fclose(f);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  try {
    Args a = parse(argc, argv);
    const auto start = std::chrono::steady_clock::now();
    a.options.log = [start](const std::string& line) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "[%7.1f s] %s\n", s, line.c_str());
    };
    const std::string machine = machine_description();
    std::vector<bench::DatasetReport> reports;
    for (const auto& rel : a.datasets) {
      const fs::path file = a.data / rel;
      const Dataset d = read_dataset(parse_data_spec(file.string()));
      std::string name = file.filename().string();
      name = name.substr(0, name.find('.'));
      reports.push_back(bench::compare_dataset(name, d, a.options));
    }
    const bench::ReportMeta meta{a.command, a.options, machine};
    if (!a.out.empty()) bench::write_results(a.out, reports, meta);
    const std::string text = a.format == "csv"    ? bench::results_csv(reports)
                             : a.format == "json" ? bench::results_json(reports, meta)
                                                  : bench::results_markdown(reports, meta);
    std::fwrite(text.data(), 1, text.size(), stdout);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_compare: %s\n", e.what());
    return static_cast<int>(e.code());
  }
  return 0;
}
