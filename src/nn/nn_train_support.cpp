// Torch-free parts of training: option checks, the split, effective configuration, output files.
#include "nn_train_support.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/npy.hpp"

namespace baler::nn {
namespace {

void check(bool ok, const std::string& option, const std::string& value, const std::string& expected) {
  require(ok, ErrorCode::Config, "training." + option + " = " + value + ": expected " + expected);
}

std::string num(double v) { return format_double(v); }

}  // namespace

void validate_training_config(const TrainingConfig& t) {
  check(t.epochs >= 1, "epochs", std::to_string(t.epochs), "≥ 1");
  check(std::isfinite(t.lr) && t.lr > 0, "lr", num(t.lr), "> 0");
  check(t.batch_size >= 1, "batch_size", std::to_string(t.batch_size), "≥ 1");
  check(t.test_size >= 0 && t.test_size < 1, "test_size", num(t.test_size), "in [0, 1)");
  check(t.threads >= 0 && t.threads <= 1024, "threads", std::to_string(t.threads), "0 (all cores) to 1024");
  check(t.loss == "mse_mean" || t.loss == "mse_sum", "loss", t.loss, "mse_mean or mse_sum");
  check(std::isfinite(t.reg_param) && t.reg_param >= 0, "reg_param", num(t.reg_param), "≥ 0");
  check(t.early_stopping_patience >= 1, "early_stopping_patience", std::to_string(t.early_stopping_patience), "≥ 1");
  check(std::isfinite(t.min_delta) && t.min_delta >= 0, "min_delta", num(t.min_delta), "≥ 0");
  check(t.lr_scheduler_patience >= 0, "lr_scheduler_patience", std::to_string(t.lr_scheduler_patience), "≥ 0");
  check(t.lr_factor > 0 && t.lr_factor < 1, "lr_factor", num(t.lr_factor), "in (0, 1)");
  check(std::isfinite(t.min_lr) && t.min_lr >= 0, "min_lr", num(t.min_lr), "≥ 0");
  check(t.checkpoint_every >= 0, "checkpoint_every", std::to_string(t.checkpoint_every), "≥ 0 (0 = none)");
  check(t.float_dtype == "float32" || t.float_dtype == "float64", "float_dtype", t.float_dtype, "float32 or float64");
  check(t.fused == "auto" || t.fused == "off", "fused", t.fused, "auto or off");
}

Split plan_split(std::int64_t rows, double test_size, const NetSpec& spec) {
  Split s;
  s.val_rows = static_cast<std::int64_t>(std::llround(static_cast<double>(rows) * test_size));
  s.train_rows = rows - s.val_rows;
  require(s.train_rows >= 1, ErrorCode::Config,
          "training.test_size = " + num(test_size) + " leaves no row of " + std::to_string(rows) + " to train on");
  bool dense_bn = false;
  for (const auto* part : {&spec.encoder, &spec.decoder})
    for (const auto& o : *part) dense_bn = dense_bn || (o.kind == OpKind::BatchNorm && o.dims == 1);
  require(!dense_bn || s.train_rows >= 2, ErrorCode::Config,
          "model " + spec.name + " uses BatchNorm and needs at least 2 training rows, got " +
              std::to_string(s.train_rows));
  return s;
}

CheckpointMeta make_meta(const Config& config, const NetSpec& spec, const Samples& samples) {
  CheckpointMeta m;
  m.model = config.model;
  m.model.latent_size = spec.latent;
  m.sample_shape = spec.input_shape;
  m.float_dtype = config.training.float_dtype;
  m.feature_names = samples.feature_names;
  m.config_toml = effective_config_toml(config, spec.latent, config.training.threads);
  return m;
}

std::string effective_config_toml(const Config& config, std::int64_t latent, int threads) {
  Config c = config;
  c.model.latent_size = latent;
  c.training.threads = threads;
  c.training.resume_from.clear();
  return config_to_toml(c, false);
}

std::filesystem::path checkpoint_path(const std::filesystem::path& dir, std::int64_t epoch) {
  char name[64];
  std::snprintf(name, sizeof name, "epoch_%04lld.pt", static_cast<long long>(epoch));
  std::filesystem::create_directories(dir / "checkpoints");
  return dir / "checkpoints" / name;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string loss_csv(const std::vector<EpochStats>& history) {
  std::string out = "epoch,train,val,lr,seconds\n";
  for (const auto& e : history)
    out += std::to_string(e.epoch) + "," + format_double(e.train_loss) + "," +
           (std::isnan(e.val_loss) ? std::string() : format_double(e.val_loss)) + "," + format_double(e.lr) + "," +
           format_double(e.seconds) + "\n";
  return out;
}

void write_training_outputs(TrainResult& result, const Config& config, std::span<const double> act_values,
                            std::int64_t act_rows, const std::filesystem::path& dir) {
  auto write_text = [&](const std::string& name, const std::string& text) {
    const auto path = dir / name;
    write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
    result.files.push_back(path);
  };
  write_text("loss.csv", loss_csv(result.history));
  write_text("config.toml", effective_config_toml(config, result.model.latent_shape.at(0), result.threads));
  const auto model_file = dir / "model.balermodel";
  save_model_file(model_file, result.model);
  result.files.push_back(model_file);
  if (config.training.activation_extraction) {
    const auto path = dir / "activations.npy";
    write_npy(activation_matrix(extract_activations(result.model, act_values, act_rows)), path);
    result.files.push_back(path);
  }
}

}  // namespace baler::nn
