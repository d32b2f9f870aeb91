// The fused dense training path: forward, backward and Adam written out for Linear layers and
// elementwise activations, GEMMs on the system BLAS, each batch split into fixed slices run by
// OpenMP threads, the slices' gradients summed in slice order (bit-reproducible per thread count).
#include "dense_fused.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "baler/error.hpp"

// The CBLAS entry points of the BLAS LibTorch already loads (Debian's libblas.so.3 alternative,
// OpenBLAS here). Declared here rather than through <cblas.h>, which only libblas-dev installs;
// the enum arguments are ints (CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112).
extern "C" {
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);
void cblas_dgemm(int order, int transa, int transb, int m, int n, int k, double alpha, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc);
}

namespace baler::nn {
namespace {

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

DenseAct act_of(const OpSpec& o) {
  if (o.activation == "leaky_relu") return DenseAct::LeakyReLU;
  if (o.activation == "relu") return DenseAct::ReLU;
  if (o.activation == "tanh") return DenseAct::Tanh;
  if (o.activation == "elu") return DenseAct::ELU;
  if (o.activation == "silu") return DenseAct::SiLU;
  if (o.activation == "sigmoid") return DenseAct::Sigmoid;
  throw Error(ErrorCode::Internal, "fused dense path: unknown activation " + o.activation);
}

// C = op(A) · op(B), row-major, alpha 1, beta 0.
void gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
          int ldc) {
  cblas_sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
void gemm(bool ta, bool tb, int m, int n, int k, const double* a, int lda, const double* b, int ldb, double* c,
          int ldc) {
  cblas_dgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

// A 64-byte aligned array (the same alignment on every run, so BLAS takes the same paths).
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::int64_t n) {
    const std::size_t bytes = (static_cast<std::size_t>(std::max<std::int64_t>(n, 1)) * sizeof(T) + 63) / 64 * 64;
    p_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    if (!p_) throw Error(ErrorCode::Limit, "fused dense path: cannot allocate " + std::to_string(bytes) + " bytes");
    std::memset(p_.get(), 0, bytes);
  }
  T* get() const { return p_.get(); }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> p_;
};

template <typename T>
T sign(T v) {
  return static_cast<T>((v > T(0)) - (v < T(0)));
}

// a = act(z + b) row by row (z is overwritten with z + b; a may alias z when act is None).
// LeakyReLU (here and in act_backward) is written as select(z) + alpha · select(z), which the
// compiler vectorises without branches (under -ftrapping-math it will not speculate the
// product of `z > 0 ? z : alpha z`); the values are the same: z + alpha · 0 = z and
// 0 + alpha z = alpha z.
template <typename T>
void bias_act(T* z, T* a, const T* b, std::int64_t rows, const DenseLayer& l) {
  const std::int64_t n = l.out;
  const T alpha = static_cast<T>(l.alpha);
  for (std::int64_t r = 0; r < rows; ++r) {
    T* zr = z + r * n;
    T* ar = a + r * n;
    for (std::int64_t j = 0; j < n; ++j) zr[j] += b[j];
    switch (l.act) {
      case DenseAct::None: break;
      case DenseAct::LeakyReLU:
        for (std::int64_t j = 0; j < n; ++j) ar[j] = (zr[j] > T(0) ? zr[j] : T(0)) + alpha * (zr[j] > T(0) ? T(0) : zr[j]);
        break;
      case DenseAct::ReLU:
        for (std::int64_t j = 0; j < n; ++j) ar[j] = zr[j] > T(0) ? zr[j] : T(0);
        break;
      case DenseAct::Tanh:
        for (std::int64_t j = 0; j < n; ++j) ar[j] = std::tanh(zr[j]);
        break;
      case DenseAct::ELU:
        for (std::int64_t j = 0; j < n; ++j) ar[j] = zr[j] > T(0) ? zr[j] : alpha * std::expm1(zr[j]);
        break;
      case DenseAct::SiLU:
        for (std::int64_t j = 0; j < n; ++j) ar[j] = zr[j] / (T(1) + std::exp(-zr[j]));
        break;
      case DenseAct::Sigmoid:
        for (std::int64_t j = 0; j < n; ++j) ar[j] = T(1) / (T(1) + std::exp(-zr[j]));
        break;
    }
  }
}

// d ← d · act'(z) elementwise, with LibTorch's conventions at the kinks (ReLU' = 0 at 0,
// LeakyReLU' = slope at 0).
template <typename T>
void act_backward(T* d, const T* z, const T* a, std::int64_t count, const DenseLayer& l) {
  const T alpha = static_cast<T>(l.alpha);
  switch (l.act) {
    case DenseAct::None: break;
    case DenseAct::LeakyReLU:
      for (std::int64_t i = 0; i < count; ++i) d[i] = (z[i] > T(0) ? d[i] : T(0)) + alpha * (z[i] > T(0) ? T(0) : d[i]);
      break;
    case DenseAct::ReLU:
      for (std::int64_t i = 0; i < count; ++i) d[i] = a[i] <= T(0) ? T(0) : d[i];
      break;
    case DenseAct::Tanh:
      for (std::int64_t i = 0; i < count; ++i) d[i] = d[i] * (T(1) - a[i] * a[i]);
      break;
    case DenseAct::ELU:
      for (std::int64_t i = 0; i < count; ++i) d[i] = z[i] <= T(0) ? d[i] * alpha * std::exp(z[i]) : d[i];
      break;
    case DenseAct::SiLU:
      for (std::int64_t i = 0; i < count; ++i) {
        const T s = T(1) / (T(1) + std::exp(-z[i]));
        d[i] = d[i] * (s * (T(1) + z[i] * (T(1) - s)));
      }
      break;
    case DenseAct::Sigmoid:
      for (std::int64_t i = 0; i < count; ++i) d[i] = d[i] * ((T(1) - a[i]) * a[i]);
      break;
  }
}

template <typename T>
class DenseImpl final : public FusedDense {
 public:
  DenseImpl(std::vector<DenseLayer> layers, const FusedOptions& o, const FusedBuffers& b)
      : layers_(std::move(layers)), opt_(o), buf_(b), params_(dense_parameter_count(layers_)) {
    require(o.threads >= 1 && o.max_batch >= 1 && o.max_batch <= (std::int64_t{1} << 30), ErrorCode::Internal,
            "fused dense path: bad threads or batch size");
    slice_rows_ = (o.max_batch + o.threads - 1) / o.threads;
    std::int64_t width = 0;
    for (const auto& l : layers_) width = std::max({width, l.in, l.out});
    for (int c = 0; c < o.threads; ++c) {
      Slice s;
      for (const auto& l : layers_) {
        s.z.emplace_back(slice_rows_ * l.out);
        s.a.emplace_back(l.act == DenseAct::None ? 0 : slice_rows_ * l.out);
      }
      s.d0 = Buffer<T>(slice_rows_ * width);
      s.d1 = Buffer<T>(slice_rows_ * width);
      s.grad = Buffer<T>(params_);
      slices_.push_back(std::move(s));
    }
  }

