// ordered_pipeline and parallel_for: order of reads and writes, the window, errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "parallel_for.hpp"

namespace baler::codec {
namespace {

// Items take uneven times (later ones faster), so they finish out of order on several threads.
void uneven_pause(std::size_t i, std::size_t n) {
  std::this_thread::sleep_for(std::chrono::microseconds(200 * ((n - i) % 5)));
}

TEST(OrderedPipeline, ReadsAndWritesInOrderWithinTheWindow) {
  for (int threads : {1, 2, 3, 8}) {
    for (std::size_t window : {1, 2, 5}) {
      const std::size_t n = 37;
      std::vector<std::size_t> reads, writes;
      std::vector<int> worked(n, 0);
      std::atomic<std::size_t> read_count{0}, written_count{0}, held_max{0};
      ordered_pipeline(
          n, threads, window,
          [&](std::size_t i) {
            reads.push_back(i);  // read() runs one item at a time: no lock needed
            const std::size_t held = ++read_count - written_count;
            if (held > held_max) held_max = held;
          },
          [&](std::size_t i) {
            uneven_pause(i, n);
            ++worked[i];
          },
          [&](std::size_t i) {
            EXPECT_EQ(worked[i], 1) << "item " << i << " written before its work was done";
            writes.push_back(i);  // write() too
            ++written_count;
          });
      std::vector<std::size_t> expect(n);
      for (std::size_t i = 0; i < n; ++i) expect[i] = i;
      EXPECT_EQ(reads, expect) << threads << " threads, window " << window;
      EXPECT_EQ(writes, expect) << threads << " threads, window " << window;
      EXPECT_LE(held_max.load(), threads == 1 ? 1 : window) << threads << " threads, window " << window;
    }
  }
}

TEST(OrderedPipeline, RethrowsTheSmallestFailingItemAndStopsReading) {
  for (int threads : {1, 2, 4}) {
    std::atomic<std::size_t> reads{0};
    std::vector<std::size_t> writes;
    try {
      ordered_pipeline(
          100, threads, 4, [&](std::size_t) { ++reads; },
          [&](std::size_t i) {
            uneven_pause(i, 100);
            if (i == 9 || i == 7) throw std::runtime_error("work " + std::to_string(i));
          },
          [&](std::size_t i) { writes.push_back(i); });
      FAIL() << "no exception with " << threads << " threads";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "work 7") << threads << " threads";
    }
    // Nothing at or after the failing item is written; reading stops within the window.
    for (auto w : writes) EXPECT_LT(w, 7u);
    EXPECT_LE(reads.load(), 7u + 4u + 1u) << threads << " threads";
  }
}

TEST(OrderedPipeline, ErrorsInReadAndWriteStagesReachTheCaller) {
  for (int threads : {1, 3}) {
    EXPECT_THROW(ordered_pipeline(
                     20, threads, 3,
                     [](std::size_t i) {
                       if (i == 5) throw std::runtime_error("read");
                     },
                     [](std::size_t) {}, [](std::size_t) {}),
                 std::runtime_error);
    std::vector<std::size_t> writes;
    EXPECT_THROW(ordered_pipeline(
                     20, threads, 3, [](std::size_t) {}, [](std::size_t) {},
                     [&](std::size_t i) {
                       if (i == 4) throw std::runtime_error("write");
                       writes.push_back(i);
                     }),
                 std::runtime_error);
    EXPECT_EQ(writes, (std::vector<std::size_t>{0, 1, 2, 3}));
  }
}

TEST(OrderedPipeline, NoItemsIsNothing) {
  int calls = 0;
  ordered_pipeline(0, 4, 8, [&](std::size_t) { ++calls; }, [&](std::size_t) { ++calls; }, [&](std::size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace baler::codec
