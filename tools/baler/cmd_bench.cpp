// `baler bench`: registered so it answers; the benchmark runner is not built yet.
#include "mode.hpp"

namespace baler::cli {
namespace {

const ModeRegistrar reg{Mode{
    "bench",
    "compression ratio, error and speed over the example data (not built yet)",
    90,
    [](CLI::App&) -> std::function<int()> {
      return []() -> int {
        throw Error(ErrorCode::NotImplemented,
                    "'baler bench' is not built yet: the benchmark issue adds it (bench/)");
      };
    },
    nullptr,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
