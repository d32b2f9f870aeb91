// Codec benchmark: ratio (float32 bytes / .baler bytes, model included), max error/bound
// (checked independently of the codec's own verifier) and compress/decompress speed per data
// set, bound and thread count. Usage: bench_codec [--data DIR] [--tables | --fields]
// [--files A,B] [--tile N] [--sz3] [--reps N] [--threads 1,2] [--rels 1e-2,1e-3] [--tmp DIR]
// [--zstd-level N]. MB = 1e6 bytes of the native input; wall-clock medians and process CPU time
// per run (the latter is less sensitive to other load on the machine).
// --tile N repeats each field N times along its first axis (large fields from the small shared
// ones); --sz3 adds a row for the SZ3 peer under baler's rows of every field and bound, at the
// absolute bound baler resolved, single-threaded, checked by the same independent checker.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "baler/codec.hpp"
#include "baler/io.hpp"

#if BALER_BENCH_BASELINES
#include "baselines_codecs.hpp"
#endif

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

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

template <typename T>
std::vector<T> parse_list(const std::string& s) {
  std::vector<T> out;
  for (const auto& item : split_list(s)) out.push_back(static_cast<T>(std::stod(item)));
  return out;
}

// The field concatenated `n` times along its first axis (C order: the bytes n times over), so
// that its finite range, and with it the absolute bound a relative one resolves to, is unchanged.
// A 0-d field becomes 1-D.
baler::Array tile_first_axis(const baler::Array& a, int n) {
  std::vector<std::int64_t> shape = a.shape.empty() ? std::vector<std::int64_t>{1} : a.shape;
  shape[0] *= n;
  baler::Array out(a.dtype, shape);
  for (int k = 0; k < n; ++k)
    std::copy(a.bytes.begin(), a.bytes.end(), out.bytes.begin() + static_cast<std::ptrdiff_t>(k * a.bytes.size()));
  return out;
}

// The command line as typed (arguments with spaces or shell characters single-quoted), so that a
// table can be reproduced from its own header.
std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i) out += ' ';
    if (!a.empty() && a.find_first_of(" \t'\"$*?;&|<>()") == std::string::npos) {
      out += a;
      continue;
    }
    out += '\'';
    for (char ch : a) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    out += '\'';
  }
  return out;
}

