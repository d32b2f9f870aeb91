// Frozen containers of each released format version (tests/golden/) must keep decoding to
// the same bytes. BALER_WRITE_GOLDEN=1 regenerates them (only when a new version is released).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "baler/codec.hpp"
#include "baler/atomic_file.hpp"
#include "baler/container.hpp"
#include "codec_test_util.hpp"

namespace baler::test {
namespace {

const std::filesystem::path kGolden = BALER_GOLDEN_DIR;

// A generator whose output is fixed by this code alone (std:: distributions are not).
struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1)
};

Dataset golden_table() {
  SplitMix g{42};
  const std::int64_t n = 200;
  Dataset d;
  d.columns = {{"energy", Array(DType::F64, {n})}, {"eta", Array(DType::F32, {n})},
               {"charge", Array(DType::F64, {n})}, {"hits", Array(DType::I32, {n})},
               {"odd", Array(DType::F64, {n})}};
  for (std::int64_t i = 0; i < n; ++i) {
    d.columns[0].values.as<double>()[i] = 1000 * g.uniform() * g.uniform();
    d.columns[1].values.as<float>()[i] = static_cast<float>(5 * g.uniform() - 2.5);
    d.columns[2].values.as<double>()[i] = g.uniform() < 0.5 ? -1.0 : 1.0;
    d.columns[3].values.as<std::int32_t>()[i] = static_cast<std::int32_t>(g.next() % 40);
    d.columns[4].values.as<double>()[i] = i % 17 == 3 ? NAN : (i % 29 == 5 ? -INFINITY : std::sin(0.1 * i));
  }
  return d;
}

Dataset golden_field() {
  Dataset f;
  f.kind = DataKind::Field;
  f.field = Array(DType::F64, {3, 16, 16});
  auto v = f.field.as<double>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.3 * (i % 16)) * std::cos(0.2 * (i / 16));
  return f;
}

// A tanh decoder with weights from SplitMix; column "odd" is predicted only (bound none).
Model golden_model() {
  SplitMix g{7};
  Model m = dense_model(2, 1, 1, LayerKind::Tanh);
  for (auto* layers : {&m.encoder, &m.decoder})
    for (auto& l : *layers)
      for (auto* a : {&l.weight, &l.bias})
        if (!a->bytes.empty())
          for (auto& w : a->as<float>()) w = static_cast<float>(g.uniform() - 0.5);
  m.feature_names = {"energy", "eta"};
  return m;
}

std::uint64_t hash_of(const Dataset& d) {
  std::vector<std::byte> all;
  if (d.kind == DataKind::Field) all = d.field.bytes;
  for (const auto& c : d.columns) all.insert(all.end(), c.values.bytes.begin(), c.values.bytes.end());
  return container::xxh64(all);
}

struct GoldenCase {
  const char* file;
  std::uint64_t hash;  // XXH64 of the decoded bytes, fixed when the file was frozen
};

// Muon-like kinematics with the relations the table model learns (hypot, atan2, energy), a
// random walk (autoregression) and non-finite values.
Dataset golden_relations_table() {
  SplitMix g{11};
  const std::int64_t n = 300;
  Dataset d;
  for (const char* name : {"px", "py", "pz", "pt", "phi", "E", "walk"}) d.columns.push_back({name, Array(DType::F64, {n})});
  d.columns[3].values = Array(DType::F32, {n});
  double w = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double px = 80 * g.uniform() - 40, py = 80 * g.uniform() - 40, pz = 200 * g.uniform() - 100;
    w += g.uniform() - 0.5;
    d.columns[0].values.as<double>()[i] = px;
    d.columns[1].values.as<double>()[i] = py;
    d.columns[2].values.as<double>()[i] = i % 53 == 9 ? NAN : pz;
    d.columns[3].values.as<float>()[i] = static_cast<float>(std::sqrt(px * px + py * py));
    d.columns[4].values.as<double>()[i] = std::atan2(py, px);
    d.columns[5].values.as<double>()[i] = std::sqrt(px * px + py * py + pz * pz + 0.011);
    d.columns[6].values.as<double>()[i] = w;
  }
  return d;
}

