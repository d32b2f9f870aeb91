// `baler decompress X.baler -o OUT` / `--mode decompress`: container -> data file (input's
// format, dtype and shape by default).
#include <cstdio>
#include <memory>

#include "codec_cli.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace fs = std::filesystem;
namespace {

// Decodes `in` chunk by chunk straight into the output file (written atomically).
void write_output(const fs::path& in, const DecompressOptions& o, const fs::path& out, const std::string& format) {
  DataSpec spec = parse_data_spec(out.string());
  if (!format.empty()) spec.format = parse_format(format);
  require(spec.format != FileFormat::Unknown && spec.format != FileFormat::Baler && spec.format != FileFormat::Root,
          ErrorCode::Usage, "cannot write " + out.string() + ": give an extension (.npz, .npy, .csv, .h5) or --format");
  const auto sink = open_data_sink(spec, container_layout(in, o));
  decompress_into(in, *sink, o);
  sink->commit();
  if (!global_options().quiet) std::printf("wrote %s\n", spec.path.c_str());
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
  o.threads = cfg.training.threads > 0 ? cfg.training.threads : 1;
  std::string format = cfg.compression.output_format;
  if (format == "auto") format = read_container_description(in).source_format;
  std::error_code ec;
  fs::create_directories(p.paths.decompressed, ec);
  const std::string ext = data_extension(format);
  write_output(in, o, p.paths.decompressed / (stem + ext), ext.substr(1));
  return 0;
}

struct Args {
  std::string in, out, format, rows, model;
  int threads = 1;
};

int plain_decompress(const Args& a) {
  const auto m = load_optional_model(a.model);
  DecompressOptions o;
  m.attach(o);
  o.threads = a.threads;
  if (!a.rows.empty()) parse_rows(a.rows, o);
  const fs::path out = parse_data_spec(a.out).path;
  check_output(a.in, out);
  std::string format = a.format;
  if (format.empty() && format_from_path(a.out) == FileFormat::Unknown) {
    // No extension: the input's format. An extension baler does not write is a mistake.
    if (!out.extension().empty())
      throw Error(ErrorCode::Usage, "cannot write " + out.string() + ": unknown extension '" +
                                        out.extension().string() + "'; use .npz, .npy, .csv, .h5 or --format");
    format = data_extension(read_container_description(a.in).source_format).substr(1);
  }
  write_output(a.in, o, a.out, format);
  return 0;
}

const ModeRegistrar reg{Mode{
    "decompress",
    "decompress a .baler container back to a data file",
    40,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<Args>();
      sub.add_option("IN", a->in, ".baler container")->required();
      sub.add_option("-o,--output", a->out, "output data file (.npz, .npy, .csv, .h5)")->required();
      sub.add_option("--format,-f", a->format, "output format (default: from -o's extension, else the input's)");
      sub.add_option("--rows", a->rows, "A:B decodes rows (or frames) A to B-1 only");
      sub.add_option("--model,-m", a->model, "the model file, for containers compressed with an external model");
      sub.add_option("--threads,-j", a->threads, "worker threads (output does not depend on it)")->capture_default_str();
      return [a] { return plain_decompress(*a); };
    },
    project_decompress,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