  double train_batch(const void* x, std::int64_t rows, double lr) override {
    check_rows(rows);
    ++*buf_.step;
    const Adam adam = adam_constants(lr, *buf_.step);
    const double se = run(
        [&](int c) { slice_gradients(c, static_cast<const T*>(x), rows); },
        [&](int c) { adam_range(c, adam); });
    return se;
  }

  double gradients(const void* x, std::int64_t rows, void* grad) override {
    check_rows(rows);
    T* g = static_cast<T*>(grad);
    return run([&](int c) { slice_gradients(c, static_cast<const T*>(x), rows); },
               [&](int c) {
                 const auto [lo, hi] = range(params_, c);
                 for (std::int64_t i = lo; i < hi; ++i) g[i] = summed_grad(i);
               });
  }

  double squared_error(const void* x, std::int64_t rows) override {
    const T* p = static_cast<const T*>(x);
    const std::int64_t n = layers_.front().in;
    double se = 0.0;
    for (std::int64_t s = 0; s < rows; s += opt_.max_batch) {
      const std::int64_t len = std::min(opt_.max_batch, rows - s);
      se += run(
          [&](int c) {
            const auto [lo, hi] = range(len, c);
            slices_[c].se = hi > lo ? forward_se(slices_[c], p + (s + lo) * n, hi - lo) : 0.0;
          },
          [](int) {});
    }
    return se;
  }

 private:
  struct Slice {
    std::vector<Buffer<T>> z, a;
    Buffer<T> d0, d1, grad;
    double se = 0.0;
  };
  struct Adam {
    T b1, one_minus_b1, b2, one_minus_b2, inv_sqrt_bc2, eps, step_size;
  };

  void check_rows(std::int64_t rows) const {
    require(rows >= 1 && rows <= opt_.max_batch, ErrorCode::Internal,
            "fused dense path: batch of " + std::to_string(rows) + " rows, limit " + std::to_string(opt_.max_batch));
  }

