// Model predictions: a hand-built dense decoder (no torch) gives the same guarantees;
// embedded and external models; mismatched models refused; decoding is deterministic.
#include <gtest/gtest.h>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "codec_test_util.hpp"
#include "column_codec.hpp"
#include "det_math.hpp"
#include "dense_kernel.hpp"

namespace baler::test {
namespace {

constexpr std::int64_t kN = 8, kL = 3, kRows = 5000;

// Decoder: latent (3) -> 8 features through a matrix with orthonormal columns; the encoder is
// its transpose, so predictions are good up to latent quantisation.
Model linear_model() {
  auto g = rng(99);
  std::normal_distribution<double> nd;
  std::vector<std::vector<double>> cols(kL, std::vector<double>(kN));
  for (std::int64_t k = 0; k < kL; ++k) {
    for (auto& v : cols[k]) v = nd(g);
    for (std::int64_t p = 0; p < k; ++p) {
      double dot = 0;
      for (std::int64_t i = 0; i < kN; ++i) dot += cols[k][i] * cols[p][i];
      for (std::int64_t i = 0; i < kN; ++i) cols[k][i] -= dot * cols[p][i];
    }
    double norm = 0;
    for (double v : cols[k]) norm += v * v;
    for (auto& v : cols[k]) v /= std::sqrt(norm);
  }
  Model m = dense_model(kN, kL, 5);
  Layer dec, enc;
  dec.weight = Array(DType::F32, {kN, kL});
  enc.weight = Array(DType::F32, {kL, kN});
  for (std::int64_t i = 0; i < kN; ++i)
    for (std::int64_t k = 0; k < kL; ++k) {
      dec.weight.as<float>()[i * kL + k] = static_cast<float>(cols[k][i]);
      enc.weight.as<float>()[k * kN + i] = static_cast<float>(cols[k][i]);
    }
  m.encoder = {enc};
  m.decoder = {dec};
  m.preprocessing.offset.assign(kN, 10.0);
  m.preprocessing.scale.assign(kN, 2.0);
  return m;
}

Dataset correlated_table(const Model& m) {
  auto g = rng(3);
  std::normal_distribution<double> nd;
  Dataset d;
  for (std::int64_t i = 0; i < kN; ++i) d.columns.push_back({"col" + std::to_string(i), Array(DType::F64, {kRows})});
  const auto w = m.decoder[0].weight.as<float>();
  for (std::int64_t r = 0; r < kRows; ++r) {
    double z[kL];
    for (auto& v : z) v = nd(g);
    for (std::int64_t i = 0; i < kN; ++i) {
      double x = 0;
      for (std::int64_t k = 0; k < kL; ++k) x += w[i * kL + k] * z[k];
      d.columns[i].values.as<double>()[r] = 10.0 + 2.0 * x + 1e-3 * nd(g);
    }
  }
  return d;
}

ErrorCode error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

TEST(CodecModel, EmbeddedDecoderPaysAndBoundsHold) {
  const Model m = linear_model();
  const Dataset d = correlated_table(m);
  TempDir dir;
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-4};
  o.model = &m;
  o.chunk_rows = 1000;
  const auto with = compress_dataset(d, dir / "m.baler", o);
  o.model = nullptr;
  const auto without = compress_dataset(d, dir / "p.baler", o);
  EXPECT_EQ(with.model_storage.rfind("embedded", 0), 0u) << with.model_storage;
  EXPECT_NE(with.columns[0].methods.find("quant(model)"), std::string::npos);
  EXPECT_LT(with.file_bytes, without.file_bytes);
  std::printf("with the embedded decoder: %llu bytes (model %llu), without: %llu bytes\n",
              static_cast<unsigned long long>(with.file_bytes), static_cast<unsigned long long>(with.model_bytes),
              static_cast<unsigned long long>(without.file_bytes));
  const Dataset back = decompress_file(dir / "m.baler");
  EXPECT_EQ(count_violations(d, back, {1e-4, 0, true, false}), 0u);
  EXPECT_NE(describe_container(dir / "m.baler").find("MODEL_META"), std::string::npos);
}

TEST(CodecModel, ExternalModelIsCheckedByHash) {
  const Model m = linear_model();
  const Dataset d = correlated_table(m);
  TempDir dir;
  save_model_file(dir / "model.balermodel", m);
  const Model loaded = load_model_file(dir / "model.balermodel");
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-4};
  o.model = &loaded;
  o.external_model = true;
  const auto s = compress_dataset(d, dir / "e.baler", o);
  EXPECT_EQ(s.model_storage, "external");
  EXPECT_EQ(s.model_hash, model_hash(m));
  EXPECT_EQ(error_of([&] { decompress_file(dir / "e.baler"); }), ErrorCode::ModelMismatch);
  Model other = m;
  other.decoder[0].weight.as<float>()[3] *= 1.0001f;
  DecompressOptions opt;
  opt.model = &other;
  EXPECT_EQ(error_of([&] { decompress_file(dir / "e.baler", opt); }), ErrorCode::ModelMismatch);
  opt.model = &loaded;
  EXPECT_EQ(count_violations(d, decompress_file(dir / "e.baler", opt), {1e-4, 0, true, false}), 0u);
}

