// One libFuzzer target: compiled once per reader with -DBALER_FUZZ_TARGET=<Target enumerator>.
#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baler::fuzz::run(baler::fuzz::Target::BALER_FUZZ_TARGET, {data, size});
  return 0;
}
