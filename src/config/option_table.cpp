// The one definition of every configuration option: key, comment, allowed values, field.
#include "option_table.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "baler/codec.hpp"
#include "baler/error.hpp"

namespace baler::config_detail {
namespace {

// ---- conversions between a Config field and an OptionValue ----

template <class T> constexpr ValueType value_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ValueType::Bool;
  else if constexpr (std::is_integral_v<T>) return ValueType::Int;
  else if constexpr (std::is_floating_point_v<T>) return ValueType::Float;
  else if constexpr (std::is_same_v<T, std::string>) return ValueType::String;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return ValueType::StringList;
  else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) return ValueType::IntList;
  else {
    static_assert(std::is_same_v<T, StringMap>, "option field of an unsupported type");
    return ValueType::StringMap;
  }
}

template <class T> OptionValue to_value(const T& field) {
  if constexpr (std::is_same_v<T, bool>) return field;
  else if constexpr (std::is_integral_v<T>) return static_cast<std::int64_t>(field);
  else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(field);
  else return field;
}

template <class T> void from_value(const OptionValue& v, T& field) {
  if constexpr (std::is_same_v<T, bool>) field = std::get<bool>(v);
  else if constexpr (std::is_integral_v<T>) field = static_cast<T>(std::get<std::int64_t>(v));
  else if constexpr (std::is_floating_point_v<T>) field = std::get<double>(v);
  else field = std::get<T>(v);
}

// Integer fields narrower than TOML's int64 (int, uint64) refuse what they cannot hold.
template <class T> std::string representable(const OptionValue& v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    const auto x = std::get<std::int64_t>(v);
    if (x < 0 && std::is_unsigned_v<T>) return "must not be negative";
    if constexpr (sizeof(T) < sizeof(std::int64_t))
      if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max())
        return "is out of range";
  }
  return "";
}

template <class S, class T>
OptionDef option(const char* section, S Config::*sec, T S::*field, const char* key,
                 const char* comment, Check check = {}) {
  OptionDef d;
  d.section = section;
  d.key = key;
  d.comment = comment;
  d.type = value_type_of<T>();
  d.get = [sec, field](const Config& c) { return to_value(c.*sec.*field); };
  d.set = [sec, field](Config& c, const OptionValue& v) { from_value(v, c.*sec.*field); };
  auto inner = std::move(check.why_not);
  check.why_not = [inner](const OptionValue& v) {
    std::string why = representable<T>(v);
    if (why.empty() && inner) why = inner(v);
    return why;
  };
  d.check = std::move(check);
  return d;
}

// ---- checks ----

std::string number_text(double x) {
  std::string s = value_to_toml(OptionValue{x});
  return s;
}

Check one_of(std::vector<std::string> choices) {
  std::string allowed;
  for (const auto& c : choices) allowed += (allowed.empty() ? "" : " | ") + c;
  auto why = [choices, allowed](const std::string& s) -> std::string {
    for (const auto& c : choices)
      if (s == c) return "";
    return "must be one of " + allowed;
  };
  return {allowed, [why](const OptionValue& v) -> std::string {
            if (const auto* s = std::get_if<std::string>(&v)) return why(*s);
            for (const auto& s : std::get<std::vector<std::string>>(v))
              if (auto w = why(s); !w.empty()) return "has \"" + s + "\": " + w;
            return "";
          }};
}

Check int_range(std::int64_t lo, std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
  const bool open_top = hi == std::numeric_limits<std::int64_t>::max();
  std::string allowed = open_top ? ">= " + std::to_string(lo)
                                 : std::to_string(lo) + " .. " + std::to_string(hi);
  auto why = [lo, hi, allowed](std::int64_t x) -> std::string {
    return x < lo || x > hi ? "must be " + allowed : "";
  };
  return {allowed, [why](const OptionValue& v) -> std::string {
            if (const auto* x = std::get_if<std::int64_t>(&v)) return why(*x);
            for (auto x : std::get<std::vector<std::int64_t>>(v))
              if (auto w = why(x); !w.empty()) return "has " + std::to_string(x) + ": " + w;
            return "";
          }};
}

// lo < x (or <=) and x < hi (or <=); infinite hi = no upper limit. NaN and inf never pass.
Check float_range(double lo, bool lo_incl, double hi = INFINITY, bool hi_incl = false) {
  std::string allowed;
  if (std::isinf(hi)) allowed = (lo_incl ? ">= " : "> ") + number_text(lo);
  else
    allowed = number_text(lo) + (lo_incl ? " <= x " : " < x ") + (hi_incl ? "<= " : "< ") +
              number_text(hi);
  return {allowed, [=](const OptionValue& v) -> std::string {
            const double x = std::get<double>(v);
            const bool ok = std::isfinite(x) && (lo_incl ? x >= lo : x > lo) &&
                            (std::isinf(hi) || (hi_incl ? x <= hi : x < hi));
            return ok ? "" : "must be " + allowed + " (finite)";
          }};
}

const char* kBoundForms = "abs=X | rel=X | pw_rel=X | exact | none";