  // [lo, hi) of slice c when `n` items are split into opt_.threads slices.
  std::pair<std::int64_t, std::int64_t> range(std::int64_t n, int c) const {
    return {n * c / opt_.threads, n * (c + 1) / opt_.threads};
  }

  // Phase one for every slice, then (after all of them) phase two for every slice; returns the
  // slices' squared errors summed in slice order. Slices are logical: the result does not
  // depend on how many OpenMP threads actually run them.
  template <typename F1, typename F2>
  double run(F1&& phase1, F2&& phase2) {
    const int slices = opt_.threads;
    if (slices == 1) {
      phase1(0);
      phase2(0);
    } else {
#pragma omp parallel num_threads(slices)
      {
        const int nt = omp_get_num_threads(), t = omp_get_thread_num();
        for (int c = t; c < slices; c += nt) phase1(c);
#pragma omp barrier
        for (int c = t; c < slices; c += nt) phase2(c);
      }
    }
    double se = 0.0;
    for (const auto& s : slices_) se += s.se;
    return se;
  }

  const T* weight(const DenseLayer& l) const { return static_cast<const T*>(buf_.param) + l.weight_offset; }
  const T* bias(const DenseLayer& l) const { return static_cast<const T*>(buf_.param) + l.bias_offset; }
  T* act_out(Slice& s, std::size_t i) { return layers_[i].act == DenseAct::None ? s.z[i].get() : s.a[i].get(); }

  // Forward pass of `rows` rows of x through every layer into the slice's buffers.
  void forward(Slice& s, const T* x, std::int64_t rows) {
    const T* in = x;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      const DenseLayer& l = layers_[i];
      gemm(false, true, static_cast<int>(rows), static_cast<int>(l.out), static_cast<int>(l.in), in,
           static_cast<int>(l.in), weight(l), static_cast<int>(l.in), s.z[i].get(), static_cast<int>(l.out));
      bias_act(s.z[i].get(), act_out(s, i), bias(l), rows, l);
      in = act_out(s, i);
    }
  }

  double forward_se(Slice& s, const T* x, std::int64_t rows) {
    forward(s, x, rows);
    const T* y = act_out(s, layers_.size() - 1);
    double se = 0.0;
    for (std::int64_t i = 0; i < rows * layers_.front().in; ++i) {
      const double d = static_cast<double>(y[i] - x[i]);
      se += d * d;
    }
    return se;
  }

  // d += reg_param / (batch × width) · sign(a): the L1 penalty's gradient on an activation output.
  void add_penalty(T* d, const T* a, std::int64_t rows, std::int64_t batch, const DenseLayer& l) const {
    if (opt_.reg_param <= 0 || l.act == DenseAct::None) return;
    const T c = static_cast<T>(opt_.reg_param / static_cast<double>(batch * l.out));
    for (std::int64_t i = 0; i < rows * l.out; ++i) d[i] += c * sign(a[i]);
  }

  // The slice's share of the batch: forward, loss gradient, backward into slice.grad.
  void slice_gradients(int c, const T* x, std::int64_t batch) {
    Slice& s = slices_[static_cast<std::size_t>(c)];
    const auto [lo, hi] = range(batch, c);
    const std::int64_t rows = hi - lo;
    s.se = 0.0;
    if (rows == 0) {
      std::fill(s.grad.get(), s.grad.get() + params_, T(0));
      return;
    }
    const std::int64_t n = layers_.front().in;
    const T* xs = x + lo * n;
    forward(s, xs, rows);
    const std::size_t last = layers_.size() - 1;
    const T* y = act_out(s, last);
    const T coef = static_cast<T>(opt_.loss_sum ? 2.0 : 2.0 / static_cast<double>(batch * n));
    T* d = s.d0.get();
    for (std::int64_t i = 0; i < rows * n; ++i) {
      const T diff = y[i] - xs[i];
      s.se += static_cast<double>(diff) * static_cast<double>(diff);
      d[i] = coef * diff;
    }
    add_penalty(d, y, rows, batch, layers_[last]);
    backward(s, xs, rows, batch);
  }

