// A project's configuration: every option baler reads from PROJECT_config.toml, with defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "baler/hints.hpp"

namespace baler {

// Option names follow Baler's (Python) config where Baler has the option. Each field is
// documented once in docs/CONFIG.md and in the comments newProject writes.
struct DataConfig {
  std::string input_path;           // data file spec: "file.npz", "file.h5:/group/ds", "f.root:tree"
  std::string kind = "auto";        // auto | table | field
  std::vector<std::string> columns; // table columns to use (names or globs); empty = all numeric
  friend bool operator==(const DataConfig&, const DataConfig&) = default;
};

struct ModelConfig {
  std::string model_name = "auto";   // auto (tables: TableModel, fields: AE) | TableModel | AE, AE_Dropout_BN, Conv_AE, ...
  double compression_ratio = 1.6;    // latent = ceil(n_features / compression_ratio)
  std::int64_t latent_size = 0;      // > 0 overrides compression_ratio
  std::vector<std::int64_t> hidden;  // hidden layer sizes of the configurable "Dense" model
  std::string activation = "leaky_relu";  // leaky_relu | relu | tanh | elu | silu
  double dropout = 0.0;              // AE_Dropout_BN
  std::string model_init = "xavier"; // xavier | default
  std::string widths = "auto";       // AE family: auto (Baler's 200-100-50 scaled to the features) | baler
  friend bool operator==(const ModelConfig&, const ModelConfig&) = default;
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
  std::string fused = "auto";        // auto (fused dense path for plain dense models) | off (LibTorch)
  friend bool operator==(const TrainingConfig&, const TrainingConfig&) = default;
};

struct CompressionConfig {
  std::string error_bound = "rel=1e-3";              // default for every column: abs=, rel=, pw_rel=, exact, none
  std::map<std::string, std::string> column_bounds;  // per column (name or glob) overrides
  bool detect_integers = true;       // integer-valued float columns kept exact
  std::string model_storage = "embedded";  // embedded | external
  std::string weight_precision = "auto";   // auto | f32 | f16 | int8
  std::int64_t chunk_rows = 0;       // rows (or frames) per chunk; 0 = auto (CompressOptions::chunk_rows)
  int zstd_level = 12;
  std::string output_format = "auto";  // decompress output: auto (input's) | npz | npy | csv | h5
  friend bool operator==(const CompressionConfig&, const CompressionConfig&) = default;
};

struct PlotConfig {
  std::vector<std::string> formats = {"pdf", "png"};
  std::int64_t bins = 100;
  std::string analysis = "auto";    // auto | none | lhcb_b2hhh | cms_zmumu
  std::vector<std::int64_t> frames; // field frames to draw; empty = a few spread over the data
  bool html_report = true;
  friend bool operator==(const PlotConfig&, const PlotConfig&) = default;
};

struct Config {
  DataConfig data;
  ModelConfig model;
  TrainingConfig training;
  CompressionConfig compression;
  PlotConfig plot;
  friend bool operator==(const Config&, const Config&) = default;
};

// ---- The option table (docs/CONFIG.md lists the same options; a test keeps them in step) ----

// One configuration option as the user sees it: `[section] key = value`.
struct OptionInfo {
  std::string section;       // "training"
  std::string key;           // "epochs"
  std::string type;          // "integer", "float", "string", "boolean", "list of strings", ...
  std::string default_toml;  // the default as TOML text ("100", "\"minmax\"")
  std::string comment;       // one line: what it means
  std::string allowed;       // allowed values ("minmax | standard", ">= 1"); empty = any
  std::string name() const { return section + "." + key; }
};
// Every option, in file order (sections data, model, training, compression, plot).
const std::vector<OptionInfo>& config_options();
// The value of option "section.key" in `config` as TOML text. Throws Error(Config) if unknown.
std::string config_value(const Config& config, const std::string& dotted_key);


// ---- Reading, writing, overriding ----

// Reads a TOML configuration. Unknown keys and bad values throw Error(Config) naming the key
// (and the nearest valid key). Keys absent from the file keep their defaults.
Config load_config(const std::filesystem::path& path);
// Parses TOML text (`what` names the source in messages).
Config parse_config(const std::string& toml_text, const std::string& what);
// Applies "section.key=value" (a command-line override; "compression.column_bounds.NAME=abs=1"
// sets one column's bound). The value is TOML ("[64, 32]", "true", "1e-3") or, for string
// options, plain text. Throws Error(Config) naming the key, like the file parser.
void apply_override(Config& config, const std::string& assignment);
// The configuration as TOML with every option; with_comments adds the one-line comment of
// every option. parse_config(config_to_toml(c, x), ...) == c for every valid c.
std::string config_to_toml(const Config& config, bool with_comments);

}  // namespace baler
