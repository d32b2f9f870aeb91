// The conditional table model: deterministic math pinned bit for bit, relations as FORMAT.md §3
// writes them, learning on the shared data (relations found from values, never names), round
// trips within the bounds at any thread count, external models by hash, hostile model bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "baler/io.hpp"
#include "baler/table_model.hpp"
#include "codec_test_util.hpp"
#include "det_math.hpp"
#include "table_predict.hpp"

namespace baler::test {
namespace {

using codec::det_asinh;
using codec::det_atan2;
using codec::det_log;

std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}

// Golden vectors: the bits these functions give must never change (the decoder's predictions,
// and so every container's values, depend on them). Each value also agrees with libm to ~1e-15.
TEST(DetMath, LogAsinhAtan2GiveTheFrozenBits) {
  const struct {
    double x;
    std::uint64_t want;
  } logs[] = {
      {0x1.56e1fc2f8f359p-997, 0xc085963447f87fb5ull},
      {0x1.b7cdfd9d7bdbbp-34, 0xc037069e2aa2aa5bull},
      {0x1.999999999999ap-4, 0xc0026bb1bbb55515ull},
      {0x1p-1, 0xbfe62e42fefa39efull},
      {0x1.6a09e667f3bcdp-1, 0xbfd62e42fefa39eeull},
      {0x1p+0, 0x0000000000000000ull},
      {0x1.8p+0, 0x3fd9f323ecbf984cull},
      {0x1p+1, 0x3fe62e42fefa39efull},
      {0x1.921f9f01b866ep+1, 0x3ff250cf662abf9aull},
      {0x1.4p+3, 0x40026bb1bbb55516ull},
      {0x1.e240c9fbe76c9p+16, 0x40277281cad8a844ull},
      {0x1.7e43c8800759cp+996, 0x4085963447f87fb5ull},
  }, asinhs[] = {
      {-0x1.2a05f2p+33, 0xc037b810429a7c2aull},
      {-0x1.cp+1, 0xbfff73974f2d01d6ull},
      {-0x1p+0, 0xbfec34366179d426ull},
      {-0x1.3333333333333p-2, 0xbfd2ec4ea565fcc3ull},
      {-0x1.999999999999ap-5, 0xbfa996df55a826bcull},
      {-0x1.5798ee2308c3ap-27, 0xbe45798ee2308c3aull},
      {0x0p+0, 0x0000000000000000ull},
      {0x1.5798ee2308c3ap-27, 0x3e45798ee2308c3aull},
      {0x1.999999999999ap-4, 0x3fb98eb9e7e5fc3full},
      {0x1.999999999999ap-3, 0x3fc96ead72fe8b34ull},
      {0x1p-1, 0x3fdecc2caec5160aull},
      {0x1p+0, 0x3fec34366179d426ull},
      {0x1.4p+1, 0x3ffa5b0f0be9dcf6ull},
      {0x1.e848p+19, 0x402d046ec97fa3ccull},
  };
  // Frozen bits, and agreement with libm within `rel` × max(floor, |libm|).
  auto check = [](const auto& cases, double (*det)(double), double (*libm)(double), double rel, double floor) {
    for (const auto& c : cases) {
      EXPECT_EQ(bits(det(c.x)), c.want) << c.x;
      EXPECT_NEAR(det(c.x), libm(c.x), rel * std::max(floor, std::fabs(libm(c.x)))) << c.x;
    }
  };
  check(logs, det_log, [](double x) { return std::log(x); }, 1e-15, 1.0);
  check(asinhs, det_asinh, [](double x) { return std::asinh(x); }, 2e-15, 1e-8);
  const struct {
    double y, x;
    std::uint64_t want;
  } atans[] = {
      {0x0p+0, 0x1p+0, 0x0000000000000000ull},
      {0x1p+0, 0x0p+0, 0x3ff921fb54442d18ull},
      {-0x1p+0, 0x0p+0, 0xbff921fb54442d18ull},
      {0x1p+0, 0x1p+0, 0x3fe921fb54442d19ull},
      {0x1p+0, -0x1p+0, 0x4002d97c7f3321d2ull},
      {-0x1p+0, -0x1p+0, 0xc002d97c7f3321d2ull},
      {-0x1p+1, 0x1.0624dd2f1a9fcp-10, 0xbff91fef0a8cabe5ull},
      {0x1.3333333333333p-2, -0x1.4p+5, 0x4009129f3e2e175full},
      {-0x0p+0, -0x1p+0, 0xc00921fb54442d18ull},
      {0x1.18p+4, 0x1.ap+1, 0x3ff631dd5d68c6afull},
      {-0x1.12e0be826d695p-30, 0x1.4p+2, 0xbdeb7cdfd9d7bdbbull},
  };
  for (const auto& c : atans) {
    EXPECT_EQ(bits(det_atan2(c.y, c.x)), c.want) << c.y << ", " << c.x;
    EXPECT_NEAR(det_atan2(c.y, c.x), std::atan2(c.y, c.x), 1e-15) << c.y << ", " << c.x;
  }
}

TEST(DetMath, SpecialValues) {
  EXPECT_TRUE(std::isnan(det_log(-1.0)));
  EXPECT_TRUE(std::isnan(det_log(NAN)));
  EXPECT_EQ(det_log(0.0), -HUGE_VAL);
  EXPECT_EQ(det_log(HUGE_VAL), HUGE_VAL);
  EXPECT_EQ(det_asinh(-HUGE_VAL), -HUGE_VAL);
  EXPECT_TRUE(std::isnan(det_atan2(HUGE_VAL, HUGE_VAL)));
  EXPECT_EQ(det_atan2(0.0, 0.0), 0.0);
  EXPECT_NEAR(det_atan2(1.0, -HUGE_VAL), 3.141592653589793, 1e-15);
}

// Each kind computes exactly what FORMAT.md §3 writes (here on values where that is exact).
TEST(TableModel, RelationsComputeTheDocumentedFormulas) {
  const double a[] = {3, 0, -5, NAN}, b[] = {4, 2, 12, 1}, c[] = {0, 2, 0, 0};
  auto run = [&](ColumnRelation r, std::vector<const double*> in) {
    std::vector<double> out(4);
    codec::predict_relation(r, in, 4, out.data());
    return out;
  };
  auto h = run({RelationKind::Hypot, {0, 1}, {1.0, 2.0}}, {a, b});
  EXPECT_EQ(h[0], 11.0);  // 1 + 2·5
  EXPECT_EQ(h[1], 5.0);
  EXPECT_EQ(h[2], 27.0);
  EXPECT_EQ(h[3], 0.0);  // not finite -> 0
  auto e = run({RelationKind::Energy, {0, 1, 2}, {0.0, 1.0, 0.0}}, {a, b, c});
  EXPECT_EQ(e[0], 5.0);
  EXPECT_EQ(e[1], std::sqrt(8.0));
  auto l = run({RelationKind::Linear, {0, 1}, {0.5, 2.0, -1.0}}, {a, b});
  EXPECT_EQ(l[0], 0.5 + 6.0 - 4.0);
  const double e1[] = {10, 0, 0, 0}, x1[] = {0, 0, 0, 0}, y1[] = {0, 0, 0, 0}, z1[] = {6, 0, 0, 0};
  const double e2[] = {10, 0, 0, 0}, x2[] = {0, 0, 0, 0}, y2[] = {0, 0, 0, 0}, z2[] = {-6, 0, 0, 0};
  auto m = run({RelationKind::PairMass, {0, 1, 2, 3, 4, 5, 6, 7}, {0.0, 1.0}}, {e1, x1, y1, z1, e2, x2, y2, z2});
  EXPECT_EQ(m[0], 20.0);
  auto at = run({RelationKind::Atan2, {0, 1}, {0.0, 1.0}}, {b, a});  // atan2(a, b)
  EXPECT_EQ(at[0], det_atan2(3, 4));
  // Mlp, h = 2 units on k = 1 input: params w0, b0, w1, b1, v0, v1, c.
  auto mlp = run({RelationKind::Mlp, {0}, {1.0, -1.0, -2.0, 0.5, 3.0, 0.25, 0.5}}, {a});
  EXPECT_EQ(mlp[0], 0.5 + 3.0 * 2.0 + 0.25 * 0.0);  // z0 = 3 − 1, z1 = −6 + 0.5 -> 0
  EXPECT_EQ(mlp[2], 0.5 + 3.0 * 0.0 + 0.25 * 10.5);
  const double rec[] = {2.0, 4.0};
  const std::vector<double> ar{1.0, 0.5, 0.25};
  EXPECT_EQ(codec::autoreg_predict(ar, rec, 0), 1.0);
  EXPECT_EQ(codec::autoreg_predict(ar, rec, 1), 1.0 + 0.5 * 1.0);
  EXPECT_EQ(codec::autoreg_predict(ar, rec, 2), (1.0 + 0.5 * 3.0) + 0.25 * 1.0);
}

Dataset zmumu() { return read_dataset(parse_data_spec(data_file("root/Zmumu_events_flat.npy").string()), {}); }

TableModel learn(const Dataset& d, const CompressOptions& o, int threads = 1) {
  MemorySource src(d);
  LearnOptions lo;
  lo.threads = threads;
  return learn_table_model(src, o, lo);
}

std::size_t col(const TableModel& m, const std::string& name) {
  for (std::size_t j = 0; j < m.names.size(); ++j)
    if (m.names[j] == name) return j;
  ADD_FAILURE() << name;
  return 0;
}

std::string name_of(const TableModel& m, std::size_t k) { return m.names[k]; }

// On the Zmumu muon table the learner finds the kinematic relations from the values alone:
// pt from (px, py) by hypot, phi by atan2 of the same pair; and it never depends on threads.
TEST(TableModel, LearnsKinematicRelationsFromValues) {
  const Dataset d = zmumu();
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  const TableModel m = learn(d, o);
  const auto& pt = m.relations[col(m, "pt1")];
  ASSERT_EQ(pt.kind, RelationKind::Hypot) << describe_relation(m, col(m, "pt1"));
  std::set<std::string> in{name_of(m, pt.inputs[0]), name_of(m, pt.inputs[1])};
  EXPECT_EQ(in, (std::set<std::string>{"px1", "py1"}));
  const auto& phi = m.relations[col(m, "phi2")];
  ASSERT_EQ(phi.kind, RelationKind::Atan2) << describe_relation(m, col(m, "phi2"));
  EXPECT_EQ(name_of(m, phi.inputs[0]), "px2");
  EXPECT_EQ(name_of(m, phi.inputs[1]), "py2");
  for (auto j : {col(m, "Run"), col(m, "Event"), col(m, "Q1")})  // exact columns: inputs only
    EXPECT_EQ(m.relations[j].kind, RelationKind::None);
  EXPECT_EQ(learn(d, o, 2), m);
  // Renamed columns: the same model up to the names.
  Dataset r = d;
  for (std::size_t j = 0; j < r.columns.size(); ++j) r.columns[j].name = "c" + std::to_string((j * 7) % 19) + "_x";
  TableModel mr = learn(r, o);
  mr.names = m.names;
  EXPECT_EQ(mr, m);
}

// Round trip: every bound holds, the file is smaller than the plain codec's, and the bytes are
// the same at 1, 2 and 3 threads (compress and decompress).
TEST(TableModel, RoundTripHoldsBoundsAtAnyThreadCount) {
  TempDir dir;
  const Dataset d = zmumu();
  for (double rel : {1e-2, 1e-4}) {
    CompressOptions o;
    o.bound = {BoundKind::Rel, rel};
    o.chunk_rows = 1000;  // three chunks
    compress_dataset(d, dir / "plain.baler", o);
    o.learn = true;
    std::vector<std::byte> first;
    for (int t : {1, 2, 3}) {
      o.threads = t;
      const auto s = compress_dataset(d, dir / "m.baler", o);
      EXPECT_EQ(s.model_kind, "table model");
      const auto bytes = read_file_bytes(dir / "m.baler");
      if (first.empty()) first = bytes;
      EXPECT_EQ(bytes, first) << t << " threads";
    }
    EXPECT_LT(std::filesystem::file_size(dir / "m.baler"), std::filesystem::file_size(dir / "plain.baler") * 3 / 4);
    const auto rep = verify_container(dir / "m.baler", d);
    EXPECT_EQ(rep.violations, 0u);
    DecompressOptions one, two;
    two.threads = 2;
    EXPECT_EQ(decompress_file(dir / "m.baler", one), decompress_file(dir / "m.baler", two));
    // Rows from the middle decode alone.
    DecompressOptions part;
    part.row_begin = 1500;
    part.row_end = 1600;
    const Dataset p = decompress_file(dir / "m.baler", part);
    EXPECT_EQ(p.rows(), 100u);
    const Dataset all = decompress_file(dir / "m.baler");
    EXPECT_EQ(std::memcmp(p.columns[5].values.bytes.data(), all.columns[5].values.bytes.data() + 1500 * 8, 800), 0);
  }
}

// Non-finite inputs and a series whose row order carries information (autoregression).
TEST(TableModel, NonFiniteValuesAndAutoregression) {
  TempDir dir;
  const std::int64_t n = 4000;
  Dataset d;
  d.columns = {{"a", Array(DType::F64, {n})}, {"b", Array(DType::F64, {n})}, {"h", Array(DType::F32, {n})},
               {"walk", Array(DType::F64, {n})}};
  auto g = rng(3);
  std::normal_distribution<double> nd(0, 10);
  double w = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = nd(g), b = nd(g);
    w += nd(g) * 0.1;
    d.columns[0].values.as<double>()[i] = i % 97 == 5 ? NAN : a;
    d.columns[1].values.as<double>()[i] = i % 101 == 7 ? INFINITY : b;
    d.columns[2].values.as<float>()[i] = static_cast<float>(std::sqrt(a * a + b * b));
    d.columns[3].values.as<double>()[i] = w;
  }
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-4};
  const TableModel m = learn(d, o);
  EXPECT_EQ(m.relations[2].kind, RelationKind::Hypot) << describe_relation(m, 2);
  EXPECT_EQ(m.relations[3].kind, RelationKind::AutoReg) << describe_relation(m, 3);
  o.table_model = &m;
  const auto s = compress_dataset(d, dir / "m.baler", o);
  EXPECT_NE(s.columns[3].methods.find("autoreg"), std::string::npos) << s.columns[3].methods;
  EXPECT_EQ(verify_container(dir / "m.baler", d).violations, 0u);
  const Dataset back = decompress_file(dir / "m.baler");
  EXPECT_TRUE(std::isnan(back.columns[0].values.as<double>()[5]));
  EXPECT_EQ(back.columns[1].values.as<double>()[7], INFINITY);
}

