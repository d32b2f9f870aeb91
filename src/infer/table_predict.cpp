// Table model predictions, one loop per relation kind (FORMAT.md §3).
#include "table_predict.hpp"

#include <cmath>

#include "baler/error.hpp"
#include "det_math.hpp"

namespace baler::codec {
namespace {

template <typename G>
void affine(const ColumnRelation& r, std::size_t n, double* out, G&& g) {
  const double p0 = r.params[0], p1 = r.params[1];
  for (std::size_t i = 0; i < n; ++i) {
    const double v = p0 + p1 * g(i);
    out[i] = std::isfinite(v) ? v : 0.0;
  }
}

double sqrt_pos(double t) { return t > 0 ? std::sqrt(t) : 0.0; }

}  // namespace

void predict_relation(const ColumnRelation& r, std::span<const double* const> in, std::size_t n, double* out) {
  require(in.size() == r.inputs.size(), ErrorCode::Internal, "predict_relation: input count");
  switch (r.kind) {
    case RelationKind::Linear:
      for (std::size_t i = 0; i < n; ++i) {
        double acc = r.params[0];
        for (std::size_t k = 0; k < in.size(); ++k) acc = acc + r.params[k + 1] * in[k][i];
        out[i] = std::isfinite(acc) ? acc : 0.0;
      }
      return;
    case RelationKind::Hypot:
      return affine(r, n, out, [&](std::size_t i) { return std::sqrt(in[0][i] * in[0][i] + in[1][i] * in[1][i]); });
    case RelationKind::Atan2:
      return affine(r, n, out, [&](std::size_t i) { return det_atan2(in[1][i], in[0][i]); });
    case RelationKind::AsinhRatio:
      return affine(r, n, out, [&](std::size_t i) { return det_asinh(in[0][i] / in[1][i]); });
    case RelationKind::Eta:
      return affine(r, n, out, [&](std::size_t i) {
        return det_asinh(in[2][i] / std::sqrt(in[0][i] * in[0][i] + in[1][i] * in[1][i]));
      });
    case RelationKind::Energy: {
      const double k = r.params[2];
      return affine(r, n, out, [&](std::size_t i) {
        return sqrt_pos(((in[0][i] * in[0][i] + in[1][i] * in[1][i]) + in[2][i] * in[2][i]) + k);
      });
    }
    case RelationKind::PairMass:
      return affine(r, n, out, [&](std::size_t i) {
        const double e = in[0][i] + in[4][i], x = in[1][i] + in[5][i], y = in[2][i] + in[6][i],
                     z = in[3][i] + in[7][i];
        return sqrt_pos(((e * e - x * x) - y * y) - z * z);
      });
    case RelationKind::Mlp: {
      const std::size_t k = in.size(), per = k + 2, h = (r.params.size() - 1) / per;
      const double* v = r.params.data() + h * (k + 1);
      for (std::size_t i = 0; i < n; ++i) {
        double acc = r.params[h * per];
        for (std::size_t u = 0; u < h; ++u) {
          const double* w = r.params.data() + u * (k + 1);
          double z = w[k];
          for (std::size_t j = 0; j < k; ++j) z = z + w[j] * in[j][i];
          acc = acc + v[u] * (z > 0 ? z : 0.0);
        }
        out[i] = std::isfinite(acc) ? acc : 0.0;
      }
      return;
    }
    case RelationKind::Ratio: return affine(r, n, out, [&](std::size_t i) { return in[0][i] / in[1][i]; });
    case RelationKind::Product: return affine(r, n, out, [&](std::size_t i) { return in[0][i] * in[1][i]; });
    case RelationKind::None:
    case RelationKind::AutoReg: break;
  }
  throw Error(ErrorCode::Internal, "predict_relation: kind " + std::to_string(static_cast<int>(r.kind)));
}

}  // namespace baler::codec
