// Internal to src/nn: the torch-free parts of training — option checks, the data split, a
// seeded generator, and the files written into output/training.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "baler/train.hpp"
#include "nn_spec.hpp"

namespace baler::nn {

// splitmix64: a small, fully specified generator (same sequence on every platform).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n ≥ 1, without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t v;
    do v = next();
    while (v >= limit);
    return v % n;
  }

 private:
  std::uint64_t s_;
};

// Checks every training.* option. Throws Error(Config) naming the option and its value.
void validate_training_config(const TrainingConfig& t);

struct Split {
  std::int64_t train_rows = 0, val_rows = 0;
};
// Rows for training and validation (round(rows × test_size) for validation). Throws
// Error(Config) when nothing would be left to train on, or when a BatchNorm model would
// train on a single row.
Split plan_split(std::int64_t rows, double test_size, const NetSpec& spec);

// Architecture, preprocessing placeholder and effective configuration for a checkpoint.
CheckpointMeta make_meta(const Config& config, const NetSpec& spec, const Samples& samples);
// The configuration actually used (latent size resolved, thread count) as TOML.
std::string effective_config_toml(const Config& config, std::int64_t latent, int threads);

std::filesystem::path checkpoint_path(const std::filesystem::path& dir, std::int64_t epoch);
std::string format_double(double v);  // shortest text that reads back exactly
// "epoch,train,val,lr,seconds" then one line an epoch (val empty without validation).
std::string loss_csv(const std::vector<EpochStats>& history);

// Writes loss.csv, config.toml, model.balermodel and (activation_extraction) activations.npy
// into `dir`; `act_values` are preprocessed samples for the activations. Appends to result.files.
void write_training_outputs(TrainResult& result, const Config& config, std::span<const double> act_values,
                            std::int64_t act_rows, const std::filesystem::path& dir);

}  // namespace baler::nn
