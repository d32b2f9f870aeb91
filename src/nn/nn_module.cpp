// The autoencoder module (from a NetSpec), its export to the torch-free Model, checkpoint
// archives, and forward passes of an exported Model (reconstruction, activations).
#include "nn_module.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/train.hpp"

namespace baler::nn {
namespace {

torch::nn::AnyModule make_activation(const OpSpec& o) {
  using namespace torch::nn;
  if (o.activation == "leaky_relu") return AnyModule(LeakyReLU(LeakyReLUOptions().negative_slope(o.alpha)));
  if (o.activation == "relu") return AnyModule(ReLU());
  if (o.activation == "tanh") return AnyModule(Tanh());
  if (o.activation == "elu") return AnyModule(ELU(ELUOptions().alpha(o.alpha)));
  if (o.activation == "silu") return AnyModule(SiLU());
  if (o.activation == "sigmoid") return AnyModule(Sigmoid());
  throw Error(ErrorCode::Internal, "unknown activation " + o.activation);
}

torch::nn::AnyModule make_conv(const OpSpec& o) {
  using namespace torch::nn;
  if (o.dims == 2 && o.kind == OpKind::Conv)
    return AnyModule(Conv2d(Conv2dOptions(o.in, o.out, o.kernel).stride(o.stride).padding(o.padding)));
  if (o.dims == 3 && o.kind == OpKind::Conv)
    return AnyModule(Conv3d(Conv3dOptions(o.in, o.out, o.kernel).stride(o.stride).padding(o.padding)));
  if (o.dims == 2)
    return AnyModule(ConvTranspose2d(ConvTranspose2dOptions(o.in, o.out, o.kernel)
                                         .stride(o.stride).padding(o.padding).output_padding(o.output_padding)));
  return AnyModule(ConvTranspose3d(ConvTranspose3dOptions(o.in, o.out, o.kernel)
                                       .stride(o.stride).padding(o.padding).output_padding(o.output_padding)));
}

torch::nn::AnyModule make_op(const OpSpec& o) {
  using namespace torch::nn;
  switch (o.kind) {
    case OpKind::Linear: return AnyModule(Linear(o.in, o.out));
    case OpKind::Conv:
    case OpKind::ConvTranspose: return make_conv(o);
    case OpKind::BatchNorm:
      if (o.dims == 1) return AnyModule(BatchNorm1d(o.out));
      if (o.dims == 2) return AnyModule(BatchNorm2d(o.out));
      return AnyModule(BatchNorm3d(o.out));
    case OpKind::Activation: return make_activation(o);
    case OpKind::Dropout: return AnyModule(Dropout(o.dropout));
    case OpKind::Flatten: return AnyModule(Flatten(FlattenOptions().start_dim(1)));
    case OpKind::Unflatten: return AnyModule(Unflatten(UnflattenOptions(1, o.shape)));
  }
  throw Error(ErrorCode::Internal, "unknown op kind");
}

torch::nn::Sequential make_part(const std::vector<OpSpec>& ops) {
  torch::nn::Sequential seq;
  for (const auto& o : ops) seq->push_back(make_op(o));
  return seq;
}

template <typename F>
void for_each_batchnorm(AutoencoderImpl& net, F&& f) {
  for (auto& m : net.modules(false)) {
    if (auto* b1 = m->as<torch::nn::BatchNorm1d>()) f(*b1);
    if (auto* b2 = m->as<torch::nn::BatchNorm2d>()) f(*b2);
    if (auto* b3 = m->as<torch::nn::BatchNorm3d>()) f(*b3);
  }
}

}  // namespace

AutoencoderImpl::AutoencoderImpl(NetSpec spec) : spec_(std::move(spec)) {
  encoder = register_module("encoder", make_part(spec_.encoder));
  decoder = register_module("decoder", make_part(spec_.decoder));
}

torch::Tensor AutoencoderImpl::forward_collect(const torch::Tensor& x, std::vector<torch::Tensor>* acts) {
  torch::Tensor h = x;
  for (auto* part : {&encoder, &decoder}) {
    const auto& ops = part == &encoder ? spec_.encoder : spec_.decoder;
    std::size_t i = 0;
    for (auto& m : **part) {
      h = m.forward(h);
      if (acts && ops[i].kind == OpKind::Activation) acts->push_back(h);
      ++i;
    }
  }
  return h;
}

void AutoencoderImpl::xavier_init() {
  torch::NoGradGuard guard;
  for (auto& p : named_parameters()) {
    const auto& name = p.key();
    if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0 && p.value().dim() >= 2)
      torch::nn::init::xavier_uniform_(p.value());
    else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0)
      p.value().zero_();
  }
}

