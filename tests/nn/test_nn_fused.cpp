// The fused dense training path: chosen for plain dense models only, gradients equal to
// autograd's, losses that follow the LibTorch path's, bit-reproducible, resumable by both paths.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/train.hpp"
#include "nn_fused_check.hpp"
#include "nn_test_data.hpp"

namespace baler {
namespace {

namespace fs = std::filesystem;

// Preprocessed (minmax) samples of a structured table.
Samples prepared(std::int64_t rows, std::int64_t features) {
  Samples s = samples_from_dataset(test::structured_table(rows, features), "AE");
  const Preprocessing p = fit_preprocessing(s, "minmax");
  apply_preprocessing(p, s.values, s.features());
  return s;
}

void expect_close_histories(const TrainResult& a, const TrainResult& b, double rel) {
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_NEAR(a.history[e].train_loss, b.history[e].train_loss, rel * b.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.history[e].val_loss, b.history[e].val_loss, rel * b.history[e].val_loss) << "epoch " << e + 1;
  }
}

TEST(NnFused, ChosenForPlainDenseModelsOnly) {
  const Dataset t = test::structured_table(300, 8);
  auto path_of = [&](Config c) { return train(t, c, {}).path; };
  Config c = test::quick_config("AE", 1);
  EXPECT_EQ(path_of(c), "fused dense");
  c.model.model_name = "FPGA_prototype_model";
  EXPECT_EQ(path_of(c), "fused dense");
  c.model.model_name = "Dense";
  c.model.hidden = {16};
  EXPECT_EQ(path_of(c), "fused dense");
  c.model.dropout = 0.2;  // Dense with dropout
  EXPECT_EQ(path_of(c), "LibTorch");
  c = test::quick_config("AE_Dropout_BN", 1);
  EXPECT_EQ(path_of(c), "LibTorch");
  c = test::quick_config("AE", 1);
  c.training.fused = "off";
  EXPECT_EQ(path_of(c), "LibTorch");
  c.training.fused = "always";
  try {
    train(t, c, {});
    ADD_FAILURE() << "training.fused = always accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
    EXPECT_NE(std::string(e.what()).find("training.fused"), std::string::npos) << e.what();
  }
}

// Every activation, both losses, the L1 penalty, one and two slices, float32 and float64.
TEST(NnFused, GradientsEqualAutograd) {
  const Samples s = prepared(97, 9);  // odd rows: the two slices differ in size
  for (const std::string act : {"leaky_relu", "relu", "tanh", "elu", "silu", "sigmoid"}) {
    for (const std::string dtype : {"float32", "float64"}) {
      Config c = test::quick_config("Dense");
      c.model.hidden = {24, 12};
      c.model.activation = act;
      c.training.float_dtype = dtype;
      c.training.threads = act == "tanh" ? 1 : 2;
      c.training.reg_param = act == "relu" || act == "elu" ? 0.0 : 0.05;
      c.training.loss = act == "silu" ? "mse_sum" : "mse_mean";
      const auto r = nn::compare_fused_gradients(c, s.values, s.rows, s.features());
      SCOPED_TRACE(act + " " + dtype);
      EXPECT_GT(r.parameters, 500);
      EXPECT_LT(r.max_relative_diff, dtype == "float32" ? 1e-5 : 1e-12);
      EXPECT_NEAR(r.sse_fused, r.sse_torch, (dtype == "float32" ? 1e-5 : 1e-12) * r.sse_torch);
    }
  }
  Config c = test::quick_config("AE");  // the AE model itself: 200-100-50, LeakyReLU
  const auto r = nn::compare_fused_gradients(c, s.values, s.rows, s.features());
  EXPECT_LT(r.max_relative_diff, 1e-5);
  c.model.model_name = "AE_Dropout_BN";
  EXPECT_THROW(nn::compare_fused_gradients(c, s.values, s.rows, s.features()), Error);
}

// Same seed → same initial weights; the two paths then follow the same losses (float32: up to
// rounding, ~1e-7 relative here, which the summation order changes; float64 with the penalty
// and summed loss: tighter).
TEST(NnFused, LossesFollowTheLibTorchPath) {
  const Dataset t = test::structured_table(801, 10);  // 641 training rows: the last batch of 1 joins
  Config c = test::quick_config("AE", 4);
  c.training.threads = 2;
  Config off = c;
  off.training.fused = "off";
  const TrainResult fused = train(t, c, {});
  const TrainResult torch_path = train(t, off, {});
  EXPECT_EQ(fused.path, "fused dense");
  EXPECT_EQ(torch_path.path, "LibTorch");
  expect_close_histories(fused, torch_path, 1e-4);
  EXPECT_NEAR(fused.final_loss, torch_path.final_loss, 1e-4 * torch_path.final_loss);

  c = test::quick_config("Dense", 4);
  c.model.hidden = {32, 16};
  c.model.activation = "tanh";
  c.training.float_dtype = "float64";
  c.training.loss = "mse_sum";
  c.training.reg_param = 0.01;
  c.training.lr = 1e-3;
  off = c;
  off.training.fused = "off";
  expect_close_histories(train(t, c, {}), train(t, off, {}), 1e-9);
}

// Batches of one row over two threads: one slice is empty on every step.
TEST(NnFused, BatchesSmallerThanTheThreadCount) {
  const Dataset t = test::structured_table(7, 5);
  Config c = test::quick_config("FPGA_prototype_model", 3);
  c.training.batch_size = 1;
  c.training.test_size = 0.0;
  Config off = c;
  off.training.fused = "off";
  const TrainResult fused = train(t, c, {});
  ASSERT_EQ(fused.path, "fused dense");
  for (const auto& e : fused.history) EXPECT_TRUE(std::isfinite(e.train_loss));
  const TrainResult torch_path = train(t, off, {});
  ASSERT_EQ(fused.history.size(), torch_path.history.size());
  for (std::size_t e = 0; e < fused.history.size(); ++e)
    EXPECT_NEAR(fused.history[e].train_loss, torch_path.history[e].train_loss, 1e-4 * torch_path.history[e].train_loss);
}

TEST(NnFused, TwoRunsWriteIdenticalModelFiles) {
  test::TempDir dir;
  const Dataset t = test::structured_table(900, 9);
  Config c = test::quick_config("AE", 3);
  c.training.threads = 2;
  const TrainResult a = train(t, c, {dir / "a"});
  const TrainResult b = train(t, c, {dir / "b"});
  ASSERT_EQ(a.path, "fused dense");
  EXPECT_EQ(read_file_bytes(dir / "a" / "model.balermodel"), read_file_bytes(dir / "b" / "model.balermodel"));
  for (std::size_t e = 0; e < a.history.size(); ++e) EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss);
  c.training.seed = 5;
  const TrainResult other = train(t, c, {});
  EXPECT_NE(other.model.encoder[0].weight, a.model.encoder[0].weight);
}

