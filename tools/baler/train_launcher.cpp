// `baler` without LibTorch: train and diagnose run in the sibling tool `baler-train`, which is
// the same command line with LibTorch linked in. Loading LibTorch's ~300 shared libraries
// costs about a second at every start, so only the modes that train or run the network pay it.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unistd.h>

#include "mode.hpp"

namespace baler::cli {
namespace {

// Replaces this process by baler-train with the same arguments. Throws if it cannot.
[[noreturn]] void exec_training_tool() {
  // Only the baler-train beside this executable: never one found in the working folder (a
  // binary planted in a data folder would run).
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || !self.is_absolute())
    throw Error(ErrorCode::NotImplemented, "cannot locate baler-train: this executable's path is unknown (" +
                                               (ec ? ec.message() : self.string()) + ")");
  const auto tool = self.parent_path() / "baler-train";
  std::vector<char*> args;
  for (auto& a : original_args()) args.push_back(a.data());
  args.push_back(nullptr);
  std::fflush(nullptr);
  // OpenMP's waiting threads spin by default: on a busy machine (or two trainings on two
  // cores) an epoch took 3-60x longer. Read by the OpenMP runtime when it loads, so it is set
  // here, before baler-train starts; a value the user set is kept.
  ::setenv("OMP_WAIT_POLICY", "passive", 0);
  ::execv(tool.c_str(), args.data());
  throw Error(ErrorCode::NotImplemented, "training is not built into this baler: cannot run " +
                                             tool.string() + " (" + std::strerror(errno) + ")");
}

Mode launcher(const char* name, const char* help, int order) {
  Mode m;
  m.name = name;
  m.help = help;
  m.order = order;
  m.add_subcommand = [](CLI::App& sub) -> std::function<int()> {
    // Everything after the mode name is left to baler-train, --help included (baler-train's
    // help lists the mode's options; this one knows none of them).
    sub.fallthrough(false);
    sub.prefix_command();
    sub.set_help_flag();
    return []() -> int { exec_training_tool(); };
  };
  m.run_project_ref = [](const ProjectRef&) -> int { exec_training_tool(); };
  return m;
}

const ModeRegistrar train_reg{launcher(
    "train", "derive the configured model from a data set: a table model (relations between columns) or an autoencoder", 20)};
const ModeRegistrar diagnose_reg{launcher(
    "diagnose", "neural activation pattern of the trained model on the data (table, activations.npy, plots)",
    25)};

}  // namespace
}  // namespace baler::cli