// Writes the current version's frozen files (v1.2_*.baler).
void write_golden() {
  const std::string v = "v1.2_";
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  o.chunk_rows = 64;
  o.weight_precision = "f16";
  compress_dataset(golden_table(), kGolden / (v + "table.baler"), o);
  compress_dataset(golden_field(), kGolden / (v + "field.baler"), o);
  const Model m = golden_model();
  o.model = &m;
  o.column_bounds["eta"] = {BoundKind::None, 0};
  compress_dataset(golden_table(), kGolden / (v + "model.baler"), o);
  CompressOptions t;
  t.bound = {BoundKind::Rel, 1e-3};
  t.chunk_rows = 128;
  t.learn = true;
  compress_dataset(golden_relations_table(), kGolden / (v + "tablemodel.baler"), t);
}

// The format version in a container's header (FORMAT.md §1.1).
std::pair<int, int> version_of(const std::filesystem::path& p) {
  const auto b = read_file_bytes(p);
  return {static_cast<int>(b.at(8)) | static_cast<int>(b.at(9)) << 8, static_cast<int>(b.at(10)) | static_cast<int>(b.at(11)) << 8};
}

// Checks one version's frozen files ("v1.0_table.baler", ...): header version, decoded bytes
// at 1 and 2 threads, and the bounds against the regenerated originals.
void check_golden(const std::string& prefix, std::pair<int, int> version, std::uint64_t table, std::uint64_t field,
                  std::uint64_t model) {
  const GoldenCase cases[] = {{"table.baler", table}, {"field.baler", field}, {"model.baler", model}};
  DecompressOptions two;
  two.threads = 2;
  for (const auto& c : cases) {
    const auto file = kGolden / (prefix + c.file);
    EXPECT_EQ(version_of(file), version) << file;
    const Dataset d = decompress_file(file);
    std::printf("%s: decoded hash 0x%016llx\n", file.c_str(), static_cast<unsigned long long>(hash_of(d)));
    EXPECT_EQ(hash_of(d), c.hash) << file;
    EXPECT_EQ(hash_of(decompress_file(file, two)), c.hash) << file;
  }
  EXPECT_EQ(count_violations(golden_table(), decompress_file(kGolden / (prefix + "table.baler")), {1e-3, 0, true, false}), 0u);
  EXPECT_EQ(count_violations(golden_field(), decompress_file(kGolden / (prefix + "field.baler")), {1e-3, 0, true, false}), 0u);
  const Dataset m = decompress_file(kGolden / (prefix + "model.baler"));
  EXPECT_EQ(count_violations(golden_table().columns[0].values, m.columns[0].values, {1e-3, 0, true, false}), 0u);
}

TEST(Golden, FormatV1ContainersDecodeToTheFrozenBytes) {
  if (const char* w = std::getenv("BALER_WRITE_GOLDEN"); w && std::string(w) == "1") write_golden();
  check_golden("v1.0_", {1, 0}, 0xca46de79b5c5310dull, 0x5822e371402a06b1ull, 0xd211e9824817c4d6ull);
}

// Format 1.1 (code streams with a separate extra-bit stream, FORMAT.md §4): the same data, so
// the same decoded bytes as 1.0.
TEST(Golden, FormatV11ContainersDecodeToTheFrozenBytes) {
  check_golden("v1.1_", {1, 1}, 0xca46de79b5c5310dull, 0x5822e371402a06b1ull, 0xd211e9824817c4d6ull);
}

