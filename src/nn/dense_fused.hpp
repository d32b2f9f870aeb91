// Internal to src/nn (torch-free): the fused dense training path — hand-written forward,
// backward and Adam for models made only of Linear layers and elementwise activations, on BLAS
// GEMM, each batch split over a fixed number of threads and the gradients summed in a fixed order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn_spec.hpp"

namespace baler::nn {

enum class DenseAct : std::uint8_t { None, LeakyReLU, ReLU, Tanh, ELU, SiLU, Sigmoid };

// One Linear layer (y = W x + b, W stored (out, in) row-major as torch's Linear) and the
// activation that follows it. Offsets index the flat parameter buffer, which holds every
// layer's weight then bias, in layer order: the order of torch's Module::parameters().
struct DenseLayer {
  std::int64_t in = 0, out = 0;
  DenseAct act = DenseAct::None;
  double alpha = 0.0;  // LeakyReLU slope, ELU alpha
  std::int64_t weight_offset = 0, bias_offset = 0;
};

// The layers of `spec` when it is plain dense (Linear, each optionally followed by one
// activation); empty when it has any other op (BatchNorm, Dropout, Conv, ...) and `why` then
// says which.
std::vector<DenseLayer> dense_layers(const NetSpec& spec, std::string* why = nullptr);
// Elements of the flat parameter buffer of `layers`.
std::int64_t dense_parameter_count(const std::vector<DenseLayer>& layers);

struct FusedOptions {
  int threads = 1;              // logical batch slices; the result depends on it, never on timing
  std::int64_t max_batch = 512; // largest batch step() will see
  bool loss_sum = false;        // MSE summed (mse_sum) instead of averaged (mse_mean)
  double reg_param = 0.0;       // L1 penalty: reg_param × mean|a| for every activation output a
};

// The optimizer's buffers, owned by the caller (the LibTorch path's FlatAdam shares them, so a
// checkpoint holds the same weights and moments whichever path trained). All `params` long.
struct FusedBuffers {
  void* param = nullptr;  // float or double, as FusedDense::create was told
  void* m = nullptr;
  void* v = nullptr;
  std::int64_t* step = nullptr;  // Adam steps taken so far
};

class FusedDense {
 public:
  virtual ~FusedDense() = default;
  // One Adam step (PyTorch's rule, betas 0.9/0.999, eps 1e-8, no weight decay) on the batch
  // `x` (rows × features, row-major, 1 ≤ rows ≤ max_batch). Returns the batch's sum of
  // squared reconstruction errors (without the penalty).
  virtual double train_batch(const void* x, std::int64_t rows, double lr) = 0;
  // Gradient of the loss (MSE + penalty) at the current parameters into `grad` (params long,
  // same dtype); returns the sum of squared errors. For tests.
  virtual double gradients(const void* x, std::int64_t rows, void* grad) = 0;
  // Sum of squared reconstruction errors over `rows` rows (forward only, any row count).
  virtual double squared_error(const void* x, std::int64_t rows) = 0;

  // float64 = false: float32 buffers and sgemm; true: float64 and dgemm. Throws
  // Error(Internal) if the BLAS has no sgemm_/dgemm_.
  static std::unique_ptr<FusedDense> create(std::vector<DenseLayer> layers, const FusedOptions& options,
                                            const FusedBuffers& buffers, bool float64);
};

}  // namespace baler::nn
