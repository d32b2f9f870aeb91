// The tool's modes: each cmd_<mode>.cpp registers one Mode (plain subcommand + project form).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "baler/config.hpp"
#include "baler/io.hpp"
#include "baler/project.hpp"

namespace baler::cli {

// Where a project is, before it is loaded (newProject creates it).
struct ProjectRef {
  std::filesystem::path workspaces_dir;
  std::string workspace;
  std::string name;
};

struct Mode {
  std::string name;  // subcommand name ("new-project"); --mode accepts it and its camelCase
                     // form ("newProject")
  std::string help;  // one line for --help
  int order = 100;   // position in --help
  // Adds the subcommand's options to `sub`; returns what to run once the line is parsed.
  // Null: the mode has no plain subcommand.
  std::function<std::function<int()>(CLI::App& sub)> add_subcommand;
  // Runs the mode on a loaded project (--project WORKSPACE PROJECT --mode NAME); the config
  // already has the --set overrides applied. Null: the mode has no project form.
  std::function<int(const Project&)> run_project;
  // For modes that act on a project that may not exist yet (newProject): gets its location.
  std::function<int(const ProjectRef&)> run_project_ref;
};

std::vector<Mode>& modes();

// The command line as given (set by main before parsing), for handing over to another tool.
std::vector<std::string>& original_args();

// Registers a mode at static-initialisation time: `static ModeRegistrar reg{Mode{...}};`
struct ModeRegistrar {
  explicit ModeRegistrar(Mode m) { modes().push_back(std::move(m)); }
};

// Options of the whole tool, set by main before a mode runs.
struct GlobalOptions {
  bool quiet = false;                  // --quiet: no progress, notes or confirmations (docs/CLI.md)
  bool verbose = false;                // --verbose (Baler's flag): accepted, no effect yet
  std::string workspaces;              // --workspaces DIR (else $BALER_WORKSPACES, "workspaces")
  std::vector<std::string> overrides;  // project form: --set section.key=value, in order
  std::string input;                   // project form, newProject only: --input FILE
  std::string csv_header = "auto";     // --header / --no-header: CSV first row names / data
  std::string csv_delimiter;           // --delimiter: text tables' field separator ("" = from the file)
  bool strict = false;                 // --strict: a left-out note is an error (incomplete, exit 12)
};
GlobalOptions& global_options();

// Read options whose notes (e.g. ROOT branches skipped) go to stderr unless --quiet.
ReadOptions cli_read_options();
// The same, with the kind and columns of a configuration's [data] section.
ReadOptions cli_read_options(const DataConfig& data);

// `--config FILE` and repeatable `--set section.key=value` for a plain subcommand:
//   auto src = std::make_shared<ConfigSource>(); add_config_options(sub, *src);
//   ... later: Config c = src->load();   // file (or defaults), then overrides in order
struct ConfigSource {
  std::string file;
  std::vector<std::string> overrides;
  Config load() const {
    Config c = file.empty() ? Config{} : load_config(file);
    for (const auto& o : overrides) apply_override(c, o);
    return c;
  }
};
inline void add_config_options(CLI::App& sub, ConfigSource& src) {
  sub.add_option("--config,-c", src.file, "configuration file (TOML, docs/CONFIG.md)");
  sub.add_option("--set", src.overrides, "override a config option: section.key=value (repeatable)")
      ->allow_extra_args(false)
      ->default_str("");
}

// `baler info` for formats read outside the io library (the .baler container): the owner of
// the format registers a printer: `static InfoRegistrar r{FileFormat::Baler, print_fn};`.
using InfoPrinter = std::function<void(const std::string& spec, std::ostream& out)>;
std::map<FileFormat, InfoPrinter>& info_printers();
struct InfoRegistrar {
  InfoRegistrar(FileFormat format, InfoPrinter printer) {
    info_printers()[format] = std::move(printer);
  }
};
// Prints what `baler info SPEC` prints (used by info's project form and by other modes).
void print_file_info(const std::string& spec, std::ostream& out);

}  // namespace baler::cli
