// Predictions of the conditional table model (FORMAT.md §3 "Table model predictions"): from
// decoded input columns, in binary64 with + − × ÷, sqrt and the deterministic atan2/asinh of
// det_math.hpp, in exactly the order written there. No libm transcendental, no LibTorch.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "baler/table_model.hpp"

namespace baler::codec {

// Prediction of relation `r` (any kind but None and AutoReg) for n rows: `inputs[k]` holds the
// decoded values of r.inputs[k] as binary64. A prediction that is not finite is 0.
void predict_relation(const ColumnRelation& r, std::span<const double* const> inputs, std::size_t n, double* out);

// AutoReg prediction of row i from the rows decoded before it in the chunk (`rec`, binary64;
// a row before the chunk's first counts as the mean). params = mean, a1..ap:
// acc = mean; for k = 1..p: acc = acc + a_k × (v[i−k] − mean).
inline double autoreg_predict(std::span<const double> params, const double* rec, std::size_t i) {
  const double mean = params[0];
  double acc = mean;
  for (std::size_t k = 1; k < params.size(); ++k) {
    const double v = i >= k ? rec[i - k] : mean;
    acc = acc + params[k] * (v - mean);
  }
  return acc;
}

}  // namespace baler::codec