// A dependence none of the closed forms or a linear map can follow (y = |a|) is learned by the
// small MLP, and coded within its bound.
TEST(TableModel, MlpLearnsANonlinearDependence) {
  TempDir dir;
  const std::int64_t n = 6000;
  Dataset d;
  d.columns = {{"a", Array(DType::F64, {n})}, {"b", Array(DType::F64, {n})}, {"y", Array(DType::F64, {n})}};
  auto g = rng(9);
  std::normal_distribution<double> nd(0, 10);
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = nd(g);
    d.columns[0].values.as<double>()[i] = a;
    d.columns[1].values.as<double>()[i] = nd(g);
    d.columns[2].values.as<double>()[i] = std::fabs(a);
  }
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-2};
  o.detect_integers = false;
  const TableModel m = learn(d, o);
  EXPECT_EQ(m.relations[2].kind, RelationKind::Mlp) << describe_relation(m, 2);
  EXPECT_EQ(decode_table_model(encode_table_model(m), "t"), m);
  o.table_model = &m;
  const auto s = compress_dataset(d, dir / "m.baler", o);
  EXPECT_GT(s.columns[2].model_saved, 0) << s.columns[2].methods;
  EXPECT_EQ(verify_container(dir / "m.baler", d).violations, 0u);
}

Dataset rows_of(const Dataset& d, std::size_t a, std::size_t b) {
  Dataset out = d;
  for (auto& c : out.columns) {
    const std::size_t es = dtype_size(c.values.dtype);
    c.values.bytes.assign(c.values.bytes.begin() + a * es, c.values.bytes.begin() + b * es);
    c.values.shape = {static_cast<std::int64_t>(b - a)};
  }
  return out;
}

