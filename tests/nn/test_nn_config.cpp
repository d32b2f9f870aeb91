// Torch-free parts of training: samples, preprocessing, latent sizes, refusal of bad configs.
#include <gtest/gtest.h>

#include <cmath>

#include "baler/error.hpp"
#include "baler/train.hpp"
#include "nn_test_data.hpp"

namespace baler {
namespace {

template <typename F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error(Config) thrown";
  return {};
}

TEST(NnSamples, TableRowsBecomeSamples) {
  const Dataset t = test::structured_table(10, 5);
  const Samples s = samples_from_dataset(t, "AE");
  EXPECT_EQ(s.rows, 10);
  EXPECT_EQ(s.sample_shape, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(s.values[7], t.columns[2].values.value(1));  // row 1, column 2
  EXPECT_EQ(s.feature_names.size(), 5u);
}

TEST(NnSamples, FieldShapesPerModel) {
  EXPECT_EQ(samples_from_dataset(test::smooth_field({6, 8, 10}), "Conv_AE").sample_shape,
            (std::vector<std::int64_t>{1, 8, 10}));
  const Samples one = samples_from_dataset(test::smooth_field({8, 10}), "Conv_AE");
  EXPECT_EQ(one.rows, 1);
  EXPECT_EQ(samples_from_dataset(test::smooth_field({6, 8, 10}), "AE").sample_shape, (std::vector<std::int64_t>{80}));
  EXPECT_EQ(samples_from_dataset(test::smooth_field({2, 5, 6, 7}), "Conv_AE_3D").sample_shape,
            (std::vector<std::int64_t>{1, 5, 6, 7}));
}

TEST(NnPreprocessing, MinmaxMapsToUnitRangeAndInverts) {
  Samples s = samples_from_dataset(test::structured_table(200, 6), "AE");
  const auto original = s.values;
  const Preprocessing p = fit_preprocessing(s, "minmax");
  ASSERT_EQ(p.offset.size(), 6u);
  EXPECT_EQ(p.scale[5], 1.0);  // constant column: no division by zero
  apply_preprocessing(p, s.values, 6);
  for (std::size_t i = 0; i < s.values.size(); ++i) {
    ASSERT_GE(s.values[i], -1e-12);
    ASSERT_LE(s.values[i], 1 + 1e-12);
  }
  invert_preprocessing(p, s.values, 6);
  for (std::size_t i = 0; i < s.values.size(); ++i) ASSERT_NEAR(s.values[i], original[i], 1e-9 * std::abs(original[i]) + 1e-12);
}

TEST(NnPreprocessing, StandardGivesZeroMeanUnitVariance) {
  Samples s = samples_from_dataset(test::structured_table(500, 4), "AE");
  const Preprocessing p = fit_preprocessing(s, "standard");
  apply_preprocessing(p, s.values, 4);
  for (int f = 0; f < 3; ++f) {
    double sum = 0, sq = 0;
    for (int r = 0; r < 500; ++r) {
      sum += s.values[r * 4 + f];
      sq += s.values[r * 4 + f] * s.values[r * 4 + f];
    }
    EXPECT_NEAR(sum / 500, 0.0, 1e-9);
    EXPECT_NEAR(sq / 500, 1.0, 1e-9);
  }
}

TEST(NnPreprocessing, LogOnlyForPositiveHeavyTailedColumns) {
  Samples s = samples_from_dataset(test::structured_table(300, 5), "AE");
  const auto original = s.values;
  const Preprocessing p = fit_preprocessing(s, "log_minmax");
  EXPECT_EQ(p.log_feature, (std::vector<std::uint8_t>{1, 0, 0, 0, 0}));
  apply_preprocessing(p, s.values, 5);
  invert_preprocessing(p, s.values, 5);
  for (std::size_t i = 0; i < s.values.size(); ++i) ASSERT_NEAR(s.values[i], original[i], 1e-9 * std::abs(original[i]) + 1e-9);
}

TEST(NnPreprocessing, FieldsUseOneGroupAndNoneIsIdentity) {
  Samples s = samples_from_dataset(test::smooth_field({3, 4, 5}), "Conv_AE");
  const Preprocessing p = fit_preprocessing(s, "minmax");
  EXPECT_EQ(p.offset.size(), 1u);
  const Preprocessing none = fit_preprocessing(s, "none");
  auto v = s.values;
  apply_preprocessing(none, v, s.features());
  EXPECT_EQ(v, s.values);
  config_error([&] { fit_preprocessing(s, "zscore"); });
}

TEST(NnPreprocessing, NonFiniteValuesRefused) {
  Samples s = samples_from_dataset(test::structured_table(10, 3), "AE");
  s.values[4] = NAN;
  try {
    fit_preprocessing(s, "minmax");
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_NE(std::string(e.what()).find("sample 1"), std::string::npos) << e.what();
  }
}

TEST(NnModels, LatentSizeRule) {
  ModelConfig m;
  m.compression_ratio = 1.6;
  EXPECT_EQ(latent_size_for(m, 26), 17);  // ceil(26 / 1.6), as in Baler
  EXPECT_EQ(latent_size_for(m, 24), 15);
  m.latent_size = 14;
  EXPECT_EQ(latent_size_for(m, 24), 14);
  m.latent_size = 25;
  EXPECT_NE(config_error([&] { latent_size_for(m, 24); }).find("larger than the input"), std::string::npos);
  m.latent_size = 0;
  m.compression_ratio = 0;
  config_error([&] { latent_size_for(m, 24); });
}

TEST(NnModels, BadConfigsRefusedWithClearMessages) {
  Config c;
  c.model.model_name = "VAE";
  EXPECT_NE(config_error([&] { validate_model_config(c, {10}); }).find("unknown model \"VAE\""), std::string::npos);
  c.model.model_name = "Conv_AE";
  EXPECT_NE(config_error([&] { validate_model_config(c, {1, 3, 20}); }).find("≥ 4"), std::string::npos);
  EXPECT_NE(config_error([&] { samples_from_dataset(test::structured_table(5, 4), "Conv_AE"); }).find("needs a field"),
            std::string::npos);
  c.model.model_name = "Conv_AE_3D";
  EXPECT_NE(config_error([&] { validate_model_config(c, {1, 41, 128, 128}); }).find("parameters"), std::string::npos);
  c.model.latent_size = 64;
  EXPECT_NO_THROW(validate_model_config(c, {1, 41, 128, 128}));
  c.model.model_name = "Dense";
  c.model.activation = "swish";
  c.model.latent_size = 2;
  EXPECT_NE(config_error([&] { validate_model_config(c, {10}); }).find("activation"), std::string::npos);
}

TEST(NnModels, EveryRegisteredNameBuilds) {
  for (const auto& name : model_names()) {
    Config c;
    c.model.model_name = name;
    const std::vector<std::int64_t> shape = name == "Conv_AE"      ? std::vector<std::int64_t>{1, 50, 50}
                                            : name == "Conv_AE_3D" ? std::vector<std::int64_t>{1, 8, 16, 16}
                                                                   : std::vector<std::int64_t>{24};
    EXPECT_NO_THROW(validate_model_config(c, shape)) << name;
  }
}

}  // namespace
}  // namespace baler
