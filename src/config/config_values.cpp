// Option values as TOML text: floats that read back exactly, escaped strings.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "baler/config.hpp"
#include "option_table.hpp"

namespace baler {
namespace config_detail {
namespace {

// Shortest text that reads back as the same double, in TOML float syntax.
std::string float_to_toml(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

template <class T, class F> std::string list_to_toml(const std::vector<T>& items, F each) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + each(items[i]);
  return out + "]";
}

}  // namespace

std::string value_to_toml(const OptionValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t x) const { return std::to_string(x); }
    std::string operator()(double x) const { return float_to_toml(x); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const std::vector<std::string>& v) const {
      return list_to_toml(v, quote);
    }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      return list_to_toml(v, [](std::int64_t x) { return std::to_string(x); });
    }
    std::string operator()(const StringMap& m) const {
      std::string out = "{";
      for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : " ") + quote(k) + " = " + quote(v);
      return out + (m.empty() ? "}" : " }");
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace config_detail

}  // namespace baler
