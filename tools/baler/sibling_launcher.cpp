// Hands a mode over to a sibling executable (see sibling_launcher.hpp): train and diagnose to
// baler-train (LibTorch), plot to baler-plot (PLplot).
#include "sibling_launcher.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <vector>

#include "baler/error.hpp"

namespace baler::cli {

void exec_sibling(const Sibling& sibling) {
  // Only the sibling beside this executable: never one found in the working folder or on the
  // PATH (a binary planted in a data folder would run).
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || !self.is_absolute())
    throw Error(ErrorCode::NotImplemented, "cannot locate " + sibling.tool +
                                               ": this executable's path is unknown (" +
                                               (ec ? ec.message() : self.string()) + ")");
  const auto tool = self.parent_path() / sibling.tool;
  std::vector<char*> args;
  for (auto& a : original_args()) args.push_back(a.data());
  args.push_back(nullptr);
  std::fflush(nullptr);
  // OpenMP's waiting threads spin by default: on a busy machine (or two trainings on two
  // cores) an epoch took 3-60x longer. Read by the OpenMP runtime when it loads, so it is set
  // here, before baler-train starts (no other sibling loads OpenMP); a value the user set is kept.
  ::setenv("OMP_WAIT_POLICY", "passive", 0);
  ::execv(tool.c_str(), args.data());
  throw Error(ErrorCode::NotImplemented,
              sibling.feature + " is not built into this baler: cannot run " + tool.string() + " (" +
                  std::strerror(errno) + "), the same tool with " + sibling.library +
                  " linked in, which must be installed beside " + self.filename().string());
}

Mode sibling_mode(const char* name, const char* help, int order, const Sibling& sibling) {
  Mode m;
  m.name = name;
  m.help = help;
  m.order = order;
  m.add_subcommand = [sibling](CLI::App& sub) -> std::function<int()> {
    // Everything after the mode name is left to the sibling, --help included (its help lists
    // the mode's options; this one knows none of them).
    sub.fallthrough(false);
    sub.prefix_command();
    sub.set_help_flag();
    return [sibling]() -> int { exec_sibling(sibling); };
  };
  m.run_project_ref = [sibling](const ProjectRef&) -> int { exec_sibling(sibling); };
  return m;
}

}  // namespace baler::cli
