// `baler plot` / `--mode plot`: figures and summary of original vs decompressed data (with the
// bounds the container records and the training loss), through baler_plot's make_plots.
#include <algorithm>
#include <iostream>
#include <memory>

#include "baler/plot.hpp"
#include "mode.hpp"
#include "plot_bounds.hpp"

namespace baler::cli {
namespace fs = std::filesystem;
namespace {

struct PlotFiles {
  std::string original, reconstructed, container, loss, out_dir;
  std::string member;  // a bundle's data set: the container's member
};

std::map<std::string, ColumnInfo> column_infos(const std::vector<StoredBound>& bounds) {
  std::map<std::string, ColumnInfo> infos;
  for (const auto& b : bounds) {
    ColumnInfo& i = infos[b.column];
    i.bound = b.bound;
    i.exact = b.exact;
    i.abs_bound = b.pointwise ? kNaN : b.abs_bound;  // a pointwise bound is not one number
    i.bytes = static_cast<std::int64_t>(b.bytes);
  }
  return infos;
}

int plot(const Config& config, const std::string& title, const PlotFiles& f) {
  require(!f.original.empty(), ErrorCode::Config,
          "no original data: set data.input_path in the configuration or give --original FILE");
  const ReadOptions ro = cli_read_options(config.data);
  const Dataset original = read_dataset(parse_data_spec(f.original), ro);
  const Dataset reconstructed = read_dataset(parse_data_spec(f.reconstructed), ro);
  PlotInputs in;
  in.title = title;
  in.original = &original;
  in.reconstructed = &reconstructed;
  if (!f.container.empty()) {
    const StoredContainer stored = stored_container(f.container, f.member);
    in.columns = column_infos(stored.bounds);
    in.raw_f32_bytes = stored.raw_f32_bytes;  // the ratio compress and info print
    in.compressed_bytes = stored.file_bytes;
  }
  if (!f.loss.empty()) in.loss = read_loss_csv(f.loss);
  const PlotReport report = make_plots(in, config.plot, f.out_dir);
  if (!global_options().quiet)
    for (const auto& file : report.files) std::cout << "wrote " << file.string() << "\n";
  return 0;
}

// The file in `dir` named like the input (any extension), or "".
std::string output_named_like(const fs::path& dir, const std::string& stem) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().stem() == stem) return e.path().string();
  return "";
}

int project_plot(const Project& p) {
  const std::string& input = p.config.data.input_path;
  require(!input.empty(), ErrorCode::Config,
          "data.input_path is not set in " + p.paths.config_file.string());
  const std::string stem = parse_data_spec(input).path.stem().string();
  PlotFiles f;
  f.original = input;
  f.reconstructed = output_named_like(p.paths.decompressed, stem);
  require(!f.reconstructed.empty(), ErrorCode::Io,
          "no decompressed " + stem + ".* in " + p.paths.decompressed.string() +
              ": run --mode compress and --mode decompress first");
  const fs::path container = p.paths.compressed / (stem + ".baler");
  if (fs::exists(container)) f.container = container.string();
  const fs::path loss = p.paths.training / "loss.csv";
  if (fs::exists(loss)) f.loss = loss.string();
  f.out_dir = p.paths.plotting.string();
  const auto members = f.container.empty() ? std::vector<std::string>{} : bundle_members(f.container);
  if (members.empty()) return plot(p.config, p.workspace + "/" + p.name, f);
  // A bundle: each data set against the same dataset of the original, in a folder of its own
  // named after its path ("/fields/u" -> fields_u).
  const std::string original_file = parse_data_spec(input).path.string();
  for (const auto& m : members) {
    PlotFiles one = f;
    one.member = m;
    one.original = original_file + ":" + m;
    one.reconstructed = f.reconstructed + ":" + m;
    std::string folder = m.substr(1);
    std::replace(folder.begin(), folder.end(), '/', '_');
    one.out_dir = (p.paths.plotting / folder).string();
    plot(p.config, p.workspace + "/" + p.name + " " + m, one);
  }
  return 0;
}

struct PlotArgs {
  PlotFiles files;
  ConfigSource source;
};

const ModeRegistrar reg{Mode{
    "plot",
    "figures and summary tables comparing original and decompressed data",
    50,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<PlotArgs>();
      a->files.out_dir = "output/plotting";
      sub.add_option("--original", a->files.original, "original data (else data.input_path)");
      sub.add_option("--reconstructed,-r", a->files.reconstructed, "decompressed data")
          ->required();
      sub.add_option("--container", a->files.container, ".baler file: its bounds and size");
      sub.add_option("--loss", a->files.loss, "loss.csv written by train");
      sub.add_option("--output,-o", a->files.out_dir, "folder for the figures");
      add_config_options(sub, a->source);
      return [a] {
        const Config c = a->source.load();
        PlotFiles f = a->files;
        if (f.original.empty()) f.original = c.data.input_path;
        if (!f.container.empty()) {  // X.baler:/path: one data set of a bundle
          const DataSpec spec = parse_data_spec(f.container);
          f.container = spec.path.string();
          f.member = spec.object;
        }
        return plot(c, fs::path(f.original).filename().string(), f);
      };
    },
    project_plot,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
