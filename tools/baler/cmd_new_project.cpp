// `baler new-project` / `--mode newProject`: creates a Baler-style project and its config file.
#include <iostream>
#include <memory>

#include "mode.hpp"

namespace baler::cli {
namespace {

// Creates the project with the defaults, --input and the overrides applied (in that order).
int create(const ProjectRef& ref, const std::string& input, const std::vector<std::string>& sets) {
  Config config;
  if (!input.empty()) config.data.input_path = input;
  for (const auto& s : sets) apply_override(config, s);
  const Project p = create_project(ref.workspaces_dir, ref.workspace, ref.name, config);
  if (!global_options().quiet) {
    std::cout << "created project " << ref.workspace << "/" << ref.name << " in "
              << p.paths.root.string() << "\n"
              << "config: " << p.paths.config_file.string() << "\n";
    if (p.config.data.input_path.empty())
      std::cout << "next: set data.input_path in the config, then run --mode train\n";
  }
  return 0;
}

struct NewProjectArgs {
  std::string workspace, name, input;
  std::vector<std::string> overrides;
};

const ModeRegistrar reg{Mode{
    "new-project",
    "create workspaces/WORKSPACE/PROJECT with a config file listing every option",
    10,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<NewProjectArgs>();
      sub.add_option("WORKSPACE", a->workspace, "workspace folder name")->required();
      sub.add_option("PROJECT", a->name, "project folder name")->required();
      sub.add_option("--input", a->input, "data file to use (sets data.input_path)");
      sub.add_option("--set", a->overrides, "config option to write: section.key=value (repeatable)")
          ->default_str("");
      return [a] {
        const auto& g = global_options();
        return create({resolve_workspaces_dir(g.workspaces), a->workspace, a->name}, a->input,
                      a->overrides);
      };
    },
    nullptr,
    [](const ProjectRef& ref) {
      const auto& g = global_options();
      return create(ref, g.input, g.overrides);
    },
}};

}  // namespace
}  // namespace baler::cli
