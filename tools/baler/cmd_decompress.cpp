// `baler decompress X.baler -o OUT` / `--mode decompress`: container -> data file (input's
// format, dtype and shape by default).
#include <cstdio>
#include <memory>

#include "batch.hpp"
#include "codec_cli.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace fs = std::filesystem;
namespace {

// Decodes `in` chunk by chunk straight into the output file (written atomically); a progress
// line on the terminal when `progress`. Returns the path written.
fs::path write_output(const ContainerRef& in, DecompressOptions o, const fs::path& out, const std::string& format,
                      bool progress = true) {
  DataSpec spec = parse_data_spec(out.string());
  if (!format.empty()) spec.format = parse_format(format);
  require(spec.format != FileFormat::Unknown && spec.format != FileFormat::Baler, ErrorCode::Usage,
          "cannot write " + out.string() + ": give an extension (.npz, .npy, .csv, .h5, .root) or --format");
  if (spec.format == FileFormat::Npy) refuse_npy_names_over_input(in.path, spec.path);
  if (in.member.empty())
    if (const auto bundle = read_bundle(in.path)) {
      decompress_bundle(in.path, *bundle, o, spec, progress ? bundle_progress() : BundleProgress{});
      return spec.path;
    }
  const DataLayout layout = container_layout(in, o);
  const auto sink = open_data_sink(spec, layout);
  std::optional<Progress> bar;
  if (progress) o.on_progress = Progress::start(bar, in.path.filename().string(), layout);
  decompress_into(in, *sink, o);
  sink->commit();
  return spec.path;
}

int project_decompress(const Project& p) {
  const auto& cfg = p.config;
  require(!cfg.data.input_path.empty(), ErrorCode::Config, "data.input_path is not set in " + p.paths.config_file.string());
  const DataSpec spec = parse_data_spec(cfg.data.input_path);
  const std::string stem = spec.path.stem().string();
  const fs::path in = p.paths.compressed / (stem + ".baler");
  require(fs::exists(in), ErrorCode::Io, in.string() + " does not exist; run --mode compress first");
  const fs::path model = p.paths.training / kModelFileName;
  const auto m = load_optional_model(fs::exists(model) ? model.string() : "");
  DecompressOptions o;
  m.attach(o);
  o.threads = threads_or_all_cores(cfg.training.threads);  // 0 = every core, as -j
  o.on_note = cli_read_options().on_note;
  std::string format = cfg.compression.output_format;
  if (format == "auto") format = source_format_of(in);
  std::error_code ec;
  fs::create_directories(p.paths.decompressed, ec);
  const std::string ext = data_extension(format);
  const fs::path written = write_output(in, o, p.paths.decompressed / (stem + ext), ext.substr(1));
  if (!global_options().quiet) std::printf("wrote %s\n", written.c_str());
  return 0;
}

struct Args {
  std::vector<std::string> in;
  std::string out, out_dir, format, rows, model;
  int threads = 0;  // 0: every core
  bool rntuples_as_ttrees = false;
};

// Many containers (or -O DIR): each into DIR/STEM.EXT (EXT from --format, else the format the
// container was made from), -j files at a time.
int decompress_many(const Args& a, const std::vector<fs::path>& inputs, const DecompressOptions& o) {
  require(a.out.empty(), ErrorCode::Usage, "-o names one output file; with several inputs give -O DIR");
  require(!a.out_dir.empty(), ErrorCode::Usage, "several inputs need -O DIR for the outputs");
  std::vector<fs::path> outs;
  for (const auto& in : inputs) {
    std::string ext = ".npz";
    try {  // a container that cannot be read fails in its own job
      ext = data_extension(a.format.empty() ? source_format_of(container_ref(in.string())) : a.format);
    } catch (const Error&) {
    }
    outs.push_back(fs::path(a.out_dir) / fs::path(in.filename()).replace_extension(ext));
  }
  check_distinct_outputs(inputs, outs);
  make_output_dir(a.out_dir);  // after every check of the line
  DecompressOptions one = o;
  one.threads = file_threads(inputs.size(), a.threads);
  return run_batch(inputs, a.threads, "decompressed", global_options().quiet, [&](std::size_t i) {
    check_output(inputs[i], outs[i]);
    const fs::path written = write_output(container_ref(inputs[i].string()), one, outs[i], a.format, false);
    std::error_code ec;
    const auto in_bytes = fs::file_size(inputs[i], ec);
    const auto out_bytes = fs::file_size(written, ec);
    return BatchResult{inputs[i].string() + " -> " + written.string(), in_bytes, ec ? 0 : out_bytes, 0};
  });
}

int plain_decompress(const Args& a) {
  const auto m = load_optional_model(a.model);
  DecompressOptions o;
  m.attach(o);
  o.threads = a.threads;
  o.rntuples_as_ttrees = a.rntuples_as_ttrees;
  o.on_note = cli_read_options().on_note;  // --strict refuses a left-out note
  if (!a.rows.empty()) parse_rows(a.rows, o);
  const auto inputs = expand_inputs(a.in, {FileFormat::Baler});
  if (!is_one_file(a.in, inputs, a.out_dir)) return decompress_many(a, inputs, o);
  require(!a.out.empty(), ErrorCode::Usage, "give the output file with -o FILE (or a folder with -O DIR)");
  const ContainerRef in = container_ref(a.in[0]);
  const fs::path out = parse_data_spec(a.out).path;
  check_output(in.path, out);
  std::string format = a.format;
  if (format.empty() && format_from_path(a.out) == FileFormat::Unknown) {
    // No extension: the input's format. An extension baler does not write is a mistake.
    if (!out.extension().empty())
      throw Error(ErrorCode::Usage, "cannot write " + out.string() + ": unknown extension '" +
                                        out.extension().string() + "'; use .npz, .npy, .csv, .h5 or --format");
    format = data_extension(source_format_of(in)).substr(1);
  }
  const fs::path written = write_output(in, o, a.out, format);
  if (!global_options().quiet) std::printf("wrote %s\n", written.c_str());
  return 0;
}

const ModeRegistrar reg{Mode{
    "decompress",
    "decompress a .baler container back to a data file",
    40,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<Args>();
      sub.add_option("IN", a->in, ".baler containers, folders or globs")->required();
      sub.add_option("-o,--output", a->out, "output data file (.npz, .npy, .csv, .h5), for one input");
      sub.add_option("-O,--output-dir", a->out_dir, "folder for the outputs (DIR/STEM.EXT; created if missing)");
      sub.add_option("--format,-f", a->format, "output format (default: from -o's extension, else the input's)");
      sub.add_option("--rows", a->rows, "A:B decodes rows (or frames) A to B-1 only");
      sub.add_option("--model,-m", a->model, "the model file, for containers compressed with an external model");
      sub.add_option("--threads,-j", a->threads,
                     "worker threads (default: every core); with several inputs, files at a time (output does not depend on it)");
      sub.add_flag("--rntuple-as-ttree", a->rntuples_as_ttrees,
                   "writing .root: each RNTuple as a TTree of its columns (default: as an RNTuple)");
      return [a] {
        a->threads = threads_or_all_cores(a->threads);
        return plain_decompress(*a);
      };
    },
    project_decompress,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