  void backward(Slice& s, const T* x, std::int64_t rows, std::int64_t batch) {
    T* d = s.d0.get();
    T* other = s.d1.get();
    for (std::size_t i = layers_.size(); i-- > 0;) {
      const DenseLayer& l = layers_[i];
      act_backward(d, s.z[i].get(), act_out(s, i), rows * l.out, l);
      const T* in = i > 0 ? act_out(s, i - 1) : x;
      T* gw = s.grad.get() + l.weight_offset;
      T* gb = s.grad.get() + l.bias_offset;
      gemm(true, false, static_cast<int>(l.out), static_cast<int>(l.in), static_cast<int>(rows), d,
           static_cast<int>(l.out), in, static_cast<int>(l.in), gw, static_cast<int>(l.in));
      std::fill(gb, gb + l.out, T(0));
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t j = 0; j < l.out; ++j) gb[j] += d[r * l.out + j];
      if (i == 0) break;
      gemm(false, false, static_cast<int>(rows), static_cast<int>(l.in), static_cast<int>(l.out), d,
           static_cast<int>(l.out), weight(l), static_cast<int>(l.in), other, static_cast<int>(l.in));
      add_penalty(other, act_out(s, i - 1), rows, batch, layers_[i - 1]);
      std::swap(d, other);
    }
  }

  T summed_grad(std::int64_t i) const {
    T g = slices_[0].grad.get()[i];
    for (std::size_t c = 1; c < slices_.size(); ++c) g += slices_[c].grad.get()[i];
    return g;
  }

  static Adam adam_constants(double lr, std::int64_t step) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double bc1 = 1.0 - std::pow(b1, static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(b2, static_cast<double>(step));
    return {T(b1), T(1.0 - b1), T(b2), T(1.0 - b2), T(1.0 / std::sqrt(bc2)), T(eps), T(-lr / bc1)};
  }

  // Sums the slices' gradients into slice 0's (slice order) and applies Adam to slice c's share
  // of the parameters, as FlatAdam::step does. Plain loops: they vectorise.
  void adam_range(int c, const Adam& a) {
    T* p = static_cast<T*>(buf_.param);
    T* m = static_cast<T*>(buf_.m);
    T* v = static_cast<T*>(buf_.v);
    T* g0 = slices_[0].grad.get();
    const auto [lo, hi] = range(params_, c);
    for (std::size_t s = 1; s < slices_.size(); ++s) {
      const T* gs = slices_[s].grad.get();
      for (std::int64_t i = lo; i < hi; ++i) g0[i] += gs[i];
    }
    for (std::int64_t i = lo; i < hi; ++i) {
      const T g = g0[i];
      m[i] = m[i] * a.b1 + a.one_minus_b1 * g;
      v[i] = v[i] * a.b2 + a.one_minus_b2 * (g * g);
      const T denom = std::sqrt(v[i]) * a.inv_sqrt_bc2 + a.eps;
      p[i] = p[i] + a.step_size * (m[i] / denom);
    }
  }

  std::vector<DenseLayer> layers_;
  FusedOptions opt_;
  FusedBuffers buf_;
  std::int64_t params_ = 0;
  std::int64_t slice_rows_ = 0;
  std::vector<Slice> slices_;
};

}  // namespace

std::vector<DenseLayer> dense_layers(const NetSpec& spec, std::string* why) {
  std::vector<DenseLayer> layers;
  std::int64_t offset = 0;
  auto refuse = [&](const std::string& reason) {
    if (why) *why = reason;
    return std::vector<DenseLayer>{};
  };
  for (const auto* part : {&spec.encoder, &spec.decoder}) {
    for (const auto& o : *part) {
      if (o.kind == OpKind::Linear) {
        DenseLayer l;
        l.in = o.in;
        l.out = o.out;
        l.weight_offset = offset;
        l.bias_offset = offset + o.in * o.out;
        offset = l.bias_offset + o.out;
        layers.push_back(l);
      } else if (o.kind == OpKind::Activation && !layers.empty() && layers.back().act == DenseAct::None) {
        layers.back().act = act_of(o);
        layers.back().alpha = o.alpha;
      } else {
        return refuse(o.kind == OpKind::Activation ? "two activations in a row" : "layers other than Linear and activations");
      }
    }
  }
  if (layers.empty()) return refuse("no Linear layer");
  return layers;
}

std::int64_t dense_parameter_count(const std::vector<DenseLayer>& layers) {
  return layers.empty() ? 0 : layers.back().bias_offset + layers.back().out;
}

std::unique_ptr<FusedDense> FusedDense::create(std::vector<DenseLayer> layers, const FusedOptions& options,
                                               const FusedBuffers& buffers, bool float64) {
  require(!layers.empty() && buffers.param && buffers.m && buffers.v && buffers.step, ErrorCode::Internal,
          "fused dense path: no layers or buffers");
  if (float64) return std::make_unique<DenseImpl<double>>(std::move(layers), options, buffers);
  return std::make_unique<DenseImpl<float>>(std::move(layers), options, buffers);
}

}  // namespace baler::nn
