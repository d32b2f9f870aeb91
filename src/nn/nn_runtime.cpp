// Threads and BLAS: sets LibTorch's thread count and reports which BLAS the process loaded.
#include <dlfcn.h>
#include <unistd.h>

#include <ATen/Parallel.h>

#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <cstdlib>
#include <cstdio>
#include <algorithm>
#include <cmath>

#include "baler/train.hpp"

namespace baler {
namespace {

// Paths of mapped shared objects whose name says BLAS (libblas, libopenblas, mkl, blis).
std::set<std::string> mapped_blas_libraries() {
  std::set<std::string> found;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string base = path.substr(path.rfind('/') + 1);
    if (base.find("blas") != std::string::npos || base.find("mkl") != std::string::npos ||
        base.find("blis") != std::string::npos)
      found.insert(path);
  }
  return found;
}

using IntFn = int (*)();
using CharFn = char* (*)();
using SetFn = void (*)(int);

}  // namespace

RuntimeInfo configure_runtime(int threads) {
  static std::once_flag interop_once;
  std::call_once(interop_once, [] {
    try {
      at::set_num_interop_threads(1);  // training runs one op at a time; idle pools only cost
    } catch (...) {
      // Already started by someone else: harmless.
    }
  });
  RuntimeInfo info;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int n = threads > 0 ? threads : cores;
  double load[1] = {0};
  if (threads <= 0 && getloadavg(load, 1) == 1 && load[0] >= 0.5) {
    n = std::clamp(cores - static_cast<int>(std::lround(load[0])), 1, cores);
    char b[160];
    std::snprintf(b, sizeof b, "%d of %d cores: the machine's load is %.2f (training.threads sets the count)", n,
                  cores, load[0]);
    info.note = b;
  }
  at::set_num_threads(n);
  info.threads = at::get_num_threads();
  std::string libs;
  for (const auto& p : mapped_blas_libraries()) libs += (libs.empty() ? "" : ", ") + p;
  if (libs.empty()) libs = "no BLAS library mapped";
  auto get_parallel = reinterpret_cast<IntFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  auto get_config = reinterpret_cast<CharFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  if (get_parallel) {
    const int mode = get_parallel();  // 0 sequential, 1 pthreads, 2 OpenMP
    if (mode == 1 && info.threads > 1) {
      // pthreads OpenBLAS inside OpenMP threads oversubscribes the cores: keep it single-threaded.
      if (auto set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
    }
    libs += std::string(" (OpenBLAS ") + (mode == 0 ? "sequential" : mode == 1 ? "pthreads" : "OpenMP");
    if (get_config) libs += std::string(", ") + get_config();
    libs += ")";
  } else if (libs.find("/blas/") != std::string::npos || libs.find("libblas") != std::string::npos) {
    info.slow_blas = true;
    libs += " (reference BLAS: training will be ~14× slower; install libopenblas0-openmp)";
  }
  info.blas = libs;
  return info;
}

}  // namespace baler