// A model derived on one file compresses another of the same schema, referenced by hash; the
// decoder needs that very model; a schema that lacks a column is refused naming it.
TEST(TableModel, ExternalModelByHashAndSchemaMismatch) {
  TempDir dir;
  const Dataset d = zmumu();
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  const TableModel m = learn(rows_of(d, 0, 1200), o);
  save_table_model_file(dir / "m.balermodel", m);
  const TableModel loaded = load_table_model_file(dir / "m.balermodel");
  ASSERT_EQ(loaded, m);
  EXPECT_TRUE(is_table_model_file(dir / "m.balermodel"));
  std::string msg;
  EXPECT_EQ(code_of([&] { load_model_file(dir / "m.balermodel"); }, &msg), ErrorCode::ModelMismatch) << msg;

  const Dataset other = rows_of(d, 1200, 2304);
  o.table_model = &loaded;
  o.external_model = true;
  const auto s = compress_dataset(other, dir / "x.baler", o);
  EXPECT_EQ(s.model_storage, "external table model");
  EXPECT_EQ(s.model_bytes, 0u);
  EXPECT_EQ(code_of([&] { decompress_file(dir / "x.baler"); }, &msg), ErrorCode::ModelMismatch);
  EXPECT_NE(msg.find("--model"), std::string::npos) << msg;
  DecompressOptions with;
  with.table_model = &loaded;
  EXPECT_EQ(verify_container(dir / "x.baler", other, with).violations, 0u);
  TableModel wrong = loaded;
  wrong.relations[col(wrong, "pt1")].params[0] += 1;
  with.table_model = &wrong;
  EXPECT_EQ(code_of([&] { decompress_file(dir / "x.baler", with); }, &msg), ErrorCode::ModelMismatch) << msg;

  Dataset missing = other;
  missing.columns.erase(missing.columns.begin() + 3);  // px1
  EXPECT_EQ(code_of([&] { compress_dataset(missing, dir / "y.baler", o); }, &msg), ErrorCode::ModelMismatch);
  EXPECT_NE(msg.find("'px1'"), std::string::npos) << msg;
  EXPECT_FALSE(std::filesystem::exists(dir / "y.baler"));
  Dataset retyped = other;
  retyped.columns[4].values = Array(DType::F32, {static_cast<std::int64_t>(other.rows())});
  EXPECT_EQ(code_of([&] { compress_dataset(retyped, dir / "y.baler", o); }, &msg), ErrorCode::ModelMismatch);
  EXPECT_NE(msg.find("py1"), std::string::npos) << msg;
}

