// Training: every model family learns, exports bit-exactly, reproduces, resumes, and refuses
// bad configurations before the first epoch.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/train.hpp"
#include "nn_spec.hpp"
#include "nn_test_data.hpp"

namespace baler {
namespace {

namespace fs = std::filesystem;

// Mean squared error (normalised units) of the exported model's reconstruction of `data`.
double exported_mse(const Model& m, const Dataset& data) {
  Samples s = samples_from_dataset(data, m.architecture);
  apply_preprocessing(m.preprocessing, s.values, s.features());
  const auto rec = reconstruct(m, s.values, s.rows);
  double se = 0;
  for (std::size_t i = 0; i < rec.size(); ++i) se += (rec[i] - s.values[i]) * (rec[i] - s.values[i]);
  return se / static_cast<double>(rec.size());
}

void expect_learns(const TrainResult& r, double factor = 0.3) {
  ASSERT_FALSE(r.history.empty());
  EXPECT_TRUE(std::isfinite(r.untrained_val_loss));
  EXPECT_LT(r.best_loss, factor * r.untrained_val_loss) << "untrained " << r.untrained_val_loss;
  EXPECT_LT(r.final_loss, factor * r.untrained_val_loss);
}

int count_kind(const std::vector<Layer>& layers, LayerKind k) {
  return static_cast<int>(std::count_if(layers.begin(), layers.end(), [k](const Layer& l) { return l.kind == k; }));
}

TEST(NnTrain, AELearnsTableAndExportsItsLayers) {
  const Dataset t = test::structured_table(1500, 10);
  Config c = test::quick_config("AE");
  c.training.threads = 1;
  const TrainResult r = train(t, c, {});
  expect_learns(r);
  EXPECT_EQ(r.model.latent_shape, (std::vector<std::int64_t>{7}));  // ceil(10 / 1.6)
  EXPECT_EQ(count_kind(r.model.encoder, LayerKind::Linear), 4);
  EXPECT_EQ(count_kind(r.model.decoder, LayerKind::LeakyReLU), 3);
  // widths = auto: Baler's 200-100-50 scaled by 8 × 10 features / 200.
  EXPECT_EQ(r.model.encoder[0].weight.shape, (std::vector<std::int64_t>{80, 10}));
  EXPECT_EQ(r.model.decoder.back().weight.shape, (std::vector<std::int64_t>{10, 80}));
  // The exported (float32, torch-free description) model reconstructs as training measured.
  EXPECT_NEAR(exported_mse(r.model, t), r.final_loss, 0.5 * r.final_loss);
}

// Default widths scale with the features, never below the latent; widths = baler keeps
// Baler's 200-100-50 whatever the data.
TEST(NnTrain, AEWidthsScaleWithTheFeatures) {
  auto widths = [](const std::string& w, std::int64_t features, std::int64_t latent = 0) {
    ModelConfig m;
    m.model_name = "AE";
    m.widths = w;
    m.latent_size = latent;
    const nn::NetSpec spec = nn::build_net_spec(m, {features});
    std::vector<std::int64_t> out;
    for (const auto& op : spec.encoder)
      if (op.kind == nn::OpKind::Linear) out.push_back(op.out);
    return out;
  };
  EXPECT_EQ(widths("auto", 4), (std::vector<std::int64_t>{32, 16, 8, 3}));
  EXPECT_EQ(widths("auto", 19), (std::vector<std::int64_t>{152, 76, 38, 12}));
  EXPECT_EQ(widths("auto", 26), (std::vector<std::int64_t>{200, 100, 50, 17}));
  EXPECT_EQ(widths("auto", 2500), (std::vector<std::int64_t>{200, 100, 50, 1563}));
  EXPECT_EQ(widths("auto", 3), (std::vector<std::int64_t>{24, 12, 6, 2}));
  EXPECT_EQ(widths("baler", 4), (std::vector<std::int64_t>{200, 100, 50, 3}));
}

TEST(NnTrain, SmallDenseFamiliesLearn) {
  const Dataset t = test::structured_table(1500, 8);
  for (const std::string name : {"FPGA_prototype_model", "Dense", "CFD_dense_AE"}) {
    Config c = test::quick_config(name, 20);
    c.training.threads = 1;
    c.model.hidden = {32, 16};
    c.model.activation = "tanh";
    const TrainResult r = train(t, c, {});
    SCOPED_TRACE(name);
    expect_learns(r, 0.5);
  }
}

// BatchNorm models: evaluation mode must reconstruct as well as training mode measured.
TEST(NnTrain, BatchNormModelsMatchTrainingLossInEvalMode) {
  const Dataset t = test::structured_table(1500, 10);
  Config c = test::quick_config("AE_Dropout_BN", 15);
  c.training.threads = 1;
  const TrainResult r = train(t, c, {});
  expect_learns(r, 0.5);
  EXPECT_EQ(count_kind(r.model.encoder, LayerKind::Linear), 4);  // BatchNorm folded, dropout gone
  const double last_train = r.history.back().train_loss;
  const double eval_mse = exported_mse(r.model, t);
  EXPECT_LT(eval_mse, 1.5 * last_train) << "eval " << eval_mse << " vs train " << last_train;
}

TEST(NnTrain, ConvAELearnsFieldsAndEvalModeMatches) {
  const Dataset f = test::smooth_field({48, 16, 20});
  Config c = test::quick_config("Conv_AE", 25);
  c.training.threads = 1;
  c.training.batch_size = 8;
  c.model.latent_size = 32;
  const TrainResult r = train(f, c, {});
  expect_learns(r, 0.5);
  EXPECT_GE(count_kind(r.model.encoder, LayerKind::Conv2d), 1);
  EXPECT_GE(count_kind(r.model.decoder, LayerKind::ConvTranspose2d), 1);
  EXPECT_EQ(count_kind(r.model.decoder, LayerKind::Unflatten), 1);
  const double eval_mse = exported_mse(r.model, f);
  EXPECT_LT(eval_mse, 1.5 * std::max(r.history.back().train_loss, r.final_loss));
}

TEST(NnTrain, ConvAE3DLearnsVolumes) {
  const Dataset f = test::smooth_field({24, 6, 8, 8});
  Config c = test::quick_config("Conv_AE_3D", 20);
  c.training.threads = 1;
  c.training.batch_size = 4;
  c.model.latent_size = 24;
  const TrainResult r = train(f, c, {});
  expect_learns(r, 0.6);
  EXPECT_GE(count_kind(r.model.encoder, LayerKind::Conv3d), 1);
  EXPECT_LT(exported_mse(r.model, f), 1.5 * std::max(r.history.back().train_loss, r.final_loss));
}

TEST(NnTrain, SameSeedAndThreadsGiveBitIdenticalWeights) {
  const Dataset t = test::structured_table(800, 9);
  Config c = test::quick_config("AE_Dropout_BN", 3);  // dropout and BatchNorm included
  c.training.threads = 2;
  const TrainResult a = train(t, c, {});
  const TrainResult b = train(t, c, {});
  ASSERT_EQ(a.model.encoder.size(), b.model.encoder.size());
  for (std::size_t i = 0; i < a.model.encoder.size(); ++i) EXPECT_EQ(a.model.encoder[i], b.model.encoder[i]) << i;
  EXPECT_EQ(a.model, b.model);
  for (std::size_t e = 0; e < a.history.size(); ++e) EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss);
  c.training.seed = 99;
  const TrainResult other = train(t, c, {});
  EXPECT_NE(other.model.encoder[0].weight, a.model.encoder[0].weight);
}

TEST(NnTrain, OutputsLoadBackBitExact) {
  test::TempDir dir;
  Config c = test::quick_config("AE", 3);
  c.training.threads = 1;
  c.training.activation_extraction = true;
  const TrainResult r = train(test::structured_table(600, 6), c, {dir.path()});
  for (const char* f : {"model.pt", "model.balermodel", "loss.csv", "config.toml", "activations.npy"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_EQ(load_trained_model(dir / "model.pt"), r.model);
  EXPECT_EQ(load_trained_model(dir / "model.balermodel"), r.model);
  EXPECT_EQ(r.model.preprocessing.method, "minmax");
  EXPECT_NE(r.model.config_toml.find("latent_size = 4"), std::string::npos) << r.model.config_toml;
}

TEST(NnTrain, Float64AndSumLossTrain) {
  Config c = test::quick_config("FPGA_prototype_model", 15);
  c.training.threads = 1;
  c.training.float_dtype = "float64";
  c.training.loss = "mse_sum";
  c.training.normalization = "standard";
  const TrainResult r = train(test::structured_table(800, 6), c, {});
  expect_learns(r, 0.6);
  EXPECT_EQ(r.model.encoder[0].weight.dtype, DType::F32);  // exported as float32 whatever the training type
}

TEST(NnTrain, DamagedCheckpointsAreRefused) {
  test::TempDir dir;
  Config c = test::quick_config("AE", 1);
  c.training.threads = 1;
  train(test::structured_table(200, 5), c, {dir.path()});
  const auto bytes = read_file_bytes(dir / "model.pt");
  for (std::size_t keep : {std::size_t{0}, std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    write_file_atomic(dir / "cut.pt", std::span<const std::byte>(bytes.data(), keep));
    try {
      load_trained_model(dir / "cut.pt");
      ADD_FAILURE() << "truncated to " << keep << " bytes and accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Malformed) << keep << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("cut.pt"), std::string::npos) << e.what();
    }
  }
}

TEST(NnTrain, ResumeFromCheckpointEqualsUninterruptedRun) {
  test::TempDir dir;
  const Dataset t = test::structured_table(700, 7);
  Config c = test::quick_config("AE_Dropout_BN", 4);
  c.training.threads = 1;
  c.training.checkpoint_every = 2;
  const TrainResult full = train(t, c, {dir / "full"});
  ASSERT_TRUE(fs::exists(dir / "full" / "checkpoints" / "epoch_0002.pt"));
  c.training.resume_from = (dir / "full" / "checkpoints" / "epoch_0002.pt").string();
  const TrainResult resumed = train(t, c, {dir / "resumed"});
  ASSERT_EQ(resumed.history.size(), 4u);
  for (std::size_t e = 0; e < 4; ++e) EXPECT_EQ(resumed.history[e].train_loss, full.history[e].train_loss) << e;
  EXPECT_EQ(resumed.model.encoder, full.model.encoder);
  EXPECT_EQ(resumed.model.decoder, full.model.decoder);
}

TEST(NnTrain, L1ActivationPenaltyApplies) {
  const Dataset t = test::structured_table(800, 8);
  Config c = test::quick_config("AE", 6);
  c.training.threads = 1;
  auto mean_abs_activation = [&](const Model& m) {
    Samples s = samples_from_dataset(t, "AE");
    apply_preprocessing(m.preprocessing, s.values, s.features());
    double sum = 0;
    std::size_t n = 0;
    for (const auto& l : extract_activations(m, s.values, s.rows))
      for (double v : l.node_means) sum += std::abs(v), ++n;
    return sum / static_cast<double>(n);
  };
  const double plain = mean_abs_activation(train(t, c, {}).model);
  c.training.reg_param = 0.5;
  const double penalised = mean_abs_activation(train(t, c, {}).model);
  EXPECT_LT(penalised, 0.5 * plain) << "plain " << plain << ", penalised " << penalised;
}

TEST(NnTrain, EarlyStoppingAndLrScheduleAct) {
  Config c = test::quick_config("FPGA_prototype_model", 200);
  c.training.threads = 1;
  c.training.early_stopping = true;
  c.training.early_stopping_patience = 3;
  c.training.min_delta = 1.0;  // nothing counts as improvement
  const TrainResult r = train(test::structured_table(300, 5), c, {});
  EXPECT_EQ(r.stop_reason, "early stopping");
  EXPECT_EQ(r.history.size(), 4u);  // epoch 1 sets the best, 3 more without improvement
  c.training.early_stopping = false;
  c.training.epochs = 6;
  c.training.lr_scheduler_patience = 0;
  c.training.lr_factor = 0.5;
  c.training.lr = 1e-9;  // the loss stays on a plateau
  c.training.min_lr = 0;
  const TrainResult s = train(test::structured_table(300, 5), c, {});
  EXPECT_LT(s.history.back().lr, c.training.lr);
}

TEST(NnTrain, BadConfigsRefusedBeforeTraining) {
  test::TempDir dir;
  const Dataset t = test::structured_table(100, 6);
  auto refuse = [&](Config c, const std::string& needle) {
    try {
      train(t, c, {dir.path()});
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Config) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(dir.path())) << "files written before refusing " << needle;
  };
  Config c = test::quick_config("AE", 2);
  c.model.latent_size = 7;
  refuse(c, "larger than the input");
  c = test::quick_config("NoSuchModel", 2);
  refuse(c, "unknown model");
  c = test::quick_config("Conv_AE", 2);
  refuse(c, "needs a field");
  c = test::quick_config("AE", 2);
  c.training.test_size = 1.0;
  refuse(c, "test_size");
  c.training.test_size = 0.2;
  c.training.loss = "huber";
  refuse(c, "training.loss");
  c = test::quick_config("Conv_AE", 2);
  try {
    train(test::smooth_field({4, 3, 30}), c, {dir.path()});
    ADD_FAILURE() << "3-row frames accepted by Conv_AE";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
  }
}

}  // namespace
}  // namespace baler
