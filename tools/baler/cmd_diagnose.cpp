// `baler diagnose` / `--mode diagnose`: the trained model's neural activation pattern (mean
// activation of every node) on the data, as a table, activations.npy and plots.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "mode.hpp"

#if BALER_WITH_TRAINING
#include "baler/analysis.hpp"
#include "baler/npy.hpp"
#include "baler/plot.hpp"
#include "baler/train.hpp"
#endif

namespace baler::cli {
namespace {

namespace fs = std::filesystem;

#if BALER_WITH_TRAINING
constexpr std::int64_t kDiagnoseRows = 10000;  // samples the activations are averaged over

void print_layers(const std::vector<LayerActivation>& layers) {
  std::printf("%-12s %7s %12s %12s %12s %6s\n", "layer", "nodes", "mean", "min node", "max node", "dead");
  for (const auto& l : layers) {
    double sum = 0;
    for (double v : l.node_means) sum += v;
    const auto [lo, hi] = std::minmax_element(l.node_means.begin(), l.node_means.end());
    std::printf("%-12s %7zu %12.4g %12.4g %12.4g %5.1f%%\n", l.name.c_str(), l.node_means.size(),
                sum / static_cast<double>(std::max<std::size_t>(1, l.node_means.size())), *lo, *hi,
                100.0 * l.dead_fraction);
  }
}

int run_diagnose(const Config& config, const std::string& input, const fs::path& training, const fs::path& plots) {
  require(!input.empty(), ErrorCode::Config,
          "no input data: set data.input_path in the configuration or give --input FILE");
  const fs::path model_path =
      fs::exists(training / "model.balermodel") ? training / "model.balermodel" : training / "model.pt";
  const Model model = load_trained_model(model_path);
  const ReadOptions options = cli_read_options(config.data);
  const Dataset data = read_dataset(parse_data_spec(input), options);
  Samples s = samples_from_dataset(data, model.architecture);
  require(s.sample_shape == model.input_shape, ErrorCode::ModelMismatch,
          model_path.string() + " takes samples of " + shape_string(model.input_shape) + ", the data give " +
              shape_string(s.sample_shape));
  const std::int64_t rows = std::min(s.rows, kDiagnoseRows);
  s.values.resize(static_cast<std::size_t>(rows * s.features()));
  apply_preprocessing(model.preprocessing, s.values, s.features());
  const auto layers = extract_activations(model, s.values, rows);
  const fs::path npy = training / "activations.npy";
  write_npy(activation_matrix(layers), npy);
  if (!global_options().quiet) print_layers(layers);

  PlotInputs in;
  in.title = model.architecture + " activations";
  in.page = "diagnose.html";  // its own page: the plot mode's report.html stays
  ActivationMap map;
  for (const auto& l : layers) {
    map.layer_names.push_back(l.name);
    map.mean_activation.push_back(l.node_means);
  }
  in.activations = map;
  if (fs::exists(training / "loss.csv")) in.loss = read_loss_csv(training / "loss.csv");
  const PlotReport report = make_plots(in, config.plot, plots);
  if (!global_options().quiet) {
    std::cout << "wrote " << npy.string() << "\n";
    for (const auto& f : report.files) std::cout << "wrote " << f.string() << "\n";
  }
  return 0;
}
#else
int run_diagnose(const Config&, const std::string&, const fs::path&, const fs::path&) {
  throw Error(ErrorCode::NotImplemented, "this baler was built without LibTorch (BALER_WITH_TORCH=OFF)");
}
#endif

struct DiagnoseArgs {
  ConfigSource source;
  std::string input;
  std::string training = "output/training";
  std::string plots = "output/plotting";
};

const ModeRegistrar reg{Mode{
    "diagnose",
    "neural activation pattern of the trained model on the data (table, activations.npy, plots)",
    25,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<DiagnoseArgs>();
      add_config_options(sub, a->source);
      sub.add_option("--input,-i", a->input, "data to run the model on (else data.input_path)");
      sub.add_option("--training", a->training, "folder holding the trained model (model.balermodel or model.pt)");
      sub.add_option("--output,-o", a->plots, "folder for the plots");
      return [a] {
        const Config c = a->source.load();
        return run_diagnose(c, a->input.empty() ? c.data.input_path : a->input, a->training, a->plots);
      };
    },
    [](const Project& p) {
      return run_diagnose(p.config, p.config.data.input_path, p.paths.training, p.paths.plotting);
    },
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
