// Double32_t and Float16_t leaves (TLeafD32, TLeafF16): the range in a leaf's title and the
// decoding of its stored elements, as ROOT's TStreamerElement::GetRange and TBufferFile's
// ReadDouble32 / ReadFloat16 define them.
#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>

#include "root_internal.hpp"

namespace baler::rootio {
namespace {

constexpr double kPi = 3.14159265358979323846;

// One bound of a range: lower-cased without blanks, a multiple of pi by name or a number (as
// sscanf's %lg reads its start; nothing readable leaves it 0).
double range_bound(std::string s) {
  std::string t;
  for (const char c : s)
    if (c != ' ') t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (t.find("pi") != std::string::npos) {
    double v = kPi;
    if (t.find("2pi") != std::string::npos || t.find("2*pi") != std::string::npos || t.find("twopi") != std::string::npos) v = 2 * kPi;
    else if (t.find("pi/2") != std::string::npos) v = kPi / 2;
    else if (t.find("pi/4") != std::string::npos) v = kPi / 4;
    return t.find('-') != std::string::npos ? -v : v;
  }
  const char* b = t.data();
  const char* e = t.data() + t.size();
  if (b != e && *b == '+') ++b;
  double v = 0;
  std::from_chars(b, e, v);
  return v;
}

}  // namespace

PackedReal packed_real(const std::string& title, bool float16, const std::string& what) {
  // The element's title: what follows "/d" ("/f"), or the whole title when it starts "d[" ("f[")
  // (a version-1 leaf).
  const std::string mark = float16 ? "f[" : "d[";
  std::string range;
  if (title.rfind(mark, 0) == 0) range = title.substr(1);
  else if (const auto at = title.find("/" + mark); at != std::string::npos) range = title.substr(at + 2);
  double xmin = 0, xmax = 0, factor = 0;
  int nbits = 32;
  // TStreamerElement::GetRange: "[xmin,xmax]" or "[xmin,xmax,nbits]" (a first bracket without
  // a comma is a dimension and skipped).
  auto left = range.find('[');
  auto right = left == std::string::npos ? left : range.find(']', left);
  auto comma = right == std::string::npos ? right : range.find(',', left);
  if (right != std::string::npos && (comma == std::string::npos || comma > right)) {
    left = range.find('[', right);
    right = left == std::string::npos ? left : range.find(']', left);
    comma = right == std::string::npos ? right : range.find(',', left);
    if (comma != std::string::npos && comma > right) comma = std::string::npos;
  }
  if (right != std::string::npos && comma != std::string::npos) {
    auto comma2 = range.find(',', comma + 1);
    if (comma2 != std::string::npos && comma2 > right) comma2 = std::string::npos;
    if (comma2 != std::string::npos) {
      std::string bits = range.substr(comma2 + 1, right - comma2 - 1);
      const char* b = bits.data();
      const char* e = b + bits.size();
      while (b != e && std::isspace(static_cast<unsigned char>(*b))) ++b;
      if (b != e && *b == '+') ++b;
      int n = 32;
      if (std::from_chars(b, e, n).ec == std::errc{}) nbits = n;
      if (nbits < 2 || nbits > 32) nbits = 32;
      right = comma2;
    }
    xmin = range_bound(range.substr(left + 1, comma - left - 1));
    xmax = range_bound(range.substr(comma + 1, right - comma - 1));
    const std::uint32_t bigint = nbits < 32 ? std::uint32_t{1} << nbits : 0xFFFFFFFFu;
    if (xmin < xmax) factor = bigint / (xmax - xmin);
    if (xmin >= xmax && nbits < 15) xmin = nbits + 0.1;
  }
  PackedReal p;
  if (factor != 0) {
    p.kind = PackedReal::Factor, p.xmin = xmin, p.factor = factor;
    return p;
  }
  // No range: ReadDouble32 reads a float, or a truncated one when xmin holds a bit count;
  // ReadFloat16 a truncated float of xmin's bits, 12 by default.
  const double whole = std::clamp(xmin, -1e9, 1e9);
  int n = static_cast<int>(whole);
  if (n == 0 && float16) n = 12;
  if (n == 0) {
    p.kind = PackedReal::Float;
    return p;
  }
  require(n >= 1 && n <= 22, ErrorCode::Unsupported,
          what + ": its title '" + title + "' gives a mantissa of " + std::to_string(n) + " bits (1 to 22 are read)");
  p.kind = PackedReal::Nbits, p.nbits = n;
  return p;
}

double unpack_real(const PackedReal& p, const std::byte* at) {
  const auto u = [&](std::size_t k) { return std::to_integer<std::uint32_t>(at[k]); };
  switch (p.kind) {
    case PackedReal::Factor: {
      const std::uint32_t a = (u(0) << 24) | (u(1) << 16) | (u(2) << 8) | u(3);
      return static_cast<double>(a) / p.factor + p.xmin;
    }
    case PackedReal::Float:
      return static_cast<double>(std::bit_cast<float>((u(0) << 24) | (u(1) << 16) | (u(2) << 8) | u(3)));
    case PackedReal::Nbits: {
      const std::uint32_t exponent = u(0), mantissa = (u(1) << 8) | u(2);
      const std::uint32_t mask = (std::uint32_t{1} << (p.nbits + 1)) - 1;
      float f = std::bit_cast<float>((exponent << 23) | ((mantissa & mask) << (23 - p.nbits)));
      if (mantissa & (std::uint32_t{1} << (p.nbits + 1))) f = -f;
      return static_cast<double>(f);
    }
    case PackedReal::None: break;
  }
  return 0;
}

}  // namespace baler::rootio