Check bound_check() {
  return {kBoundForms, [](const OptionValue& v) -> std::string {
            try {
              if (const auto* s = std::get_if<std::string>(&v)) {
                parse_error_bound(*s);
                return "";
              }
              for (const auto& [column, bound] : std::get<StringMap>(v)) {
                if (column.empty()) return "has an empty column name";
                try {
                  parse_error_bound(bound);
                } catch (const Error& e) {
                  return "column '" + column + "': " + e.what();
                }
              }
            } catch (const Error& e) {
              return e.what();
            }
            return "";
          }};
}

Check nonempty_items() {
  return {"", [](const OptionValue& v) -> std::string {
            for (const auto& s : std::get<std::vector<std::string>>(v))
              if (s.empty()) return "has an empty entry";
            return "";
          }};
}

Check nonempty() {
  return {"a non-empty string", [](const OptionValue& v) -> std::string {
            return std::get<std::string>(v).empty() ? "must not be empty" : "";
          }};
}

// ---- the table ----

std::vector<OptionDef> make_data_model_options() {
  using D = DataConfig;
  using M = ModelConfig;
  return {
      option("data", &Config::data, &D::input_path, "input_path",
             "data file to compress; SET THIS before train: \"f.npz\", \"f.npz:key\", "
             "\"f.h5:/group/dataset\", \"f.root:tree\", \"f.csv\""),
      option("data", &Config::data, &D::kind, "kind",
             "how to read the data: auto (2-D with names = table), table (rows x named columns), "
             "field (N-d array)",
             one_of({"auto", "table", "field"})),
      option("data", &Config::data, &D::columns, "columns",
             "table columns to use (names or globs such as \"*_PX\"); empty = all numeric columns",
             nonempty_items()),
      option("model", &Config::model, &M::model_name, "model_name",
             "model: auto (a table model for tables, AE for fields), TableModel (relations between "
             "columns, learned in seconds, no network), or an autoencoder by registry name (e.g. AE, "
             "AE_Dropout_BN, Dense, Conv_AE)",
             nonempty()),
      option("model", &Config::model, &M::compression_ratio, "compression_ratio",
             "latent size = ceil(number of features / compression_ratio)",
             float_range(0.0, false)),
      option("model", &Config::model, &M::latent_size, "latent_size",
             "latent size; > 0 overrides compression_ratio, 0 = use compression_ratio",
             int_range(0)),
      option("model", &Config::model, &M::hidden, "hidden",
             "hidden layer sizes of the configurable \"Dense\" model, encoder side (e.g. [64, 32])",
             int_range(1)),
      option("model", &Config::model, &M::activation, "activation",
             "activation function between layers", one_of({"leaky_relu", "relu", "tanh", "elu", "silu"})),
      option("model", &Config::model, &M::dropout, "dropout",
             "dropout probability of the models that have dropout (AE_Dropout_BN)",
             float_range(0.0, true, 1.0, false)),
      option("model", &Config::model, &M::widths, "widths",
             "hidden widths of AE, AE_Dropout_BN and CFD_dense_AE: auto (Baler's 200-100-50 scaled down to "
             "8 x the features when there are fewer than 25, never below the latent size) or baler "
             "(always 200-100-50)",
             one_of({"auto", "baler"})),
      option("model", &Config::model, &M::model_init, "model_init",
             "weight initialisation: xavier (Xavier-normal) or default (LibTorch's)",
             one_of({"xavier", "default"})),
  };
}

std::vector<OptionDef> make_training_options() {
  using T = TrainingConfig;
  const auto tr = &Config::training;
  return {
      option("training", tr, &T::epochs, "epochs", "passes over the training data", int_range(1)),
      option("training", tr, &T::lr, "lr", "learning rate of the Adam optimiser",
             float_range(0.0, false)),
      option("training", tr, &T::batch_size, "batch_size", "samples per optimiser step",
             int_range(1)),
      option("training", tr, &T::test_size, "test_size",
             "fraction of the data held out for validation; 0 = validate on the training data",
             float_range(0.0, true, 1.0, false)),
      option("training", tr, &T::seed, "seed",
             "seed of every random choice (initialisation, split, shuffling)", int_range(0)),
      option("training", tr, &T::threads, "threads",
             "CPU threads for training, and for the project's compress and decompress; 0 = all cores",
             int_range(0, 4096)),
      option("training", tr, &T::normalization, "normalization",
             "per-feature scaling before the encoder (undone after the decoder)",
             one_of({"minmax", "standard", "log_minmax", "none"})),
      option("training", tr, &T::loss, "loss",
             "reconstruction loss: mean or sum of squared errors (Baler's mse_avg / mse_sum)",
             one_of({"mse_mean", "mse_sum"})),
      option("training", tr, &T::reg_param, "reg_param",
             "weight of the L1 penalty on activations; 0 = none", float_range(0.0, true)),
      option("training", tr, &T::early_stopping, "early_stopping",
             "stop when the validation loss has not improved for early_stopping_patience epochs"),
      option("training", tr, &T::early_stopping_patience, "early_stopping_patience",
             "epochs without improvement before early stopping", int_range(1)),
      option("training", tr, &T::min_delta, "min_delta",
             "smallest decrease of the validation loss that counts as an improvement",
             float_range(0.0, true)),
      option("training", tr, &T::lr_scheduler, "lr_scheduler",
             "multiply lr by lr_factor when the validation loss stalls"),
      option("training", tr, &T::lr_scheduler_patience, "lr_scheduler_patience",
             "epochs without improvement before the learning rate is reduced", int_range(1)),
      option("training", tr, &T::lr_factor, "lr_factor",
             "factor applied to lr by the scheduler", float_range(0.0, false, 1.0, false)),
      option("training", tr, &T::min_lr, "min_lr", "the scheduler never reduces lr below this",
             float_range(0.0, true)),
      option("training", tr, &T::checkpoint_every, "checkpoint_every",
             "save a checkpoint every N epochs (Baler's intermittent_model_saving); 0 = never",
             int_range(0)),
      option("training", tr, &T::resume_from, "resume_from",
             "checkpoint file to resume training from; empty = start fresh"),
      option("training", tr, &T::activation_extraction, "activation_extraction",
             "save the activations of every layer after training (for diagnose)"),
      option("training", tr, &T::float_dtype, "float_dtype",
             "floating-point type of training arithmetic", one_of({"float32", "float64"})),
      option("training", tr, &T::fused, "fused",
             "auto = hand-written dense training path for models of only Linear layers and activations; "
             "off = always LibTorch", one_of({"auto", "off"})),
  };
}

