// The training loop: seeded split and shuffles, Adam, MSE (+ L1 activation penalty), early
// stopping, reduce-LR-on-plateau, checkpoints and resume, BatchNorm recalibration, export.
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "baler/error.hpp"
#include "baler/train.hpp"
#include "dense_fused.hpp"
#include "nn_module.hpp"
#include "nn_train_support.hpp"

namespace baler {
namespace {
using namespace nn;

constexpr double kPlateauThreshold = 1e-4;  // relative improvement the LR scheduler counts
constexpr std::int64_t kEvalChunk = 8192;    // rows per forward pass in evaluation

// Row indices 0..n-1 shuffled by a generator of our own (splitmix64 + Fisher-Yates), so the
// order depends only on (seed, stream), never on torch's global state.
torch::Tensor permutation(std::int64_t n, std::uint64_t seed, std::uint64_t stream) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  SplitMix64 rng(seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1)));
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(idx[i], idx[rng.below(static_cast<std::uint64_t>(i) + 1)]);
  return torch::tensor(idx, torch::kLong);
}

// Batch boundaries; a last batch of one row joins the one before (BatchNorm needs ≥ 2 rows).
std::vector<std::pair<std::int64_t, std::int64_t>> batches(std::int64_t n, std::int64_t size) {
  std::vector<std::pair<std::int64_t, std::int64_t>> b;
  for (std::int64_t s = 0; s < n; s += size) b.emplace_back(s, std::min(size, n - s));
  if (b.size() > 1 && b.back().second == 1) {
    b.pop_back();
    b.back().second += 1;
  }
  return b;
}

struct Run {
  const Config& config;
  Autoencoder net{nullptr};
  std::unique_ptr<FlatAdam> opt;
  std::unique_ptr<FusedDense> fused;  // set: batches train on the fused dense path, in opt's buffers
  torch::Tensor train, val, shuffled;
  TrainState state;
  CheckpointMeta meta;
  ProgressSink* progress = nullptr;
};

double evaluate(Run& r, const torch::Tensor& x) {
  if (r.fused && x.size(0) > 0) return r.fused->squared_error(x.data_ptr(), x.size(0)) / static_cast<double>(x.numel());
  torch::NoGradGuard guard;
  r.net->eval();
  double se = 0.0;
  for (std::int64_t s = 0; s < x.size(0); s += kEvalChunk) {
    auto xb = x.narrow(0, s, std::min(kEvalChunk, x.size(0) - s));
    se += torch::mse_loss(r.net->forward(xb), xb, torch::Reduction::Sum).item<double>();
  }
  return x.numel() > 0 ? se / static_cast<double>(x.numel()) : std::numeric_limits<double>::quiet_NaN();
}

// One optimiser step on the batch [start, start + len) of r.shuffled; returns its sum of
// squared errors. The fused path trains in the optimizer's buffers; LibTorch runs autograd.
double train_batch(Run& r, std::int64_t start, std::int64_t len) {
  if (r.fused) {
    const auto* base = static_cast<const char*>(r.shuffled.data_ptr());
    const std::int64_t row_bytes = r.shuffled.stride(0) * static_cast<std::int64_t>(r.shuffled.element_size());
    return r.fused->train_batch(base + start * row_bytes, len, r.opt->lr());
  }
  auto xb = r.shuffled.narrow(0, start, len);
  r.opt->zero_grad();
  torch::Tensor mse;
  training_loss(*r.net, xb, r.config.training, mse).backward();
  r.opt->step();
  const double v = mse.item<double>();
  return r.config.training.loss == "mse_sum" ? v : v * static_cast<double>(xb.numel());
}

double train_epoch(Run& r, std::int64_t epoch) {
  const auto& t = r.config.training;
  r.net->train();
  const std::int64_t n = r.train.size(0);
  torch::index_select_out(r.shuffled, r.train, 0, permutation(n, t.seed, static_cast<std::uint64_t>(epoch)));
  double se = 0.0;
  std::int64_t done = 0, count = 0;
  for (const auto& [start, len] : batches(n, t.batch_size)) {
    se += train_batch(r, start, len);
    done += len;
    if (r.progress && (++count % 16 == 0 || done == n))
      r.progress->on_batch(epoch, done, n, se / static_cast<double>(done * (r.train.numel() / std::max<std::int64_t>(n, 1))));
  }
  return se / static_cast<double>(r.train.numel());
}

