// parallel_for: independent work items (columns of a chunk) on a few threads, results by index;
// ordered_pipeline: items read in order, worked on in parallel and written in order (chunks).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

namespace baler::codec {

namespace detail {
// Shared by the caller and its helper threads; helpers hold it alive, so a helper scheduled
// after all items are done only finds the counter exhausted and leaves.
struct ParallelWork {
  std::atomic<std::size_t> next{0};
  std::size_t n = 0;
  void (*call)(void*, std::size_t) = nullptr;
  void* fn = nullptr;
  std::vector<std::exception_ptr> errors;
  std::mutex m;
  std::condition_variable cv;
  std::size_t done = 0;
  void run() {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        call(fn, i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
      const std::lock_guard<std::mutex> lock(m);
      if (++done == n) cv.notify_all();
    }
  }
};
}  // namespace detail

// Runs fn(i) for every i in [0, n) on up to `threads` threads (the calling one included),
// handing out indices in increasing order as threads become free. fn must write only its own
// item's results, so the outcome never depends on the thread count. Returns when every item
// is done, without waiting for helper threads that never got an item (on a busy machine a
// new thread may start late; the caller then simply does the work itself). When items
// throw, the exception of the smallest index is rethrown.
template <typename F>
void parallel_for(std::size_t n, int threads, F&& fn) {
  const std::size_t nt = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(threads, 1)));
  if (nt <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto work = std::make_shared<detail::ParallelWork>();
  work->n = n;
  work->errors.resize(n);
  work->fn = static_cast<void*>(std::addressof(fn));
  work->call = [](void* f, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(f))(i); };
  for (std::size_t t = 1; t < nt; ++t) {
    try {
      std::thread([work] { work->run(); }).detach();
    } catch (const std::system_error&) {
      break;  // no more threads: the caller does the rest
    }
  }
  work->run();
  {
    std::unique_lock<std::mutex> lock(work->m);
    work->cv.wait(lock, [&] { return work->done == n; });
  }
  for (auto& e : work->errors)
    if (e) std::rethrow_exception(e);
}

// Threads for each of `items` items run side by side on `threads` threads in all: what is
// left over when there are fewer items than threads (a chunk's columns get them), at least 1.
inline int threads_per_item(int threads, std::size_t items) {
  const std::size_t nt = static_cast<std::size_t>(std::clamp(threads, 1, 64));
  return static_cast<int>(std::max<std::size_t>(1, nt / std::max<std::size_t>(1, std::min(nt, items))));
}

// The window compress and decompress give ordered_pipeline: one chunk per thread and one more
// being read or written; per-chunk results live in slot i % pipeline_window(threads).
inline std::size_t pipeline_window(int threads) { return static_cast<std::size_t>(std::clamp(threads, 1, 64)) + 1; }

// ordered_pipeline: items 0..n-1 pass three stages on up to `threads` threads (the calling one
// included): read(i) runs one item at a time in increasing i (a file position, a stream);
// work(i) runs on any thread, several at once; write(i) runs one item at a time in increasing
// i, on whichever thread finds item i done. So reading, encoding and writing overlap and no
// stage waits for a whole batch. At most `window` items are read and not yet written, which
// bounds memory. After an error no new item is read; items already read finish, and the
// exception of the smallest failing index is rethrown (the same one at any thread count:
// reads go in order, so every item before a failing one has been read).
template <typename Read, typename Work, typename Write>
void ordered_pipeline(std::size_t n, int threads, std::size_t window, Read&& read, Work&& work, Write&& write) {
  const std::size_t nt = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(threads, 1)));
  if (nt <= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      read(i);
      work(i);
      write(i);
    }
    return;
  }
  window = std::max<std::size_t>(window, 1);
  std::mutex read_m, m;
  std::condition_variable cv;
  std::size_t next_read = 0, written = 0;
  bool failed = false, writing = false;
  std::vector<char> done(n, 0);
  std::vector<std::exception_ptr> errors(n);
  auto fail = [&](std::size_t i) {
    const std::lock_guard<std::mutex> lock(m);
    errors[i] = std::current_exception();
    failed = true;
    cv.notify_all();
  };
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock<std::mutex> rl(read_m);
        {
          std::unique_lock<std::mutex> lock(m);
          cv.wait(lock, [&] { return failed || next_read >= n || next_read < written + window; });
          if (failed || next_read >= n) return;
        }
        i = next_read++;
        try {
          read(i);
        } catch (...) {
          fail(i);
          return;
        }
      }
      try {
        work(i);
      } catch (...) {
        fail(i);
        return;
      }
      std::unique_lock<std::mutex> lock(m);
      done[i] = 1;
      if (writing) continue;  // the thread writing now also writes this item when its turn comes
      writing = true;
      while (!failed && written < n && done[written]) {
        const std::size_t k = written;
        lock.unlock();
        try {
          write(k);
        } catch (...) {
          lock.lock();
          errors[k] = std::current_exception();
          failed = true;
          break;
        }
        lock.lock();
        ++written;
        cv.notify_all();
      }
      writing = false;
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < nt; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads: fewer workers do the rest
    }
  }
  worker();
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace baler::codec
