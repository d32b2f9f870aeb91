// Tests of Baler-style projects: folder tree, config file, refusal to overwrite, loading.
#include <fstream>

#include "baler/error.hpp"
#include "baler/project.hpp"
#include "error_of.hpp"
#include "test_support.hpp"

using namespace baler;
namespace fs = std::filesystem;

TEST(Project, CreateMakesBalerTreeAndConfig) {
  test::TempDir tmp;
  const Project p = create_project(tmp.path() / "workspaces", "ws", "proj");
  const fs::path root = tmp.path() / "workspaces" / "ws" / "proj";
  EXPECT_EQ(p.paths.root, root);
  EXPECT_EQ(p.paths.config_file, root / "config" / "proj_config.toml");
  for (const char* sub : {"training", "compressed_output", "decompressed_output", "plotting"})
    EXPECT_TRUE(fs::is_directory(root / "output" / sub)) << sub;
  EXPECT_TRUE(fs::is_directory(tmp.path() / "workspaces" / "ws" / "data"));
  ASSERT_TRUE(fs::is_regular_file(p.paths.config_file));
  EXPECT_EQ(load_config(p.paths.config_file), Config{});
  // No temporary file is left beside the config.
  EXPECT_EQ(std::distance(fs::directory_iterator(root / "config"), fs::directory_iterator{}), 1);
}

TEST(Project, CreateWithConfigThenLoad) {
  test::TempDir tmp;
  Config c;
  c.data.input_path = "/data/x.npz";
  c.training.epochs = 3;
  create_project(tmp.path(), "ws", "p", c);
  const Project loaded = load_project(tmp.path(), "ws", "p");
  EXPECT_EQ(loaded.config, c);
  EXPECT_EQ(loaded.workspace, "ws");
  EXPECT_EQ(loaded.name, "p");
}

TEST(Project, ExistingProjectIsRefusedAndKept) {
  test::TempDir tmp;
  Config c;
  c.training.epochs = 9;
  const Project p = create_project(tmp.path(), "ws", "p", c);
  const std::string msg =
      test::error_of([&] { create_project(tmp.path(), "ws", "p"); }, ErrorCode::Io);
  EXPECT_NE(msg.find("exists already"), std::string::npos) << msg;
  EXPECT_EQ(load_config(p.paths.config_file).training.epochs, 9);
  create_project(tmp.path(), "ws", "other");  // a second project in the same workspace is fine
}

TEST(Project, MissingProjectSaysRunNewProject) {
  test::TempDir tmp;
  const std::string msg =
      test::error_of([&] { load_project(tmp.path(), "ws", "nope"); }, ErrorCode::Io);
  EXPECT_NE(msg.find("--mode newProject"), std::string::npos) << msg;
}

TEST(Project, BadConfigInProjectIsConfigError) {
  test::TempDir tmp;
  const Project p = create_project(tmp.path(), "ws", "p");
  std::string text;
  {
    std::ifstream in(p.paths.config_file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("\nepochs = ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "\nepoch ");  // the typo a user makes
  std::ofstream(p.paths.config_file) << text;
  const std::string msg =
      test::error_of([&] { load_project(tmp.path(), "ws", "p"); }, ErrorCode::Config);
  EXPECT_NE(msg.find("'training.epoch'"), std::string::npos) << msg;
}

TEST(Project, NamesMustBePlainFolderNames) {
  test::TempDir tmp;
  for (const char* bad : {"", ".", "..", "a/b"}) {
    test::error_of([&] { create_project(tmp.path(), bad, "p"); }, ErrorCode::Usage);
    test::error_of([&] { create_project(tmp.path(), "ws", bad); }, ErrorCode::Usage);
  }
}

TEST(Project, WorkspacesDirFromFlagEnvOrDefault) {
  EXPECT_EQ(resolve_workspaces_dir("/x"), fs::path("/x"));
  ::setenv("BALER_WORKSPACES", "/from/env", 1);
  EXPECT_EQ(resolve_workspaces_dir(""), fs::path("/from/env"));
  EXPECT_EQ(resolve_workspaces_dir("flag"), fs::path("flag"));
  ::unsetenv("BALER_WORKSPACES");
  EXPECT_EQ(resolve_workspaces_dir(""), fs::path("workspaces"));
}
