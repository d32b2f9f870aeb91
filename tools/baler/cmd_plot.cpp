// `baler plot` / `--mode plot`: registered so both forms answer; the figures are not built yet.
#include "mode.hpp"

namespace baler::cli {
namespace {

[[noreturn]] void not_built() {
  throw Error(ErrorCode::NotImplemented,
              "mode 'plot' is not built yet: the figures come with the plotting issue (src/plot)");
}

const ModeRegistrar reg{Mode{
    "plot",
    "figures comparing original and decompressed data (not built yet)",
    50,
    [](CLI::App&) -> std::function<int()> { return []() -> int { not_built(); }; },
    [](const Project&) -> int { not_built(); },
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
