// Internal to src/nn (includes LibTorch; include only from nn_module.cpp and nn_trainer.cpp):
// the autoencoder as a torch module built from a NetSpec, its export and its checkpoint files.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "baler/model.hpp"
#include "baler/train.hpp"
#include "dense_fused.hpp"
#include "nn_spec.hpp"

namespace baler::nn {

class AutoencoderImpl : public torch::nn::Module {
 public:
  explicit AutoencoderImpl(NetSpec spec);
  // x: (batch, *input_shape) → reconstruction of the same shape.
  torch::Tensor forward(const torch::Tensor& x) { return forward_collect(x, nullptr); }
  // Also appends the output of every activation op (the hidden activations) to `acts`.
  torch::Tensor forward_collect(const torch::Tensor& x, std::vector<torch::Tensor>* acts);
  // Xavier-uniform weights and zero biases (model.model_init = "xavier").
  void xavier_init();
  // Train mode but with dropout off: for BatchNorm recalibration.
  void set_dropout_active(bool active);
  bool has_batchnorm() const;
  // Re-estimates BatchNorm running statistics as the exact average over `batches` (train-mode
  // statistics, dropout off), so evaluation mode matches what training measured.
  void recalibrate_batchnorm(const std::vector<torch::Tensor>& batches);

  const NetSpec& spec() const { return spec_; }
  torch::nn::Sequential encoder{nullptr}, decoder{nullptr};

 private:
  NetSpec spec_;
};
TORCH_MODULE(Autoencoder);

// The training objective on batch `xb`: MSE (mean or sum, training.loss) plus training.reg_param
// × mean|a| for every activation output a. `mse` receives the MSE term alone.
torch::Tensor training_loss(AutoencoderImpl& net, const torch::Tensor& xb, const TrainingConfig& t, torch::Tensor& mse);

// Adam (PyTorch's update rule, no weight decay) over one flat buffer: the module's parameters
// and gradients become views into two contiguous tensors, so a step is a handful of large
// operations instead of several small ones per parameter.
class FlatAdam {
 public:
  FlatAdam(AutoencoderImpl& net, double lr);
  void zero_grad() { grad_.zero_(); }
  void step();
  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }
  // The flat parameter, moment buffers and step counter, for the fused dense path (which
  // trains them in place, so checkpoints are the same whichever path trained).
  FusedBuffers fused_buffers() { return {param_.data_ptr(), m_.data_ptr(), v_.data_ptr(), &step_}; }
  const torch::Tensor& flat_parameters() const { return param_; }
  // Keys "m", "v", "step" of `ar`; load checks sizes and throws Error(Malformed) naming `path`.
  void save(torch::serialize::OutputArchive& ar) const;
  void load(torch::serialize::InputArchive& ar, const std::filesystem::path& path);

 private:
  torch::Tensor param_, grad_, m_, v_, denom_;
  std::int64_t step_ = 0;
  double lr_;
};

// Everything a checkpoint restores besides weights and optimizer.
struct TrainState {
  std::int64_t epoch = 0;  // epochs completed
  double lr = 0.0;
  double best = std::numeric_limits<double>::infinity();
  std::int64_t best_epoch = 0;
  std::int64_t wait = 0;  // epochs without improvement (early stopping)
  double plateau_best = std::numeric_limits<double>::infinity();
  std::int64_t plateau_wait = 0;
  double untrained = std::numeric_limits<double>::quiet_NaN();
  std::vector<EpochStats> history;
  std::vector<torch::Tensor> best_state;  // weights of the best epoch (snapshot_state order)
};
void write_state(torch::serialize::OutputArchive& ar, const TrainState& s);
// Reads what write_state wrote; the best-weights snapshot is checked against `net`.
TrainState read_state(torch::serialize::InputArchive& ar, const std::filesystem::path& path, Autoencoder& net);

// The eval-mode model as plain float32 arrays: BatchNorm folded into the Linear/Conv before it,
// Dropout dropped.
Model export_model(Autoencoder& net, const CheckpointMeta& meta);

// Parameters and buffers in a fixed order (for best-weights snapshots).
std::vector<torch::Tensor> snapshot_state(Autoencoder& net);
void restore_state(Autoencoder& net, const std::vector<torch::Tensor>& state);

void write_meta(torch::serialize::OutputArchive& ar, const CheckpointMeta& meta);
CheckpointMeta read_meta(torch::serialize::InputArchive& ar, const std::filesystem::path& path);
// Builds the module of `meta` and loads archive key "model" into it, checking every shape.
Autoencoder load_module(torch::serialize::InputArchive& ar, const CheckpointMeta& meta,
                        const std::filesystem::path& path);
// Opens a checkpoint; a file that is not one throws Error(Malformed) naming it.
void open_archive(torch::serialize::InputArchive& ar, const std::filesystem::path& path);
// Writes an archive atomically (temporary file + rename); Error(Io) on failure.
void save_archive(torch::serialize::OutputArchive& ar, const std::filesystem::path& path);

// A float32 Array as a float64 tensor (copy). Error(Malformed) for another dtype.
torch::Tensor array_to_tensor(const Array& a);

torch::Dtype torch_dtype(const std::string& float_dtype);

}  // namespace baler::nn
