// RNTuple reader: the two shared RNTuple files (listing, entry counts, collections, spot values
// compared with an independent reader) and hostile variants (truncations, bit flips, and edited
// metadata envelopes whose checksums were recomputed so that the parser itself is exercised).
#include <xxhash.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "root_internal.hpp"
#include "rntuple.hpp"
#include "test_support.hpp"

namespace baler::test {
namespace {

using rootio::RootFile;
using rootio::TreeTables;

const char* kMuons = "root/Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root";
const char* kNano = "root/cmsopendata2015_ttbar_19980_NANOAOD_RNTupleImporter_rntuple_v1-0-0-1.root";

TreeTables read(const std::filesystem::path& p) {
  RootFile f(p);
  return rootio::read_rntuple(f, "Events");
}

const Column& col(const Dataset& d, const std::string& name) {
  for (const auto& c : d.columns)
    if (c.name == name) return c;
  throw std::runtime_error("no column " + name);
}

const rootio::TreeCollection& coll(const TreeTables& t, const std::string& counter) {
  for (const auto& c : t.collections)
    if (c.counter == counter) return c;
  throw std::runtime_error("no collection counted by " + counter);
}

// First object row of entry `e` of a collection.
std::size_t first_row(const TreeTables& t, const std::string& counter, std::size_t e) {
  const auto& n = col(t.flat, counter).values;
  std::size_t row = 0;
  for (std::size_t i = 0; i < e; ++i) row += static_cast<std::size_t>(n.value(i));
  return row;
}

template <typename T>
T at(const Dataset& d, const std::string& name, std::size_t i) {
  return col(d, name).values.as<T>()[i];
}

bool same(const TreeTables& a, const TreeTables& b) {
  if (a.entries != b.entries || !(a.flat == b.flat) || a.skipped != b.skipped || a.views != b.views ||
      a.collections.size() != b.collections.size())
    return false;
  for (std::size_t i = 0; i < a.collections.size(); ++i)
    if (a.collections[i].name != b.collections[i].name ||
        a.collections[i].counter != b.collections[i].counter ||
        !(a.collections[i].objects == b.collections[i].objects))
      return false;
  return true;
}

std::vector<std::byte> load(const std::filesystem::path& p) {
  const auto s = slurp(p);
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

void save(const std::filesystem::path& p, std::span<const std::byte> b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Reads (describe, then read) a file; true if accepted, false on baler::Error. Anything else
// (another exception, a crash) fails the test.
bool try_read(const std::filesystem::path& p, TreeTables* out = nullptr, bool describe = true) {
  try {
    RootFile f(p);
    if (describe) rootio::describe_rntuple(f, "Events");
    auto t = rootio::read_rntuple(f, "Events");
    if (out) *out = std::move(t);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// ------------------------------------------------------------------------------------------
// Values: expected numbers come from JSROOT 7.11.2 (npm package `jsroot`, modules/rntuple.mjs),
// read in a scratch folder with rntupleProcess(); the importer's untyped collections were
// labelled as std::vector of a class in JSROOT's field descriptors so that it decodes them.

TEST(RNTuple, ListsAnchors) {
  for (const char* name : {kMuons, kNano}) {
    RootFile f(data_file(name));
    EXPECT_EQ(rootio::list_rntuples(f), std::vector<std::string>{"Events"}) << name;
  }
}

TEST(RNTuple, MuonsFile) {
  const auto t = read(data_file(kMuons));
  EXPECT_EQ(t.class_name, "ROOT::RNTuple");
  EXPECT_EQ(t.path, "Events");
  EXPECT_EQ(t.entries, 1000);
  // The importer's layout: untyped collection _collection0 of an untyped record, with a
  // cardinality projection nMuon (the counter) and RVec projections (views).
  ASSERT_EQ(t.flat.columns.size(), 1u);
  EXPECT_EQ(t.flat.columns[0].name, "nMuon");
  EXPECT_EQ(t.flat.columns[0].values.dtype, DType::U32);
  ASSERT_EQ(t.collections.size(), 1u);
  const auto& mu = t.collections[0];
  EXPECT_EQ(mu.name, "_collection0");
  EXPECT_EQ(mu.counter, "nMuon");
  EXPECT_EQ(column_names(mu.objects),
            (std::vector<std::string>{"Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge"}));
  EXPECT_EQ(mu.objects.rows(), 2372u);  // JSROOT: sum of collection sizes
  std::uint64_t sum = 0;
  for (auto n : t.flat.columns[0].values.as<std::uint32_t>()) sum += n;
  EXPECT_EQ(sum, mu.objects.rows());
  EXPECT_EQ(col(mu.objects, "Muon_pt").values.dtype, DType::F32);
  EXPECT_EQ(col(mu.objects, "Muon_charge").values.dtype, DType::I32);
  EXPECT_EQ(t.views.size(), 5u);  // Muon_pt .. Muon_charge RVec projections
  EXPECT_TRUE(t.skipped.empty());

  const auto n = t.flat.columns[0].values.as<std::uint32_t>();
  EXPECT_EQ(n[0], 2u);
  EXPECT_EQ(n[1], 2u);
  EXPECT_EQ(n[999], 3u);
  // Entry 0 (JSROOT): pt 10.763696670532227, 15.736522674560547; eta 1.0668272972106934;
  // phi -0.03427272289991379; mass 0.10565836727619171; charge -1, -1.
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 0), 10.763696670532227f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 1), 15.736522674560547f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_eta", 0), 1.0668272972106934f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_phi", 0), -0.03427272289991379f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_mass", 0), 0.10565836727619171f);
  EXPECT_EQ(at<std::int32_t>(mu.objects, "Muon_charge", 0), -1);
  EXPECT_EQ(at<std::int32_t>(mu.objects, "Muon_charge", 1), -1);
  // Entry 1: pt 10.538490295410156, 16.327096939086914; charge 1, -1.
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 2), 10.538490295410156f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 3), 16.327096939086914f);
  EXPECT_EQ(at<std::int32_t>(mu.objects, "Muon_charge", 2), 1);
  EXPECT_EQ(at<std::int32_t>(mu.objects, "Muon_charge", 3), -1);
  // Entry 999 (the last three rows): pt 28.948583602905273, 8.6165132522583,
  // 4.507049083709717; eta -1.710912823677063 (last); charge -1, 1, 1.
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 2369), 28.948583602905273f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 2370), 8.6165132522583f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_pt", 2371), 4.507049083709717f);
  EXPECT_EQ(at<float>(mu.objects, "Muon_eta", 2371), -1.710912823677063f);
  EXPECT_EQ(at<std::int32_t>(mu.objects, "Muon_charge", 2369), -1);
  EXPECT_EQ(at<std::int32_t>(mu.objects, "Muon_charge", 2371), 1);
}

