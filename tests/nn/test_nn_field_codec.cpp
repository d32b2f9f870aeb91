// Trained field models inside the codec: the codec's deterministic kernel agrees with LibTorch
// on trained Conv_AE, Conv_AE_3D and CFD_dense_AE models, and a tiny Conv_AE trained through
// the CLI on a slice of the CFD example compresses with 0 violations and, with bound `none`,
// really predicts every value (pure-autoencoder mode).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "baler/io.hpp"
#include "baler/train.hpp"
#include "layer_kernel.hpp"
#include "test_support.hpp"

namespace baler {
namespace {

namespace fs = std::filesystem;

// Frames [0, frames) of the CFD example cropped to its central size × size, reshaped to `shape`.
Dataset cfd_slice(std::int64_t frames, std::int64_t size, std::vector<std::int64_t> shape) {
  const Dataset d = read_dataset(parse_data_spec(test::data_file("cfd/CFD_animation.npz").string()));
  const std::int64_t H = d.field.shape[1], W = d.field.shape[2], r0 = (H - size) / 2, c0 = (W - size) / 2;
  Dataset s;
  s.kind = DataKind::Field;
  s.field = Array(DType::F64, std::move(shape));
  auto out = s.field.as<double>();
  std::size_t k = 0;
  for (std::int64_t f = 0; f < frames; ++f)
    for (std::int64_t r = 0; r < size; ++r)
      for (std::int64_t c = 0; c < size; ++c) out[k++] = d.field.value(static_cast<std::size_t>((f * H + r0 + r) * W + c0 + c));
  return s;
}

Config tiny_config(const std::string& model, std::int64_t latent) {
  Config c;
  c.model.model_name = model;
  c.model.latent_size = latent;
  c.training.epochs = 3;
  c.training.batch_size = 4;
  c.training.threads = 1;
  c.training.early_stopping = false;
  return c;
}

TEST(NnFieldCodec, KernelAgreesWithLibTorchOnTrainedFieldModels) {
  struct Case {
    std::string model;
    Dataset data;
  };
  const std::vector<Case> cases{{"Conv_AE", cfd_slice(16, 24, {16, 24, 24})},
                                {"Conv_AE_3D", cfd_slice(16, 16, {4, 4, 16, 16})},
                                {"CFD_dense_AE", cfd_slice(16, 12, {16, 12, 12})}};
  for (const auto& c : cases) {
    const TrainResult r = train(c.data, tiny_config(c.model, 8), {});
    Samples s = samples_from_dataset(c.data, c.model);
    apply_preprocessing(r.model.preprocessing, s.values, s.features());
    const auto ref = reconstruct(r.model, s.values, s.rows);  // LibTorch, float64
    // The codec's kernel, binary32, samples element-major.
    const std::size_t n = static_cast<std::size_t>(s.features()), rows = static_cast<std::size_t>(s.rows);
    std::vector<float> x(n * rows);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t e = 0; e < n; ++e) x[e * rows + i] = static_cast<float>(s.values[i * n + e]);
    const auto z = codec::run_layers(r.model.encoder, r.model.input_shape, x, rows);
    const auto y = codec::run_layers(r.model.decoder, r.model.latent_shape, z, rows);
    ASSERT_EQ(y.size(), ref.size()) << c.model;
    double worst = 0;
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t e = 0; e < n; ++e)
        worst = std::max(worst, std::fabs(static_cast<double>(y[e * rows + i]) - ref[i * n + e]) / (1 + std::fabs(ref[i * n + e])));
    EXPECT_LT(worst, 1e-4) << c.model;
  }
}

int run(const std::string& args, const fs::path& log) {
  const std::string cmd = test::baler_bin() + " " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(NnFieldCodec, ConvAeTrainedThroughTheCliPredictsInsideTheCodec) {
  test::TempDir dir;
  const fs::path in = dir / "slice.npy";
  write_dataset(cfd_slice(16, 24, {16, 24, 24}), parse_data_spec(in.string()));
  std::ofstream(dir / "c.toml") << "[model]\nmodel_name = \"Conv_AE\"\nlatent_size = 16\n"
                                << "[training]\nthreads = 1\nbatch_size = 4\nearly_stopping = false\n";
  const std::string cfg = " --config " + (dir / "c.toml").string();
  ASSERT_EQ(run("train --quiet" + cfg + " --input " + in.string() + " --epochs 3 --output " + (dir / "t").string(),
                dir / "log"), 0)
      << test::slurp(dir / "log");
  const std::string model = (dir / "t" / "model.balermodel").string();
  // Bounded: 0 violations whichever predictor each chunk keeps.
  ASSERT_EQ(run("compress " + in.string() + " -o " + (dir / "r.baler").string() + " -m " + model + " -e rel=1e-3",
                dir / "log"), 0)
      << test::slurp(dir / "log");
  EXPECT_EQ(run("verify " + (dir / "r.baler").string() + " " + in.string(), dir / "log"), 0) << test::slurp(dir / "log");
  EXPECT_NE(test::slurp(dir / "log").find("OK: 0 value(s)"), std::string::npos) << test::slurp(dir / "log");
  // Pure autoencoder: the model predicts every value; the container carries its decoder.
  ASSERT_EQ(run("compress " + in.string() + " -o " + (dir / "n.baler").string() + " -m " + model + " -e none",
                dir / "log"), 0)
      << test::slurp(dir / "log");
  const std::string summary = test::slurp(dir / "log");
  EXPECT_NE(summary.find("model-only"), std::string::npos) << summary;
  EXPECT_NE(summary.find("model: embedded"), std::string::npos) << summary;
  EXPECT_EQ(run("decompress " + (dir / "n.baler").string() + " -o " + (dir / "n.npy").string(), dir / "log"), 0)
      << test::slurp(dir / "log");
  // The decoded values are the model's reconstruction: close to LibTorch's, not the data.
  const Model m = load_trained_model(model);
  const Dataset back = read_dataset(parse_data_spec((dir / "n.npy").string()));
  Samples s = samples_from_dataset(cfd_slice(16, 24, {16, 24, 24}), "Conv_AE");
  apply_preprocessing(m.preprocessing, s.values, s.features());
  auto ref = reconstruct(m, s.values, s.rows);
  invert_preprocessing(m.preprocessing, ref, s.features());
  const Dataset orig = read_dataset(parse_data_spec(in.string()));
  double to_model = 0, to_data = 0, span = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    to_model = std::max(to_model, std::fabs(back.field.value(i) - ref[i]));
    to_data = std::max(to_data, std::fabs(back.field.value(i) - orig.field.value(i)));
    span = std::max(span, std::fabs(orig.field.value(i)));
  }
  std::printf("pure autoencoder: max |decoded - LibTorch reconstruction| %.3g, max |decoded - data| %.3g, max |x| %.3g\n",
              to_model, to_data, span);
  EXPECT_GT(to_data, 0.0);
  EXPECT_LT(to_model, 0.05 * span) << "latent quantisation and f16/int8 weights only";
}

}  // namespace
}  // namespace baler