TableModel small_model() {
  TableModel m;
  m.names = {"x", "y", "r"};
  m.dtypes = {DType::F64, DType::F64, DType::F64};
  m.relations = {{}, {RelationKind::AutoReg, {}, {0.0, 0.5}}, {RelationKind::Hypot, {0, 1}, {0.0, 1.0}}};
  m.order = {0, 1, 2};
  return m;
}

// Hostile model bytes: every malformation is refused with a clear error, none is run.
TEST(TableModel, HostileModelBytesAreRefused) {
  const TableModel good = small_model();
  EXPECT_EQ(decode_table_model(encode_table_model(good), "t"), good);
  auto refused = [](const TableModel& m, const std::string& text) {
    std::string msg;
    EXPECT_EQ(code_of([&] { check_table_model(m, "t"); }, &msg), ErrorCode::Malformed) << text;
    EXPECT_NE(msg.find(text), std::string::npos) << msg;
  };
  TableModel m = good;
  m.relations[2].inputs = {0, 7};
  refused(m, "out of range");
  m = good;
  m.relations[2].inputs = {0, 2};
  refused(m, "out of range or the column itself");
  m = good;
  m.relations[2].inputs = {0};
  refused(m, "with 1 inputs");
  m = good;
  m.relations[1].params = {0.0, 1, 2, 3, 4, 5};
  refused(m, "parameters");
  m = good;
  m.relations[2].params[1] = NAN;
  refused(m, "not finite");
  m = good;
  m.relations[0] = {RelationKind::Linear, {2}, {0.0, 1.0}};  // x from r, r from x: a cycle
  refused(m, "cycle");
  m = good;
  m.order = {0, 0, 2};
  refused(m, "permutation");
  m = good;
  m.relations[1].kind = static_cast<RelationKind>(200);
  refused(m, "unknown relation kind");

  // The same at the byte level: kinds, counts, indices, orders, truncation, trailing bytes.
  const auto bytes = encode_table_model(good);
  auto bad = [&](std::vector<std::byte> b) {
    std::string msg;
    const auto c = code_of([&] { decode_table_model(b, "t"); }, &msg);
    EXPECT_TRUE(c == ErrorCode::Malformed || c == ErrorCode::Limit) << static_cast<int>(c) << " " << msg;
  };
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) bad({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)});
  auto extra = bytes;
  extra.push_back(std::byte{0});
  bad(extra);
  auto flags = bytes;
  flags[0] = std::byte{0x80};
  bad(flags);
  // Flip every byte in turn: decoding either refuses or yields a model that passes its checks.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto f = bytes;
    f[i] ^= std::byte{0x5a};
    try {
      check_table_model(decode_table_model(f, "t"), "t");
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::Malformed || e.code() == ErrorCode::Limit) << e.what();
    }
  }
}

