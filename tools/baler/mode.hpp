// The tool's modes: each cmd_<mode>.cpp registers one Mode (plain subcommand + project form).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "baler/project.hpp"

namespace baler::cli {

struct Mode {
  std::string name;  // subcommand and --mode name ("train", "newProject" is "new-project" here)
  std::string help;  // one line for --help
  int order = 100;   // position in --help
  // Adds the subcommand's options to `sub`; returns what to run once the line is parsed.
  // Null: the mode has no plain subcommand.
  std::function<std::function<int()>(CLI::App& sub)> add_subcommand;
  // Runs the mode on a loaded project (--project WORKSPACE PROJECT --mode NAME).
  // Null: the mode has no project form.
  std::function<int(const Project&)> run_project;
};

std::vector<Mode>& modes();

// Registers a mode at static-initialisation time: `static ModeRegistrar reg{Mode{...}};`
struct ModeRegistrar {
  explicit ModeRegistrar(Mode m) { modes().push_back(std::move(m)); }
};

}  // namespace baler::cli
