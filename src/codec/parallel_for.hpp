// parallel_for: independent work items (columns of a chunk) on a few threads, results by index.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace baler::codec {

// Runs fn(i) for every i in [0, n) on up to `threads` threads (the calling one included),
// handing out indices in increasing order as threads become free. fn must write only its own
// item's results, so the outcome never depends on the thread count. When items throw, the
// exception of the smallest index is rethrown after every thread has finished.
template <typename F>
void parallel_for(std::size_t n, int threads, F&& fn) {
  const std::size_t nt = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(threads, 1)));
  if (nt <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(n);
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < nt; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace baler::codec