TEST(RNTuple, NanoAodFile) {
  const auto t = read(data_file(kNano));
  EXPECT_EQ(t.entries, 10);
  for (const auto& c : t.flat.columns) EXPECT_EQ(c.values.size(), 10u) << c.name;
  EXPECT_EQ(col(t.flat, "run").values.dtype, DType::U32);
  EXPECT_EQ(col(t.flat, "event").values.dtype, DType::U64);
  EXPECT_EQ(col(t.flat, "MET_pt").values.dtype, DType::F32);
  EXPECT_EQ(col(t.flat, "Flag_goodVertices").values.dtype, DType::Bool);
  EXPECT_EQ(col(t.flat, "PV_npvs").values.dtype, DType::I32);
  // JSROOT, entries 0 and 9.
  EXPECT_EQ(at<std::uint32_t>(t.flat, "run", 0), 1u);
  EXPECT_EQ(at<std::uint32_t>(t.flat, "luminosityBlock", 0), 224561u);
  EXPECT_EQ(at<std::uint64_t>(t.flat, "event", 0), 44727241u);
  EXPECT_EQ(at<std::uint64_t>(t.flat, "event", 9), 44727250u);
  EXPECT_EQ(at<float>(t.flat, "MET_pt", 0), 30.710031509399414f);
  EXPECT_EQ(at<float>(t.flat, "MET_pt", 9), 29.243669509887695f);
  EXPECT_TRUE(std::isnan(at<float>(t.flat, "HTXS_Higgs_y", 0)));  // JSROOT: NaN
  EXPECT_TRUE(at<bool>(t.flat, "Flag_goodVertices", 0));
  EXPECT_TRUE(at<bool>(t.flat, "HLT_PFJet40", 9));
  EXPECT_EQ(at<std::int32_t>(t.flat, "PV_npvs", 0), 3);
  EXPECT_EQ(at<std::int32_t>(t.flat, "PV_npvs", 9), 18);
  EXPECT_EQ(at<float>(t.flat, "genWeight", 0), 1.0f);

  // 22 collections; object counts per collection summed over the 10 entries (JSROOT).
  ASSERT_EQ(t.collections.size(), 22u);
  const std::map<std::string, std::size_t> rows = {
      {"nCorrT1METJet", 22}, {"nElectron", 13}, {"nFatJet", 1},   {"nFsrPhoton", 0},
      {"nGenDressedLepton", 5}, {"nGenIsolatedPhoton", 1}, {"nGenJet", 70}, {"nGenJetAK8", 1},
      {"nGenPart", 509}, {"nGenVisTau", 1}, {"nJet", 75}, {"nLHEPart", 90},
      {"nLHEPdfWeight", 1000}, {"nLHEReweightingWeight", 0}, {"nLHEScaleWeight", 90},
      {"nMuon", 6}, {"nOtherPV", 29}, {"nPSWeight", 10}, {"nPhoton", 18}, {"nSV", 21},
      {"nSoftActivityJet", 60}, {"nTau", 7}};
  for (const auto& c : t.collections) {
    ASSERT_TRUE(rows.count(c.counter)) << c.counter;
    EXPECT_EQ(c.objects.rows(), rows.at(c.counter)) << c.counter;
    std::uint64_t sum = 0;
    const auto& n = col(t.flat, c.counter).values;
    for (std::size_t i = 0; i < n.size(); ++i) sum += static_cast<std::uint64_t>(n.value(i));
    EXPECT_EQ(sum, c.objects.rows()) << c.counter;
    for (const auto& k : c.objects.columns) EXPECT_EQ(k.values.size(), c.objects.rows()) << k.name;
  }
  // Entry 9's first jet (JSROOT): pt 176.875, eta -1.326171875, nConstituents 39,
  // electronIdx1 0, btagDeepFlavB -3000.
  const auto& jet = coll(t, "nJet");
  EXPECT_EQ(jet.name, "_collection10");
  const auto r = first_row(t, "nJet", 9);
  EXPECT_EQ(at<float>(jet.objects, "Jet_pt", r), 176.875f);
  EXPECT_EQ(at<float>(jet.objects, "Jet_eta", r), -1.326171875f);
  EXPECT_EQ(at<float>(jet.objects, "Jet_btagDeepFlavB", r), -3000.0f);
  EXPECT_EQ(col(jet.objects, "Jet_nConstituents").values.value(r), 39.0);
  EXPECT_EQ(col(jet.objects, "Jet_electronIdx1").values.value(r), 0.0);
  EXPECT_EQ(col(t.flat, "nMuon").values.value(9), 0.0);  // JSROOT: entry 9 has no muons
  // Projected RVec views are not read twice, with a reason.
  bool found = false;
  for (const auto& s : t.views) found |= s.rfind("Jet_pt (projection of _collection10", 0) == 0;
  EXPECT_TRUE(found);
}

