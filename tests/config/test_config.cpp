// Tests of the configuration: the option table, TOML round trips, strict errors, overrides.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "baler/config.hpp"
#include "baler/error.hpp"
#include "error_of.hpp"
#include "test_support.hpp"

using namespace baler;
using baler::test::error_of;

namespace {

// Number of data members of an aggregate (brace-initialisable with that many arguments), so
// the test notices a Config field that the option table does not list.
struct AnyArg {
  template <class T> operator T() const;
};
template <class T, class... A> constexpr std::size_t field_count() {
  if constexpr (requires { T{A{}..., AnyArg{}}; }) return field_count<T, A..., AnyArg>();
  else return sizeof...(A);
}

// A valid, non-default value for every option ("section.key" -> override text).
const std::map<std::string, std::string>& changed_values() {
  static const std::map<std::string, std::string> v = {
      {"data.input_path", "some/file.h5:/group/ds"},
      {"data.kind", "table"},
      {"data.columns", "[\"*_PX\", \"B_FlightDistance\"]"},
      {"model.model_name", "Dense"},
      {"model.compression_ratio", "2.75"},
      {"model.latent_size", "7"},
      {"model.hidden", "[64, 32]"},
      {"model.activation", "tanh"},
      {"model.dropout", "0.125"},
      {"model.widths", "baler"},
      {"model.model_init", "default"},
      {"training.epochs", "5"},
      {"training.lr", "3.3e-4"},
      {"training.batch_size", "64"},
      {"training.test_size", "0"},
      {"training.seed", "9223372036854775807"},
      {"training.threads", "2"},
      {"training.normalization", "log_minmax"},
      {"training.loss", "mse_sum"},
      {"training.reg_param", "0.1"},
      {"training.early_stopping", "false"},
      {"training.early_stopping_patience", "3"},
      {"training.min_delta", "1e-9"},
      {"training.lr_scheduler", "false"},
      {"training.lr_scheduler_patience", "4"},
      {"training.lr_factor", "0.1"},
      {"training.min_lr", "0"},
      {"training.checkpoint_every", "10"},
      {"training.resume_from", "a \"quoted\" path\\with\tescapes"},
      {"training.activation_extraction", "true"},
      {"training.float_dtype", "float64"},
      {"training.fused", "off"},
      {"compression.error_bound", "abs=0.5"},
      {"compression.column_bounds", "{ \"*_Charge\" = \"exact\", \"B FD\" = \"pw_rel=1e-2\" }"},
      {"compression.detect_integers", "false"},
      {"compression.model_storage", "external"},
      {"compression.weight_precision", "f16"},
      {"compression.chunk_rows", "1000"},
      {"compression.zstd_level", "3"},
      {"compression.output_format", "h5"},
      {"plot.formats", "[\"svg\"]"},
      {"plot.bins", "40"},
      {"plot.analysis", "none"},
      {"plot.frames", "[0, 59]"},
      {"plot.html_report", "false"},
  };
  return v;
}

Config all_changed() {
  Config c;
  for (const auto& [key, value] : changed_values()) apply_override(c, key + "=" + value);
  return c;
}

}  // namespace

TEST(OptionTable, NoDuplicatesEveryOptionCommented) {
  std::set<std::string> names;
  for (const auto& o : config_options()) {
    EXPECT_TRUE(names.insert(o.name()).second) << "duplicate " << o.name();
    EXPECT_FALSE(o.comment.empty()) << o.name();
    EXPECT_EQ(o.comment.find('\n'), std::string::npos) << o.name() << ": comment must be one line";
    EXPECT_FALSE(o.type.empty()) << o.name();
  }
}

TEST(OptionTable, EveryConfigFieldIsAnOption) {
  std::map<std::string, std::size_t> per_section;
  for (const auto& o : config_options()) ++per_section[o.section];
  EXPECT_EQ(per_section.size(), field_count<Config>());
  EXPECT_EQ(per_section["data"], field_count<DataConfig>());
  EXPECT_EQ(per_section["model"], field_count<ModelConfig>());
  EXPECT_EQ(per_section["training"], field_count<TrainingConfig>());
  EXPECT_EQ(per_section["compression"], field_count<CompressionConfig>());
  EXPECT_EQ(per_section["plot"], field_count<PlotConfig>());
}

TEST(OptionTable, EachOptionChangesItsOwnFieldOnly) {
  // With the field counts above, this makes options and fields one-to-one.
  ASSERT_EQ(changed_values().size(), config_options().size());
  const Config defaults;
  for (const auto& o : config_options()) {
    ASSERT_TRUE(changed_values().count(o.name())) << "no test value for " << o.name();
    Config c;
    apply_override(c, o.name() + "=" + changed_values().at(o.name()));
    EXPECT_NE(c, defaults) << o.name() << " changed nothing";
    for (const auto& other : config_options()) {
      if (other.name() == o.name()) continue;
      EXPECT_EQ(config_value(c, other.name()), config_value(defaults, other.name()))
          << "setting " << o.name() << " changed " << other.name();
    }
    EXPECT_NE(config_value(c, o.name()), o.default_toml);
    EXPECT_EQ(config_value(defaults, o.name()), o.default_toml);
  }
}

