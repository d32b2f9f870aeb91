// Training autoencoders (LibTorch inside src/nn/, never in this header): models by name,
// preprocessing, the training loop's outputs, activation extraction for `diagnose`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "baler/config.hpp"
#include "baler/model.hpp"

namespace baler {

// ---- Samples: what a model sees of a data set ----

// A data set as training samples: `rows` samples of `sample_shape` (float64, C-order).
// Tables: one sample a row, features = columns. Fields: see samples_from_dataset.
struct Samples {
  std::int64_t rows = 0;
  std::vector<std::int64_t> sample_shape;  // {n} for dense models, {c, h, w} / {c, d, h, w} for conv
  std::vector<double> values;              // rows × prod(sample_shape)
  std::vector<std::string> feature_names;  // table columns; empty for fields
  bool from_table = true;
  std::int64_t features() const;           // prod(sample_shape)
};

// Turns a data set into samples for model `model_name`: dense models take table rows or
// field frames flattened ((N, ...) → N samples); Conv_AE takes (H, W) as one frame,
// (N, H, W) as N frames, (N, C, H, W); Conv_AE_3D takes (D, H, W) as one volume,
// (N, D, H, W), (N, C, D, H, W). Throws Error(Config) when the data cannot feed the model
// (a table for a conv model, too few dimensions), naming both.
Samples samples_from_dataset(const Dataset& data, const std::string& model_name);

// ---- Preprocessing (torch-free; the codec uses the same functions) ----

// Fits per-feature parameters. Tables (from_table) get one offset/scale per column; fields
// get one group for all values (offset/scale of size 1: it applies to every feature). Methods: "minmax" (x-min)/(max-min),
// "standard" (x-mean)/std, "log_minmax" (log for columns that are all > 0 and span ≥ 3
// decades, then minmax), "none". Constant features get scale 1 (never 0). Non-finite values
// throw Error(Malformed). Unknown method: Error(Config).
Preprocessing fit_preprocessing(const Samples& samples, const std::string& method);
// x' = (f(x) - offset) / scale in place, feature of element i = i % features (or group 0).
void apply_preprocessing(const Preprocessing& p, std::span<double> values, std::int64_t features);
// The inverse: x = f⁻¹(x' * scale + offset).
void invert_preprocessing(const Preprocessing& p, std::span<double> values, std::int64_t features);

// ---- Models ----

// Names in the registry: AE, AE_Dropout_BN, CFD_dense_AE, Conv_AE, Conv_AE_3D,
// FPGA_prototype_model, Dense.
const std::vector<std::string>& model_names();
// Latent size for n input features: config.latent_size if > 0, else
// ceil(n / compression_ratio). Throws Error(Config) if it is < 1 or > n.
std::int64_t latent_size_for(const ModelConfig& config, std::int64_t n_features);
// Checks that model config.model_name can be built for samples of `sample_shape`: known name,
// valid latent, a shape its convolutions can take, parameter count within limits. Throws
// Error(Config) with a message naming the problem. Cheap: builds nothing.
void validate_model_config(const Config& config, const std::vector<std::int64_t>& sample_shape);

// ---- Training ----

// One line of the loss history (loss = mean squared error per element, normalised units).
struct EpochStats {
  std::int64_t epoch = 0;     // 1-based
  double train_loss = 0.0;
  double val_loss = 0.0;      // NaN when there is no validation split
  double lr = 0.0;            // learning rate used in this epoch
  double seconds = 0.0;       // wall time of the epoch (training + validation)
  double rows_per_second = 0.0;
};

// What the training run found at start-up: shown so a slow set-up is visible.
struct TrainStart {
  std::string model_name;
  std::int64_t parameters = 0;
  std::int64_t train_rows = 0, val_rows = 0;
  std::vector<std::int64_t> sample_shape;
  std::int64_t latent = 0;
  std::int64_t epochs = 0;       // total planned (including resumed ones)
  std::int64_t first_epoch = 1;  // > 1 when resuming
  double lr = 0.0;               // learning rate of the first epoch
  int threads = 1;
  std::string blas;              // BLAS library loaded (path + variant)
  std::string path;              // "fused dense" or "LibTorch" (training.fused, model kind)
  std::vector<std::string> warnings;  // e.g. reference BLAS in use
};

// Receives progress; the library itself never prints. Every method may be left as is.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void on_start(const TrainStart&) {}
  // Called every few batches: rows done in this epoch out of rows_total.
  virtual void on_batch(std::int64_t /*epoch*/, std::int64_t /*rows_done*/, std::int64_t /*rows_total*/,
                        double /*running_loss*/) {}
  virtual void on_epoch(const EpochStats&, std::int64_t /*total_epochs*/) {}
  virtual void on_message(const std::string&) {}  // lr reduced, early stop, checkpoint written
};