TEST(RNTuple, Describe) {
  RootFile f(data_file(kMuons));
  const auto lines = rootio::describe_rntuple(f, "Events");
  ASSERT_EQ(lines.size(), 7u);  // _collection0, 5 RVec projections, nMuon
  EXPECT_NE(lines[0].find("collection, counter 'nMuon'"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("Muon_pt float32"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("skipped (projection of _collection0"), std::string::npos) << lines[1];
  EXPECT_NE(lines[6].find("counter (uint32) of collection '_collection0'"), std::string::npos) << lines[6];
  EXPECT_THROW(rootio::describe_rntuple(f, "Nope"), Error);
  // Cycle suffix and leading slash are accepted.
  EXPECT_EQ(rootio::read_rntuple(f, "/Events;1").entries, 1000);
}

TEST(RNTuple, TTreeFilesHaveNone) {
  RootFile f(data_file("root/uproot-Zmumu.root"));
  EXPECT_TRUE(rootio::list_rntuples(f).empty());
  try {
    rootio::read_rntuple(f, "events");
    FAIL() << "read a TTree as an RNTuple";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
  }
}

// ------------------------------------------------------------------------------------------
// Hostile files.

TEST(RNTupleHostile, Truncations) {
  TempDir dir;
  for (const char* name : {kMuons, kNano}) {
    const auto bytes = load(data_file(name));
    const auto path = dir / "cut.root";
    std::size_t rejected = 0, tried = 0;
    for (std::size_t n = 0; n < bytes.size(); n += (n < 512 ? 13 : 97)) {
      save(path, std::span<const std::byte>(bytes).first(n));
      ++tried;
      rejected += !try_read(path);
    }
    // Every cut loses the anchor/footer (written last) or earlier data: all are refused.
    EXPECT_EQ(rejected, tried) << name;
  }
}

TEST(RNTupleHostile, BitFlips) {
  TempDir dir;
  for (const char* name : {kMuons, kNano}) {
    const auto bytes = load(data_file(name));
    const auto original = read(data_file(name));
    const auto path = dir / "flip.root";
    std::size_t rejected = 0;
    // About 1500 flips of the small file, 400 of the larger (slower to read) one.
    const std::size_t step = bytes.size() / (name == kMuons ? 1500 : 400) + 1;
    for (std::size_t i = 0; i < bytes.size(); i += step) {
      auto b = bytes;
      b[i] ^= std::byte(1u << (i % 8));
      save(path, b);
      TreeTables t;
      if (try_read(path, &t)) {
        // Accepted only where the byte is not RNTuple data (checksums guard it all).
        EXPECT_TRUE(same(t, original)) << name << ": flip at " << i << " changed the values";
      } else {
        ++rejected;
      }
    }
    EXPECT_GT(rejected, 0u);
  }
}

// The metadata of a file rewritten with uncompressed, edited envelopes: header, page list and
// footer appended at the end, every checksum (envelopes, header checksum copies, anchor)
// recomputed, so that edits reach the parser instead of stopping at a checksum.
class Rewriter {
 public:
  explicit Rewriter(const std::filesystem::path& path) : file_(load(path)) {
    RootFile f(path);
    for (const auto& e : f.entries())
      if (e.key.class_name == "ROOT::RNTuple") anchor_ = e.key.seek_key + static_cast<std::size_t>(e.key.keylen) + 6;
    if (!anchor_) throw std::runtime_error("no anchor");
    header_ = envelope(be(anchor_ + 8), be(anchor_ + 16), be(anchor_ + 24));
    footer_ = envelope(be(anchor_ + 32), be(anchor_ + 40), be(anchor_ + 48));
    // Footer: preamble 8, feature flags 8, header checksum 8, schema extension frame, then the
    // cluster group list frame (size 8, count 4) whose first record (size 8, min entry 8,
    // entry span 8, cluster count 4) ends with the page list link (length 8, locator 4 + 8).
    std::int64_t ext;
    std::memcpy(&ext, footer_.data() + 24, 8);
    link_ = 24 + static_cast<std::size_t>(ext) + 12 + 8 + 8 + 8 + 4;
    page_list_ = envelope(le(footer_, link_ + 12), le(footer_, link_ + 8) & 0xFFFFFFFFu, le(footer_, link_));
  }

  std::vector<std::byte>& header() { return header_; }
  std::vector<std::byte>& footer() { return footer_; }
  std::vector<std::byte>& page_list() { return page_list_; }

  // The file with the (edited) envelopes made consistent.
  std::vector<std::byte> build(std::vector<std::byte> h, std::vector<std::byte> p, std::vector<std::byte> f) const {
    auto out = file_;
    seal(h);
    const auto hsum = le(h, h.size() - 8);
    put_le(p, 8, hsum);
    seal(p);
    put_le(f, 16, hsum);
    const std::uint64_t h_at = out.size(), p_at = h_at + h.size(), f_at = p_at + p.size();
    put_le(f, link_, p.size());
    put_le32(f, link_ + 8, static_cast<std::uint32_t>(p.size()));
    put_le(f, link_ + 12, p_at);
    seal(f);
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), p.begin(), p.end());
    out.insert(out.end(), f.begin(), f.end());
    put_be(out, anchor_ + 8, h_at);
    put_be(out, anchor_ + 16, h.size());
    put_be(out, anchor_ + 24, h.size());
    put_be(out, anchor_ + 32, f_at);
    put_be(out, anchor_ + 40, f.size());
    put_be(out, anchor_ + 48, f.size());
    put_be(out, anchor_ + 64, XXH3_64bits(out.data() + anchor_, 64));
    return out;
  }

 private:
  std::uint64_t be(std::size_t at) const {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | std::to_integer<std::uint64_t>(file_[at + i]);
    return v;
  }
  static std::uint64_t le(const std::vector<std::byte>& b, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(b[at + i]);
    return v;
  }
  static void put_le(std::vector<std::byte>& b, std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + i] = std::byte((v >> (8 * i)) & 0xFF);
  }
  static void put_le32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = std::byte((v >> (8 * i)) & 0xFF);
  }
  static void put_be(std::vector<std::byte>& b, std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + i] = std::byte((v >> (56 - 8 * i)) & 0xFF);
  }
  static void seal(std::vector<std::byte>& e) { put_le(e, e.size() - 8, XXH3_64bits(e.data(), e.size() - 8)); }
  std::vector<std::byte> envelope(std::uint64_t offset, std::uint64_t size, std::uint64_t length) const {
    const auto raw = std::span<const std::byte>(file_).subspan(offset, size);
    if (size == length) return {raw.begin(), raw.end()};
    return rootio::decompress_blocks(raw, length, "test envelope");
  }

  std::vector<std::byte> file_;
  std::size_t anchor_ = 0, link_ = 0;
  std::vector<std::byte> header_, footer_, page_list_;
};

