// Configuration files: TOML text <-> Config through the option table, with strict checking.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include <toml++/toml.h>

#include "baler/atomic_file.hpp"
#include "baler/config.hpp"
#include "baler/error.hpp"
#include "option_table.hpp"

namespace baler {
using namespace config_detail;

namespace {

// ---- TOML nodes -> values ----

template <class T, class Elem>
std::optional<std::vector<T>> array_of(const toml::node& n) {
  const auto* arr = n.as_array();
  if (!arr) return std::nullopt;
  std::vector<T> out;
  for (const auto& e : *arr) {
    const auto* v = e.as<Elem>();
    if (!v) return std::nullopt;
    out.push_back(static_cast<T>(v->get()));
  }
  return out;
}

// The node as a value of `type`, or nullopt when its TOML type does not fit.
std::optional<OptionValue> from_node(const toml::node& n, ValueType type) {
  switch (type) {
    case ValueType::Bool:
      if (auto v = n.value_exact<bool>()) return OptionValue{*v};
      break;
    case ValueType::Int:
      if (auto v = n.value_exact<std::int64_t>()) return OptionValue{*v};
      break;
    case ValueType::Float:
      if (n.is_floating_point()) return OptionValue{n.as_floating_point()->get()};
      if (n.is_integer()) return OptionValue{static_cast<double>(n.as_integer()->get())};
      break;
    case ValueType::String:
      if (auto v = n.value_exact<std::string>()) return OptionValue{*v};
      break;
    case ValueType::StringList:
      if (auto v = array_of<std::string, std::string>(n)) return OptionValue{*v};
      break;
    case ValueType::IntList:
      if (auto v = array_of<std::int64_t, std::int64_t>(n)) return OptionValue{*v};
      break;
    case ValueType::StringMap: {
      const auto* t = n.as_table();
      if (!t) break;
      StringMap m;
      for (const auto& [k, v] : *t) {
        auto s = v.value_exact<std::string>();
        if (!s) return std::nullopt;
        m[std::string(k.str())] = *s;
      }
      return OptionValue{m};
    }
  }
  return std::nullopt;
}

std::string a_type(ValueType type) {
  const std::string name = type_name(type);
  return (name[0] == 'i' ? "an " : "a ") + name;
}

std::string describe_node(const toml::node& n) {
  std::ostringstream os;
  os << n.type() << " ";
  if (n.is_table()) os << "(a table)";
  else n.visit([&os](const auto& v) { os << v; });  // the value in TOML syntax
  return os.str();
}

// ---- errors that name the key, the source and the nearest valid key ----

[[noreturn]] void unknown_key(const std::string& name, const std::string& what) {
  std::vector<std::string> full;
  std::vector<std::string> keys;
  for (const auto& d : option_defs()) {
    full.push_back(d.name());
    keys.push_back(d.key);
  }
  std::string hint = nearest_name(name, full);
  if (hint.empty() && name.find('.') == std::string::npos) {
    // A key outside its section ("epochs = 5" at the top): suggest by the key alone.
    const std::string k = nearest_name(name, keys);
    for (const auto& d : option_defs())
      if (!k.empty() && d.key == k) hint = d.name();
  }
  std::string msg = "unknown key '" + name + "' in " + what;
  if (!hint.empty()) msg += "; did you mean '" + hint + "'?";
  else msg += " (docs/CONFIG.md lists the valid keys)";
  throw Error(ErrorCode::Config, msg);
}

[[noreturn]] void unknown_section(const std::string& section, const std::string& what) {
  std::string msg = "unknown section [" + section + "] in " + what;
  const std::string hint = nearest_name(section, section_names());
  if (!hint.empty()) msg += "; did you mean [" + hint + "]?";
  else {
    msg += "; valid sections:";
    for (const auto& s : section_names()) msg += " [" + s + "]";
  }
  throw Error(ErrorCode::Config, msg);
}

// Checks the value against the option's rule and stores it.
void set_checked(Config& config, const OptionDef& d, const OptionValue& v, const std::string& what) {
  const std::string why = d.check.why_not ? d.check.why_not(v) : "";
  if (!why.empty())
    throw Error(ErrorCode::Config,
                "'" + d.name() + "' = " + value_to_toml(v) + " in " + what + ": " + why);
  d.set(config, v);
}

void set_from_node(Config& config, const OptionDef& d, const toml::node& n, const std::string& what) {
  auto v = from_node(n, d.type);
  if (!v)
    throw Error(ErrorCode::Config, "'" + d.name() + "' in " + what + " must be " +
                                       a_type(d.type) + ", not " + describe_node(n));
  set_checked(config, d, *v, what);
}

toml::table parse_toml(const std::string& text, const std::string& what) {
  try {
    return toml::parse(text, what);
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    throw Error(ErrorCode::Config, what + ":" + std::to_string(pos.line) + ":" +
                                       std::to_string(pos.column) + ": invalid TOML: " +
                                       std::string(e.description()));
  }
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// An override's text as a value of `type`: TOML syntax, or plain text for strings, or a
// comma-separated list without brackets.
std::optional<OptionValue> parse_override_value(const std::string& text, ValueType type) {
  const bool is_list = type == ValueType::StringList || type == ValueType::IntList;
  if (is_list && text.empty()) return from_node(toml::array{}, type);
  auto attempt = [&](const std::string& toml_text) -> std::optional<OptionValue> {
    try {
      const toml::table parsed = toml::parse(std::string_view("v = " + toml_text));
      const auto* n = parsed.get("v");
      return n && parsed.size() == 1 ? from_node(*n, type) : std::nullopt;
    } catch (const toml::parse_error&) {
      return std::nullopt;
    }
  };
  if (auto v = attempt(text)) return v;
  if (type == ValueType::String) return OptionValue{text};
  if (type == ValueType::Float) {  // forms TOML refuses but people type: ".5", "5."
    double x = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
    if (!text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size()) return OptionValue{x};
  }
  if (is_list && text.front() != '[') {
    if (auto v = attempt("[" + text + "]")) return v;
    if (type == ValueType::StringList) {  // a,b,c without quotes
      std::vector<std::string> items;
      std::stringstream ss(text);
      for (std::string item; std::getline(ss, item, ',');) items.push_back(trim(item));
      return OptionValue{items};
    }
  }
  return std::nullopt;
}

std::string bare_or_quoted_key(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? key : value_to_toml(OptionValue{key});
}

// "# what it means (allowed values)\n"
std::string comment_line(const OptionDef& d) {
  std::string line = "# " + d.comment;
  if (!d.check.allowed.empty()) line += " (" + d.check.allowed + ")";
  return line + "\n";
}

}  // namespace

// ---- public API ----

Config parse_config(const std::string& toml_text, const std::string& what) {
  const toml::table root = parse_toml(toml_text, what);
  Config config;
  for (const auto& [k, node] : root) {
    const std::string section(k.str());
    const auto& sections = section_names();
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      if (node.is_table()) unknown_section(section, what);
      unknown_key(section, what);
    }
    const auto* table = node.as_table();
    if (!table)
      throw Error(ErrorCode::Config, "'" + section + "' in " + what + " must be a section ([" +
                                         section + "]), not " + describe_node(node));
    for (const auto& [k2, value] : *table) {
      const std::string key(k2.str());
      const OptionDef* d = find_option(section, key);
      if (!d) unknown_key(section + "." + key, what);
      set_from_node(config, *d, value, what);
    }
  }
  return config;
}

Config load_config(const std::filesystem::path& path) {
  const auto bytes = read_file_bytes(path);
  return parse_config(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                      path.string());
}

void apply_override(Config& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string what = "--set " + assignment;
  if (eq == std::string::npos)
    throw Error(ErrorCode::Config, "override '" + assignment + "' is not section.key=value");
  const std::string name = trim(assignment.substr(0, eq));
  const std::string text = trim(assignment.substr(eq + 1));
  const auto dot = name.find('.');
  const std::string section = dot == std::string::npos ? "" : name.substr(0, dot);
  const std::string key = dot == std::string::npos ? name : name.substr(dot + 1);
  const std::string bounds_prefix = "column_bounds.";
  if (section == "compression" && key.rfind(bounds_prefix, 0) == 0) {
    std::string column = key.substr(bounds_prefix.size());
    if (column.size() >= 2 && column.front() == '"' && column.back() == '"')
      column = column.substr(1, column.size() - 2);
    StringMap bounds = config.compression.column_bounds;
    bounds[column] = text;
    set_checked(config, *find_option("compression", "column_bounds"), OptionValue{bounds}, what);
    return;
  }
  const OptionDef* d = find_option(section, key);
  if (!d) unknown_key(name, what);
  auto value = parse_override_value(text, d->type);
  if (!value)
    throw Error(ErrorCode::Config, "'" + d->name() + "' in " + what + " must be " +
                                       a_type(d->type) + ", not '" + text + "'");
  set_checked(config, *d, *value, what);
}

std::string config_to_toml(const Config& config, bool with_comments) {
  std::string out;
  if (with_comments)
    out += "# baler configuration: every option with its value (defaults unless changed).\n"
           "# docs/CONFIG.md explains each; unknown keys are errors.\n";
  for (const auto& section : section_names()) {
    out += (out.empty() ? "" : "\n") + std::string("[") + section + "]\n";
    std::string tables;  // table-valued options come after the plain keys of the section
    for (const auto& d : option_defs()) {
      if (d.section != section) continue;
      const OptionValue v = d.get(config);
      if (d.type != ValueType::StringMap) {
        if (with_comments) out += comment_line(d);
        out += d.key + " = " + value_to_toml(v) + "\n";
        continue;
      }
      if (with_comments) tables += "\n" + comment_line(d);
      tables += (with_comments ? "" : "\n") + std::string("[") + section + "." + d.key + "]\n";
      for (const auto& [k, s] : std::get<StringMap>(v))
        tables += bare_or_quoted_key(k) + " = " + value_to_toml(OptionValue{s}) + "\n";
    }
    out += tables;
  }
  return out;
}

const std::vector<OptionInfo>& config_options() {
  static const std::vector<OptionInfo> infos = [] {
    std::vector<OptionInfo> out;
    const Config defaults;
    for (const auto& d : option_defs())
      out.push_back({d.section, d.key, type_name(d.type), value_to_toml(d.get(defaults)),
                     d.comment, d.check.allowed});
    return out;
  }();
  return infos;
}

std::string config_value(const Config& config, const std::string& dotted_key) {
  const auto dot = dotted_key.find('.');
  const OptionDef* d = dot == std::string::npos
                           ? nullptr
                           : find_option(dotted_key.substr(0, dot), dotted_key.substr(dot + 1));
  if (!d) unknown_key(dotted_key, "the configuration");
  return value_to_toml(d->get(config));
}

}  // namespace baler
