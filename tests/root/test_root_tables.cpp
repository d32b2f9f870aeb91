// ROOT trees read into tables: exact matches with uproot's arrays, all compressions equal,
// arrays, leaf lists, jagged flattening, branch selection and its errors.
#include <numeric>

#include "root_test_util.hpp"

namespace baler::test {
namespace {

void expect_matches_npy(const Dataset& d, const std::string& npy, const std::string& names) {
  const auto expected = read_expected_npy(root_file(npy));
  const auto expected_names = read_lines(root_file(names));
  ASSERT_EQ(column_names(d), expected_names);
  ASSERT_EQ(static_cast<std::int64_t>(d.rows()), expected.rows);
  ASSERT_EQ(static_cast<std::int64_t>(d.columns.size()), expected.cols);
  std::size_t mismatches = 0;
  for (std::int64_t c = 0; c < expected.cols; ++c)
    for (std::int64_t r = 0; r < expected.rows; ++r) {
      double v = d.columns[static_cast<std::size_t>(c)].values.value(static_cast<std::size_t>(r));
      if (expected.f32) v = static_cast<float>(v);
      if (v != expected.at(r, c) && mismatches++ < 5)
        ADD_FAILURE() << expected_names[static_cast<std::size_t>(c)] << " row " << r << ": " << v
                      << " != " << expected.at(r, c);
    }
  EXPECT_EQ(mismatches, 0u);
}

TEST(RootTables, ZmumuMatchesUprootExactly) {
  std::vector<std::string> notes;
  const auto d = read_root(root_file("uproot-Zmumu.root"), "events", {}, &notes);
  expect_matches_npy(d, "Zmumu_events_flat.npy", "Zmumu_events_flat.names.txt");
  EXPECT_EQ(column(d, "Run").values.dtype, DType::I32);
  EXPECT_EQ(column(d, "E1").values.dtype, DType::F64);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("'Type'"), std::string::npos) << notes[0];
}

TEST(RootTables, SixZmumuCompressionsGiveIdenticalTables) {
  const auto reference = read_root(root_file("uproot-Zmumu.root"));
  for (const char* f : {"uproot-Zmumu-zlib.root", "uproot-Zmumu-lz4.root", "uproot-Zmumu-lzma.root",
                        "uproot-Zmumu-zstd.root", "uproot-Zmumu-uncompressed.root"}) {
    SCOPED_TRACE(f);
    EXPECT_TRUE(read_root(root_file(f), "events") == reference);
  }
}

TEST(RootTables, HzzMatchesUprootExactly) {
  const auto d = read_root(root_file("uproot-HZZ.root"));
  expect_matches_npy(d, "HZZ_events_flat.npy", "HZZ_events_flat.names.txt");
  EXPECT_EQ(column(d, "triggerIsoMu24").values.dtype, DType::Bool);
  for (const char* f : {"uproot-HZZ-lz4.root", "uproot-HZZ-zstd.root"}) {
    SCOPED_TRACE(f);
    EXPECT_TRUE(read_root(root_file(f)) == d);
    EXPECT_TRUE(read_root(root_file(f), "", {"Muon_*"}) ==
                read_root(root_file("uproot-HZZ.root"), "", {"Muon_*"}));
  }
}

TEST(RootTables, JaggedBranchesFlattenToOneRowPerObject) {
  const auto events = read_root(root_file("uproot-HZZ.root"), "", {"NJet"});
  const auto jets = read_root(root_file("uproot-HZZ.root"), "", {"Jet_*"});
  const auto njet = events.columns[0].values.as<std::int32_t>();
  const auto total = std::accumulate(njet.begin(), njet.end(), std::int64_t{0});
  ASSERT_GT(total, 0);
  EXPECT_EQ(static_cast<std::int64_t>(jets.rows()), total);
  EXPECT_EQ(column_names(jets), (std::vector<std::string>{"event_index", "Jet_Px", "Jet_Py", "Jet_Pz",
                                                          "Jet_E", "Jet_btag", "Jet_ID"}));
  const auto idx = jets.columns[0].values.as<std::int64_t>();
  std::vector<std::int64_t> per_event(njet.size(), 0);
  for (auto e : idx) {
    ASSERT_GE(e, 0);
    ASSERT_LT(e, static_cast<std::int64_t>(njet.size()));
    ++per_event[static_cast<std::size_t>(e)];
  }
  for (std::size_t e = 0; e < njet.size(); ++e) ASSERT_EQ(per_event[e], njet[e]) << "event " << e;
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
}

TEST(RootTables, SmallFlatTreeTypesArraysAndSlices) {
  std::vector<std::string> notes;
  const auto d = read_root(root_file("uproot-small-flat-tree.root"), "tree", {}, &notes);
  ASSERT_EQ(d.rows(), 100u);
  EXPECT_EQ(d.columns.size(), 6u + 6u * 10u + 1u);  // scalars, 10-element arrays, N
  EXPECT_EQ(column(d, "UInt64").values.dtype, DType::U64);
  EXPECT_EQ(column(d, "ArrayFloat64[9]").values.dtype, DType::F64);
  for (std::size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(column(d, "Int64").values.value(i), static_cast<double>(i));
    EXPECT_EQ(column(d, "ArrayInt32[7]").values.value(i), static_cast<double>(i));
    EXPECT_EQ(column(d, "N").values.value(i), static_cast<double>(i % 10));
  }
  // One summary line: Str and the 6 jagged Slice* branches.
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].rfind("left out: ", 0), 0u) << notes[0];
  EXPECT_NE(notes[0].find(": 7 branches: "), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("'Str'"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("'SliceInt32'"), std::string::npos) << notes[0];
  const auto slices = read_root(root_file("uproot-small-flat-tree.root"), "tree", {"Slice*"});
  ASSERT_EQ(slices.rows(), 450u);  // sum of N = 10 * (0 + ... + 9)
  const auto idx = slices.columns[0].values.as<std::int64_t>();
  for (std::size_t r = 0; r < slices.rows(); ++r)
    for (std::size_t c = 1; c < slices.columns.size(); ++c)
      ASSERT_EQ(slices.columns[c].values.value(r), static_cast<double>(idx[r]));
}

