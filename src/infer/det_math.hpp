// Deterministic exp2/exp, log, atan/atan2 and asinh from + − × ÷, sqrt and exact scaling
// only (FORMAT.md §3 "Decoder arithmetic"): libm's may round differently between machines and
// versions, these give the same bits everywhere (pinned by tests/codec/test_table_model.cpp).
#pragma once

#include <cmath>
#include <limits>

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

namespace baler::codec {

// Natural logarithm from + - x / and exact scaling (FORMAT.md §3): x = m · 2^e with
// m in [√½, √2) (frexp, exact), log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| < 0.172, by its
// series to s^25 in Horner form of s²; result e·ln2_hi + (e·ln2_lo + log m).
inline double det_log(double x) {
  if (std::isnan(x) || x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -HUGE_VAL;
  if (std::isinf(x)) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m = m * 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double p = 1.0 / 25.0;
  for (int k = 11; k >= 0; --k) p = p * s2 + 1.0 / static_cast<double>(2 * k + 1);
  const double lm = 2.0 * s * p;
  const double ed = static_cast<double>(e);
  return ed * 6.93147180369123816490e-01 + (ed * 1.90821492927058770002e-10 + lm);
}

// arctan: |x| > 1 uses π/2 − atan(1/|x|); two half-angle steps t = x / (1 + sqrt(1 + x²))
// (atan x = 2 atan t) bring |t| below tan(π/16) < 0.2, then the series t − t³/3 + … to t^29.
inline double det_atan(double x) {
  if (std::isnan(x)) return x;
  const bool neg = std::signbit(x);
  double a = std::fabs(x);
  const bool inv = a > 1.0;
  if (inv) a = 1.0 / a;
  for (int i = 0; i < 2; ++i) a = a / (1.0 + std::sqrt(1.0 + a * a));
  const double a2 = a * a;
  double p = 1.0 / 29.0;
  for (int k = 13; k >= 0; --k) p = -(p * a2) + 1.0 / static_cast<double>(2 * k + 1);
  double r = 4.0 * (a * p);
  if (inv) r = 1.57079632679489661923 - r;
  return neg ? -r : r;
}

// atan2(y, x) in (−π, π]: atan(y/x) for x > 0, ± π added for x < 0 (by the sign bit of y),
// ±π/2 for x = 0, 0 for y = x = 0; NaN if either is NaN or both are infinite.
inline double det_atan2(double y, double x) {
  constexpr double kPi = 3.14159265358979311600;
  if (std::isnan(x) || std::isnan(y) || (std::isinf(x) && std::isinf(y)))
    return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return y == 0 ? 0.0 : (y > 0 ? kPi / 2 : -kPi / 2);
  const double t = det_atan(y / x);
  if (x > 0) return t;
  return std::signbit(y) ? t - kPi : t + kPi;
}

// asinh x = sign(x) · log(|x| + sqrt(x² + 1)); for |x| > 2^28, log|x| + ln 2; for
// |x| < 1/8, its series Σ (−1)^k (2k)! / (4^k (k!)² (2k+1)) x^(2k+1) to k = 9 in Horner form of
// x² (relative error < 1e-17 there, where the log form would lose digits).
inline double det_asinh(double x) {
  if (std::isnan(x) || std::isinf(x)) return x;
  const double a = std::fabs(x);
  double r;
  if (a < 0.125) {
    double c = 1.0, p = 0.0;
    double coef[10];
    for (int k = 0; k < 10; ++k) {  // c_k = (−1)^k (2k)! / (4^k (k!)²), coef = c_k / (2k + 1)
      coef[k] = c / static_cast<double>(2 * k + 1);
      c = -c * static_cast<double>(2 * k + 1) / static_cast<double>(2 * k + 2);
    }
    const double a2 = a * a;
    for (int k = 9; k >= 0; --k) p = p * a2 + coef[k];
    r = a * p;
  } else {
    r = a > 268435456.0 ? det_log(a) + 6.93147180559945286227e-01 : det_log(a + std::sqrt(a * a + 1.0));
  }
  return std::signbit(x) ? -r : r;
}

}  // namespace baler::codec
