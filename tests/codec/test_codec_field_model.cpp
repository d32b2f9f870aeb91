// Field models inside the codec: Conv_AE-style (2-D, per frame), Conv_AE_3D-style (the whole
// field as one sample) and dense models on frames, built by hand (no torch): bounds hold,
// `none` gives the model's prediction, decoding is identical on 1 and 2 threads, models that
// do not fit are refused, damaged containers are refused cleanly.
#include <gtest/gtest.h>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "codec_test_util.hpp"
#include "layer_kernel.hpp"
#include "model_predictor.hpp"

namespace baler::test {
namespace {

using Shape = std::vector<std::int64_t>;

struct Builder {
  std::mt19937_64 g;
  Layer weighted(LayerKind k, Shape wshape, std::int64_t bias, float wscale, float bscale, std::vector<std::int64_t> p = {}) {
    Layer l;
    l.kind = k;
    l.weight = Array(DType::F32, wshape);
    std::normal_distribution<float> d(0.0f, wscale > 0 ? wscale : 1.0f);
    for (auto& v : l.weight.as<float>()) v = wscale > 0 ? d(g) : 0.0f;
    l.bias = random_vector(g, bias, bscale);
    l.params = std::move(p);
    return l;
  }
  static Layer act() {
    Layer l;
    l.kind = LayerKind::LeakyReLU;
    l.alpha = 0.01f;
    return l;
  }
  static Layer reshape(LayerKind k, Shape s) {
    Layer l;
    l.kind = k;
    l.params = std::move(s);
    return l;
  }
};

void field_preprocessing(Model& m) {
  m.preprocessing.method = "minmax";
  m.preprocessing.offset = {2.0};
  m.preprocessing.scale = {3.0};
  m.feature_names.clear();
}

// Conv_AE-like, frames 1×H×W (H, W even), latent L. `dec_scale` scales the decoder's first
// Linear weights: small values make the prediction nearly the same for every latent.
Model conv2d_model(std::int64_t H, std::int64_t W, std::int64_t L, std::uint64_t seed, float dec_scale) {
  Builder b{rng(seed)};
  const std::int64_t h = H / 2, w = W / 2, flat = 4 * h * w;
  Model m;
  m.architecture = "Conv_AE";
  m.input_shape = {1, H, W};
  m.latent_shape = {L};
  m.encoder = {b.weighted(LayerKind::Conv2d, {4, 1, 3, 3}, 4, 0.5f, 0.1f, {2, 2, 1, 1}), Builder::act(),
               Builder::reshape(LayerKind::Flatten, {flat}),
               b.weighted(LayerKind::Linear, {L, flat}, L, 1.0f / static_cast<float>(flat), 0.1f)};
  m.decoder = {b.weighted(LayerKind::Linear, {flat, L}, flat, dec_scale, 1.0f), Builder::act(),
               Builder::reshape(LayerKind::Unflatten, {4, h, w}),
               b.weighted(LayerKind::ConvTranspose2d, {4, 4, 3, 3}, 4, 0.5f, 0.1f, {2, 2, 1, 1, 1, 1}), Builder::act(),
               b.weighted(LayerKind::Conv2d, {1, 4, 3, 3}, 1, 0.3f, 0.1f, {1, 1, 1, 1})};
  field_preprocessing(m);
  return m;
}

// Conv_AE_3D-like on one D×H×W sample (even sizes).
Model conv3d_model(std::int64_t D, std::int64_t H, std::int64_t W, std::int64_t L, std::uint64_t seed) {
  Builder b{rng(seed)};
  const std::int64_t flat = 2 * (D / 2) * (H / 2) * (W / 2);
  Model m;
  m.architecture = "Conv_AE_3D";
  m.input_shape = {1, D, H, W};
  m.latent_shape = {L};
  m.encoder = {b.weighted(LayerKind::Conv3d, {2, 1, 3, 3, 3}, 2, 0.3f, 0.1f, {2, 2, 2, 1, 1, 1}), Builder::act(),
               Builder::reshape(LayerKind::Flatten, {flat}),
               b.weighted(LayerKind::Linear, {L, flat}, L, 1.0f / static_cast<float>(flat), 0.1f)};
  m.decoder = {b.weighted(LayerKind::Linear, {flat, L}, flat, 0.01f, 1.0f), Builder::act(),
               Builder::reshape(LayerKind::Unflatten, {2, D / 2, H / 2, W / 2}),
               b.weighted(LayerKind::ConvTranspose3d, {2, 2, 3, 3, 3}, 2, 0.3f, 0.1f, {2, 2, 2, 1, 1, 1, 1, 1, 1}),
               Builder::act(), b.weighted(LayerKind::Conv3d, {1, 2, 3, 3, 3}, 1, 0.2f, 0.1f, {1, 1, 1, 1, 1, 1})};
  field_preprocessing(m);
  return m;
}

// The model's prediction for a zero latent, preprocessing undone (binary64).
std::vector<double> zero_latent_prediction(const Model& m) {
  const std::size_t L = checked_element_count(m.latent_shape, "latent");
  const auto y = codec::run_layers(m.decoder, m.latent_shape, std::vector<float>(L, 0.0f), 1);
  std::vector<double> p(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) p[i] = static_cast<double>(y[i]) * 3.0 + 2.0;
  return p;
}

// Conv_AE-like model whose decoder is affine in the latent (no activations) and whose encoder
// (an identity Conv2d, Flatten, Linear) is its least-squares inverse, so that frames the
// decoder makes from random latents are predicted up to latent quantisation.
Model invertible_conv2d_model(std::int64_t H, std::int64_t W, std::int64_t L, std::uint64_t seed) {
  Builder b{rng(seed)};
  const std::int64_t h = H / 2, w = W / 2, flat = 4 * h * w, n = H * W;
  Model m;
  m.architecture = "Conv_AE";
  m.input_shape = {1, H, W};
  m.latent_shape = {L};
  m.decoder = {b.weighted(LayerKind::Linear, {flat, L}, flat, 1.0f, 1.0f),
               Builder::reshape(LayerKind::Unflatten, {4, h, w}),
               b.weighted(LayerKind::ConvTranspose2d, {4, 4, 3, 3}, 4, 0.5f, 0.1f, {2, 2, 1, 1, 1, 1}),
               b.weighted(LayerKind::Conv2d, {1, 4, 3, 3}, 1, 0.3f, 0.1f, {1, 1, 1, 1})};
  field_preprocessing(m);
  // Columns of the affine map y = A z + c, then X = (AᵀA)⁻¹Aᵀ by Gauss-Jordan on [AᵀA | Aᵀ].
  auto dec = [&](std::vector<float> z) { return codec::run_layers(m.decoder, m.latent_shape, std::move(z), 1); };
  const auto c = dec(std::vector<float>(static_cast<std::size_t>(L), 0.0f));
  std::vector<std::vector<double>> A(static_cast<std::size_t>(L));
  for (std::int64_t k = 0; k < L; ++k) {
    std::vector<float> z(static_cast<std::size_t>(L), 0.0f);
    z[k] = 1.0f;
    const auto y = dec(z);
    for (std::int64_t i = 0; i < n; ++i) A[k].push_back(static_cast<double>(y[i]) - c[i]);
  }
  std::vector<std::vector<double>> M(static_cast<std::size_t>(L), std::vector<double>(static_cast<std::size_t>(L + n)));
  for (std::int64_t r = 0; r < L; ++r) {
    for (std::int64_t k = 0; k < L; ++k)
      for (std::int64_t i = 0; i < n; ++i) M[r][k] += A[r][i] * A[k][i];
    for (std::int64_t i = 0; i < n; ++i) M[r][L + i] = A[r][i];
  }
  for (std::int64_t p = 0; p < L; ++p) {
    for (std::int64_t r = 0; r < L; ++r) {
      if (r == p) continue;
      const double f = M[r][p] / M[p][p];
      for (std::int64_t j = 0; j < L + n; ++j) M[r][j] -= f * M[p][j];
    }
  }
  Layer id;  // 3×3 conv with a single centre tap: the identity
  id.kind = LayerKind::Conv2d;
  id.weight = Array(DType::F32, {1, 1, 3, 3});
  id.weight.as<float>()[4] = 1.0f;
  id.params = {1, 1, 1, 1};
  Layer enc;
  enc.kind = LayerKind::Linear;
  enc.weight = Array(DType::F32, {L, n});
  enc.bias = Array(DType::F32, {L});
  for (std::int64_t k = 0; k < L; ++k) {
    double bias = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = M[k][L + i] / M[k][k];
      enc.weight.as<float>()[k * n + i] = static_cast<float>(x);
      bias -= x * c[i];
    }
    enc.bias.as<float>()[k] = static_cast<float>(bias);
  }
  m.encoder = {id, Builder::reshape(LayerKind::Flatten, {n}), enc};
  return m;
}

// `frames` frames made by the model's decoder from random latents, plus noise.
Dataset decoded_field(const Model& m, std::int64_t frames, DType t, double noise, std::uint64_t seed) {
  auto g = rng(seed);
  std::normal_distribution<double> nd(0.0, noise);
  std::normal_distribution<float> zd;
  const std::size_t L = checked_element_count(m.latent_shape, "latent"), F = static_cast<std::size_t>(frames);
  std::vector<float> z(L * F);
  for (auto& v : z) v = zd(g);
  const auto y = codec::run_layers(m.decoder, m.latent_shape, z, F);
  const std::size_t n = y.size() / F;
  Shape shape{frames};
  shape.insert(shape.end(), m.input_shape.begin() + 1, m.input_shape.end());
  Dataset d;
  d.kind = DataKind::Field;
  d.field = Array(t, shape);
  for (std::size_t f = 0; f < F; ++f)
    for (std::size_t e = 0; e < n; ++e) {
      const double v = static_cast<double>(y[e * F + f]) * 3.0 + 2.0 + nd(g);
      if (t == DType::F32) d.field.as<float>()[f * n + e] = static_cast<float>(v);
      else d.field.as<double>()[f * n + e] = v;
    }
  return d;
}

// Frames = the model's zero-latent pattern (repeated every `period` values) plus noise.
Dataset patterned_field(const Model& m, Shape shape, DType t, double noise, std::uint64_t seed) {
  const auto p = zero_latent_prediction(m);
  auto g = rng(seed);
  std::normal_distribution<double> nd(0.0, noise);
  Dataset d;
  d.kind = DataKind::Field;
  d.field = Array(t, shape);
  for (std::size_t i = 0; i < d.field.size(); ++i) {
    const double v = p[i % p.size()] + nd(g);
    if (t == DType::F32) d.field.as<float>()[i] = static_cast<float>(v);
    else d.field.as<double>()[i] = v;
  }
  return d;
}

TEST(FieldModel, Conv2dModelHoldsRelBoundsAndPays) {
  const Model m = invertible_conv2d_model(12, 12, 4, 1);
  const Dataset d = decoded_field(m, 200, DType::F64, 0.001, 2);
  TempDir dir;
  for (double rel : {1e-2, 1e-3, 1e-4}) {
    CompressOptions o;
    o.bound = {BoundKind::Rel, rel};
    o.model = &m;
    o.chunk_rows = 20;
    const auto with = compress_dataset(d, dir / "m.baler", o);
    EXPECT_EQ(count_violations(d, decompress_file(dir / "m.baler"), {rel, 0, true, false}), 0u) << rel;
    o.model = nullptr;
    const auto without = compress_dataset(d, dir / "p.baler", o);
    std::printf("rel %g: with the conv model %llu bytes (%s, %s), without %llu bytes (%s)\n", rel,
                static_cast<unsigned long long>(with.file_bytes), with.model_storage.c_str(),
                with.columns[0].methods.c_str(), static_cast<unsigned long long>(without.file_bytes),
                without.columns[0].methods.c_str());
    if (rel == 1e-3) {
      EXPECT_NE(with.columns[0].methods.find("quant(model)"), std::string::npos) << with.columns[0].methods;
      EXPECT_EQ(with.model_storage.rfind("embedded", 0), 0u) << with.model_storage;
      EXPECT_LT(with.file_bytes, without.file_bytes);
    }
  }
}

TEST(FieldModel, PureAutoencoderModeGivesTheModelPrediction) {
  Model m = conv2d_model(12, 12, 8, 3, 0.0f);  // zero decoder Linear: prediction independent of the latent
  const Dataset d = patterned_field(m, {30, 12, 12}, DType::F32, 0.05, 4);
  const auto p = zero_latent_prediction(m);
  TempDir dir;
  CompressOptions o;
  o.bound = {BoundKind::None, 0};
  o.model = &m;
  o.weight_precision = "f32";  // the prediction of these very weights (f16/int8 would round them)
  o.chunk_rows = 7;
  const auto s = compress_dataset(d, dir / "n.baler", o);
  EXPECT_EQ(s.columns[0].methods, "model-only");
  const Dataset a = decompress_file(dir / "n.baler");
  ASSERT_EQ(a.field.shape, d.field.shape);
  for (std::size_t i = 0; i < a.field.size(); ++i)
    ASSERT_EQ(a.field.as<float>()[i], static_cast<float>(p[i % p.size()])) << i;
  // The same with a decoder that depends on the latent: decoded values = the prediction, so
  // they differ from the data by the model's error, reported at compression.
  const Model m2 = invertible_conv2d_model(12, 12, 4, 3);
  o.model = &m2;
  const auto s2 = compress_dataset(d, dir / "n2.baler", o);
  DecompressOptions two;
  two.threads = 2;
  const Dataset b = decompress_file(dir / "n2.baler");
  EXPECT_EQ(b, decompress_file(dir / "n2.baler", two));
  double max_err = 0;
  for (std::size_t i = 0; i < b.field.size(); ++i)
    max_err = std::max(max_err, std::fabs(static_cast<double>(b.field.as<float>()[i]) - d.field.as<float>()[i]));
  EXPECT_EQ(max_err, s2.columns[0].max_error);
  EXPECT_GT(max_err, 0.0);
}

TEST(FieldModel, DecodingIsIdenticalAcrossThreads) {
  const Model m = invertible_conv2d_model(12, 12, 4, 5);
  const Dataset d = decoded_field(m, 45, DType::F64, 0.002, 6);
  TempDir dir;
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  o.model = &m;
  o.chunk_rows = 7;
  o.threads = 1;
  compress_dataset(d, dir / "a.baler", o);
  o.threads = 2;
  compress_dataset(d, dir / "b.baler", o);
  EXPECT_EQ(read_file_bytes(dir / "a.baler"), read_file_bytes(dir / "b.baler"));
  DecompressOptions one, two;
  two.threads = 2;
  const Dataset x = decompress_file(dir / "a.baler", one);
  EXPECT_EQ(x, decompress_file(dir / "a.baler", two));
  EXPECT_EQ(count_violations(d, x, {1e-3, 0, true, false}), 0u);
}

TEST(FieldModel, WholeFieldConv3dSample) {
  const Model m = conv3d_model(8, 8, 8, 6, 7);
  TempDir dir;
  const Dataset d = patterned_field(m, {8, 8, 8}, DType::F32, 0.02, 8);  // the whole field is one sample
  CompressOptions o;
  o.model = &m;
  o.external_model = true;  // a model this size would not pay for 512 values
  o.bound = {BoundKind::Rel, 1e-3};
  const auto s = compress_dataset(d, dir / "r.baler", o);
  EXPECT_NE(s.columns[0].methods.find("quant(model)"), std::string::npos) << s.columns[0].methods;
  DecompressOptions with_model;
  with_model.model = &m;
  EXPECT_EQ(count_violations(d, decompress_file(dir / "r.baler", with_model), {1e-3, 0, true, false}), 0u);
  o.bound = {BoundKind::None, 0};
  compress_dataset(d, dir / "n.baler", o);
  DecompressOptions two = with_model;
  two.threads = 2;
  EXPECT_EQ(decompress_file(dir / "n.baler", with_model), decompress_file(dir / "n.baler", two));
}

TEST(FieldModel, ChunkRowsRoundedToWholeSamples) {
  const Model m = conv3d_model(8, 8, 8, 6, 7);  // one sample = 8 frames
  TempDir dir;
  const Dataset d = patterned_field(m, {24, 8, 8}, DType::F32, 0.02, 8);
  CompressOptions o;
  o.model = &m;
  o.external_model = true;
  o.bound = {BoundKind::Rel, 1e-3};
  DecompressOptions with_model;
  with_model.model = &m;
  for (std::int64_t rows : {3, 12, 17}) {  // -> 8, 8, 16 frames a chunk
    o.chunk_rows = rows;
    const auto s = compress_dataset(d, dir / "c.baler", o);
    EXPECT_EQ(s.chunks, rows == 17 ? 2u : 3u) << rows;
    EXPECT_NE(s.columns[0].methods.find("quant(model)"), std::string::npos) << s.columns[0].methods;
    EXPECT_EQ(count_violations(d, decompress_file(dir / "c.baler", with_model), {1e-3, 0, true, false}), 0u);
  }
}

TEST(FieldModel, DenseModelOnFrames) {
  Model m = dense_model(144, 6, 9);
  field_preprocessing(m);
  const Dataset d = patterned_field(m, {40, 12, 12}, DType::F64, 0.02, 10);
  TempDir dir;
  CompressOptions o;
  o.model = &m;
  o.external_model = true;
  o.bound = {BoundKind::Abs, 0.01};
  const auto s = compress_dataset(d, dir / "d.baler", o);
  EXPECT_EQ(s.model_storage, "external");
  DecompressOptions opt;
  opt.model = &m;
  EXPECT_EQ(count_violations(d, decompress_file(dir / "d.baler", opt), {0, 0.01, true, false}), 0u);
}

TEST(FieldModel, ModelsThatDoNotFitAreRefused) {
  const Model m = conv2d_model(12, 12, 8, 1, 0.01f);
  TempDir dir;
  CompressOptions o;
  o.model = &m;
  std::string msg;
  Dataset d = patterned_field(conv2d_model(10, 10, 8, 1, 0.01f), {5, 10, 10}, DType::F64, 0.01, 1);
  EXPECT_EQ(code_of([&] { compress_dataset(d, dir / "x.baler", o); }, &msg), ErrorCode::ModelMismatch);
  EXPECT_NE(msg.find("(1, 12, 12)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(5, 10, 10)"), std::string::npos) << msg;
  d.field = Array(DType::F64, {4, 16, 9});  // 144 values a frame but not 12×12
  EXPECT_EQ(code_of([&] { compress_dataset(d, dir / "x.baler", o); }, &msg), ErrorCode::ModelMismatch);
  EXPECT_NE(msg.find("(1, 16, 9)"), std::string::npos) << msg;
  Model table_model = m;
  table_model.feature_names = {"a", "b"};
  d.field = Array(DType::F64, {4, 12, 12});
  o.model = &table_model;
  EXPECT_EQ(code_of([&] { compress_dataset(d, dir / "x.baler", o); }, &msg), ErrorCode::ModelMismatch);
  Model broken = m;
  broken.decoder[3].weight = Array(DType::F32, {3, 4, 3, 3});  // ConvTranspose2d takes 3 channels, gets 4
  o.model = &broken;
  EXPECT_EQ(code_of([&] { compress_dataset(d, dir / "x.baler", o); }, &msg), ErrorCode::Malformed);
  EXPECT_NE(msg.find("decoder layer 3"), std::string::npos) << msg;
}

TEST(FieldModel, DecoderTooCostlyForAChunkIsRefused) {
  // 2^20 frames in one chunk (as a hostile container may declare) × ~3·10^5 multiply-adds each.
  Model m = conv2d_model(64, 64, 8, 1, 0.01f);
  codec::Schema s;
  s.kind = DataKind::Field;
  s.rows = s.chunk_rows = std::uint64_t{1} << 20;
  s.field_shape = {1 << 20, 64, 64};
  s.columns.push_back({"data", DType::F32, {}, 0, false, false});
  std::string msg;
  EXPECT_EQ(code_of([&] { codec::make_predictor(m, s, false, "container"); }, &msg), ErrorCode::Limit);
  EXPECT_NE(msg.find("2^38"), std::string::npos) << msg;
  s.chunk_rows = 1000;
  EXPECT_NO_THROW(codec::make_predictor(m, s, false, "container"));
}

// What a hostile container's MODEL_META may declare (well-formed bytes, absurd layers): each
// is stored and read back as it is, then refused when the decoder is mapped, never run.
TEST(FieldModel, HostileConvLayersAreRefusedBeforeRunning) {
  const Model good = conv2d_model(12, 12, 8, 2, 0.01f);
  codec::Schema s;
  s.kind = DataKind::Field;
  s.rows = s.chunk_rows = 10;
  s.field_shape = {10, 12, 12};
  s.columns.push_back({"data", DType::F32, {}, 0, false, false});
  ASSERT_NO_THROW(codec::make_predictor(good, s, false, "c"));
  // decoder: 0 Linear, 1 LeakyReLU, 2 Unflatten, 3 ConvTranspose2d, 4 LeakyReLU, 5 Conv2d
  const std::vector<std::pair<std::string, std::function<void(Model&)>>> damage{
      {"stride 0", [](Model& m) { m.decoder[3].params[0] = 0; }},
      {"negative stride", [](Model& m) { m.decoder[5].params[1] = -3; }},
      {"negative padding", [](Model& m) { m.decoder[5].params[2] = -1; }},
      {"huge padding", [](Model& m) { m.decoder[5].params[2] = std::int64_t{1} << 40; }},
      {"output padding ≥ stride", [](Model& m) { m.decoder[3].params[4] = 2; }},
      {"missing params", [](Model& m) { m.decoder[3].params.resize(4); }},
      {"weight of 3 dims", [](Model& m) { m.decoder[5].weight.shape = {1, 4, 9}; }},
      {"bias of the wrong size", [](Model& m) { m.decoder[5].bias = Array(DType::F32, {3}); }},
      {"unflatten to another count", [](Model& m) { m.decoder[2].params = {4, 6, 7}; }},
      {"unflatten to a huge shape", [](Model& m) { m.decoder[2].params = {1 << 30, 1 << 30, 4}; }},
      {"conv on a flat sample", [](Model& m) { m.decoder.erase(m.decoder.begin() + 2); }},
      {"output not a frame", [](Model& m) { m.decoder[5].params = {2, 2, 1, 1}; }},
      {"latent shape of 0", [](Model& m) { m.latent_shape = {0}; }},
  };
  TempDir dir;
  for (const auto& [what, f] : damage) {
    Model m = good;
    f(m);
    try {
      save_model_file(dir / "m.balermodel", m);
      const Model back = load_model_file(dir / "m.balermodel");
      const auto code = code_of([&] { codec::make_predictor(back, s, false, "c"); });
      EXPECT_TRUE(code == ErrorCode::Malformed || code == ErrorCode::Limit || code == ErrorCode::Unsupported)
          << what << ": code " << static_cast<int>(code);
    } catch (const Error& e) {  // refused by the model file reader already: as good
      EXPECT_NE(e.code(), ErrorCode::Internal) << what << ": " << e.what();
    }
  }
}

TEST(FieldModel, DamagedContainerWithConvModelIsRefused) {
  const Model m = invertible_conv2d_model(12, 12, 4, 11);
  const Dataset d = decoded_field(m, 100, DType::F32, 0.001, 12);
  TempDir dir;
  CompressOptions o;
  o.model = &m;
  o.weight_precision = "f16";
  o.chunk_rows = 10;
  const auto s = compress_dataset(d, dir / "c.baler", o);
  ASSERT_EQ(s.model_storage, "embedded(f16)");
  const auto bytes = read_file_bytes(dir / "c.baler");
  EXPECT_EQ(count_violations(d, decompress_memory(bytes, "c"), {1e-3, 0, true, false}), 0u);
  const std::size_t n = bytes.size();
  for (std::size_t cut = 0; cut < n; cut += 1 + n / 150) {
    std::vector<std::byte> t(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_THROW(decompress_memory(t, "cut"), Error) << cut;
  }
  // A flipped bit is refused (checksums), unless decompress never reads that byte (STATS):
  // then the data come out unchanged. Never different data.
  const Dataset good = decompress_memory(bytes, "c");
  std::size_t refused = 0, tried = 0;
  for (std::size_t pos = 0; pos < n; pos += 1 + n / 300, ++tried) {
    auto f = bytes;
    f[pos] ^= std::byte{static_cast<unsigned char>(1u << (pos % 8))};
    try {
      EXPECT_EQ(decompress_memory(f, "flip"), good) << pos;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, tried * 9 / 10);
}

}  // namespace
}  // namespace baler::test
