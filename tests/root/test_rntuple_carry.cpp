// RNTuples written back as RNTuples (rntuple.hpp carry_ntuple, write_ntuple): every RNTuple file
// of the shared data read by baler's reader from the original and from the file written back
// gives the same tables; pages are rebuilt from the tables (changed values come back changed);
// carried parts that lie are refused with an error, never written.
#include <cstring>

#include "rntuple.hpp"
#include "root_internal.hpp"
#include "root_test_util.hpp"

namespace baler::test {
namespace {

using rootio::RootFile;
using rootio::TreeTables;

std::vector<std::filesystem::path> rntuple_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& dir : {root_file(""), root_file("skhep")}) {
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().filename().string().find("rntuple") != std::string::npos && e.path().extension() == ".root")
        out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool same(const TreeTables& a, const TreeTables& b) {
  if (a.entries != b.entries || !(a.flat == b.flat) || a.skipped != b.skipped || a.views != b.views ||
      a.title != b.title || a.collections.size() != b.collections.size())
    return false;
  for (std::size_t i = 0; i < a.collections.size(); ++i)
    if (a.collections[i].name != b.collections[i].name || a.collections[i].counter != b.collections[i].counter ||
        !(a.collections[i].objects == b.collections[i].objects))
      return false;
  return true;
}

std::pair<std::string, Dataset>* find_member(RootBundle& b, const std::string& path) {
  for (auto& m : b.members)
    if (m.first == path) return &m;
  return nullptr;
}

TEST(RNTupleCarry, EveryRNTupleFileComesBackAsTheSameRNTuples) {
  const auto files = rntuple_files();
  if (files.empty()) GTEST_SKIP() << "no RNTuple files under " << root_file("");
  TempDir dir;
  std::size_t ntuples = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const RootFile src(f);
    const auto names = rootio::list_rntuples(src);
    RootBundle b;
    try {
      b = read_root_bundle(root_spec(f), nullptr);
    } catch (const Error& e) {
      // The reader's own refusal (no readable field and nothing to carry): stated, not silent.
      ADD_FAILURE() << e.what();
      continue;
    }
    const auto out = dir / "out.root";
    ASSERT_NO_THROW(write_root_bundle(out, b));
    const RootFile back(out);
    EXPECT_EQ(rootio::list_rntuples(back), names);
    for (const auto& n : names) {
      SCOPED_TRACE(n);
      EXPECT_TRUE(same(rootio::read_rntuple(src, n), rootio::read_rntuple(back, n)));
      ++ntuples;
    }
  }
  EXPECT_GE(ntuples, 20u);
}

// A value changed in the tables (as a lossy compress changes it) is the value written.
TEST(RNTupleCarry, PagesAreRebuiltFromTheTables) {
  const auto f = root_file("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root");
  RootBundle b = read_root_bundle(root_spec(f), nullptr);
  auto* objects = find_member(b, "/Events/nMuon");
  ASSERT_NE(objects, nullptr);
  Column* pt = nullptr;
  for (auto& c : objects->second.columns)
    if (c.name == "Muon_pt") pt = &c;
  ASSERT_NE(pt, nullptr);
  auto v = pt->values.as<float>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25f;
  TempDir dir;
  write_root_bundle(dir / "out.root", b);
  const auto back = rootio::read_rntuple(RootFile(dir / "out.root"), "Events");
  ASSERT_EQ(back.collections.size(), 1u);
  const Array* got = nullptr;
  for (const auto& c : back.collections[0].objects.columns)
    if (c.name == "Muon_pt") got = &c.values;
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(*got == pt->values);
  // The other columns are untouched.
  const auto orig = rootio::read_rntuple(RootFile(f), "Events");
  EXPECT_TRUE(back.flat == orig.flat);
}

// Carried parts that lie: the writer refuses them (Error), never crashes.
TEST(RNTupleCarry, LyingCarriedPartsAreRefused) {
  const auto f = root_file("cmsopendata2015_ttbar_19980_NANOAOD_RNTupleImporter_rntuple_v1-0-0-1.root");
  const RootBundle good = read_root_bundle(root_spec(f), nullptr);
  TempDir dir;
  const auto tries = [&](const RootBundle& b) {
    try {
      write_root_bundle(dir / "out.root", b);
      return true;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()), "");
      return false;
    }
  };
  ASSERT_TRUE(tries(good));
  std::size_t tried = 0, refused = 0;
  // Every byte of the first 4 KiB of the carried metadata flipped in turn (anchor, header,
  // footer, page lists: checksummed), and the carried bytes cut.
  RootBundle b = good;
  auto* bytes = find_member(b, "/Events/ROOT.bytes");
  ASSERT_NE(bytes, nullptr);
  auto& raw = bytes->second.columns.at(0).values.bytes;
  for (std::size_t i = 0; i < std::min<std::size_t>(raw.size(), 4096); i += 7) {
    raw[i] ^= std::byte{0x41};
    ++tried;
    refused += !tries(b);
    raw[i] ^= std::byte{0x41};
  }
  EXPECT_EQ(refused, tried) << "a flipped metadata byte was written";
  RootBundle cut = good;
  auto& cut_raw = find_member(cut, "/Events/ROOT.bytes")->second.columns.at(0).values;
  cut_raw.bytes.resize(cut_raw.bytes.size() - 1);
  cut_raw.shape = {static_cast<std::int64_t>(cut_raw.bytes.size())};
  EXPECT_FALSE(tries(cut));
  // The page table's rows changed, a counter that disagrees with its collection.
  RootBundle pages = good;
  auto& p = find_member(pages, "/Events/ROOT.pages")->second.columns.at(0).values;
  std::int64_t big = 1 << 20;
  std::memcpy(p.bytes.data(), &big, 8);
  EXPECT_FALSE(tries(pages));
  RootBundle counter = good;
  for (auto& c : find_member(counter, "/Events/entries")->second.columns)
    if (c.name == "nJet") c.values.as<std::uint32_t>()[0] += 1;
  EXPECT_FALSE(tries(counter));
}

}  // namespace
}  // namespace baler::test
