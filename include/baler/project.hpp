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
// Throws Error(Io) if the project exists already.
Project create_project(const std::filesystem::path& workspaces_dir, const std::string& workspace,
                       const std::string& name);
// Loads an existing project (its config file). Throws Error(Io|Config).
Project load_project(const std::filesystem::path& workspaces_dir, const std::string& workspace,
                     const std::string& name);

}  // namespace baler