TEST(RootTables, LeafListGivesOneColumnPerLeaf) {
  const auto d = read_root(root_file("uproot-leaflist.root"));
  ASSERT_EQ(column_names(d), (std::vector<std::string>{"leaflist.x", "leaflist.y", "leaflist.z"}));
  EXPECT_EQ(d.columns[0].values.dtype, DType::F64);
  EXPECT_EQ(d.columns[1].values.dtype, DType::I32);
  EXPECT_EQ(d.columns[2].values.dtype, DType::I8);
  const std::vector<double> x = {1.1, 2.2, 3.3, 4.0, 5.5};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(d.columns[0].values.value(i), x[i]);
    EXPECT_EQ(d.columns[1].values.value(i), static_cast<double>(i + 1));
    EXPECT_EQ(d.columns[2].values.value(i), static_cast<double>('a' + i));
  }
}

TEST(RootTables, Sample62004AllCompressionsAgree) {
  const auto flat = read_root(root_file("uproot-sample-6.20.04-uncompressed.root"));
  const auto jagged = read_root(root_file("uproot-sample-6.20.04-uncompressed.root"), "", {"A*"});
  ASSERT_EQ(flat.rows(), 30u);
  EXPECT_EQ(flat.columns.size(), 1u + 11u * 4u);  // n + 11 types x (scalar + 3 array elements)
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(column(flat, "n").values.value(i), static_cast<double>(i % 5));
    EXPECT_EQ(column(flat, "i8").values.value(i), static_cast<double>(i) - 15.0);
    EXPECT_EQ(column(flat, "ai2[2]").values.value(i), static_cast<double>(i) - 12.0);
    EXPECT_EQ(column(flat, "b").values.value(i), i % 2 == 0 ? 1.0 : 0.0);
  }
  EXPECT_EQ(jagged.rows(), 60u);  // sum of n
  for (const char* f : {"uproot-sample-6.20.04-zlib.root", "uproot-sample-6.20.04-lz4.root",
                        "uproot-sample-6.20.04-lzma.root"}) {
    SCOPED_TRACE(f);
    EXPECT_TRUE(read_root(root_file(f)) == flat);
    EXPECT_TRUE(read_root(root_file(f), "sample", {"A*"}) == jagged);
  }
}

ErrorCode code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return ErrorCode::Internal;
}

TEST(RootTables, SelectionErrorsNameTheBranch) {
  const auto zmumu = root_file("uproot-Zmumu.root");
  const auto hzz = root_file("uproot-HZZ.root");
  std::string msg;
  EXPECT_EQ(code_of([&] { read_root(zmumu, "", {"Type"}); }, &msg), ErrorCode::Unsupported);
  EXPECT_NE(msg.find("'Type'"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { read_root(zmumu, "", {"nothing*"}); }, &msg), ErrorCode::Usage);
  EXPECT_NE(msg.find("nothing*"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { read_root(zmumu, "nope"); }, &msg), ErrorCode::Usage);
  EXPECT_NE(msg.find("events"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { read_root(hzz, "", {"Jet_*", "Muon_*"}); }, &msg), ErrorCode::Usage);
  EXPECT_NE(msg.find("NJet"), std::string::npos) << msg;
  EXPECT_NE(msg.find("NMuon"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { read_root(hzz, "", {"Jet_Px", "MET_px"}); }, &msg), ErrorCode::Usage);
  EXPECT_NE(msg.find("MET_px"), std::string::npos) << msg;
  ReadOptions field;
  field.kind = "field";
  EXPECT_EQ(code_of([&] { read_root_dataset(root_spec(zmumu), field); }), ErrorCode::Usage);
  // A glob over a mixed tree keeps what it can and says what it skipped.
  std::vector<std::string> notes;
  const auto d = read_root(zmumu, "events", {"*"}, &notes);
  EXPECT_EQ(d.columns.size(), 19u);
  ASSERT_EQ(notes.size(), 1u);
  const auto selected = read_root(zmumu, "events", {"px?", "M"});
  EXPECT_EQ(column_names(selected), (std::vector<std::string>{"px1", "px2", "M"}));
  const auto reordered = read_root(zmumu, "events", {"M", "px*", "px1"});
  EXPECT_EQ(column_names(reordered), (std::vector<std::string>{"M", "px1", "px2"}));
  // An array branch named by its branch name gives all its element columns.
  const auto arrays = read_root(root_file("uproot-small-flat-tree.root"), "tree", {"ArrayInt32"});
  EXPECT_EQ(arrays.columns.size(), 10u);
  EXPECT_EQ(arrays.columns[3].name, "ArrayInt32[3]");
}

}  // namespace
}  // namespace baler::test
