// Whole ROOT trees as bundle members (read_root_bundle): the entries table, one table per jagged
// collection with its counter checked, strings as text, the index that the writer rebuilds from.
#include <algorithm>
#include <cmath>

#include "root_test_util.hpp"

namespace baler::test {
namespace {

const Dataset& member(const RootBundle& b, const std::string& path) {
  for (const auto& m : b.members)
    if (m.first == path) return m.second;
  throw std::runtime_error("no member " + path);
}

const Hdf5Attribute& attribute(const RootBundle& b, const std::string& object, const std::string& name) {
  for (const auto& o : b.index.objects)
    if (o.path == object)
      for (const auto& a : o.attributes)
        if (a.name == name) return a;
  throw std::runtime_error("no attribute " + object + " " + name);
}

TEST(RootBundle, HzzEveryCollectionIsATableOfItsOwn) {
  std::vector<std::string> notes;
  const auto b = read_root_bundle(root_spec(root_file("uproot-HZZ.root")), [&](const std::string& n) { notes.push_back(n); });
  EXPECT_TRUE(notes.empty()) << notes.front();
  std::vector<std::string> paths;
  for (const auto& m : b.members) paths.push_back(m.first);
  // The tables and nothing else: the leaf-list writer gives this tree back as it was.
  EXPECT_EQ(paths, (std::vector<std::string>{"/events/entries", "/events/NJet", "/events/NMuon", "/events/NElectron",
                                             "/events/NPhoton"}));
  EXPECT_TRUE(is_root_bundle(b.index));
  // The entries table is the tree's flat branches (counters included), as uproot reads them.
  const Dataset& flat = member(b, "/events/entries");
  EXPECT_TRUE(flat == read_root(root_file("uproot-HZZ.root")));
  // Each collection equals the per-object selection of its branches, without event_index.
  for (const auto& [counter, glob] : std::vector<std::pair<std::string, std::string>>{
           {"NJet", "Jet_*"}, {"NMuon", "Muon_*"}, {"NElectron", "Electron_*"}, {"NPhoton", "Photon_*"}}) {
    SCOPED_TRACE(counter);
    Dataset expected = read_root(root_file("uproot-HZZ.root"), "", {glob});
    expected.columns.erase(expected.columns.begin());  // event_index
    const Dataset& got = member(b, "/events/" + counter);
    EXPECT_TRUE(got == expected);
    double sum = 0;
    for (std::size_t e = 0; e < flat.rows(); ++e) sum += column(flat, counter).values.value(e);
    EXPECT_EQ(static_cast<double>(got.rows()), sum);
  }
  // What the writer rebuilds the tree from.
  const auto& branches = attribute(b, "/events", "ROOT.branches").strings;
  const auto& leaves = attribute(b, "/events", "ROOT.leaves").strings;
  ASSERT_EQ(branches.size(), 51u);
  ASSERT_EQ(leaves.size(), 51u);
  EXPECT_EQ(branches[1], "Jet_Px");
  EXPECT_EQ(leaves[1], "Jet_Px[NJet]/F");
  EXPECT_EQ(leaves[6], "Jet_ID[NJet]/O");
  EXPECT_EQ(leaves[0], "NJet/I");
  EXPECT_EQ(attribute(b, "/events", "ROOT.class").strings, std::vector<std::string>{"TTree"});
  EXPECT_EQ(attribute(b, "/events", "ROOT.members").strings,
            (std::vector<std::string>{"entries", "NJet", "NMuon", "NElectron", "NPhoton"}));
}

TEST(RootBundle, StringBranchesBecomeTextColumnsInTheirPlace) {
  const auto z = read_root_bundle(root_spec(root_file("uproot-Zmumu.root")), nullptr);
  const Dataset& flat = member(z, "/events/entries");
  ASSERT_EQ(flat.text.size(), 1u);
  EXPECT_EQ(flat.text[0].name, "Type");
  EXPECT_EQ(flat.text[0].position, 0u);  // the tree's first branch
  ASSERT_EQ(flat.text[0].values.size(), 2304u);
  for (const auto& v : flat.text[0].values) EXPECT_TRUE(v == "GT" || v == "TT" || v == "GG") << v;
  EXPECT_EQ(flat.columns.size(), 19u);
  EXPECT_EQ(attribute(z, "/events", "ROOT.leaves").strings[0], "Type/C");

  // Every basic type, fixed arrays, one counter's slices, and a string, in all compressions.
  const auto s = read_root_bundle(root_spec(root_file("uproot-sample-6.20.04-uncompressed.root")), nullptr);
  const Dataset& sflat = member(s, "/sample/entries");
  ASSERT_EQ(sflat.text.size(), 1u);
  for (std::size_t i = 0; i < 30; ++i) EXPECT_EQ(sflat.text[0].values[i], "hey-" + std::to_string(i));
  EXPECT_EQ(member(s, "/sample/n").rows(), 60u);
  EXPECT_EQ(member(s, "/sample/n").columns.size(), 11u);
  EXPECT_EQ(attribute(s, "/sample", "ROOT.leaves").strings[2], "ab[3]/O");
  for (const char* f : {"uproot-sample-6.20.04-zlib.root", "uproot-sample-6.20.04-lz4.root", "uproot-sample-6.20.04-lzma.root"}) {
    SCOPED_TRACE(f);
    const auto other = read_root_bundle(root_spec(root_file(f)), nullptr);
    // The tables are equal; the stored tree (basket sizes and positions) differs with the compression.
    const auto tables = [](const RootBundle& b) {
      auto m = b.members;
      std::erase_if(m, [](const auto& x) { return x.first.find("/ROOT.") != std::string::npos; });
      return m;
    };
    EXPECT_TRUE(tables(other) == tables(s));
  }
  const auto l = read_root_bundle(root_spec(root_file("uproot-leaflist.root")), nullptr);
  EXPECT_EQ(attribute(l, "/tree", "ROOT.leaves").strings, std::vector<std::string>{"x/D:y/I:z/B"});
}

// std::vector<std::string> and TString branches (and vector<TString>) are text: a top-level
// string a text column of the entries table, a vector of strings a collection table of one text
// column counted by size(NAME). A tree rewritten in place writes the tables' strings back.
TEST(RootBundle, VectorsOfStringsAreTextCollections) {
  auto b = read_root_bundle(root_spec(root_file("skhep/uproot-stl_containers.root")), nullptr);
  const std::vector<std::string> want = {"one", "one", "two", "one", "two", "three", "one", "two", "three", "four",
                                         "one", "two", "three", "four", "five"};
  for (const char* name : {"vector_string", "vector_tstring"}) {
    SCOPED_TRACE(name);
    const Dataset& c = member(b, std::string("/tree/size(") + name + ")");
    EXPECT_TRUE(c.columns.empty());
    ASSERT_EQ(c.text.size(), 1u);
    EXPECT_EQ(c.text[0].name, name);
    EXPECT_EQ(c.text[0].values, want);
  }
  const Dataset& flat = member(b, "/tree/entries");
  const auto sizes = std::find_if(flat.columns.begin(), flat.columns.end(), [](const Column& c) { return c.name == "size(vector_string)"; });
  ASSERT_NE(sizes, flat.columns.end());
  const auto n = sizes->values.as<std::int32_t>();
  EXPECT_EQ(std::vector<std::int32_t>(n.begin(), n.end()), (std::vector<std::int32_t>{1, 2, 3, 4, 5}));
  const auto tstring = std::find_if(flat.text.begin(), flat.text.end(), [](const TextColumn& t) { return t.name == "tstring"; });
  ASSERT_NE(tstring, flat.text.end());
  EXPECT_EQ(tstring->values, (std::vector<std::string>{"one", "two", "three", "four", "five"}));

  // A changed string (of the same length: the basket keeps its size) comes back as written.
  for (auto& [path, d] : b.members)
    if (path == "/tree/size(vector_string)") d.text[0].values[2] = "TWO";
  TempDir dir;
  write_root_bundle(dir / "out.root", b);
  const auto back = read_root_bundle(root_spec(dir / "out.root"), nullptr);
  auto changed = want;
  changed[2] = "TWO";
  EXPECT_EQ(member(back, "/tree/size(vector_string)").text.at(0).values, changed);
  EXPECT_EQ(member(back, "/tree/size(vector_tstring)").text.at(0).values, want);
}

// Baskets written without entry offsets (ROOT 6.20+'s kGenerateOffsetMap, fIOBits after a
// negative fNevBufSize): a counted branch's objects are placed by its counter's values, and the
// tree comes back with the same basket frames.
TEST(RootBundle, BasketsWithoutEntryOffsetsArePlacedByTheirCounter) {
  auto b = read_root_bundle(root_spec(root_file("skhep/uproot-small-dy-nooffsets.root")), nullptr);
  const Dataset& flat = member(b, "/tree/entries");
  const Dataset& jets = member(b, "/tree/nJet");
  const auto counts = flat.columns.at(0).values.as<std::uint32_t>();
  ASSERT_EQ(flat.columns.at(0).name, "nJet");
  ASSERT_EQ(counts.size(), 501u);
  std::uint64_t total = 0;
  for (const auto c : counts) total += c;
  ASSERT_EQ(jets.rows(), total);
  const Column& pt = jets.columns.at(1);
  ASSERT_EQ(pt.name, "Jet_pt");
  const auto v = pt.values.as<float>();
  EXPECT_EQ(std::vector<float>(v.begin(), v.begin() + 4), (std::vector<float>{34.09375f, 33.53125f, 20.25f, 19.890625f}));
  TempDir dir;
  write_root_bundle(dir / "out.root", b);
  const auto back = read_root_bundle(root_spec(dir / "out.root"), nullptr);
  EXPECT_TRUE(member(back, "/tree/nJet") == jets);
  EXPECT_TRUE(member(back, "/tree/entries") == flat);
}

// Double32_t and Float16_t leaves (TLeafD32, TLeafF16) with a range: float64 and float32 columns
// of their decoded values. uproot's file was filled (its macro, scikit-hep-testdata's
// double32_float16.C) with these 17 values in every branch; each stored value is within half a
// step of the range's nbits of them. The baskets travel as stored: the tree comes back the same.
TEST(RootBundle, Double32AndFloat16LeavesAreDecodedWithinTheirRange) {
  const std::vector<double> filled = {-2.0, -1.5, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0};
  const auto b = read_root_bundle(root_spec(root_file("skhep/uproot-double32-float16.root")), nullptr);
  const Dataset& flat = member(b, "/tree/entries");
  const std::vector<std::pair<std::string, int>> branches = {
      {"double32_32", 32}, {"double32_30", 30}, {"double32_20", 20}, {"double32_10", 10}, {"double32_5", 5},
      {"double32_3", 3},   {"float16_16", 16},  {"float16_10", 10},  {"float16_5", 5},    {"float16_3", 3},
      {"array_30[0]", 30}, {"array_30[2]", 30}, {"array_10[1]", 10}};
  for (const auto& [name, nbits] : branches) {
    SCOPED_TRACE(name);
    const auto c = std::find_if(flat.columns.begin(), flat.columns.end(), [&](const Column& x) { return x.name == name; });
    ASSERT_NE(c, flat.columns.end());
    EXPECT_EQ(c->values.dtype, name.rfind("float16", 0) == 0 || name.rfind("array_10", 0) == 0 ? DType::F32 : DType::F64);
    ASSERT_EQ(c->values.size(), filled.size());
    const double step = (10 - -2.71) / (nbits < 32 ? std::ldexp(1.0, nbits) : 4294967295.0);
    for (std::size_t e = 0; e < filled.size(); ++e) {
      // Below the range a value is stored as its lower end (-2.71).
      const double want = std::max(filled[e], -2.71);
      EXPECT_LE(std::abs(c->values.value(e) - want), step / 2 + 1e-6) << "entry " << e;
    }
  }
  TempDir dir;
  write_root_bundle(dir / "out.root", b);
  const auto back = read_root_bundle(root_spec(dir / "out.root"), nullptr);
  EXPECT_TRUE(member(back, "/tree/entries") == flat);
  // Every basket was carried as stored, and is stored again the same.
  for (const auto* bundle : {&b, &back}) {
    const Dataset& baskets = member(*bundle, "/tree/ROOT.baskets");
    const auto raw = std::find_if(baskets.columns.begin(), baskets.columns.end(), [](const Column& x) { return x.name == "raw_bytes"; });
    ASSERT_NE(raw, baskets.columns.end());
    ASSERT_EQ(raw->values.size(), 12u);
    for (std::size_t k = 0; k < raw->values.size(); ++k) EXPECT_GT(raw->values.value(k), 0) << "basket " << k;
  }
}

// The tables of a bundle (its members less what travels for the ROOT writer).
std::vector<std::string> table_paths(const RootBundle& b) {
  std::vector<std::string> out;
  for (const auto& m : b.members)
    if (m.first.find("/ROOT.") == std::string::npos) out.push_back(m.first);
  return out;
}

// An RNTuple is a tree like a TTree: its collections are tables named by their counters, its
// branches described so that a TTree of the same names can be written; what goes back into an
// RNTuple travels beside them (ROOT.bytes, ROOT.pages).
TEST(RootBundle, RntupleCollectionsAreTablesOfTheirOwn) {
  std::vector<std::string> notes;
  const auto b = read_root_bundle(root_spec(root_file("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root")),
                                  [&](const std::string& n) { notes.push_back(n); });
  EXPECT_TRUE(notes.empty()) << notes.front();  // the importer's projections are no loss
  EXPECT_EQ(table_paths(b), (std::vector<std::string>{"/Events/entries", "/Events/nMuon"}));
  EXPECT_EQ(attribute(b, "/Events", "ROOT.carried").strings, (std::vector<std::string>{"ROOT.bytes", "ROOT.pages"}));
  // Every page of this file is rebuilt from the tables: none travels as stored bytes.
  const auto& raw = member(b, "/Events/ROOT.pages").columns.at(0).values;
  ASSERT_GT(raw.size(), 0u);
  for (std::size_t i = 0; i < raw.size(); ++i) EXPECT_EQ(raw.value(i), 0.0) << "page " << i;
  const Dataset& objects = member(b, "/Events/nMuon");
  EXPECT_EQ(objects.rows(), 2372u);
  EXPECT_EQ(column_names(objects), (std::vector<std::string>{"Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge"}));
  EXPECT_EQ(attribute(b, "/Events", "ROOT.class").strings, std::vector<std::string>{"ROOT::RNTuple"});
  EXPECT_EQ(attribute(b, "/Events", "ROOT.leaves").strings,
            (std::vector<std::string>{"nMuon/i", "Muon_pt[nMuon]/F", "Muon_eta[nMuon]/F", "Muon_phi[nMuon]/F",
                                      "Muon_mass[nMuon]/F", "Muon_charge[nMuon]/I"}));
  const auto n = read_root_bundle(
      root_spec(root_file("cmsopendata2015_ttbar_19980_NANOAOD_RNTupleImporter_rntuple_v1-0-0-1.root")), nullptr);
  EXPECT_EQ(table_paths(n).size(), 23u);  // entries + 22 collections
  EXPECT_EQ(member(n, "/Events/nJet").rows(), 75u);
}

TEST(RootBundle, ErrorsNameTheTree) {
  std::string msg;
  try {
    read_root_bundle(root_spec(root_file("uproot-HZZ.root"), "nope"), nullptr);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
    msg = e.what();
  }
  EXPECT_NE(msg.find("events"), std::string::npos) << msg;
}

}  // namespace
}  // namespace baler::test