// Where training writes. With dir empty nothing is written (tests, benchmarks).
struct TrainOutputs {
  std::filesystem::path dir;  // output/training; created when needed
  bool save_checkpoints = true;
};

struct TrainResult {
  Model model;                       // exported, eval-mode, BatchNorm folded, float32
  std::vector<EpochStats> history;   // one entry per epoch run (resumed ones included)
  double untrained_val_loss = 0.0;   // loss of the freshly initialised model (val, or train)
  double best_loss = 0.0;            // best val (or train) loss; its weights are kept
  std::int64_t best_epoch = 0;
  // Loss of the returned (evaluation-mode, BatchNorm recalibrated) model on val (or train).
  double final_loss = 0.0;
  std::string stop_reason;           // "epochs" | "early stopping" | "min_lr"
  int threads = 1;
  std::string blas;
  std::string path;                  // "fused dense" or "LibTorch"
  std::vector<std::filesystem::path> files;  // every file written
};

// Trains config.model.model_name on `data` (config.training options), reproducibly: same
// data, config and thread count → bit-identical weights. Validates everything before the
// first epoch (Error(Config)); I/O failures throw Error(Io). Writes into outputs.dir:
// loss.csv, model.pt (weights + optimizer, for resume), model.balermodel,
// config.toml (effective), checkpoints/epoch_NNNN.pt, activations.npy (activation_extraction).
TrainResult train(const Dataset& data, const Config& config, const TrainOutputs& outputs,
                  ProgressSink* progress = nullptr);

// The torch-free model of a training output: `path` is a model.pt / checkpoint written by
// train() or a .balermodel file. Bit-exact with TrainResult::model.
Model load_trained_model(const std::filesystem::path& path);

// Runs an exported model on samples (float64 arithmetic through LibTorch; a reference, not
// the codec's deterministic decoder). `values` are preprocessed; returns the reconstruction.
std::vector<double> reconstruct(const Model& model, std::span<const double> values, std::int64_t rows);

// ---- Diagnostics ----

// Per hidden layer (each activation output of encoder and decoder), the mean activation of
// every node over `rows` samples (preprocessed values). Baler's "neural activation pattern".
struct LayerActivation {
  std::string name;           // "encoder.1", "decoder.3"
  std::vector<double> node_means;
  double dead_fraction = 0.0; // nodes whose activation is ≤ 0 on every sample
};
std::vector<LayerActivation> extract_activations(const Model& model, std::span<const double> values,
                                                 std::int64_t rows);
// Baler's activations.npy layout: layers × max nodes, NaN where a layer has fewer nodes.
Array activation_matrix(const std::vector<LayerActivation>& layers);

// ---- Runtime ----

struct RuntimeInfo {
  int threads = 1;      // LibTorch intra-op threads in use
  std::string blas;     // the BLAS library mapped into the process, with its variant
  bool slow_blas = false;  // reference BLAS, or pthreads OpenBLAS fighting OpenMP
  std::string note;        // why fewer threads than cores were chosen, or ""
};
// Sets LibTorch's thread count and reports what is in use. 0 = the cores other processes are
// not using (cores − the 1-minute load average, at least 1), so that a busy machine is not
// oversubscribed.
RuntimeInfo configure_runtime(int threads);

}  // namespace baler
