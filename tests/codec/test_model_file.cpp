// Model files: bit-exact round trip, stable hash, corrupt and truncated files refused.
#include <gtest/gtest.h>

#include "baler/atomic_file.hpp"
#include "baler/container.hpp"
#include "baler/model.hpp"
#include "codec_test_util.hpp"

namespace baler::test {
namespace {

ErrorCode load_error(const std::filesystem::path& p) {
  try {
    load_model_file(p);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // loaded: not an error
}

TEST(ModelFile, RoundTripIsBitExact) {
  TempDir dir;
  Model m = dense_model(7, 3, 1, LayerKind::Tanh);
  m.preprocessing.log_feature.assign(7, 0);
  m.preprocessing.log_feature[2] = 1;
  m.preprocessing.offset[3] = -1.25;
  m.preprocessing.scale[3] = 1e-300;
  save_model_file(dir / "m.balermodel", m);
  const Model back = load_model_file(dir / "m.balermodel");
  EXPECT_EQ(back, m);
  EXPECT_EQ(model_hash(back), model_hash(m));
  EXPECT_EQ(container::load_model_with_hash(dir / "m.balermodel").hash, model_hash(m));
}

TEST(ModelFile, HashDependsOnWeights) {
  Model a = dense_model(5, 2, 1);
  Model b = a;
  b.decoder[0].weight.as<float>()[0] += 1e-6f;
  EXPECT_NE(model_hash(a), model_hash(b));
  EXPECT_EQ(model_hash(a), model_hash(dense_model(5, 2, 1)));
}

TEST(ModelFile, QuantisedWeightsStayClose) {
  const Model m = dense_model(6, 2, 3);
  for (auto st : {container::TensorStorage::F16, container::TensorStorage::Int8}) {
    const Model q = container::quantize_weights(m, st);
    ASSERT_EQ(q.decoder.size(), m.decoder.size());
    const auto w0 = m.decoder[0].weight.as<float>();
    const auto w1 = q.decoder[0].weight.as<float>();
    float maxabs = 0;
    for (float v : w0) maxabs = std::max(maxabs, std::fabs(v));
    for (std::size_t i = 0; i < w0.size(); ++i) EXPECT_NEAR(w0[i], w1[i], maxabs / 100);
  }
}

TEST(ModelFile, EveryTruncationAndBitFlipIsRefused) {
  TempDir dir;
  const Model m = dense_model(3, 1, 2);
  save_model_file(dir / "m.balermodel", m);
  const auto bytes = read_file_bytes(dir / "m.balermodel");
  const auto p = dir / "bad.balermodel";
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    write_file_atomic(p, std::span(bytes.data(), n));
    const ErrorCode c = load_error(p);
    EXPECT_TRUE(c == ErrorCode::Corrupt || c == ErrorCode::Malformed) << "truncated at " << n;
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = bytes;
    b[i] ^= std::byte{static_cast<unsigned char>(1u << (i % 8))};
    write_file_atomic(p, b);
    const ErrorCode c = load_error(p);
    EXPECT_TRUE(c == ErrorCode::Corrupt || c == ErrorCode::Malformed || c == ErrorCode::Unsupported ||
                c == ErrorCode::Limit)
        << "bit flip at " << i << " gave " << error_code_name(c);
  }
}

TEST(ModelFile, DataContainerIsNotAModel) {
  TempDir dir;
  const auto bytes = container::build_container(container::FileKind::Data, {});
  write_file_atomic(dir / "x.baler", bytes);
  EXPECT_EQ(load_error(dir / "x.baler"), ErrorCode::Malformed);
}

TEST(ModelFile, MissingFileIsIoError) {
  TempDir dir;
  EXPECT_EQ(load_error(dir / "absent.balermodel"), ErrorCode::Io);
}

}  // namespace
}  // namespace baler::test