// Format 1.2 (the table model, FORMAT.md §2.9): the same data as 1.0 and 1.1 decode to the same
// bytes, except the autoencoder file: writers since the 1.1 files were frozen choose other
// latent steps (the writer before the table model gives the same file), so it has its own
// frozen hash; a container with an embedded table model keeps its own.
TEST(Golden, FormatV12ContainersDecodeToTheFrozenBytes) {
  check_golden("v1.2_", {1, 2}, 0xca46de79b5c5310dull, 0x5822e371402a06b1ull, 0xb45c3ff36fe82319ull);
  const auto file = kGolden / "v1.2_tablemodel.baler";
  EXPECT_EQ(version_of(file), std::make_pair(1, 2));
  const std::string info = describe_container(file);
  EXPECT_NE(info.find("embedded table model"), std::string::npos) << info;
  EXPECT_NE(info.find("hypot(px, py)"), std::string::npos) << info;
  EXPECT_NE(info.find("autoregression"), std::string::npos) << info;
  DecompressOptions two;
  two.threads = 2;
  const Dataset d = decompress_file(file);
  std::printf("%s: decoded hash 0x%016llx\n", file.c_str(), static_cast<unsigned long long>(hash_of(d)));
  EXPECT_EQ(hash_of(d), 0xe83966156bec57edull);
  EXPECT_EQ(hash_of(decompress_file(file, two)), hash_of(d));
  EXPECT_EQ(verify_container(file, golden_relations_table()).violations, 0u);
  // The model container's `none` column has no absolute bound: shown as '-', never 0.
  const std::string model_info = describe_container(kGolden / "v1.2_model.baler");
  EXPECT_NE(model_info.find("  eta  float32  none  -  "), std::string::npos) << model_info;
}

// A 3-D float32 field of 2^15 values a chunk (2 chunks), enough for token trees (format 1.4):
// smooth waves plus a random walk along the frames, one NaN and one infinity.
Dataset golden_tree_field() {
  SplitMix g{29};
  Dataset f;
  f.kind = DataKind::Field;
  f.field = Array(DType::F32, {64, 32, 32});
  auto v = f.field.as<float>();
  std::vector<double> walk(32 * 32);  // a random walk along the first axis, per (row, column)
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double a = static_cast<double>(i / 1024), b = static_cast<double>(i / 32 % 32), c = static_cast<double>(i % 32);
    walk[i % 1024] += 0.01 * (g.uniform() - 0.5);
    v[i] = static_cast<float>(std::sin(0.11 * a + 0.2 * b) * std::cos(0.17 * c) + walk[i % 1024]);
  }
  v[777] = NAN;
  v[40000] = INFINITY;
  return f;
}

// Format 1.4 (token trees, FORMAT.md §4 modes 4 and 5): a field coded by interpolation (rel
// 1e-2) and by 3-D Lorenzo (rel 1e-5), both in tree modes; BALER_WRITE_GOLDEN=14 rewrites them.
TEST(Golden, FormatV14TreeModeFieldsDecodeToTheFrozenBytes) {
  const std::pair<const char*, double> files[] = {{"v1.4_field_interp.baler", 1e-2}, {"v1.4_field_lorenzo.baler", 1e-5}};
  if (const char* w = std::getenv("BALER_WRITE_GOLDEN"); w && std::string(w) == "14")
    for (const auto& [name, rel] : files) {
      CompressOptions o;
      o.bound = {BoundKind::Rel, rel};
      o.chunk_rows = 32;
      compress_dataset(golden_tree_field(), kGolden / name, o);
    }
  const std::uint64_t hashes[] = {0x9a11452b9f7ce877ull, 0xfb453e92382adc3full};
  const char* methods[] = {"interpolation", "lorenzo3d"};
  DecompressOptions two;
  two.threads = 2;
  for (std::size_t k = 0; k < 2; ++k) {
    const auto file = kGolden / files[k].first;
    EXPECT_EQ(version_of(file), std::make_pair(1, 4)) << file;
    EXPECT_NE(describe_container(file).find(methods[k]), std::string::npos) << file;
    const Dataset d = decompress_file(file);
    std::printf("%s: decoded hash 0x%016llx\n", file.c_str(), static_cast<unsigned long long>(hash_of(d)));
    EXPECT_EQ(hash_of(d), hashes[k]) << file;
    EXPECT_EQ(hash_of(decompress_file(file, two)), hashes[k]) << file;
    EXPECT_EQ(count_violations(golden_tree_field(), d, {files[k].second, 0, true, false}), 0u) << file;
  }
}

}  // namespace
}  // namespace baler::test
