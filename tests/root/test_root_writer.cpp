// ROOT writer: files written by RootFileWriter read back by the project's reader (every dtype,
// arrays, leaf lists, strings, jagged branches, compressions, several trees, TNtuple, 64-bit
// seeks), the uproot HZZ file rewritten value for value, bad specs and uncommitted files.
#include <cstring>
#include <numeric>

#include "root_internal.hpp"
#include "root_test_util.hpp"
#include "root_writer.hpp"

namespace baler::test {
namespace {

using rootio::RootBranchData;
using rootio::RootBranchSpec;
using rootio::RootFileWriter;
using rootio::RootLeafSpec;
using rootio::RootTreeSpec;
using rootio::RootWriteOptions;

template <typename T> std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

RootBranchSpec scalar(const std::string& name, DType t) { return {name, {{name, t, {}, false}}, ""}; }
RootBranchSpec jagged(const std::string& name, DType t, const std::string& counter,
                      std::vector<std::int32_t> dims = {}) {
  return {name, {{name, t, std::move(dims), false}}, counter};
}
RootBranchSpec text(const std::string& name) { return {name, {{name, DType::U8, {}, true}}, ""}; }

template <typename T> std::vector<T> column_values(const Dataset& d, const std::string& name) {
  const auto v = column(d, name).values.as<T>();
  return {v.begin(), v.end()};
}

// The tree `name` of a file, parsed by the reader.
rootio::Tree parse(const rootio::RootFile& f, const std::string& name, rootio::Key* key = nullptr) {
  for (const auto& e : f.entries())
    if (e.path == name) {
      if (key) *key = e.key;
      return rootio::parse_tree(f.payload(e.key, name), e.key.keylen, name);
    }
  throw std::runtime_error("no tree " + name);
}

const rootio::Branch& branch(const rootio::Tree& t, const std::string& name) {
  for (const auto* b : rootio::all_branches(t))
    if (b->name == name) return *b;
  throw std::runtime_error("no branch " + name);
}

// Every entry's big-endian bytes of a branch, through the reader's basket API.
std::vector<std::vector<std::byte>> entries_of(const rootio::RootFile& f, const rootio::Tree& t,
                                               const rootio::Branch& b) {
  std::vector<std::vector<std::byte>> out;
  for (std::size_t i = 0; i < rootio::basket_count(b); ++i) {
    const auto k = rootio::read_basket(f, b, i, b.name);
    const std::size_t fixed = k.entries ? k.data.size() / static_cast<std::size_t>(k.entries) : 0;
    for (std::int64_t e = 0; e < k.entries; ++e) {
      const auto lo = k.offsets.empty() ? static_cast<std::size_t>(e) * fixed : static_cast<std::size_t>(k.offsets[static_cast<std::size_t>(e)]);
      const auto hi = k.offsets.empty() ? lo + fixed : static_cast<std::size_t>(k.offsets[static_cast<std::size_t>(e) + 1]);
      out.emplace_back(k.data.begin() + static_cast<std::ptrdiff_t>(lo), k.data.begin() + static_cast<std::ptrdiff_t>(hi));
    }
  }
  EXPECT_EQ(static_cast<std::int64_t>(out.size()), t.entries) << b.name;
  return out;
}

// Strings of a TLeafC branch (TString framing: a length byte, or 255 and 4 bytes).
std::vector<std::string> strings_of(const rootio::RootFile& f, const rootio::Tree& t, const rootio::Branch& b) {
  std::vector<std::string> out;
  for (const auto& e : entries_of(f, t, b)) {
    ByteReader r(e, b.name);
    out.push_back(rootio::read_tstring(r, "string"));
    EXPECT_EQ(r.remaining(), 0u);
  }
  return out;
}

std::vector<std::int32_t> iota_i32(std::size_t n, std::int32_t from = 0) {
  std::vector<std::int32_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

TEST(RootWriter, ChecksumsMatchRootsStreamerInfos) {
  // Values from the TStreamerInfo records of a file ROOT 6.20 wrote (uproot-sample-6.20.04).
  const std::pair<const char*, std::uint32_t> known[] = {
      {"TTree", 0x7264e07f},   {"TBranch", 0x10978aac}, {"TLeaf", 0x6d1e8152},   {"TLeafI", 0x7e6aae19},
      {"TLeafO", 0x2ae48d3},   {"TLeafB", 0xf1e4b5e},   {"TLeafS", 0x150ceecf},  {"TLeafL", 0xde320862},
      {"TLeafF", 0x3add9d72},  {"TLeafD", 0x118e8776},  {"TLeafC", 0xfbe3b2f3},  {"TNamed", 0xdfb74a3c},
      {"TObject", 0x901bc02d}, {"TAttLine", 0x94074549}, {"TAttFill", 0xffd92a92}, {"TAttMarker", 0x291d8bec},
      {"ROOT::TIOFeatures", 0x1aa12f10}, {"TObjArray", 0xa99e6552}, {"TCollection", 0x57e3cb9c},
      {"TSeqCollection", 0xfc6c3bc6}, {"TString", 0x17419}};
  for (const auto& [name, sum] : known) EXPECT_EQ(rootio::root_class_checksum(name), sum) << name;
  EXPECT_EQ(rootio::root_class_checksum("TH1F"), 0u);
}

TEST(RootWriter, EveryDtypeScalarInSeveralBaskets) {
  TempDir dir;
  const auto path = dir / "scalars.root";
  const std::size_t n = 1000;
  std::vector<std::uint8_t> b(n);
  std::vector<std::int8_t> i8(n);
  std::vector<std::uint8_t> u8(n);
  std::vector<std::int16_t> i16(n);
  std::vector<std::uint16_t> u16(n);
  std::vector<std::int32_t> i32(n);
  std::vector<std::uint32_t> u32(n);
  std::vector<std::int64_t> i64(n);
  std::vector<std::uint64_t> u64(n);
  std::vector<float> f32(n);
  std::vector<double> f64(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = i % 3 == 0;
    i8[i] = static_cast<std::int8_t>(i * 7 - 128);
    u8[i] = static_cast<std::uint8_t>(i * 11);
    i16[i] = static_cast<std::int16_t>(i * 97 - 30000);
    u16[i] = static_cast<std::uint16_t>(i * 131);
    i32[i] = static_cast<std::int32_t>(i * 2654435761u);
    u32[i] = static_cast<std::uint32_t>(i * 2246822519u);
    i64[i] = static_cast<std::int64_t>(i) * -1234567890123ll;
    u64[i] = static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull;
    f32[i] = static_cast<float>(i) * 0.37f - 100.0f;
    f64[i] = static_cast<double>(i) / 3.0 - 1e6;
  }
  RootTreeSpec spec{"events", "all dtypes", "TTree",
                    {scalar("b", DType::Bool), scalar("i8", DType::I8), scalar("u8", DType::U8),
                     scalar("i16", DType::I16), scalar("u16", DType::U16), scalar("i32", DType::I32),
                     scalar("u32", DType::U32), scalar("i64", DType::I64), scalar("u64", DType::U64),
                     scalar("f32", DType::F32), scalar("f64", DType::F64)}};
  {
    RootWriteOptions o;
    o.basket_bytes = 512;
    RootFileWriter w(path, o);
    w.begin_tree(spec);
    // Two appends of uneven sizes.
    for (auto [from, count] : {std::pair<std::size_t, std::size_t>{0, 333}, {333, n - 333}}) {
      const auto part = [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        return std::as_bytes(std::span<const T>(v).subspan(from, count));
      };
      const std::vector<RootBranchData> data = {
          {part(b), {}},   {part(i8), {}},  {part(u8), {}},  {part(i16), {}}, {part(u16), {}}, {part(i32), {}},
          {part(u32), {}}, {part(i64), {}}, {part(u64), {}}, {part(f32), {}}, {part(f64), {}}};
      w.append(static_cast<std::int64_t>(count), data);
    }
    w.end_tree();
    w.commit();
  }
  const auto d = read_root(path);
  ASSERT_EQ(d.rows(), n);
  EXPECT_EQ(column(d, "b").values.dtype, DType::Bool);
  const auto bools = column(d, "b").values.bytes;
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(std::to_integer<int>(bools[i]), b[i]) << i;
  EXPECT_EQ(column_values<std::int8_t>(d, "i8"), i8);
  EXPECT_EQ(column_values<std::uint8_t>(d, "u8"), u8);
  EXPECT_EQ(column_values<std::int16_t>(d, "i16"), i16);
  EXPECT_EQ(column_values<std::uint16_t>(d, "u16"), u16);
  EXPECT_EQ(column_values<std::int32_t>(d, "i32"), i32);
  EXPECT_EQ(column_values<std::uint32_t>(d, "u32"), u32);
  EXPECT_EQ(column_values<std::int64_t>(d, "i64"), i64);
  EXPECT_EQ(column_values<std::uint64_t>(d, "u64"), u64);
  EXPECT_EQ(column_values<float>(d, "f32"), f32);
  EXPECT_EQ(column_values<double>(d, "f64"), f64);
  const rootio::RootFile f(path);
  const auto t = parse(f, "events");
  EXPECT_EQ(t.title, "all dtypes");
  EXPECT_GT(rootio::basket_count(branch(t, "f64")), 10u);  // 8000 bytes in 512-byte baskets
  EXPECT_EQ(branch(t, "u16").title, "u16/s");
  EXPECT_EQ(branch(t, "b").title, "b/O");
  EXPECT_EQ(t.leaves[static_cast<std::size_t>(branch(t, "u64").leaves[0])].class_name, "TLeafL");
  EXPECT_TRUE(t.leaves[static_cast<std::size_t>(branch(t, "u64").leaves[0])].is_unsigned);
  // The open-ended stream reader agrees.
  EXPECT_FALSE(f.header().large);
  EXPECT_NE(describe_root_file(path).find("events"), std::string::npos);
}

TEST(RootWriter, FixedArraysAndLeafLists) {
  TempDir dir;
  const auto path = dir / "arrays.root";
  const std::size_t n = 50;
  std::vector<std::int32_t> a = iota_i32(n * 3, -70);
  std::vector<double> m(n * 6);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = 0.5 * static_cast<double>(i);
  // Leaf list x/D:y/I:z/B, packed per entry.
  std::vector<std::byte> p;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = 1.25 * static_cast<double>(i);
    const std::int32_t y = static_cast<std::int32_t>(i) * -3;
    const std::int8_t z = static_cast<std::int8_t>(i);
    const auto at = p.size();
    p.resize(at + 13);
    std::memcpy(p.data() + at, &x, 8);
    std::memcpy(p.data() + at + 8, &y, 4);
    std::memcpy(p.data() + at + 12, &z, 1);
  }
  RootTreeSpec spec{"t", "", "TTree",
                    {{"a", {{"a", DType::I32, {3}, false}}, ""},
                     {"m", {{"m", DType::F64, {2, 3}, false}}, ""},
                     {"p", {{"x", DType::F64, {}, false}, {"y", DType::I32, {}, false}, {"z", DType::I8, {}, false}}, ""}}};
  {
    RootWriteOptions o;
    o.basket_bytes = 200;
    RootFileWriter w(path, o);
    w.begin_tree(spec);
    const std::vector<RootBranchData> data = {{bytes_of(a), {}}, {bytes_of(m), {}}, {p, {}}};
    w.append(static_cast<std::int64_t>(n), data);
    w.commit();  // ends the open tree
  }
  const auto d = read_root(path);
  ASSERT_EQ(d.rows(), n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 3; ++j)
      ASSERT_EQ(column(d, "a[" + std::to_string(j) + "]").values.as<std::int32_t>()[i], a[i * 3 + j]);
    for (std::size_t j = 0; j < 6; ++j)
      ASSERT_EQ(column(d, "m[" + std::to_string(j) + "]").values.as<double>()[i], m[i * 6 + j]);
    ASSERT_EQ(column(d, "p.x").values.as<double>()[i], 1.25 * static_cast<double>(i));
    ASSERT_EQ(column(d, "p.y").values.as<std::int32_t>()[i], static_cast<std::int32_t>(i) * -3);
    ASSERT_EQ(column(d, "p.z").values.as<std::int8_t>()[i], static_cast<std::int8_t>(i));
  }
  const rootio::RootFile f(path);
  const auto t = parse(f, "t");
  EXPECT_EQ(branch(t, "a").title, "a[3]/I");
  EXPECT_EQ(branch(t, "m").title, "m[2][3]/D");
  EXPECT_EQ(branch(t, "p").title, "x/D:y/I:z/B");
  const auto& ma = t.leaves[static_cast<std::size_t>(branch(t, "m").leaves[0])];
  EXPECT_EQ(ma.title, "m[2][3]");
  EXPECT_EQ(ma.len, 6);
}

// Reads the counter leaf's fMaximum from the TTree payload: after the leaf's TNamed (name and
// title `name`): fLen, fLenType, fOffset, fIsRange, fIsUnsigned, fLeafCount, then fMinimum, fMaximum.
std::int32_t counter_maximum(const std::filesystem::path& path, const std::string& tree, const std::string& name) {
  const rootio::RootFile f(path);
  rootio::Key key;
  parse(f, tree, &key);
  const auto payload = f.payload(key, tree);
  std::string needle;
  needle += static_cast<char>(name.size()), needle += name, needle += static_cast<char>(name.size()), needle += name;
  const std::string s(reinterpret_cast<const char*>(payload.data()), payload.size());
  const auto at = s.find(needle);
  if (at == std::string::npos) return -1;
  std::size_t p = at + needle.size() + 4 + 4 + 4 + 1;
  EXPECT_EQ(s[p - 1], 1) << "fIsRange of " << name;
  p += 1 + 4 + 4;  // fIsUnsigned, fLeafCount, the TLeaf base's end; TLeafI fMinimum
  std::int32_t v;
  std::memcpy(&v, s.data() + p, 4);
  return byteswap_value(v);
}

TEST(RootWriter, JaggedBranchesWithTwoCountersStringsAndEmptyCollections) {
  TempDir dir;
  const auto path = dir / "jagged.root";
  const std::size_t n = 300;
  std::vector<std::int32_t> njet(n);
  std::vector<std::uint8_t> nmu(n);
  std::vector<float> px;
  std::vector<std::int16_t> mass;  // two per jet
  std::vector<std::int16_t> q;
  std::vector<std::string> labels;
  std::vector<std::int64_t> id(n);
  for (std::size_t i = 0; i < n; ++i) {
    njet[i] = static_cast<std::int32_t>((i * 7) % 5);  // 0..4, zero often
    nmu[i] = static_cast<std::uint8_t>(i % 3 == 0 ? 0 : (i % 4));
    for (std::int32_t k = 0; k < njet[i]; ++k) {
      px.push_back(static_cast<float>(i) + 0.25f * static_cast<float>(k));
      mass.push_back(static_cast<std::int16_t>(i * 10 + static_cast<std::size_t>(k)));
      mass.push_back(static_cast<std::int16_t>(-static_cast<int>(i)));
    }
    for (int k = 0; k < nmu[i]; ++k) q.push_back(static_cast<std::int16_t>(k % 2 ? -1 : 1));
    labels.push_back(i % 50 == 0 ? std::string(300, static_cast<char>('a' + i % 26)) : "event " + std::to_string(i));
    id[i] = static_cast<std::int64_t>(i) * 1000;
  }
  RootTreeSpec spec{"events", "jagged", "TTree",
                    {scalar("NJet", DType::I32), jagged("Jet_Px", DType::F32, "NJet"),
                     jagged("Jet_M", DType::I16, "NJet", {2}), scalar("NMu", DType::U8),
                     jagged("Mu_Q", DType::I16, "NMu"), text("label"), scalar("id", DType::I64)}};
  {
    RootWriteOptions o;
    o.basket_bytes = 300;
    RootFileWriter w(path, o);
    w.begin_tree(spec);
    // In three appends: the jagged values of each part follow its counts.
    std::size_t jet0 = 0, mu0 = 0;
    for (auto [from, count] : {std::pair<std::size_t, std::size_t>{0, 1}, {1, 150}, {151, n - 151}}) {
      std::size_t jets = 0, mus = 0;
      for (std::size_t i = from; i < from + count; ++i) jets += static_cast<std::size_t>(njet[i]), mus += nmu[i];
      const std::vector<RootBranchData> data = {
          {std::as_bytes(std::span(njet).subspan(from, count)), {}},
          {std::as_bytes(std::span(px).subspan(jet0, jets)), {}},
          {std::as_bytes(std::span(mass).subspan(2 * jet0, 2 * jets)), {}},
          {std::as_bytes(std::span(nmu).subspan(from, count)), {}},
          {std::as_bytes(std::span(q).subspan(mu0, mus)), {}},
          {{}, std::span<const std::string>(labels).subspan(from, count)},
          {std::as_bytes(std::span(id).subspan(from, count)), {}}};
      w.append(static_cast<std::int64_t>(count), data);
      jet0 += jets, mu0 += mus;
    }
    w.end_tree();
    w.commit();
  }
  // Flat: the counters and id (strings and jagged skipped with notes).
  std::vector<std::string> notes;
  const auto flat = read_root(path, "", {}, &notes);
  EXPECT_EQ(column_values<std::int32_t>(flat, "NJet"), njet);
  EXPECT_EQ(column_values<std::uint8_t>(flat, "NMu"), nmu);
  EXPECT_EQ(column_values<std::int64_t>(flat, "id"), id);
  EXPECT_FALSE(notes.empty());
  // Per object, for each counter.
  const auto jets = read_root(path, "", {"Jet_*"});
  ASSERT_EQ(jets.rows(), px.size());
  EXPECT_EQ(column_values<float>(jets, "Jet_Px"), px);
  std::vector<std::int16_t> m0, m1;
  for (std::size_t k = 0; k < mass.size(); k += 2) m0.push_back(mass[k]), m1.push_back(mass[k + 1]);
  EXPECT_EQ(column_values<std::int16_t>(jets, "Jet_M[0]"), m0);
  EXPECT_EQ(column_values<std::int16_t>(jets, "Jet_M[1]"), m1);
  const auto mus = read_root(path, "", {"Mu_Q"});
  EXPECT_EQ(column_values<std::int16_t>(mus, "Mu_Q"), q);
  std::vector<std::int64_t> event_index;
  for (std::size_t i = 0; i < n; ++i)
    for (int k = 0; k < nmu[i]; ++k) event_index.push_back(static_cast<std::int64_t>(i));
  EXPECT_EQ(column_values<std::int64_t>(mus, "event_index"), event_index);
  // Strings through the basket API; titles and the counter's fMaximum.
  const rootio::RootFile f(path);
  const auto t = parse(f, "events");
  EXPECT_EQ(strings_of(f, t, branch(t, "label")), labels);
  EXPECT_GT(rootio::basket_count(branch(t, "label")), 5u);
  EXPECT_EQ(branch(t, "Jet_Px").title, "Jet_Px[NJet]/F");
  EXPECT_EQ(branch(t, "Jet_M").title, "Jet_M[NJet][2]/S");
  EXPECT_EQ(branch(t, "label").title, "label/C");
  const auto& leaf = t.leaves[static_cast<std::size_t>(branch(t, "Jet_M").leaves[0])];
  ASSERT_GE(leaf.count_leaf, 0);
  EXPECT_EQ(t.leaves[static_cast<std::size_t>(leaf.count_leaf)].name, "NJet");
  EXPECT_EQ(leaf.len, 2);
  EXPECT_EQ(counter_maximum(path, "events", "NJet"), 4);
}

TEST(RootWriter, ZeroEntriesAndEmptyAppends) {
  TempDir dir;
  const auto path = dir / "empty.root";
  {
    RootFileWriter w(path);
    w.begin_tree({"empty", "", "TTree", {scalar("x", DType::F64), scalar("n", DType::I32), jagged("v", DType::F32, "n")}});
    const std::vector<RootBranchData> none(3);
    w.append(0, none);
    w.end_tree();
    w.commit();
  }
  EXPECT_EQ(list_root_trees(path), std::vector<std::string>{"empty"});
  const auto d = read_root(path);
  EXPECT_EQ(d.rows(), 0u);
  EXPECT_EQ(read_root(path, "", {"v"}).rows(), 0u);
}

std::vector<double> ramp(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i % 100) * 0.5;
  return v;
}