std::vector<OptionDef> make_compression_plot_options() {
  using C = CompressionConfig;
  using P = PlotConfig;
  const auto co = &Config::compression;
  const auto pl = &Config::plot;
  return {
      option("compression", co, &C::error_bound, "error_bound",
             "error bound of every column without its own; abs=X: |error| <= X, rel=X: "
             "|error| <= X * column range, pw_rel=X: |error| <= X * |value|",
             bound_check()),
      option("compression", co, &C::column_bounds, "column_bounds",
             "per-column bounds overriding error_bound, one line a column: \"name or glob\" "
             "= \"bound\" (e.g. \"*_PX\" = \"abs=1e-3\")",
             bound_check()),
      option("compression", co, &C::detect_integers, "detect_integers",
             "keep integer-valued float columns (charges, flags, counters) exact unless "
             "column_bounds names them"),
      option("compression", co, &C::model_storage, "model_storage",
             "embedded: the decoder travels in the .baler file (counted in its size); external: "
             "a separate model file", one_of({"embedded", "external"})),
      option("compression", co, &C::weight_precision, "weight_precision",
             "precision of the stored decoder weights; auto = smallest that keeps the bounds",
             one_of({"auto", "f32", "f16", "int8"})),
      option("compression", co, &C::chunk_rows, "chunk_rows",
             "rows (tables) or frames (fields) per independently decodable chunk; 0 = auto: 32768 "
             "rows, or as many frames as hold 2^20 values",
             int_range(0, std::int64_t{1} << 31)),
      option("compression", co, &C::zstd_level, "zstd_level", "zstd level of losslessly stored columns (higher: smaller and slower)",
             int_range(1, 22)),
      option("compression", co, &C::output_format, "output_format",
             "format decompress writes; auto = the format of the original input",
             one_of({"auto", "npz", "npy", "csv", "h5"})),
      option("plot", pl, &P::formats, "formats", "figure file formats",
             one_of({"pdf", "png", "svg"})),
      option("plot", pl, &P::bins, "bins", "histogram bins", int_range(1, 100000)),
      option("plot", pl, &P::analysis, "analysis",
             "physics figures to add: auto (by column names), none, or a named analysis",
             one_of({"auto", "none", "lhcb_b2hhh", "cms_zmumu"})),
      option("plot", pl, &P::frames, "frames",
             "field frames to draw; empty = a few spread over the data", int_range(0)),
      option("plot", pl, &P::html_report, "html_report",
             "write report.html, one self-contained page with every figure and the summary"),
  };
}

}  // namespace

const std::vector<OptionDef>& option_defs() {
  static const std::vector<OptionDef> defs = [] {
    std::vector<OptionDef> all = make_data_model_options();
    for (auto part : {make_training_options(), make_compression_plot_options()})
      all.insert(all.end(), part.begin(), part.end());
    return all;
  }();
  return defs;
}

const OptionDef* find_option(const std::string& section, const std::string& key) {
  for (const auto& d : option_defs())
    if (d.section == section && d.key == key) return &d;
  return nullptr;
}

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& d : option_defs())
      if (out.empty() || out.back() != d.section) out.push_back(d.section);
    return out;
  }();
  return names;
}

const char* type_name(ValueType type) {
  switch (type) {
    case ValueType::Bool: return "boolean";
    case ValueType::Int: return "integer";
    case ValueType::Float: return "float";
    case ValueType::String: return "string";
    case ValueType::StringList: return "list of strings";
    case ValueType::IntList: return "list of integers";
    case ValueType::StringMap: return "table of strings";
  }
  return "?";
}

}  // namespace baler::config_detail