// The 1-minute load average as /proc/loadavg gives it ("?" where there is none).
std::string load_1min() {
  std::ifstream f("/proc/loadavg");
  std::string first;
  return f >> first ? first : std::string("?");
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

#if BALER_BENCH_BASELINES
// The SZ3 peer as bench_compare runs it, or nullopt with the reason (SZ3's source archive was
// missing at configure time).
using Peer = baler::bench::Baseline;
std::optional<Peer> sz3_peer(std::string* why_not) { return baler::bench::sz3_baseline(why_not); }
constexpr std::size_t kPeerHeaderBytes = baler::bench::kArrayHeaderBytes;

// One SZ3 row: the field encoded and decoded `reps` times at the absolute bound baler resolved
// (cols[0].abs_bound), on one thread (SZ3 runs serially unless its config asks for OpenMP),
// checked by worst_error like baler's own output.
void print_sz3_row(const Peer& peer, const std::string& name, const baler::Dataset& d, double rel,
                   const std::vector<baler::ColumnCoding>& cols, int reps) {
  const double mb = static_cast<double>(native_bytes(d)) / 1e6;
  const double bound = cols.at(0).abs_bound;
  try {
    baler::bench::Bytes enc;
    const Timing tc = time_runs(reps, [&] { enc = peer.encode(d.field, bound); });
    baler::Dataset back;
    back.kind = baler::DataKind::Field;
    const Timing td =
        time_runs(reps, [&] { back.field = peer.decode(enc, d.field.dtype, d.field.shape, bound); });
    const auto [worst, bad] = worst_error(d, back, cols);
    // Charged as bench_compare charges every baseline: its stream plus a minimal array header.
    const double bytes = static_cast<double>(enc.size() + kPeerHeaderBytes);
    // First byte 0: the wrapper stored the array losslessly because SZ3 refused it.
    const char* how = !enc.empty() && enc[0] == std::byte{1} ? "SZ3" : "SZ3 refused it: zstd+shuffle";
    std::printf("| %s [%s] | rel=%g | %.3f | %.3f | %zu | - | 1 | %.1f | %.1f | %.1f | %.1f |\n", name.c_str(), how,
                rel, 4.0 * static_cast<double>(d.field.size()) / bytes, worst, bad, mb / tc.wall_med,
                mb / td.wall_med, 1e3 * tc.cpu_med, 1e3 * td.cpu_med);
  } catch (const std::exception& e) {
    std::printf("| %s [SZ3] | rel=%g | failed: %s |\n", name.c_str(), rel, e.what());
  }
}
#else
struct Peer {};
std::optional<Peer> sz3_peer(std::string* why_not) {
  *why_not = "bench_codec was built without the bench baselines (zfp was not found at configure time)";
  return std::nullopt;
}
constexpr std::size_t kPeerHeaderBytes = 0;
// Never called: sz3_peer gives no peer in this build.
void print_sz3_row(const Peer&, const std::string&, const baler::Dataset&, double,
                   const std::vector<baler::ColumnCoding>&, int) {}
#endif

void usage() {
  std::fprintf(stderr, "usage: bench_codec [--data DIR] [--tables | --fields] [--files A,B] [--tile N] [--sz3] "
                       "[--reps N] [--threads 1,2] [--rels 1e-2,...] [--tmp DIR] [--zstd-level N]\n");
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("BALER_DATA_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::path(BALER_DEFAULT_DATA_DIR);
  bool tables_only = false, fields_only = false, with_sz3 = false;
  int reps = 5, tile = 1;
  std::vector<int> threads = {1, 2};
  std::vector<double> rels = {1e-2, 1e-3, 1e-4, 1e-5};
  std::vector<std::string> files;  // empty: the default list
  int zstd_level = baler::CompressOptions{}.zstd_level;
  // Scratch container on tmpfs when there is one: the figures are then the codec's, not the
  // disk's (compress_dataset fsyncs its output; on this machine's disk that adds ~1-10 ms).
  fs::path tmpdir = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_next = i + 1 < argc;
    if (a == "--tables") tables_only = true;
    else if (a == "--fields") fields_only = true;
    else if (a == "--sz3") with_sz3 = true;
    else if (a == "--data" && has_next) dir = argv[++i];
    else if (a == "--files" && has_next) files = split_list(argv[++i]);
    else if (a == "--tile" && has_next) tile = std::max(1, std::stoi(argv[++i]));
    else if (a == "--reps" && has_next) reps = std::max(1, std::stoi(argv[++i]));
    else if (a == "--threads" && has_next) threads = parse_list<int>(argv[++i]);
    else if (a == "--rels" && has_next) rels = parse_list<double>(argv[++i]);
    else if (a == "--tmp" && has_next) tmpdir = argv[++i];
    else if (a == "--zstd-level" && has_next) zstd_level = std::stoi(argv[++i]);
    else {
      usage();
      return 2;
    }
  }
  if (tables_only && fields_only) {
    usage();
    return 2;
  }
  const std::vector<Case> known = {
      {"lhcb/LHCb_B2HHH.npz", "table"}, {"atlas/all_jets_test_4D.npy", "table"},
      {"cms/Zmumu_Run2011A.csv", "table"}, {"cms/nanoAOD_ttbar_Jets_flattened.npy", "table"},
      {"cfd/CFD_animation.npz", "field"}, {"fields/vorticity.128_128_41.npy", "field"},
      {"fields/vorticity.512_512.npy", "field"}};
  // --files: a known file keeps its kind (the tables would otherwise be read as whatever the
  // reader guesses); any other file is benchmarked as a field.
  std::vector<Case> cases = known;
  if (!files.empty()) {
    cases.clear();
    for (const auto& f : files) {
      const auto it = std::find_if(known.begin(), known.end(), [&](const Case& c) { return c.file == f; });
      cases.push_back({f, it != known.end() ? it->kind : "field"});
    }
  }
  const fs::path tmp = tmpdir / ("bench_codec_" + std::to_string(::getpid()) + ".baler");
  std::printf("machine: %u cores (std::thread::hardware_concurrency), 1-min load average %s (/proc/loadavg); "
              "data %s\ncommand: %s\n",
              std::thread::hardware_concurrency(), load_1min().c_str(), dir.c_str(), command_line(argc, argv).c_str());
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("load average at start: %.2f %.2f %.2f; %d repetitions (medians); scratch file in %s\n", load[0], load[1],
              load[2], reps, tmpdir.c_str());
  std::optional<Peer> sz3;
  if (with_sz3) {
    std::string why;
    sz3 = sz3_peer(&why);
    if (sz3)
      std::printf("SZ3 rows ([SZ3]): the same field at the absolute bound baler resolved, one thread; ratio = "
                  "float32 bytes / (SZ3 stream + %zu header bytes)\n", kPeerHeaderBytes);
    else
      std::printf("SZ3 not available, running without it: %s\n", why.c_str());
  }
  std::printf("\n| data | bound | ratio | max err/bound | violations | exact-stored | threads | compress MB/s | "
              "decompress MB/s | compress CPU ms | decompress CPU ms |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& c : cases) {
    if (tables_only && c.kind != "table") continue;
    if (fields_only && c.kind != "field") continue;
    baler::ReadOptions ro;
    ro.kind = c.kind;
    baler::Dataset d;
    try {
      d = baler::read_dataset(baler::parse_data_spec((dir / c.file).string()), ro);
    } catch (const baler::Error& e) {
      std::printf("| %s | - | read failed: %s |\n", c.file.c_str(), e.what());
      continue;
    }
    std::string name = c.file;
    if (d.kind == baler::DataKind::Field && tile > 1) {
      d.field = tile_first_axis(d.field, tile);
      name += " x" + std::to_string(tile);
    }
    const double mb = static_cast<double>(native_bytes(d)) / 1e6;
    for (double rel : rels) {
      std::vector<baler::ColumnCoding> resolved;  // baler's resolved bound, for the SZ3 row
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
        std::printf("| %s | rel=%g | %.3f | %.3f | %zu | %llu | %d | %.1f | %.1f | %.1f | %.1f |\n", name.c_str(), rel,
                    static_cast<double>(sum.raw_f32_bytes) / static_cast<double>(sum.file_bytes), worst, bad,
                    static_cast<unsigned long long>(outl), nt, mb / tc.wall_med, mb / td.wall_med, 1e3 * tc.cpu_med,
                    1e3 * td.cpu_med);
        std::fflush(stdout);
        resolved = sum.columns;
      }
      if (sz3 && d.kind == baler::DataKind::Field) {
        // Without a baler run (no --threads) there is no resolved bound: resolve it once here.
        if (resolved.empty()) {
          baler::CompressOptions o;
          o.bound = {baler::BoundKind::Rel, rel};
          o.zstd_level = zstd_level;
          resolved = baler::compress_dataset(d, tmp, o).columns;
        }
        print_sz3_row(*sz3, name, d, rel, resolved, reps);
        std::fflush(stdout);
      }
    }
  }
  fs::remove(tmp);
  return 0;
}
