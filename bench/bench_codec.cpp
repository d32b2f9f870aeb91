// Codec benchmark: ratio (float32 bytes / .baler bytes, model included) and max error/bound
// per data set and bound, checked independently of the codec's own verifier.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
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

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("BALER_DATA_DIR");
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(env && *env ? env : BALER_DEFAULT_DATA_DIR);
  const std::vector<Case> cases = {
      {"lhcb/LHCb_B2HHH.npz", "table"}, {"atlas/all_jets_test_4D.npy", "table"},
      {"cfd/CFD_animation.npz", "field"}, {"cms/Zmumu_Run2011A.csv", "table"},
      {"cms/nanoAOD_ttbar_Jets_flattened.npy", "table"}, {"fields/vorticity.128_128_41.npy", "field"},
      {"fields/vorticity.512_512.npy", "field"}};
  const std::vector<double> rels = {1e-2, 1e-3, 1e-4, 1e-5};
  const fs::path tmp = fs::temp_directory_path() / ("bench_codec_" + std::to_string(::getpid()) + ".baler");
  std::printf("| data | bound | ratio (model incl.) | max err/bound | violations | exact-stored | compress s | decompress s |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto& c : cases) {
    baler::ReadOptions ro;
    ro.kind = c.kind;
    baler::Dataset d;
    try {
      d = baler::read_dataset(baler::parse_data_spec((dir / c.file).string()), ro);
    } catch (const baler::Error& e) {
      std::printf("| %s | - | read failed: %s |\n", c.file.c_str(), e.what());
      continue;
    }
    for (double rel : rels) {
      baler::CompressOptions o;
      o.bound = {baler::BoundKind::Rel, rel};
      const auto t0 = std::chrono::steady_clock::now();
      const auto sum = baler::compress_dataset(d, tmp, o);
      const auto t1 = std::chrono::steady_clock::now();
      const auto back = baler::decompress_file(tmp);
      const auto t2 = std::chrono::steady_clock::now();
      const auto [worst, bad] = worst_error(d, back, sum.columns);
      std::uint64_t outl = 0;
      for (const auto& col : sum.columns) outl += col.outliers;
      std::printf("| %s | rel=%g | %.2f | %.3f | %zu | %llu | %.2f | %.2f |\n", c.file.c_str(), rel,
                  static_cast<double>(sum.raw_f32_bytes) / static_cast<double>(sum.file_bytes), worst, bad,
                  static_cast<unsigned long long>(outl), std::chrono::duration<double>(t1 - t0).count(),
                  std::chrono::duration<double>(t2 - t1).count());
      std::fflush(stdout);
    }
  }
  fs::remove(tmp);
  return 0;
}