TEST(CodecModel, DecodingIsIdenticalAcrossThreadsAndRuns) {
  const Model m = linear_model();
  const Dataset d = correlated_table(m);
  TempDir dir;
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  o.model = &m;
  // Several chunks (threads over chunks) and one chunk (threads over its columns).
  for (std::int64_t rows : {65536, 700}) {
    o.chunk_rows = rows;
    o.threads = 1;
    compress_dataset(d, dir / "a.baler", o);
    for (int threads : {2, 3}) {
      o.threads = threads;
      compress_dataset(d, dir / "b.baler", o);
      EXPECT_EQ(read_file_bytes(dir / "a.baler"), read_file_bytes(dir / "b.baler")) << rows << " rows, " << threads;
    }
  }
  DecompressOptions one, two;
  two.threads = 2;
  const Dataset x = decompress_file(dir / "a.baler", one);
  EXPECT_EQ(x, decompress_file(dir / "a.baler", two));
  EXPECT_EQ(x, decompress_file(dir / "a.baler", one));
}

TEST(CodecModel, PureAutoencoderModeWithNonlinearDecoder) {
  for (auto act : {LayerKind::Tanh, LayerKind::Sigmoid, LayerKind::ELU, LayerKind::SiLU, LayerKind::LeakyReLU}) {
    Model m = dense_model(kN, kL, 11, act);
    const Dataset d = correlated_table(linear_model());
    TempDir dir;
    CompressOptions o;
    o.bound = {BoundKind::None, 0};
    o.column_bounds["col0"] = {BoundKind::Rel, 1e-3};
    o.model = &m;
    o.chunk_rows = 900;
    const auto s = compress_dataset(d, dir / "n.baler", o);
    EXPECT_EQ(s.columns[1].methods, "model-only");
    DecompressOptions two;
    two.threads = 2;
    const Dataset a = decompress_file(dir / "n.baler");
    EXPECT_EQ(a, decompress_file(dir / "n.baler", two));
    EXPECT_EQ(count_violations(d.columns[0].values, a.columns[0].values, {1e-3, 0, true, false}), 0u);
  }
}

TEST(CodecModel, ModelWithUnknownColumnIsRefused) {
  Model m = linear_model();
  m.feature_names[2] = "missing";
  const Dataset d = correlated_table(linear_model());
  TempDir dir;
  CompressOptions o;
  o.model = &m;
  EXPECT_EQ(error_of([&] { compress_dataset(d, dir / "x.baler", o); }), ErrorCode::ModelMismatch);
}

TEST(DecoderArithmetic, DeterministicExpIsAccurate) {
  for (double x = -700; x < 700; x += 0.37) {
    const double e = codec::det_exp(x), r = std::exp(x);
    ASSERT_NEAR(e / r, 1.0, 1e-13) << x;
  }
  EXPECT_EQ(codec::det_exp2(10.0), 1024.0);
  EXPECT_EQ(codec::det_exp2(-1.0), 0.5);
}

TEST(DecoderArithmetic, RowsAreIndependent) {
  const Model m = dense_model(6, 2, 4, LayerKind::Tanh);
  auto g = rng(1);
  std::normal_distribution<float> nd;
  const std::size_t rows = 37;
  std::vector<float> z(2 * rows);
  for (auto& v : z) v = nd(g);
  const auto all = codec::run_dense(m.decoder, z, rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto one = codec::run_dense(m.decoder, {z[r], z[rows + r]}, 1);
    for (std::size_t f = 0; f < 6; ++f) ASSERT_EQ(one[f], all[f * rows + r]);
  }
}

// Every field block kind, directly: bound held, and truncated blocks refused (never a crash).
TEST(FieldBlocks, EveryPredictorHoldsTheBoundAndRefusesTruncation) {
  auto g = rng(21);
  std::normal_distribution<double> nd;
  const std::array<std::size_t, 3> dims{5, 7, 9};
  std::vector<double> x(5 * 7 * 9);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.2 * static_cast<double>(i % 9)) + 0.05 * nd(g);
  x[11] = NAN;
  x[40] = INFINITY;
  const codec::ColumnSlice c{DType::F64, reinterpret_cast<const std::byte*>(x.data()), x.size()};
  const double bound = 0.01;
  for (int p = 0; p < 4; ++p) {
    codec::BlockStats st;
    const auto block = p == 3 ? codec::encode_interp_block(c, dims, bound, st)
                              : codec::encode_field_block(c, dims, bound, static_cast<codec::FieldPredictor>(p), st);
    EXPECT_EQ(st.outliers, 2u);
    std::vector<double> y(x.size());
    ByteReader r(block, "block");
    codec::decode_block(r, DType::F64, x.size(), {}, dims, reinterpret_cast<std::byte*>(y.data()));
    EXPECT_EQ(r.remaining(), 0u);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isfinite(x[i])) {
        ASSERT_LE(std::fabs(x[i] - y[i]), bound) << "predictor " << p << " value " << i;
      } else {
        ASSERT_EQ(std::memcmp(&x[i], &y[i], 8), 0);
      }
    }
    for (std::size_t n = 0; n < block.size(); ++n) {
      ByteReader t(std::span(block.data(), n), "cut");
      EXPECT_THROW(codec::decode_block(t, DType::F64, x.size(), {}, dims, reinterpret_cast<std::byte*>(y.data())), Error);
    }
  }
}

}  // namespace
}  // namespace baler::test
