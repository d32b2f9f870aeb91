// baler's command line: a dispatcher over the registered modes; the one place errors are printed.
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "baler/error.hpp"
#include "baler/atomic_file.hpp"
#include "mode.hpp"

namespace baler::cli {

std::vector<Mode>& modes() {
  static std::vector<Mode> registry;
  return registry;
}

std::vector<std::string>& original_args() {
  static std::vector<std::string> args;
  return args;
}

GlobalOptions& global_options() {
  static GlobalOptions options;
  return options;
}

ReadOptions cli_read_options() {
  ReadOptions options;
  options.csv_header = global_options().csv_header;
  options.csv_delimiter = global_options().csv_delimiter;
  options.on_note = [](const std::string& note) {
    if (global_options().strict && is_left_out_note(note))
      throw Error(ErrorCode::Incomplete, note.substr(kLeftOutNote.size()) +
                                             " would be left out of the output (--strict: nothing may be)");
    if (!global_options().quiet) std::fprintf(stderr, "baler: note: %s\n", note.c_str());
  };
  return options;
}

ReadOptions cli_read_options(const DataConfig& data) {
  ReadOptions options = cli_read_options();
  options.kind = data.kind;
  options.columns = data.columns;
  return options;
}

std::map<FileFormat, InfoPrinter>& info_printers() {
  static std::map<FileFormat, InfoPrinter> printers;
  return printers;
}

namespace {

// Baler's --mode names, answered even before their mode is built (then: exit 11).
const std::vector<std::string> kBalerModes = {"newProject", "train",  "compress", "decompress",
                                              "plot",       "info",   "diagnose"};

// "new-project" -> "newProject".
std::string camel_case(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (name[i] == '-' && i + 1 < name.size()) out += static_cast<char>(std::toupper(name[++i]));
    else out += name[i];
  return out;
}

bool has_project_form(const Mode& m) { return m.run_project || m.run_project_ref; }

// Every name --mode accepts, Baler's first.
std::vector<std::string> project_mode_names() {
  std::vector<std::string> names = kBalerModes;
  for (const auto& m : modes())
    if (has_project_form(m) && std::find(names.begin(), names.end(), camel_case(m.name)) == names.end())
      names.push_back(camel_case(m.name));
  return names;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// --project WORKSPACE PROJECT --mode MODE
int run_project_mode(const std::vector<std::string>& project, const std::string& mode_name) {
  const auto& g = global_options();
  const Mode* mode = nullptr;
  for (const auto& m : modes())
    if (m.name == mode_name || camel_case(m.name) == mode_name) mode = &m;
  const bool baler_mode =
      std::find(kBalerModes.begin(), kBalerModes.end(), mode_name) != kBalerModes.end();
  if (!mode && baler_mode)
    throw Error(ErrorCode::NotImplemented, "mode '" + mode_name + "' is not built yet");
  if (!mode) {
    const std::string hint = nearest_name(mode_name, project_mode_names());
    throw Error(ErrorCode::Usage, "unknown mode '" + mode_name + "'" +
                                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                      "; valid modes: " + joined(project_mode_names()));
  }
  if (!has_project_form(*mode))
    throw Error(ErrorCode::Usage, "mode '" + mode_name + "' has no project form; run 'baler " +
                                      mode->name + " --help'");
  const ProjectRef ref{resolve_workspaces_dir(g.workspaces), project[0], project[1]};
  if (!g.input.empty() && !mode->run_project_ref)
    throw Error(ErrorCode::Usage, "--input is for --mode newProject; to change the input of an "
                                  "existing project use --set data.input_path=FILE");
  if (mode->run_project_ref) return mode->run_project_ref(ref);
  Project p = load_project(ref.workspaces_dir, ref.workspace, ref.name);
  for (const auto& o : g.overrides) apply_override(p.config, o);
  return mode->run_project(p);
}

std::string help_footer() {
  std::string text =
      "\nBaler's project form:\n"
      "  baler --project WORKSPACE PROJECT --mode MODE [--set section.key=value ...]\n"
      "  MODE: " + joined(project_mode_names()) + "\n"
      "  Files: workspaces/WORKSPACE/PROJECT/config/PROJECT_config.toml and output/{training,\n"
      "  compressed_output,decompressed_output,plotting}.\n";
  std::vector<std::string> missing;
  for (const auto& name : kBalerModes) {
    bool found = false;
    for (const auto& m : modes()) found = found || camel_case(m.name) == name;
    if (!found) missing.push_back(name);
  }
  if (!missing.empty()) text += "  Not built yet (exit 11): " + joined(missing) + "\n";
  text += "\nExit status: 0 success, else the error code: 1 internal, 2 usage, 3 config, 4 io,\n"
          "5 malformed, 6 unsupported, 7 limit, 8 corrupt, 9 model-mismatch, 10 bound-violation,\n"
          "11 not-implemented (docs/CLI.md).";
  return text;
}

// One line on stderr, whatever the message holds.
int report(ErrorCode code, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::fprintf(stderr, "baler: error (%s): %s\n", error_code_name(code), message.c_str());
  return exit_status(code);
}

// The parsed command line: the project form's values, or the chosen subcommand's runner.
struct CommandLine {
  CLI::App app{"baler: compress scientific data with autoencoders, with error bounds that hold"};
  std::vector<std::string> project;  // WORKSPACE PROJECT
  std::string mode_name;
  std::vector<CLI::Option*> project_only;  // --mode --set --input
  std::function<int()> run;
  CLI::App* chosen = nullptr;
};

void add_global_options(CommandLine& cl) {
  auto& app = cl.app;
  auto& g = global_options();
  app.name("baler");
  app.option_defaults()->always_capture_default();
  app.set_version_flag("--version", std::string("baler ") + BALER_VERSION);
  app.require_subcommand(0, 1);
  app.fallthrough();  // --quiet, --workspaces, ... also after the subcommand
  app.add_option("--project", cl.project, "Baler project form: WORKSPACE PROJECT")
      ->expected(2)
      ->type_name("WORKSPACE PROJECT")
      ->default_str("");
  cl.project_only = {
      app.add_option("--mode", cl.mode_name, "with --project: the mode to run"),
      app.add_option("--set", g.overrides,
                     "with --project: override a config option, section.key=value")
          ->default_str(""),
      app.add_option("--input", g.input, "with --mode newProject: data.input_path")};
  app.add_option("--workspaces", g.workspaces,
                 "folder of the workspaces (else $BALER_WORKSPACES, else ./workspaces)");
  app.add_flag("--quiet,-q", g.quiet, "no progress, notes or confirmations (info and verify still print theirs)");
  app.add_flag("--verbose,-v", g.verbose, "Baler's flag, accepted; output as by default");
  app.add_flag_callback("--sync", [] { set_sync_outputs(true); },
                        "fsync every output file before it takes its name (durable after a power loss); "
                        "off by default, as in zstd and gzip");
  app.add_flag("--strict", g.strict,
               "refuse (exit 12, incomplete) to write an output that leaves out any part of the input: "
               "every note that begins 'left out:' becomes this error");
  auto* header = app.add_flag_callback("--header", [&g] { g.csv_header = "yes"; },
                                       "CSV input: the first row names the columns, even if it is all numbers");
  auto* no_header = app.add_flag_callback("--no-header", [&g] { g.csv_header = "no"; },
                                          "CSV input: the first row is data (columns col0, col1, ...)");
  header->excludes(no_header);
  app.add_option("--delimiter", g.csv_delimiter,
                 "text-table input: the field separator: one character (, ; |), tab or whitespace "
                 "(default: from the extension: .csv comma, .tsv tab, .txt/.dat whitespace)");
}

void add_subcommands(CommandLine& cl) {
  auto& ms = modes();
  std::stable_sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& m : ms) {
    if (!m.add_subcommand) continue;
    CLI::App* sub = cl.app.add_subcommand(m.name, m.help);
    auto fn = m.add_subcommand(*sub);
    sub->callback([&cl, sub, fn] { cl.run = fn, cl.chosen = sub; });
  }
  cl.app.footer(help_footer());
}

// Runs what the parsed line asks for. Throws Error.
int dispatch(const CommandLine& cl) {
  const bool project_form = !cl.project.empty();
  if (project_form && cl.chosen)
    throw Error(ErrorCode::Usage, "give either --project ... --mode MODE or a subcommand ('" +
                                      cl.chosen->get_name() + "'), not both");
  for (const auto* o : cl.project_only)
    if (!project_form && o->count() > 0)
      throw Error(ErrorCode::Usage, o->get_name() + " belongs to the project form: baler "
                                    "--project WORKSPACE PROJECT --mode MODE");
  if (project_form && cl.mode_name.empty())
    throw Error(ErrorCode::Usage, "--project needs --mode; valid modes: " +
                                      joined(project_mode_names()));
  if (project_form) return run_project_mode(cl.project, cl.mode_name);
  if (!cl.run) throw Error(ErrorCode::Usage, "no mode given; see baler --help");
  return cl.run();
}

}  // namespace
}  // namespace baler::cli

// Compress and decompress allocate each chunk's buffers (up to tens of MB) and free them again.
// By default glibc maps and unmaps every such buffer, so each of its pages faults and is zeroed
// by the kernel anew: about 45 % of the time of compressing a 200 MB table or field
// (bench/results_codec.md, "Allocation"). Keep buffers up to 512 MB in the heap, where freed
// memory is reused; return it to the system only above 1 GB free.
static void keep_chunk_buffers() {
  if (mallopt(M_MMAP_THRESHOLD, 512 << 20) == 0) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int main(int argc, char** argv) {
  using namespace baler;
  using namespace baler::cli;
  keep_chunk_buffers();
  original_args().assign(argv, argv + argc);
  remove_temp_files_on_signals();  // Ctrl-C or a kill leaves no half-written output beside the target
  CommandLine cl;
  add_global_options(cl);
  add_subcommands(cl);
  try {
    cl.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cl.app.exit(e);  // --help, --version
    return report(ErrorCode::Usage, e.what());
  }
  try {
    return dispatch(cl);
  } catch (const Error& e) {
    return report(e.code(), e.what());
  } catch (const std::exception& e) {
    return report(ErrorCode::Internal, e.what());
  }
}
