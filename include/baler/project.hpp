// Baler-style projects: workspaces/WORKSPACE/PROJECT/{config,output/...} and their config file.
#pragma once

#include <filesystem>
#include <string>

#include "baler/config.hpp"

namespace baler {

// The folders of one project, as Baler lays them out:
//   workspaces/WORKSPACE/PROJECT/config/PROJECT_config.toml
//   workspaces/WORKSPACE/PROJECT/output/{training,compressed_output,decompressed_output,plotting}
struct ProjectPaths {
  std::filesystem::path root;  // workspaces/WORKSPACE/PROJECT
  std::filesystem::path config_file;
  std::filesystem::path training;
  std::filesystem::path compressed;
  std::filesystem::path decompressed;
  std::filesystem::path plotting;
  std::filesystem::path workspace_data;  // workspaces/WORKSPACE/data (Baler keeps inputs there)
};

struct Project {
  std::string workspace;
  std::string name;
  ProjectPaths paths;
  Config config;
};

// Paths of project NAME in WORKSPACE under `workspaces_dir` (default "workspaces").
ProjectPaths project_paths(const std::filesystem::path& workspaces_dir, const std::string& workspace,
                           const std::string& name);
// Creates the folders and a config file listing every option with its default and comment.
// Throws Error(Io) if the project exists already, Error(Usage) for a workspace or project name
// that is empty, "." / "..", or contains '/'.
Project create_project(const std::filesystem::path& workspaces_dir, const std::string& workspace,
                       const std::string& name);
// The same, writing `config` (e.g. defaults with data.input_path set) instead of the defaults.
Project create_project(const std::filesystem::path& workspaces_dir, const std::string& workspace,
                       const std::string& name, const Config& config);
// Loads an existing project (its config file). Throws Error(Io|Config).
Project load_project(const std::filesystem::path& workspaces_dir, const std::string& workspace,
                     const std::string& name);

// The workspaces folder: `flag` if not empty, else $BALER_WORKSPACES if set, else "workspaces".
std::filesystem::path resolve_workspaces_dir(const std::string& flag);

}  // namespace baler