void set_lr(Run& r, double lr) { r.opt->set_lr(lr); }

// Early stopping and reduce-LR-on-plateau on the monitored loss. Returns a stop reason or "".
std::string update_schedule(Run& r, double monitored) {
  const auto& t = r.config.training;
  TrainState& s = r.state;
  if (monitored < s.best - t.min_delta) {
    s.best = monitored;
    s.best_epoch = s.epoch;
    s.wait = 0;
    s.best_state = snapshot_state(r.net);
  } else {
    ++s.wait;
  }
  if (t.lr_scheduler) {
    if (monitored < s.plateau_best * (1.0 - kPlateauThreshold)) {
      s.plateau_best = monitored;
      s.plateau_wait = 0;
    } else if (++s.plateau_wait > t.lr_scheduler_patience && s.lr > t.min_lr) {
      const double next = std::max(s.lr * t.lr_factor, t.min_lr);
      if (r.progress)
        r.progress->on_message("epoch " + std::to_string(s.epoch) + ": learning rate " + format_double(s.lr) + " → " +
                               format_double(next));
      s.lr = next;
      s.plateau_wait = 0;
      set_lr(r, s.lr);
    }
  }
  if (t.early_stopping && s.wait >= t.early_stopping_patience) return "early stopping";
  return "";
}

void save_checkpoint(Run& r, const std::filesystem::path& path) {
  torch::serialize::OutputArchive ar;
  write_meta(ar, r.meta);
  torch::serialize::OutputArchive model, optim;
  r.net->save(model);
  ar.write("model", model);
  r.opt->save(optim);
  ar.write("optimizer", optim);
  write_state(ar, r.state);
  save_archive(ar, path);
}

void resume(Run& r, const std::filesystem::path& path) {
  torch::serialize::InputArchive ar;
  open_archive(ar, path);
  const CheckpointMeta meta = read_meta(ar, path);
  require(meta.model.model_name == r.meta.model.model_name && meta.sample_shape == r.meta.sample_shape &&
              meta.model.latent_size == r.meta.model.latent_size && meta.model.hidden == r.meta.model.hidden &&
              meta.model.activation == r.meta.model.activation && meta.float_dtype == r.meta.float_dtype,
          ErrorCode::Config,
          "training.resume_from: " + path.string() + " holds a " + meta.model.model_name + " for samples of " +
              shape_string(meta.sample_shape) + " (latent " + std::to_string(meta.model.latent_size) +
              "), which differs from the configured model");
  Autoencoder loaded = load_module(ar, meta, path);
  restore_state(r.net, snapshot_state(loaded));
  try {
    torch::serialize::InputArchive optim;
    ar.read("optimizer", optim);
    r.opt->load(optim, path);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": cannot load the optimizer state (" +
                                          e.what_without_backtrace() + ")");
  }
  r.meta.preprocessing = meta.preprocessing;
  r.state = read_state(ar, path, r.net);
  set_lr(r, r.state.lr);
}