TEST(ConfigToml, DefaultsRoundTrip) {
  const Config defaults;
  for (bool comments : {true, false}) {
    const std::string text = config_to_toml(defaults, comments);
    EXPECT_EQ(parse_config(text, "defaults.toml"), defaults);
  }
  EXPECT_EQ(parse_config("", "empty.toml"), defaults);
}

TEST(ConfigToml, EveryOptionChangedRoundTrips) {
  const Config c = all_changed();
  for (const auto& o : config_options())
    EXPECT_NE(config_value(c, o.name()), o.default_toml) << o.name();
  for (bool comments : {true, false}) EXPECT_EQ(parse_config(config_to_toml(c, comments), "x"), c);
  EXPECT_EQ(c.training.seed, 9223372036854775807ull);
  EXPECT_EQ(c.training.resume_from, "a \"quoted\" path\\with\tescapes");
  EXPECT_EQ(c.compression.column_bounds.at("B FD"), "pw_rel=1e-2");
}

TEST(ConfigToml, WrittenFileListsEveryOptionWithComment) {
  const std::string text = config_to_toml(Config{}, true);
  for (const auto& o : config_options()) {
    const std::string allowed = o.allowed.empty() ? "" : " (" + o.allowed + ")";
    EXPECT_NE(text.find("# " + o.comment + allowed + "\n"), std::string::npos) << o.name();
    if (o.type == "table of strings") continue;
    EXPECT_NE(text.find("\n" + o.key + " = " + o.default_toml + "\n"), std::string::npos)
        << o.name();
  }
  EXPECT_NE(text.find("[compression.column_bounds]"), std::string::npos);
}

TEST(ConfigToml, FileValuesAreRead) {
  const Config c = parse_config(
      "[training]\nepochs = 7\nlr = 1\n[compression.column_bounds]\n\"*_PX\" = \"abs=1e-3\"\n"
      "[model]\nhidden = [8]\n",
      "t.toml");
  EXPECT_EQ(c.training.epochs, 7);
  EXPECT_EQ(c.training.lr, 1.0);  // an integer where a float is expected is fine
  EXPECT_EQ(c.compression.column_bounds.at("*_PX"), "abs=1e-3");
  EXPECT_EQ(c.model.hidden, std::vector<std::int64_t>{8});
  EXPECT_EQ(c.training.batch_size, TrainingConfig{}.batch_size);
}

TEST(ConfigErrors, UnknownKeyNamesKeyFileAndNearest) {
  const std::string msg = error_of([] { parse_config("[training]\nepoch = 5\n", "X.toml"); },
                                   ErrorCode::Config);
  EXPECT_EQ(msg, "unknown key 'training.epoch' in X.toml; did you mean 'training.epochs'?");
  const std::string far = error_of(
      [] { parse_config("[model]\nflux_capacitor = 1\n", "X.toml"); }, ErrorCode::Config);
  EXPECT_NE(far.find("'model.flux_capacitor'"), std::string::npos) << far;
  EXPECT_EQ(far.find("did you mean"), std::string::npos) << far;
  const std::string top = error_of([] { parse_config("epochs = 5\n", "X.toml"); },
                                   ErrorCode::Config);
  EXPECT_NE(top.find("did you mean 'training.epochs'"), std::string::npos) << top;
  const std::string sec = error_of([] { parse_config("[trainig]\nepochs = 5\n", "X.toml"); },
                                   ErrorCode::Config);
  EXPECT_NE(sec.find("unknown section [trainig]"), std::string::npos) << sec;
  EXPECT_NE(sec.find("did you mean [training]"), std::string::npos) << sec;
}

TEST(ConfigErrors, BadValuesNameKeyValueAndAllowed) {
  struct Case {
    std::string text, must_contain;
  };
  const Case cases[] = {
      {"[training]\nepochs = -3\n", "'training.epochs' = -3 in X.toml: must be >= 1"},
      {"[training]\ntest_size = 1.0\n", "'training.test_size' = 1.0"},
      {"[training]\ntest_size = -0.1\n", "0.0 <= x < 1.0"},
      {"[training]\nnormalization = \"foo\"\n",
       "'training.normalization' = \"foo\" in X.toml: must be one of minmax | standard | "
       "log_minmax | none"},
      {"[training]\nepochs = \"5\"\n", "'training.epochs' in X.toml must be an integer"},
      {"[training]\nthreads = 99999999999\n", "'training.threads'"},
      {"[training]\nseed = -1\n", "must not be negative"},
      {"[training]\nlr = nan\n", "'training.lr' = nan"},
      {"[compression]\nerror_bound = \"rel=\"\n", "'compression.error_bound' = \"rel=\""},
      {"[compression]\nerror_bound = \"relative=1\"\n", "abs=X"},
      {"[compression]\nerror_bound = \"abs=0\"\n", "abs=X"},
      {"[compression]\nerror_bound = \"pw_rel=1\"\n", "abs=X"},
      {"[compression.column_bounds]\nPX = \"abs=-1\"\n", "column 'PX'"},
      {"[compression.column_bounds]\nPX = 1\n", "must be a table of strings"},
      {"[plot]\nformats = [\"pdf\", \"gif\"]\n", "has \"gif\""},
      {"[model]\nhidden = [64, 0]\n", "has 0"},
      {"training = 5\n", "must be a section"},
      {"[training\n", "X.toml:1:"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { parse_config(c.text, "X.toml"); }, ErrorCode::Config);
    EXPECT_NE(msg.find(c.must_contain), std::string::npos) << c.text << " -> " << msg;
  }
}