void AutoencoderImpl::set_dropout_active(bool active) {
  for (auto& m : modules(false))
    if (auto* d = m->as<torch::nn::Dropout>()) d->train(active && is_training());
}

bool AutoencoderImpl::has_batchnorm() const {
  for (const auto& o : spec_.encoder)
    if (o.kind == OpKind::BatchNorm) return true;
  for (const auto& o : spec_.decoder)
    if (o.kind == OpKind::BatchNorm) return true;
  return false;
}

void AutoencoderImpl::recalibrate_batchnorm(const std::vector<torch::Tensor>& batches) {
  if (!has_batchnorm() || batches.empty()) return;
  torch::NoGradGuard guard;
  for_each_batchnorm(*this, [](auto& bn) {
    bn.reset_running_stats();
    bn.options.momentum(c10::nullopt);  // cumulative average over the pass
  });
  train(true);
  set_dropout_active(false);
  for (const auto& b : batches) forward(b);
  for_each_batchnorm(*this, [](auto& bn) { bn.options.momentum(0.1); });
  eval();
}

torch::Tensor training_loss(AutoencoderImpl& net, const torch::Tensor& xb, const TrainingConfig& t, torch::Tensor& mse) {
  std::vector<torch::Tensor> acts;
  auto out = net.forward_collect(xb, t.reg_param > 0 ? &acts : nullptr);
  mse = torch::mse_loss(out, xb, t.loss == "mse_sum" ? torch::Reduction::Sum : torch::Reduction::Mean);
  auto loss = mse;
  for (const auto& a : acts) loss = loss + t.reg_param * a.abs().mean();
  return loss;
}

FlatAdam::FlatAdam(AutoencoderImpl& net, double lr) : lr_(lr) {
  auto params = net.parameters();
  std::int64_t total = 0;
  for (const auto& p : params) total += p.numel();
  const auto options = torch::TensorOptions().dtype(params.at(0).scalar_type());
  param_ = torch::empty({total}, options);
  grad_ = torch::zeros({total}, options);
  m_ = torch::zeros({total}, options);
  v_ = torch::zeros({total}, options);
  denom_ = torch::empty({total}, options);
  torch::NoGradGuard guard;
  std::int64_t off = 0;
  for (auto& p : params) {
    const std::int64_t n = p.numel();
    auto view = param_.narrow(0, off, n).view(p.sizes());
    view.copy_(p);
    p.set_data(view);
    p.mutable_grad() = grad_.narrow(0, off, n).view(p.sizes());
    off += n;
  }
}

void FlatAdam::step() {
  constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  torch::NoGradGuard guard;
  ++step_;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(step_));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(step_));
  m_.mul_(b1).add_(grad_, 1.0 - b1);
  v_.mul_(b2).addcmul_(grad_, grad_, 1.0 - b2);
  torch::sqrt_out(denom_, v_);
  denom_.div_(std::sqrt(bc2)).add_(eps);
  param_.addcdiv_(m_, denom_, -lr_ / bc1);
}

void FlatAdam::save(torch::serialize::OutputArchive& ar) const {
  ar.write("m", m_, true);
  ar.write("v", v_, true);
  ar.write("step", c10::IValue(step_));
}

void FlatAdam::load(torch::serialize::InputArchive& ar, const std::filesystem::path& path) {
  try {
    torch::Tensor m, v;
    ar.read("m", m, true);
    ar.read("v", v, true);
    c10::IValue s;
    ar.read("step", s);
    require(m.sizes() == m_.sizes() && v.sizes() == v_.sizes() && s.isInt() && s.toInt() >= 0,
            ErrorCode::Malformed, path.string() + ": the optimizer state does not match the model");
    torch::NoGradGuard guard;
    m_.copy_(m);
    v_.copy_(v);
    step_ = s.toInt();
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": cannot read the optimizer state (" +
                                          e.what_without_backtrace() + ")");
  }
}

torch::Dtype torch_dtype(const std::string& float_dtype) {
  return float_dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

std::vector<torch::Tensor> snapshot_state(Autoencoder& net) {
  std::vector<torch::Tensor> s;
  for (auto& p : net->parameters()) s.push_back(p.detach().clone());
  for (auto& b : net->buffers()) s.push_back(b.detach().clone());
  return s;
}

void restore_state(Autoencoder& net, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard guard;
  std::size_t i = 0;
  for (auto& p : net->parameters()) p.copy_(state.at(i++));
  for (auto& b : net->buffers()) b.copy_(state.at(i++));
}

}  // namespace baler::nn