// The fused dense path for r's model, or null (LibTorch) when training.fused = off or the model
// has layers other than Linear + activations (`path` says which and why). Checks that every
// module parameter sits in the optimizer's flat buffer where the fused layout expects it.
std::unique_ptr<FusedDense> make_fused(Run& r, const NetSpec& spec, int threads, std::string& path) {
  const auto& t = r.config.training;
  std::string why;
  std::vector<DenseLayer> layers = dense_layers(spec, &why);
  if (t.fused == "off" || layers.empty() || t.batch_size >= (std::int64_t{1} << 30)) {
    path = "LibTorch (" + (t.fused == "off" ? std::string("training.fused = off") : "model " + spec.name + ": " + why) + ")";
    return nullptr;
  }
  const torch::Tensor& flat = r.opt->flat_parameters();
  const auto* base = static_cast<const char*>(flat.data_ptr());
  const auto params = r.net->parameters();
  bool same = params.size() == 2 * layers.size();
  for (std::size_t i = 0; same && i < layers.size(); ++i) {
    const auto& l = layers[i];
    const auto& w = params[2 * i];
    const auto& b = params[2 * i + 1];
    same = w.sizes() == torch::IntArrayRef{l.out, l.in} && b.numel() == l.out && w.is_contiguous() &&
           w.data_ptr() == base + l.weight_offset * flat.element_size() &&
           b.data_ptr() == base + l.bias_offset * flat.element_size();
  }
  require(same, ErrorCode::Internal, "fused dense path: the module's parameters are not laid out as expected");
  FusedOptions o;
  o.threads = threads;
  o.max_batch = t.batch_size + 1;  // a last batch of one row joins the one before
  o.loss_sum = t.loss == "mse_sum";
  o.reg_param = t.reg_param;
  path = "fused dense (forward, backward and Adam by hand; each batch split over " + std::to_string(threads) +
         " thread" + (threads == 1 ? "" : "s") + ", single-threaded BLAS in each)";
  return FusedDense::create(std::move(layers), o, r.opt->fused_buffers(), flat.scalar_type() == torch::kFloat64);
}

// Preprocessed samples as tensors, split by a seeded permutation (stream ~0).
std::pair<torch::Tensor, torch::Tensor> make_tensors(const Samples& s, const Split& split, std::uint64_t seed,
                                                     torch::Dtype dtype) {
  std::vector<std::int64_t> shape{s.rows};
  shape.insert(shape.end(), s.sample_shape.begin(), s.sample_shape.end());
  auto all = torch::from_blob(const_cast<double*>(s.values.data()), shape, torch::kFloat64);
  auto perm = permutation(s.rows, seed, ~std::uint64_t{0});
  auto train = all.index_select(0, perm.narrow(0, 0, split.train_rows)).to(dtype).contiguous();
  auto val = all.index_select(0, perm.narrow(0, split.train_rows, split.val_rows)).to(dtype).contiguous();
  return {train, val};
}

TrainStart make_start(const NetSpec& spec, const Split& split, const Config& config, std::int64_t done,
                      const RuntimeInfo& rt) {
  TrainStart st;
  st.model_name = spec.name;
  st.parameters = spec.parameters();
  st.train_rows = split.train_rows;
  st.val_rows = split.val_rows;
  st.sample_shape = spec.input_shape;
  st.latent = spec.latent;
  st.epochs = config.training.epochs;
  st.first_epoch = done + 1;
  st.lr = config.training.lr;
  st.threads = rt.threads;
  st.blas = rt.blas;
  if (rt.slow_blas) st.warnings.push_back("slow BLAS in use: " + rt.blas);
  if (!rt.note.empty()) st.warnings.push_back("threads: " + rt.note);
  return st;
}

// Up to 10000 preprocessed training rows as float64, for activation extraction.
std::vector<double> activation_sample(const torch::Tensor& train, std::int64_t& rows) {
  rows = std::min<std::int64_t>(train.size(0), 10000);
  auto x = train.narrow(0, 0, rows).to(torch::kFloat64).contiguous();
  return {x.data_ptr<double>(), x.data_ptr<double>() + x.numel()};
}

std::vector<torch::Tensor> train_batches(Run& r) {
  std::vector<torch::Tensor> out;
  for (const auto& [start, len] : batches(r.train.size(0), r.config.training.batch_size))
    out.push_back(r.train.narrow(0, start, len));
  return out;
}

}  // namespace

