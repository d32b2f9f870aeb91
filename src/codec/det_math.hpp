// Deterministic exp2/exp from + - x / only (FORMAT.md §3 "Decoder arithmetic"): libm's exp
// may round differently between machines, these give the same bits everywhere.
#pragma once

#include <cmath>

namespace baler::codec {

// 2^y in binary64. y = k + f with k = nearbyint(y), |f| <= 1/2; 2^f by the degree-13 Taylor
// polynomial of exp(f ln 2) in Horner form (relative error < 1e-15); scaled by ldexp (exact).
inline double det_exp2(double y) {
  if (std::isnan(y)) return y;
  if (y > 1024.0) return HUGE_VAL;
  if (y < -1100.0) return 0.0;
  static constexpr double c[14] = {
      1.0, 0.6931471805599453, 0.24022650695910072, 0.05550410866482158, 0.009618129107628477,
      0.0013333558146428443, 0.0001540353039338161, 1.5252733804059841e-05, 1.321548679014431e-06,
      1.01780860092397e-07, 7.054911620801123e-09, 4.4455382718708116e-10, 2.5678435993488206e-11,
      1.3691488853904128e-12};
  const double k = std::nearbyint(y);
  const double f = y - k;
  double p = c[13];
  for (int i = 12; i >= 0; --i) p = p * f + c[i];
  return std::ldexp(p, static_cast<int>(k));
}

// e^x = 2^(x * log2(e)) in binary64 (one extra rounding; deterministic).
inline double det_exp(double x) { return det_exp2(x * 1.4426950408889634); }

}  // namespace baler::codec