// A container whose TABLE_MODEL section holds a model with a cycle is refused when opened,
// before any chunk is decoded (section checksums recomputed, so only the parser can refuse).
TEST(TableModel, ContainerWithHostileModelRefusedAtOpen) {
  TempDir dir;
  const Dataset d = zmumu();
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-2};
  o.learn = true;
  compress_dataset(d, dir / "m.baler", o);
  container::ContainerReader r(dir / "m.baler");
  const int ti = r.find(container::SectionId::TableModel);
  ASSERT_GE(ti, 0);
  auto rebuild = [&](std::vector<std::byte> payload) {
    std::vector<std::pair<container::SectionEntry, std::vector<std::byte>>> secs;
    for (std::size_t i = 0; i < r.entries().size(); ++i)
      secs.push_back({r.entries()[i], static_cast<int>(i) == ti ? payload : r.section(i)});
    return container::build_container(container::FileKind::Data, secs);
  };
  // A model embedded without names (flags 0) for the 19 columns: `rel` gives the bytes of the
  // first two columns' relations, every other column is plain (kind 0).
  auto model_bytes = [](std::vector<std::uint8_t> rel) {
    ByteWriter w;
    w.le<std::uint8_t>(0);
    w.le<std::uint8_t>(19);
    for (auto b : rel) w.le<std::uint8_t>(b);
    for (int j = 2; j < 19; ++j) w.le<std::uint8_t>(0);
    ByteWriter sec;
    sec.le<std::uint8_t>(0);
    sec.le<std::uint64_t>(0);
    sec.append(w.buffer());
    return std::move(sec.buffer());
  };
  std::vector<std::uint8_t> one{0, 0, 0, 0, 0, 0, 0, 0};  // Linear params: 0.0 as 8 bytes
  auto linear_on = [&](std::uint8_t input) {
    std::vector<std::uint8_t> b{1, 1, input, 2};
    for (int k = 0; k < 2; ++k) b.insert(b.end(), one.begin(), one.end());
    return b;
  };
  struct Case {
    const char* what;
    std::vector<std::uint8_t> rel;
    const char* text;
  };
  std::vector<Case> cases;
  {
    auto a = linear_on(1), b = linear_on(0);  // column 0 from 1, column 1 from 0
    a.insert(a.end(), b.begin(), b.end());
    cases.push_back({"cycle", a, "cycle"});
    auto c = linear_on(40);
    c.push_back(0);
    cases.push_back({"out of range", c, "out of range"});
    cases.push_back({"unknown kind", {99, 0}, "unknown relation kind"});
    auto d2 = linear_on(1);
    d2[1] = 3;  // three inputs announced, one given
    d2.push_back(0);
    cases.push_back({"short", d2, ""});
  }
  for (const auto& c : cases) {
    const auto bytes = rebuild(model_bytes(c.rel));
    std::string msg;
    const auto code = code_of([&] { decompress_memory(bytes, "hostile"); }, &msg);
    EXPECT_TRUE(code == ErrorCode::Malformed || code == ErrorCode::Limit) << c.what << ": " << msg;
    EXPECT_NE(msg.find(c.text), std::string::npos) << c.what << ": " << msg;
  }
}

// The command line: compress --learn names the relations, info shows the model and its gains.
TEST(TableModel, CliLearnInfoAndVerify) {
  TempDir dir;
  const std::string in = data_file("root/Zmumu_events_flat.npy").string();
  auto sh = [&](const std::string& args) {
    return std::system((baler_bin() + " " + args + " > " + (dir / "log").string() + " 2>&1").c_str());
  };
  ASSERT_EQ(sh("compress " + in + " -o " + (dir / "l.baler").string() + " -e rel=1e-3 --learn"), 0) << slurp(dir / "log");
  const std::string log = slurp(dir / "log");
  EXPECT_NE(log.find("embedded table model"), std::string::npos) << log;
  EXPECT_NE(log.find("hypot(px1, py1)"), std::string::npos) << log;
  ASSERT_EQ(sh("info " + (dir / "l.baler").string()), 0);
  const std::string info = slurp(dir / "log");
  EXPECT_NE(info.find("TABLE_MODEL"), std::string::npos) << info;
  EXPECT_NE(info.find("saved"), std::string::npos) << info;
  ASSERT_EQ(sh("verify " + (dir / "l.baler").string() + " " + in), 0) << slurp(dir / "log");
}

}  // namespace
}  // namespace baler::test
