// The fused dense path's gradients against LibTorch autograd's on one batch (for the tests).
#include "nn_fused_check.hpp"

#include "baler/error.hpp"
#include "dense_fused.hpp"
#include "nn_module.hpp"

namespace baler::nn {

GradientComparison compare_fused_gradients(const Config& config, std::span<const double> values, std::int64_t rows,
                                           std::int64_t features) {
  require(rows >= 1 && static_cast<std::int64_t>(values.size()) == rows * features, ErrorCode::Config,
          "compare_fused_gradients: values do not hold rows × features");
  const NetSpec spec = build_net_spec(config.model, {features});
  std::string why;
  std::vector<DenseLayer> layers = dense_layers(spec, &why);
  require(!layers.empty(), ErrorCode::Config, "model " + spec.name + " is not plain dense: " + why);
  const auto dtype = torch_dtype(config.training.float_dtype);
  torch::manual_seed(config.training.seed);
  Autoencoder net(spec);
  net->to(dtype);
  if (config.model.model_init == "xavier") net->xavier_init();
  FlatAdam opt(*net, config.training.lr);

  FusedOptions o;
  o.threads = std::max(1, config.training.threads);
  o.max_batch = rows;
  o.loss_sum = config.training.loss == "mse_sum";
  o.reg_param = config.training.reg_param;
  const bool f64 = dtype == torch::kFloat64;
  auto fused = FusedDense::create(layers, o, opt.fused_buffers(), f64);
  auto x = torch::from_blob(const_cast<double*>(values.data()), {rows, features}, torch::kFloat64).to(dtype).contiguous();
  auto g_fused = torch::zeros({opt.flat_parameters().numel()}, dtype);
  GradientComparison c;
  c.parameters = g_fused.numel();
  c.sse_fused = fused->gradients(x.data_ptr(), rows, g_fused.data_ptr());

  opt.zero_grad();
  torch::Tensor mse;
  training_loss(*net, x, config.training, mse).backward();
  c.sse_torch = mse.item<double>() * (o.loss_sum ? 1.0 : static_cast<double>(x.numel()));
  std::int64_t off = 0;
  for (const auto& p : net->parameters()) {
    const auto want = p.grad().flatten().to(torch::kFloat64);
    const auto got = g_fused.narrow(0, off, p.numel()).to(torch::kFloat64);
    off += p.numel();
    const double scale = want.abs().max().item<double>();
    const double diff = (got - want).abs().max().item<double>();
    c.max_relative_diff = std::max(c.max_relative_diff, scale > 0 ? diff / scale : diff);
  }
  return c;
}

}  // namespace baler::nn
