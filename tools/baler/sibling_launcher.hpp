// Modes of `baler` that run in a sibling executable built beside it (baler-train, baler-plot).
// The siblings are the same command line with a heavy library linked in (LibTorch, PLplot):
// loading it would cost every start of every mode, so only the modes that need it pay.
#pragma once

#include <string>

#include "mode.hpp"

namespace baler::cli {

struct Sibling {
  std::string tool;     // file name beside this executable: "baler-train"
  std::string feature;  // what it adds, for the error when it cannot run: "training"
  std::string library;  // what it links that baler does not: "LibTorch"
};

// Replaces this process by `sibling.tool` beside /proc/self/exe, with the same arguments.
// Throws Error(NotImplemented) if it cannot.
[[noreturn]] void exec_sibling(const Sibling& sibling);

// A mode of `name`, `help` and `order` (those of the real mode, so that --help reads the same
// in every executable) whose subcommand and project form both exec `sibling`.
Mode sibling_mode(const char* name, const char* help, int order, const Sibling& sibling);

}  // namespace baler::cli
