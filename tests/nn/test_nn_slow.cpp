// Slow training cases on the real example data (label slow).
#include <gtest/gtest.h>

#include <cmath>

#include "baler/io.hpp"
#include "baler/train.hpp"
#include "test_support.hpp"

namespace baler {
namespace {

// Slow: Baler's CFD example (60 frames of 50×50) with Conv_AE; evaluation-mode reconstruction
// of the exported model must match what training measured.
TEST(NnSlow, ConvAEOnCfdAnimation) {
  const Dataset d = read_dataset(parse_data_spec(test::data_file("cfd/CFD_animation.npz").string()));
  Config c;
  c.model.model_name = "Conv_AE";
  c.model.latent_size = 64;
  c.training.epochs = 40;
  c.training.batch_size = 8;
  c.training.lr = 2e-3;
  c.training.threads = 2;
  c.training.early_stopping = false;
  const TrainResult r = train(d, c, {});
  EXPECT_LT(r.best_loss, 0.2 * r.untrained_val_loss);
  Samples s = samples_from_dataset(d, "Conv_AE");
  apply_preprocessing(r.model.preprocessing, s.values, s.features());
  const auto rec = reconstruct(r.model, s.values, s.rows);
  double se = 0;
  for (std::size_t i = 0; i < rec.size(); ++i) se += (rec[i] - s.values[i]) * (rec[i] - s.values[i]);
  const double mse = se / static_cast<double>(rec.size());
  EXPECT_LT(mse, 2.0 * std::max(r.history.back().train_loss, r.final_loss));
  const double psnr = 10 * std::log10(1.0 / mse);  // minmax data span 1
  EXPECT_GT(psnr, 20.0);
}

}  // namespace
}  // namespace baler