TEST(RNTupleHostile, RewrittenUnchangedReadsTheSame) {
  TempDir dir;
  for (const char* name : {kMuons, kNano}) {
    Rewriter w(data_file(name));
    save(dir / "same.root", w.build(w.header(), w.page_list(), w.footer()));
    TreeTables t;
    ASSERT_TRUE(try_read(dir / "same.root", &t)) << name;
    EXPECT_TRUE(same(t, read(data_file(name)))) << name;
  }
}

// Flips bits at many offsets of each metadata envelope, checksums made valid: every result is
// a table or a baler::Error, never a crash (run under ASan/UBSan in the sanitizer build).
TEST(RNTupleHostile, EditedEnvelopesWithValidChecksums) {
  TempDir dir;
  const auto path = dir / "edit.root";
  for (const char* name : {kMuons, kNano}) {
    Rewriter w(data_file(name));
    std::size_t tried = 0, rejected = 0;
    for (int which = 0; which < 3; ++which) {
      const auto& env = which == 0 ? w.header() : which == 1 ? w.page_list() : w.footer();
      const std::size_t len = env.size();
      const std::size_t step = std::max<std::size_t>(1, len / (name == kMuons ? 400 : 100));
      for (std::size_t i = 8; i + 8 < len; i += step) {
        for (std::uint8_t mask : {std::uint8_t(1u << (i % 8)), std::uint8_t(0xFF)}) {
          auto h = w.header(), p = w.page_list(), f = w.footer();
          auto& e = which == 0 ? h : which == 1 ? p : f;
          e[i] ^= std::byte(mask);
          save(path, w.build(h, p, f));
          ++tried;
          rejected += !try_read(path, nullptr, mask == 0xFF);
        }
      }
    }
    EXPECT_GT(rejected, 0u) << name;
    EXPECT_GT(tried, name == kMuons ? 1000u : 500u) << name;
  }
}

