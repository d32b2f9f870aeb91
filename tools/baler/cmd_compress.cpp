// `baler compress IN -o OUT.baler` / `--mode compress`: data file -> one .baler container.
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "batch.hpp"
#include "codec_cli.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace fs = std::filesystem;
namespace {

void print_summary(const CompressSummary& s, const fs::path& out) {
  if (global_options().quiet) return;
  std::printf("wrote %s: %llu bytes, ratio %.3f (%s)", out.c_str(), static_cast<unsigned long long>(s.file_bytes),
              compression_ratio(s.raw_f32_bytes, s.file_bytes), kRatioDefinition);
  std::printf("; model: %s", s.model_storage.c_str());
  if (s.model_bytes) std::printf(", %llu bytes", static_cast<unsigned long long>(s.model_bytes));
  std::printf("\n");
  for (const auto& c : s.columns) {
    char abs_text[32] = "-";  // a `none` column has no bound
    if (c.requested.kind != BoundKind::None) std::snprintf(abs_text, sizeof abs_text, "%.6g", c.abs_bound);
    std::printf("  %-24s %-8s %-14s abs %-12s %-26s %9llu bytes  %llu exact-stored  max err %.6g",
                c.name.c_str(), c.dtype.c_str(), bound_string(c.requested).c_str(), abs_text, c.methods.c_str(),
                static_cast<unsigned long long>(c.bytes), static_cast<unsigned long long>(c.outliers), c.max_error);
    if (!c.relation.empty()) std::printf("  [%s; saved %lld bytes]", c.relation.c_str(), static_cast<long long>(c.model_saved));
    std::printf("\n");
  }
}

// `progress`: a progress line on the terminal (one file at a time only).
CompressSummary run(const std::string& in, const fs::path& out, CompressOptions o, const ReadOptions& ro,
                    const std::string& model_path, bool progress = true) {
  const DataSpec spec = parse_data_spec(in);
  if (auto bundle = bundle_input(spec, ro)) {
    const auto model = load_optional_model(model_path);
    model.attach(o);
    return compress_bundle(spec, std::move(*bundle), out, o, ro, progress ? bundle_progress() : BundleProgress{});
  }
  const auto source = open_data_source(spec, ro);  // read in chunks (CSV and ROOT: whole)
  const auto model = load_optional_model(model_path);
  model.attach(o);
  o.source_format = recorded_format_name(spec);
  o.source_name = spec.path.filename().string();
  std::optional<Progress> bar;
  if (progress) o.on_progress = Progress::start(bar, spec.path.filename().string(), source->layout());
  return compress_source(*source, out, o);
}

int project_compress(const Project& p) {
  const auto& cfg = p.config;
  require(!cfg.data.input_path.empty(), ErrorCode::Config, "data.input_path is not set in " + p.paths.config_file.string());
  CompressOptions o = compress_options_from_config(cfg.compression);
  o.threads = threads_or_all_cores(cfg.training.threads);  // 0 = every core, as -j
  const fs::path model = p.paths.training / kModelFileName;
  const DataSpec spec = parse_data_spec(cfg.data.input_path);
  const fs::path out = p.paths.compressed / (spec.path.stem().string() + ".baler");
  const ReadOptions ro = cli_read_options(cfg.data);
  std::error_code ec;
  fs::create_directories(p.paths.compressed, ec);
  CompressSummary s;
  try {
    s = run(cfg.data.input_path, out, o, ro, fs::exists(model) ? model.string() : "");
  } catch (const Error& e) {
    // Only a model the deterministic kernel truly cannot run (a sample larger than a chunk, a
    // layer it lacks) falls back to compressing without it; a model that does not fit the
    // data (ModelMismatch) or a bound `none` without a usable model stays an error.
    bool needs_model = o.bound.kind == BoundKind::None;
    for (const auto& [name, b] : o.column_bounds) needs_model |= b.kind == BoundKind::None;
    if (e.code() != ErrorCode::Unsupported || !fs::exists(model) || needs_model) throw;
    std::fprintf(stderr, "baler: note: %s; compressing without the model\n", e.what());
    s = run(cfg.data.input_path, out, o, ro, "");
  }
  print_summary(s, out);
  return 0;
}

struct Args {
  std::vector<std::string> in;
  std::string out, out_dir, bound, storage, precision, model, kind = "auto";
  bool learn = false;
  std::vector<std::string> column_bounds, columns;
  std::int64_t chunk_rows = 0;
  int threads = 0;  // 0: every core
  ConfigSource config;
};

const std::set<FileFormat> kDataFormats = {FileFormat::Npy, FileFormat::Npz, FileFormat::Csv, FileFormat::Hdf5,
                                           FileFormat::Root};

// Many inputs (or -O DIR): each into DIR/STEM.baler (else beside it), -j files at a time.
int compress_many(const Args& a, const std::vector<fs::path>& inputs, const CompressOptions& o, const ReadOptions& ro) {
  require(a.out.empty(), ErrorCode::Usage, "-o names one output file; with several inputs give -O DIR");
  std::vector<fs::path> files, outs;  // files: "f.h5:/ds" -> f.h5
  for (const auto& in : inputs) {
    files.push_back(parse_data_spec(in.string()).path);
    outs.push_back(a.out_dir.empty() ? fs::path(files.back()).replace_extension(".baler")
                                     : fs::path(a.out_dir) / files.back().filename().replace_extension(".baler"));
  }
  check_distinct_outputs(inputs, outs);
  if (!a.out_dir.empty()) make_output_dir(a.out_dir);  // after every check of the line
  CompressOptions one = o;
  one.threads = file_threads(inputs.size(), a.threads);
  return run_batch(inputs, a.threads, "compressed", global_options().quiet, [&](std::size_t i) {
    check_output(files[i], outs[i]);
    const CompressSummary s = run(inputs[i].string(), outs[i], one, ro, a.model, false);
    char line[64];
    std::snprintf(line, sizeof line, ": %llu bytes, ratio %.3f", static_cast<unsigned long long>(s.file_bytes),
                  compression_ratio(s.raw_f32_bytes, s.file_bytes));
    std::error_code ec;
    const auto in_bytes = fs::file_size(files[i], ec);
    return BatchResult{inputs[i].string() + " -> " + outs[i].string() + line, ec ? 0 : in_bytes, s.file_bytes, 0};
  });
}

int plain_compress(const Args& a) {
  const Config cfg = a.config.load();
  CompressOptions o = compress_options_from_config(cfg.compression);
  if (!a.bound.empty()) o.bound = parse_error_bound(a.bound);
  for (const auto& cb : a.column_bounds) {
    const auto eq = cb.find('=');
    require(eq != std::string::npos && eq > 0, ErrorCode::Usage, "--column-bound wants NAME=BOUND, got '" + cb + "'");
    o.column_bounds[cb.substr(0, eq)] = parse_error_bound(cb.substr(eq + 1));
  }
  if (!a.storage.empty()) {
    require(a.storage == "embedded" || a.storage == "external", ErrorCode::Usage,
            "--model-storage is embedded or external, got '" + a.storage + "'");
    o.external_model = a.storage == "external";
  }
  if (!a.precision.empty()) o.weight_precision = a.precision;
  if (a.chunk_rows > 0) o.chunk_rows = a.chunk_rows;
  o.threads = a.threads;
  o.learn = a.learn;
  ReadOptions ro = cli_read_options();
  ro.kind = a.kind;
  ro.columns = a.columns;
  const auto inputs = expand_inputs(a.in, kDataFormats);
  if (!is_one_file(a.in, inputs, a.out_dir)) return compress_many(a, inputs, o, ro);
  const fs::path out = a.out.empty() ? fs::path(parse_data_spec(a.in[0]).path).replace_extension(".baler") : fs::path(a.out);
  check_output(parse_data_spec(a.in[0]).path, out);
  print_summary(run(a.in[0], out, o, ro, a.model), out);
  return 0;
}

const ModeRegistrar reg{Mode{
    "compress",
    "compress a data file into one .baler container with error bounds that hold",
    30,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<Args>();
      sub.add_option("IN", a->in,
                     "data files, folders or globs (npy, npz, csv, h5, root; \"file.h5:/ds\" picks one object)")
          ->required();
      sub.add_option("-o,--output", a->out, "output .baler file (one input; default: IN with .baler)");
      sub.add_option("-O,--output-dir", a->out_dir, "folder for the outputs (DIR/STEM.baler; created if missing)");
      sub.add_option("--error-bound,-e", a->bound, "default bound: abs=X, rel=X (x column range), pw_rel=X, exact, none");
      sub.add_option("--column-bound", a->column_bounds, "NAME=BOUND for one column (NAME may be a glob); repeatable");
      sub.add_option("--model,-m", a->model, "model file (.balermodel): an autoencoder or a table model");
      sub.add_flag("--learn", a->learn,
                   "derive a table model of this input (relations between columns) and embed it");
      sub.add_option("--model-storage", a->storage, "embedded (decoder inside the file) or external (hash only)");
      sub.add_option("--weight-precision", a->precision, "embedded decoder weights: auto, f32, f16, int8");
      sub.add_option("--chunk-rows", a->chunk_rows, "rows (tables) or frames (fields) per chunk");
      sub.add_option("--kind", a->kind, "auto, table or field")->capture_default_str();
      sub.add_option("--columns", a->columns,
                     "table columns to keep (names or globs; ROOT: branches, e.g. 'Jet_*' for one row per jet)");
      sub.add_option("--threads,-j", a->threads,
                     "worker threads (default: every core); with several inputs, files at a time (output does not depend on it)");
      add_config_options(sub, a->config);
      return [a] {
        a->threads = threads_or_all_cores(a->threads);
        return plain_compress(*a);
      };
    },
    project_compress,
    nullptr,
}};

// `baler info X.baler` / `baler info X.balermodel`.
const InfoRegistrar info_reg{FileFormat::Baler, [](const std::string& spec, std::ostream& out) {
                               out << describe_container(container_ref(spec));
                             }};

}  // namespace
}  // namespace baler::cli