TEST(RootWriter, EveryCompression) {
  TempDir dir;
  const auto values = ramp(20000);
  const std::pair<const char*, const char*> algos[] = {{"zlib", "zlib"}, {"zstd", "zstd"}, {"lzma", "lzma"},
                                                       {"lz4", "lz4"},   {"none", ""}};
  for (const auto& [name, tag] : algos) {
    SCOPED_TRACE(name);
    const auto path = dir / (std::string(name) + ".root");
    {
      RootWriteOptions o;
      o.compression = name;
      o.level = std::string(name) == "lz4" ? 4 : 5;
      o.basket_bytes = 64000;
      RootFileWriter w(path, o);
      w.begin_tree({"t", "", "TTree", {scalar("x", DType::F64)}});
      const std::vector<RootBranchData> data = {{bytes_of(values), {}}};
      w.append(static_cast<std::int64_t>(values.size()), data);
      w.commit();
    }
    EXPECT_EQ(column_values<double>(read_root(path), "x"), values);
    const rootio::RootFile f(path);
    const auto t = parse(f, "t");
    const auto& b = branch(t, "x");
    ASSERT_EQ(rootio::basket_count(b), 3u);
    const auto raw = f.source().read(static_cast<std::uint64_t>(b.basket_seek[0]), static_cast<std::uint64_t>(b.basket_bytes[0]), "basket");
    ByteReader r(raw, "basket");
    const auto k = rootio::read_key_header(r);
    if (*tag) {
      EXPECT_LT(k.nbytes - k.keylen, k.objlen);
      EXPECT_EQ(rootio::block_algorithm_name(std::span(raw).subspan(static_cast<std::size_t>(k.keylen))), tag);
    } else {
      EXPECT_EQ(k.nbytes - k.keylen, k.objlen);
    }
  }
  RootWriteOptions bad;
  bad.compression = "gzip";
  try {
    RootFileWriter w(dir / "bad.root", bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
  }
  bad.compression = "zlib";
  bad.level = 10;
  EXPECT_THROW(RootFileWriter(dir / "bad.root", bad), Error);
}

TEST(RootWriter, TwoTreesAndNtuples) {
  TempDir dir;
  const auto path = dir / "many.root";
  const std::size_t n = 100;
  std::vector<float> px(n), py(n);
  std::vector<double> e(n);
  for (std::size_t i = 0; i < n; ++i)
    px[i] = static_cast<float>(i) * 1.5f, py[i] = -static_cast<float>(i), e[i] = static_cast<double>(i) * 1e-3;
  const auto ints = iota_i32(n);
  {
    RootFileWriter w(path);
    w.begin_tree({"first", "one", "TTree", {scalar("k", DType::I32)}});
    w.append(static_cast<std::int64_t>(n), std::vector<RootBranchData>{{bytes_of(ints), {}}});
    w.end_tree();
    w.begin_tree({"nt", "an ntuple", "TNtuple", {scalar("px", DType::F32), scalar("py", DType::F32)}});
    w.append(static_cast<std::int64_t>(n), std::vector<RootBranchData>{{bytes_of(px), {}}, {bytes_of(py), {}}});
    w.end_tree();
    w.begin_tree({"ntd", "", "TNtupleD", {scalar("e", DType::F64)}});
    w.append(static_cast<std::int64_t>(n), std::vector<RootBranchData>{{bytes_of(e), {}}});
    w.end_tree();
    w.commit();
  }
  EXPECT_EQ(list_root_trees(path), (std::vector<std::string>{"first", "nt", "ntd"}));
  EXPECT_EQ(column_values<std::int32_t>(read_root(path, "first"), "k"), ints);
  const auto nt = read_root(path, "nt");
  EXPECT_EQ(column_values<float>(nt, "px"), px);
  EXPECT_EQ(column_values<float>(nt, "py"), py);
  EXPECT_EQ(column_values<double>(read_root(path, "ntd"), "e"), e);
  const rootio::RootFile f(path);
  std::vector<std::string> classes;
  for (const auto& entry : f.entries()) classes.push_back(entry.key.class_name);
  EXPECT_EQ(classes, (std::vector<std::string>{"TTree", "TNtuple", "TNtupleD"}));
  // The streamer infos name the classes with ROOT's checksums.
  const auto& h = f.header();
  EXPECT_GT(h.end, 0u);
  // Several trees: reading without a name asks for one.
  try {
    read_root(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::Usage);
  }
}

TEST(RootWriter, StreamerInfosListTheFilesClasses) {
  TempDir dir;
  const auto path = dir / "si.root";
  {
    RootFileWriter w(path);
    w.begin_tree({"nt", "", "TNtuple", {scalar("x", DType::F32)}});
    w.commit();
  }
  // fSeekInfo and fNbytesInfo of the (small) header.
  const auto raw = read_file_bytes(path);
  ByteReader r(raw, "header");
  r.skip(4 + 4 + 4 + 4 + 4 + 4 + 4 + 4 + 1 + 4, "fields");
  const auto seek = static_cast<std::uint64_t>(r.be<std::int32_t>("fSeekInfo"));
  const auto nbytes = r.be<std::int32_t>("fNbytesInfo");
  const std::span<const std::byte> key_bytes = std::span<const std::byte>(raw).subspan(seek, static_cast<std::size_t>(nbytes));
  ByteReader kr(key_bytes, "key");
  const auto key = rootio::read_key_header(kr);
  EXPECT_EQ(key.class_name, "TList");
  EXPECT_EQ(key.name, "StreamerInfo");
  const auto payload = rootio::decompress_blocks(std::span(raw).subspan(seek + static_cast<std::uint64_t>(key.keylen),
                                                                        static_cast<std::size_t>(nbytes - key.keylen)),
                                                 static_cast<std::uint64_t>(key.objlen), "streamer infos");
  const std::string s(reinterpret_cast<const char*>(payload.data()), payload.size());
  for (const char* cls : {"TTree", "TNtuple", "TBranch", "TLeaf", "TLeafF", "TNamed", "TAttLine", "TObjArray"}) {
    // TStreamerInfo: TNamed (name, empty title), then fCheckSum.
    std::string needle;
    needle += static_cast<char>(std::strlen(cls)), needle += cls, needle += '\0';
    std::uint32_t sum = rootio::root_class_checksum(cls);
    sum = byteswap_value(sum);
    needle.append(reinterpret_cast<const char*>(&sum), 4);
    EXPECT_NE(s.find(needle), std::string::npos) << cls;
  }
  EXPECT_EQ(s.find("\x07TLeafD"), std::string::npos);  // classes not in the file are left out
}

TEST(RootWriter, SixtyFourBitSeeksBeyondTwoGigabytes) {
  TempDir dir;
  const auto path = dir / "large.root";
  const auto values = ramp(5000);
  std::vector<std::int32_t> counts(5000);
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = static_cast<std::int32_t>(i % 3);
  const std::size_t objects = std::accumulate(counts.begin(), counts.end(), std::size_t{0});
  const std::vector<double> jag(objects, 2.5);
  {
    RootWriteOptions o;
    o.first_offset = (std::uint64_t{3} << 30) + 12345;  // a sparse hole of 3 GiB
    o.basket_bytes = 8000;
    RootFileWriter w(path, o);
    w.begin_tree({"big", "", "TTree", {scalar("x", DType::F64), scalar("n", DType::I32), jagged("v", DType::F64, "n")}});
    w.append(5000, std::vector<RootBranchData>{{bytes_of(values), {}}, {bytes_of(counts), {}}, {bytes_of(jag), {}}});
    w.commit();
  }
  EXPECT_GT(std::filesystem::file_size(path), std::uint64_t{3} << 30);
  const rootio::RootFile f(path);
  EXPECT_TRUE(f.header().large);
  const auto t = parse(f, "big");
  EXPECT_GT(branch(t, "x").basket_seek[0], std::int64_t{3} << 30);
  EXPECT_EQ(column_values<double>(read_root(path), "x"), values);
  EXPECT_EQ(column_values<double>(read_root(path, "", {"v"}), "v"), jag);
  EXPECT_EQ(list_root_trees(path), std::vector<std::string>{"big"});
}

void expect_error(ErrorCode code, const std::string& fragment, const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no error (expected '" << fragment << "')";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(RootWriter, BadSpecsAndDataAreErrors) {
  TempDir dir;
  const auto path = dir / "bad.root";
  RootFileWriter w(path);
  const auto bad_spec = [&](const RootTreeSpec& s, const std::string& fragment) {
    expect_error(ErrorCode::Usage, fragment, [&] { w.begin_tree(s); });
  };
  bad_spec({"t", "", "TTree", {jagged("v", DType::F32, "n")}}, "counter 'n'");
  bad_spec({"t", "", "TTree", {jagged("v", DType::F32, "n"), scalar("n", DType::I32)}}, "counter 'n'");
  bad_spec({"t", "", "TTree", {scalar("n", DType::F32), jagged("v", DType::F32, "n")}}, "scalar integer");
  bad_spec({"t", "", "TTree", {{"n", {{"n", DType::I32, {2}, false}}, ""}, jagged("v", DType::F32, "n")}}, "scalar integer");
  bad_spec({"t", "", "TNtuple", {scalar("x", DType::F32), scalar("y", DType::I32)}}, "branch 'y'");
  bad_spec({"t", "", "TNtupleD", {scalar("x", DType::F32)}}, "float64");
  bad_spec({"t", "", "TTree", {scalar("x", DType::F32), scalar("x", DType::I32)}}, "duplicate");
  bad_spec({"t", "", "TTree", {{"p", {{"x", DType::F32, {}, false}, {"x", DType::I32, {}, false}}, ""}}}, "unique");
  bad_spec({"t", "", "TTree", {{"a", {{"a", DType::F32, {0}, false}}, ""}}}, "not positive");
  bad_spec({"t", "", "TTree", {{"a", {}, ""}}}, "no leaves");
  bad_spec({"t", "", "TTree", {scalar("a[2]", DType::F32)}}, "branch name");
  bad_spec({"t", "", "TTree", {scalar("x", DType::F16)}}, "float16");
  bad_spec({"t", "", "TH1F", {}}, "TH1F");
  bad_spec({"t", "", "TTree", {scalar("n", DType::I32), {"v", {{"v", DType::F32, {}, false}, {"w", DType::F32, {}, false}}, "n"}}},
           "exactly one leaf");
  bad_spec({"t", "", "TTree", {scalar("n", DType::I32), {"s", {{"s", DType::U8, {}, true}}, "n"}}}, "string leaf");
  expect_error(ErrorCode::Usage, "outside", [&] { w.append(0, {}); });
  w.begin_tree({"t", "", "TTree", {scalar("n", DType::I32), jagged("v", DType::F32, "n"), text("s")}});
  expect_error(ErrorCode::Usage, "still open", [&] { w.begin_tree({"u", "", "TTree", {}}); });
  const std::vector<std::int32_t> n = {1, 2};
  const std::vector<float> v = {1, 2, 3};
  const std::vector<std::string> s = {"a", "b"};
  expect_error(ErrorCode::Usage, "branch 'n'", [&] {
    w.append(3, std::vector<RootBranchData>{{bytes_of(n), {}}, {bytes_of(v), {}}, {{}, s}});
  });
  expect_error(ErrorCode::Usage, "branch 'v'", [&] {
    w.append(2, std::vector<RootBranchData>{{bytes_of(n), {}}, {bytes_of(n), {}}, {{}, s}});
  });
  expect_error(ErrorCode::Usage, "branch 's'", [&] {
    w.append(2, std::vector<RootBranchData>{{bytes_of(n), {}}, {bytes_of(v), {}}, {{}, {}}});
  });
  expect_error(ErrorCode::Usage, "2 branch data", [&] { w.append(2, std::vector<RootBranchData>(2)); });
  const std::vector<std::int32_t> negative = {1, -1};
  expect_error(ErrorCode::Malformed, "negative count", [&] {
    w.append(2, std::vector<RootBranchData>{{bytes_of(negative), {}}, {bytes_of(v), {}}, {{}, s}});
  });
  // Nothing was written by the failed appends: the good one still reads back whole.
  w.append(2, std::vector<RootBranchData>{{bytes_of(n), {}}, {bytes_of(v), {}}, {{}, s}});
  w.end_tree();
  expect_error(ErrorCode::Usage, "already in the file", [&] { w.begin_tree({"t", "", "TTree", {}}); });
  w.commit();
  EXPECT_EQ(column_values<float>(read_root(path, "", {"v"}), "v"), v);
  expect_error(ErrorCode::Usage, "committed", [&] { w.begin_tree({"z", "", "TTree", {}}); });
}

TEST(RootWriter, NothingAtThePathWithoutCommit) {
  TempDir dir;
  const auto path = dir / "never.root";
  {
    RootFileWriter w(path);
    w.begin_tree({"t", "", "TTree", {scalar("x", DType::F64)}});
    const auto values = ramp(10);
    w.append(10, std::vector<RootBranchData>{{bytes_of(values), {}}});
    w.end_tree();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// Native values of a branch's entries (big-endian on disk) and the writer's spec for it.
struct Copied {
  RootBranchSpec spec;
  std::vector<std::byte> values;
};

TEST(RootWriter, RewritesUprootHzzValueForValue) {
  TempDir dir;
  const auto src_path = root_file("uproot-HZZ.root");
  const auto out_path = dir / "hzz.root";
  const rootio::RootFile src(src_path);
  const auto tree = parse(src, "events");
  std::vector<Copied> copies;
  RootTreeSpec spec{"events", tree.title, "TTree", {}};
  for (const auto* b : rootio::all_branches(tree)) {
    ASSERT_EQ(b->leaves.size(), 1u) << b->name;
    const auto& l = tree.leaves[static_cast<std::size_t>(b->leaves[0])];
    ASSERT_TRUE(l.dtype) << b->name;
    Copied c;
    c.spec = {b->name, {{l.name, *l.dtype, l.len > 1 ? std::vector<std::int32_t>{l.len} : std::vector<std::int32_t>{}, false}},
              l.jagged() ? l.count_name : ""};
    for (const auto& e : entries_of(src, tree, *b)) c.values.insert(c.values.end(), e.begin(), e.end());
    byteswap_inplace(c.values.data(), c.values.size() / dtype_size(*l.dtype), dtype_size(*l.dtype));
    spec.branches.push_back(c.spec);
    copies.push_back(std::move(c));
  }
  ASSERT_EQ(copies.size(), 51u);
  {
    RootWriteOptions o;
    o.basket_bytes = 4000;
    RootFileWriter w(out_path, o);
    w.begin_tree(spec);
    std::vector<RootBranchData> data;
    for (const auto& c : copies) data.push_back({c.values, {}});
    w.append(tree.entries, data);
    w.end_tree();
    w.commit();
  }
  // Every entry of every branch, byte for byte.
  const rootio::RootFile out(out_path);
  const auto copy = parse(out, "events");
  ASSERT_EQ(copy.entries, tree.entries);
  for (const auto* b : rootio::all_branches(tree)) {
    SCOPED_TRACE(b->name);
    const auto& cb = branch(copy, b->name);
    EXPECT_EQ(entries_of(out, copy, cb), entries_of(src, tree, *b));
    EXPECT_EQ(cb.title, b->title);
  }
  // The reader's tables: flat, and each of the four collections.
  EXPECT_TRUE(read_root(out_path) == read_root(src_path));
  for (const char* group : {"Jet_*", "Muon_*", "Electron_*", "Photon_*"}) {
    SCOPED_TRACE(group);
    EXPECT_TRUE(read_root(out_path, "", {group}) == read_root(src_path, "", {group}));
  }
  for (const auto& c : copies)
    if (c.spec.name == "NJet") {
      const auto counts = std::span(reinterpret_cast<const std::int32_t*>(c.values.data()), c.values.size() / 4);
      EXPECT_EQ(counter_maximum(out_path, "events", "NJet"), *std::max_element(counts.begin(), counts.end()));
    }
}

}  // namespace
}  // namespace baler::test