TEST(ConfigOverrides, SetValuesAndRefuseBadOnes) {
  Config c;
  apply_override(c, "training.epochs=5");
  apply_override(c, " model.hidden = 16,8 ");
  apply_override(c, "data.columns=a,b*");
  apply_override(c, "data.input_path=/tmp/x.npz:data");
  apply_override(c, "compression.column_bounds.B_PX=abs=1e-2");
  apply_override(c, "compression.column_bounds.\"H1 PX\"=exact");
  apply_override(c, "training.early_stopping=false");
  apply_override(c, "training.lr=.5e-3");
  EXPECT_EQ(c.training.lr, 5e-4);
  EXPECT_EQ(c.training.epochs, 5);
  EXPECT_EQ(c.model.hidden, (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(c.data.columns, (std::vector<std::string>{"a", "b*"}));
  EXPECT_EQ(c.data.input_path, "/tmp/x.npz:data");
  EXPECT_EQ(c.compression.column_bounds.at("B_PX"), "abs=1e-2");
  EXPECT_EQ(c.compression.column_bounds.at("H1 PX"), "exact");
  EXPECT_FALSE(c.training.early_stopping);
  apply_override(c, "data.columns=");
  EXPECT_TRUE(c.data.columns.empty());

  const Config before = c;
  EXPECT_NE(error_of([&] { apply_override(c, "training.epoch=5"); }, ErrorCode::Config)
                .find("did you mean 'training.epochs'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "training.epochs=five"); }, ErrorCode::Config)
                .find("must be an integer"),
            std::string::npos);
  error_of([&] { apply_override(c, "training.epochs"); }, ErrorCode::Config);
  error_of([&] { apply_override(c, "training.epochs=0"); }, ErrorCode::Config);
  error_of([&] { apply_override(c, "compression.column_bounds.PX=rel=0"); }, ErrorCode::Config);
  EXPECT_EQ(c, before) << "a refused override must change nothing";
}

TEST(NearestName, OnlyPlausibleTypos) {
  EXPECT_EQ(nearest_name("epoch", {"epochs", "lr"}), "epochs");
  EXPECT_EQ(nearest_name("normalisation", {"normalization", "loss"}), "normalization");
  EXPECT_EQ(nearest_name("xyz", {"epochs", "batch_size"}), "");
}

// The row docs/CONFIG.md must have for option `o` ('|' escaped for Markdown tables).
std::string docs_row(const OptionInfo& o) {
  auto esc = [](const std::string& text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  return "| `" + o.name() + "` | " + o.type + " | `" + esc(o.default_toml) + "` | " +
         esc(o.allowed) + " | " + esc(o.comment) + " |";
}

// docs/CONFIG.md documents every option exactly once, as the table says, and names no option
// that does not exist. On failure the expected row is printed: paste it into CONFIG.md.
TEST(ConfigDocs, EveryOptionDocumentedOnce) {
  const auto path = std::filesystem::path(BALER_SOURCE_DIR) / "docs" / "CONFIG.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::map<std::string, int> rows;
  std::map<std::string, std::string> row_text;
  for (std::string line; std::getline(in, line);) {
    // Option rows look like: | `training.epochs` | integer | `100` | >= 1 | ... |
    if (line.rfind("| `", 0) != 0) continue;
    const auto end = line.find('`', 3);
    const std::string name = line.substr(3, end - 3);
    if (name.find('.') == std::string::npos) continue;  // other tables (bound forms)
    ++rows[name];
    row_text[name] = line;
  }
  std::set<std::string> known;
  for (const auto& o : config_options()) {
    known.insert(o.name());
    EXPECT_EQ(rows[o.name()], 1) << o.name() << " must have exactly one row in CONFIG.md";
    EXPECT_EQ(row_text[o.name()], docs_row(o)) << "CONFIG.md row of " << o.name();
  }
  for (const auto& [name, n] : rows)
    EXPECT_TRUE(known.count(name)) << "CONFIG.md documents '" << name << "', which is no option";
}
