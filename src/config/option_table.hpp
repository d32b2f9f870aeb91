// The configuration option table (private to src/config): each option defined once, with its
// accessor, type, comment and check; parsing, writing, overrides and the docs all read it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "baler/config.hpp"

namespace baler::config_detail {

using StringMap = std::map<std::string, std::string>;
// A value as it appears in TOML; the order matches ValueType.
using OptionValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>,
                                 std::vector<std::int64_t>, StringMap>;
enum class ValueType { Bool, Int, Float, String, StringList, IntList, StringMap };

// What values an option takes: `allowed` for people, `why_not` for the parser ("" = fine).
struct Check {
  std::string allowed;
  std::function<std::string(const OptionValue&)> why_not;
};

struct OptionDef {
  std::string section;
  std::string key;
  std::string comment;
  ValueType type = ValueType::String;
  Check check;
  std::function<OptionValue(const Config&)> get;
  std::function<void(Config&, const OptionValue&)> set;  // value already checked
  std::string name() const { return section + "." + key; }
};

// Every option, in file order.
const std::vector<OptionDef>& option_defs();
// The option named "section.key", or nullptr.
const OptionDef* find_option(const std::string& section, const std::string& key);
// Names of the sections, in file order.
const std::vector<std::string>& section_names();

// "integer", "list of strings", ... for messages and docs.
const char* type_name(ValueType type);
// The value as TOML text (strings quoted and escaped; floats exact).
std::string value_to_toml(const OptionValue& value);

}  // namespace baler::config_detail