TEST(RNTupleHostile, HugeDeclaredSizesAreRefused) {
  TempDir dir;
  Rewriter w(data_file(kMuons));
  // The first page of the page list: make its element count huge (2^31 - 1).
  auto p = w.page_list();
  // Find the first page description: cluster summaries frame, then nested frames; simplest is
  // to scan for the page count value 1000 of the first column (Index64 of 1000 entries).
  bool edited = false;
  for (std::size_t i = 16; i + 4 < p.size(); ++i) {
    std::int32_t v;
    std::memcpy(&v, p.data() + i, 4);
    if (v == -1000 || v == 1000) {
      const std::int32_t huge = v < 0 ? -0x7FFFFFFF : 0x7FFFFFFF;
      std::memcpy(p.data() + i, &huge, 4);
      edited = true;
      break;
    }
  }
  ASSERT_TRUE(edited);
  save(dir / "huge.root", w.build(w.header(), p, w.footer()));
  RootFile f(dir / "huge.root");
  try {
    rootio::read_rntuple(f, "Events");
    FAIL() << "accepted a page of 2^31 elements";
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == ErrorCode::Malformed || e.code() == ErrorCode::Limit) << e.what();
    EXPECT_NE(std::string(e.what()).find("RNTuple 'Events'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace baler::test