TrainResult train(const Dataset& data, const Config& given, const TrainOutputs& outputs, ProgressSink* progress) {
  Config config = given;
  if (config.model.model_name == "auto") config.model.model_name = "AE";  // the autoencoder trainer's default
  validate_training_config(config.training);
  Samples samples = samples_from_dataset(data, config.model.model_name);
  const NetSpec spec = build_net_spec(config.model, samples.sample_shape);
  const Split split = plan_split(samples.rows, config.training.test_size, spec);
  Run r{config};
  r.progress = progress;
  r.meta = make_meta(config, spec, samples);
  if (config.training.resume_from.empty()) r.meta.preprocessing = fit_preprocessing(samples, config.training.normalization);
  const RuntimeInfo rt = configure_runtime(config.training.threads);
  r.meta.config_toml = effective_config_toml(config, spec.latent, rt.threads);

  torch::manual_seed(config.training.seed);  // before the model exists: weights and dropout follow the seed
  r.net = Autoencoder(spec);
  const auto dtype = torch_dtype(config.training.float_dtype);
  r.net->to(dtype);
  if (config.model.model_init == "xavier") r.net->xavier_init();
  r.opt = std::make_unique<FlatAdam>(*r.net, config.training.lr);
  r.state.lr = config.training.lr;
  if (!config.training.resume_from.empty()) resume(r, config.training.resume_from);
  std::string path;
  r.fused = make_fused(r, spec, rt.threads, path);

  apply_preprocessing(r.meta.preprocessing, samples.values, samples.features());
  std::tie(r.train, r.val) = make_tensors(samples, split, config.training.seed, dtype);
  samples.values = {};
  r.shuffled = torch::empty_like(r.train);
  const torch::Tensor& monitor_set = r.val.size(0) > 0 ? r.val : r.train;
  if (r.state.epoch == 0) r.state.untrained = evaluate(r, monitor_set);
  if (progress) {
    TrainStart start = make_start(spec, split, config, r.state.epoch, rt);
    start.lr = r.state.lr;
    start.path = r.fused ? "fused dense" : "LibTorch";
    progress->on_start(start);
    progress->on_message("training path: " + path);
  }

  std::string stop = "epochs";
  while (r.state.epoch < config.training.epochs) {
    const auto t0 = std::chrono::steady_clock::now();
    ++r.state.epoch;
    EpochStats st;
    st.epoch = r.state.epoch;
    st.lr = r.state.lr;
    st.train_loss = train_epoch(r, r.state.epoch);
    st.val_loss = r.val.size(0) > 0 ? evaluate(r, r.val) : std::numeric_limits<double>::quiet_NaN();
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.rows_per_second = static_cast<double>(r.train.size(0)) / std::max(st.seconds, 1e-9);
    r.state.history.push_back(st);
    const std::string reason = update_schedule(r, r.val.size(0) > 0 ? st.val_loss : st.train_loss);
    if (progress) progress->on_epoch(st, config.training.epochs);
    if (!outputs.dir.empty() && outputs.save_checkpoints && config.training.checkpoint_every > 0 &&
        r.state.epoch % config.training.checkpoint_every == 0) {
      const auto path = checkpoint_path(outputs.dir, r.state.epoch);
      save_checkpoint(r, path);
      if (progress) progress->on_message("checkpoint " + path.string());
    }
    if (!reason.empty()) {
      stop = reason;
      if (progress) progress->on_message(reason + " after epoch " + std::to_string(r.state.epoch));
      break;
    }
  }

  if (!r.state.best_state.empty()) restore_state(r.net, r.state.best_state);
  r.net->recalibrate_batchnorm(train_batches(r));
  r.net->eval();
  TrainResult result;
  result.model = export_model(r.net, r.meta);
  result.history = r.state.history;
  result.untrained_val_loss = r.state.untrained;
  result.best_loss = r.state.best;
  result.best_epoch = r.state.best_epoch;
  result.final_loss = evaluate(r, monitor_set);
  result.stop_reason = stop;
  result.threads = rt.threads;
  result.blas = rt.blas;
  result.path = r.fused ? "fused dense" : "LibTorch";
  if (!outputs.dir.empty()) {
    std::filesystem::create_directories(outputs.dir);
    const auto model_pt = outputs.dir / "model.pt";
    save_checkpoint(r, model_pt);
    result.files.push_back(model_pt);
    std::int64_t act_rows = 0;
    const auto act = config.training.activation_extraction ? activation_sample(r.train, act_rows) : std::vector<double>{};
    write_training_outputs(result, config, act, act_rows, outputs.dir);
  }
  return result;
}

}  // namespace baler