// A fused checkpoint resumes bit-exactly on the fused path, and the LibTorch path resumes it
// too (same weights and Adam moments in the file), following the same losses.
TEST(NnFused, ResumeFromFusedCheckpointOnEitherPath) {
  test::TempDir dir;
  const Dataset t = test::structured_table(700, 7);
  Config c = test::quick_config("AE", 4);
  c.training.checkpoint_every = 2;
  const TrainResult full = train(t, c, {dir / "full"});
  const auto ckpt = dir / "full" / "checkpoints" / "epoch_0002.pt";
  ASSERT_TRUE(fs::exists(ckpt));
  c.training.resume_from = ckpt.string();
  const TrainResult resumed = train(t, c, {dir / "resumed"});
  ASSERT_EQ(resumed.history.size(), 4u);
  for (std::size_t e = 0; e < 4; ++e) EXPECT_EQ(resumed.history[e].train_loss, full.history[e].train_loss) << e;
  EXPECT_EQ(resumed.model.encoder, full.model.encoder);
  EXPECT_EQ(resumed.model.decoder, full.model.decoder);

  c.training.fused = "off";
  const TrainResult by_torch = train(t, c, {dir / "torch"});
  EXPECT_EQ(by_torch.path, "LibTorch");
  expect_close_histories(by_torch, full, 1e-4);
  // Restarting Adam from zero moments would not follow: its first steps are lr-sized.
  c.training.resume_from.clear();
  c.training.epochs = 2;
  c.training.checkpoint_every = 0;
  const TrainResult torch_ckpt = train(t, c, {dir / "t2"});
  c.training.fused = "auto";
  c.training.epochs = 4;
  c.training.resume_from = (dir / "t2" / "model.pt").string();
  const TrainResult fused_from_torch = train(t, c, {});
  EXPECT_EQ(fused_from_torch.path, "fused dense");
  expect_close_histories(fused_from_torch, full, 1e-4);
}

}  // namespace
}  // namespace baler
