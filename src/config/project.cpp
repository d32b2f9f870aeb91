// Baler-style projects: the folder tree under workspaces/ and the project's config file.
#include "baler/project.hpp"

#include <cstdlib>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"

namespace baler {
namespace fs = std::filesystem;

namespace {

void check_name(const std::string& name, const char* what) {
  const bool ok = !name.empty() && name != "." && name != ".." &&
                  name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
  require(ok, ErrorCode::Usage,
          std::string(what) + " name '" + name + "' is not a plain folder name");
}

void make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create folder " + dir.string() + ": " + ec.message());
}

std::string label(const std::string& workspace, const std::string& name) {
  return "'" + workspace + "/" + name + "'";
}

}  // namespace

ProjectPaths project_paths(const fs::path& workspaces_dir, const std::string& workspace,
                           const std::string& name) {
  check_name(workspace, "workspace");
  check_name(name, "project");
  ProjectPaths p;
  p.root = workspaces_dir / workspace / name;
  p.config_file = p.root / "config" / (name + "_config.toml");
  const fs::path output = p.root / "output";
  p.training = output / "training";
  p.compressed = output / "compressed_output";
  p.decompressed = output / "decompressed_output";
  p.plotting = output / "plotting";
  p.workspace_data = workspaces_dir / workspace / "data";
  return p;
}

Project create_project(const fs::path& workspaces_dir, const std::string& workspace,
                       const std::string& name) {
  return create_project(workspaces_dir, workspace, name, Config{});
}

Project create_project(const fs::path& workspaces_dir, const std::string& workspace,
                       const std::string& name, const Config& config) {
  Project project{workspace, name, project_paths(workspaces_dir, workspace, name), config};
  const ProjectPaths& p = project.paths;
  make_dir(p.root.parent_path());
  std::error_code ec;
  // create_directory reports an existing folder instead of reusing it: two newProject runs
  // never share a project.
  const bool created = fs::create_directory(p.root, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create folder " + p.root.string() + ": " + ec.message());
  if (!created)
    throw Error(ErrorCode::Io, "project " + label(workspace, name) + " exists already (" +
                                   p.root.string() + "); choose another name or remove it");
  for (const auto& dir : {p.config_file.parent_path(), p.training, p.compressed, p.decompressed,
                          p.plotting, p.workspace_data})
    make_dir(dir);
  const std::string text = config_to_toml(config, true);
  write_file_atomic(p.config_file, std::as_bytes(std::span(text.data(), text.size())));
  return project;
}

Project load_project(const fs::path& workspaces_dir, const std::string& workspace,
                     const std::string& name) {
  Project project{workspace, name, project_paths(workspaces_dir, workspace, name), Config{}};
  const ProjectPaths& p = project.paths;
  if (!fs::exists(p.root))
    throw Error(ErrorCode::Io, "no project " + label(workspace, name) + " in " +
                                   workspaces_dir.string() + "; create it first with: baler " +
                                   "--project " + workspace + " " + name + " --mode newProject");
  if (!fs::is_regular_file(p.config_file))
    throw Error(ErrorCode::Io, "project " + label(workspace, name) + " has no config file " +
                                   p.config_file.string());
  project.config = load_config(p.config_file);
  return project;
}

fs::path resolve_workspaces_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("BALER_WORKSPACES");
  if (env && *env) return env;
  return "workspaces";
}

}  // namespace baler
