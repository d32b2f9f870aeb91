// baler's command line: a dispatcher over the registered modes; the one place errors are printed.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "baler/error.hpp"
#include "mode.hpp"

namespace baler::cli {
std::vector<Mode>& modes() {
  static std::vector<Mode> registry;
  return registry;
}
}  // namespace baler::cli

int main(int argc, char** argv) {
  using namespace baler;
  CLI::App app{"baler: compress scientific data with autoencoders, with error bounds that hold"};
  app.set_version_flag("--version", std::string("baler ") + BALER_VERSION);
  app.require_subcommand(1);
  auto& ms = cli::modes();
  std::sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  std::function<int()> run;
  for (auto& m : ms) {
    if (!m.add_subcommand) continue;
    CLI::App* sub = app.add_subcommand(m.name, m.help);
    auto fn = m.add_subcommand(*sub);
    sub->callback([&run, fn] { run = fn; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_status(ErrorCode::Usage);
  }
  try {
    return run ? run() : exit_status(ErrorCode::Usage);
  } catch (const Error& e) {
    std::fprintf(stderr, "baler: error (%s): %s\n", error_code_name(e.code()), e.what());
    return exit_status(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "baler: internal error: %s\n", e.what());
    return exit_status(ErrorCode::Internal);
  }
}
