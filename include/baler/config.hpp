// A project's configuration: every option baler reads from PROJECT_config.toml, with defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace baler {

// Option names follow Baler's (Python) config where Baler has the option. Each field is
// documented once in docs/CONFIG.md and in the comments newProject writes.
struct DataConfig {
  std::string input_path;           // data file spec: "file.npz", "file.h5:/group/ds", "f.root:tree"
  std::string kind = "auto";        // auto | table | field
  std::vector<std::string> columns; // table columns to use (names or globs); empty = all numeric
};

struct ModelConfig {
  std::string model_name = "AE";     // registry name: AE, AE_Dropout_BN, CFD_dense_AE, Conv_AE, ...
  double compression_ratio = 1.6;    // latent = ceil(n_features / compression_ratio)
  std::int64_t latent_size = 0;      // > 0 overrides compression_ratio
  std::vector<std::int64_t> hidden;  // hidden layer sizes of the configurable "Dense" model
  std::string activation = "leaky_relu";  // leaky_relu | relu | tanh | elu | silu
  double dropout = 0.0;              // AE_Dropout_BN
  std::string model_init = "xavier"; // xavier | default
};

struct TrainingConfig {
  std::int64_t epochs = 100;
  double lr = 1e-3;
  std::int64_t batch_size = 512;
  double test_size = 0.2;            // validation fraction, 0 = none
  std::uint64_t seed = 42;
  int threads = 0;                   // 0 = all cores
  std::string normalization = "minmax";  // minmax | standard | log_minmax | none
  std::string loss = "mse_mean";     // mse_mean | mse_sum
  double reg_param = 0.0;            // L1 activation penalty weight
  bool early_stopping = true;
  std::int64_t early_stopping_patience = 20;
  double min_delta = 0.0;
  bool lr_scheduler = true;
  std::int64_t lr_scheduler_patience = 10;
  double lr_factor = 0.5;
  double min_lr = 1e-6;
  std::int64_t checkpoint_every = 0; // 0 = no intermediate checkpoints
  std::string resume_from;           // checkpoint path, empty = fresh start
  bool activation_extraction = false;
  std::string float_dtype = "float32";  // float32 | float64
};

struct CompressionConfig {
  std::string error_bound = "rel=1e-3";              // default for every column: abs=, rel=, pw_rel=, exact, none
  std::map<std::string, std::string> column_bounds;  // per column (name or glob) overrides
  bool detect_integers = true;       // integer-valued float columns kept exact
  std::string model_storage = "embedded";  // embedded | external
  std::string weight_precision = "auto";   // auto | f32 | f16 | int8
  std::int64_t chunk_rows = 65536;   // rows (or frames) per chunk
  int zstd_level = 19;
  std::string output_format = "auto";  // decompress output: auto (input's) | npz | npy | csv | h5
};

struct PlotConfig {
  std::vector<std::string> formats = {"pdf", "png"};
  std::int64_t bins = 100;
  std::string analysis = "auto";    // auto | none | lhcb_b2hhh | cms_zmumu
  std::vector<std::int64_t> frames; // field frames to draw; empty = a few spread over the data
  bool html_report = true;
};

struct Config {
  DataConfig data;
  ModelConfig model;
  TrainingConfig training;
  CompressionConfig compression;
  PlotConfig plot;
};

// Reads a TOML configuration. Unknown keys and bad values throw Error(Config) naming the key
// (and the nearest valid key). Keys absent from the file keep their defaults.
Config load_config(const std::filesystem::path& path);
// Parses TOML text (`what` names the source in messages).
Config parse_config(const std::string& toml_text, const std::string& what);
// Applies "section.key=value" (a command-line override). Throws Error(Config).
void apply_override(Config& config, const std::string& assignment);
// The configuration as TOML; with_comments adds the one-line comment of every option.
std::string config_to_toml(const Config& config, bool with_comments);

}  // namespace baler
