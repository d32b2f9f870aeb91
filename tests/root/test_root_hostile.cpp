// Hostile ROOT files: truncations, bit flips, corrupt baskets and huge declared sizes give a
// clear baler::Error naming the branch and basket, never a crash or a huge allocation.
#include "root_test_util.hpp"

namespace baler::test {
namespace {

std::vector<std::byte> load(const std::string& name) { return read_file_bytes(root_file(name)); }

// Reads the file every way (listing, flat table, every tree whole: strings and collections);
// returns true if it was accepted, false on baler::Error.
bool try_read(const std::filesystem::path& path) {
  try {
    describe_root_file(path);
    read_root(path);
    read_root_bundle(root_spec(path), nullptr);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::size_t find(const std::vector<std::byte>& hay, const std::string& needle, std::size_t from = 0) {
  const auto* p = reinterpret_cast<const char*>(hay.data());
  const std::string_view s(p, hay.size());
  return s.find(needle, from);
}

// Offset of the TKey whose class is `cls` and name `name` (the first one in the file).
std::size_t key_offset(const std::vector<std::byte>& file, const std::string& cls, const std::string& name) {
  const std::string tag = static_cast<char>(cls.size()) + cls + static_cast<char>(name.size()) + name;
  const auto at = find(file, tag);
  if (at == std::string::npos || at < 34) throw std::runtime_error("key not found");
  // fNbytes(4) fVersion(2) fObjlen(4) fDatime(4) fKeylen(2) fCycle(2), then fSeekKey (4 or 8
  // bytes, the key's own offset) and fSeekPdir: find the start whose fSeekKey points at itself.
  const auto be = [&](std::size_t k, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | std::to_integer<std::uint64_t>(file[k + i]);
    return v;
  };
  if (be(at - 34 + 18, 8) == at - 34) return at - 34;
  if (be(at - 26 + 18, 4) == at - 26) return at - 26;
  throw std::runtime_error("key start not found");
}

std::size_t basket_key(const std::vector<std::byte>& file, const std::string& branch) {
  return key_offset(file, "TBasket", branch);
}

std::size_t get_be32(const std::vector<std::byte>& b, std::size_t at) {
  std::size_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<std::size_t>(b[at + i]);
  return v;
}

void put_be32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = std::byte((v >> (24 - 8 * i)) & 0xFF);
}

TEST(RootHostile, TruncatedFilesGiveErrors) {
  TempDir dir;
  for (const char* name : {"uproot-leaflist.root", "uproot-small-flat-tree.root", "uproot-Zmumu-lz4.root"}) {
    const auto full = load(name);
    std::size_t accepted = 0, last_accepted = 0, first_refused = full.size();
    const std::size_t step = std::max<std::size_t>(1, full.size() / 150);
    for (std::size_t cut = 0; cut < full.size(); cut += step) {
      auto part = std::vector<std::byte>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
      write_bytes(dir / "cut.root", part);
      EXPECT_FALSE(try_read(dir / "cut.root")) << name << " cut at " << cut;
      // Also claim the cut length in the header (fEND), so parsing goes past the header check:
      // then only cuts into the trailing records baler does not need (streamer infos) may pass.
      if (cut >= 16) {
        put_be32(part, 12, static_cast<std::uint32_t>(cut));
        write_bytes(dir / "cut.root", part);
        if (try_read(dir / "cut.root")) last_accepted = std::max(last_accepted, cut), ++accepted;
        else first_refused = std::min(first_refused, cut);
      }
    }
    // Files end with streamer infos and free-segment records that a reader of trees never
    // needs; cuts before the last basket must all fail.
    EXPECT_GT(first_refused, 0u);
    EXPECT_LT(accepted, 150u / 2) << name << ": accepted cuts up to " << last_accepted;
  }
}

TEST(RootHostile, BitFlipsNeverCrash) {
  TempDir dir;
  for (const char* name : {"uproot-leaflist.root", "uproot-sample-6.20.04-uncompressed.root", "uproot-HZZ-lz4.root"}) {
    const auto [errors, accepted] = flip_bits(load(name), dir / "flip.root", try_read);
    EXPECT_GT(errors, 0u) << name;
    EXPECT_GT(accepted, 0u) << name;  // flips in padding, names, values are read back as data
  }
}

// Whole files as compress carries them (objects, directories, std::vector branches read into
// tables, trees rewritten in place) and written back: truncations and bit flips give an Error
// from the reader or the writer, never a crash.
// Writes `b` as a ROOT file at `out`: true, or false on baler::Error.
bool writes_back(const RootBundle& b, const std::filesystem::path& out) {
  try {
    write_root_bundle(out, b);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool try_whole(const std::filesystem::path& path, const std::filesystem::path& out) {
  try {
    return writes_back(read_root_bundle(root_spec(path), nullptr), out);
  } catch (const Error&) {
    return false;
  }
}

TEST(RootHostile, WholeFilesWithObjectsAndVectorsNeverCrash) {
  TempDir dir;
  for (const char* name : {"skhep/uproot-histograms.root", "skhep/uproot-nesteddirs.root", "skhep/uproot-stl_containers.root",
                           "skhep/uproot-vectorVectorDouble.root", "skhep/uproot-issue-1043.root",
                           "skhep/uproot-issue-250.root", "skhep/uproot-small-dy-nooffsets.root"}) {
    SCOPED_TRACE(name);
    const auto full = load(name);
    ASSERT_TRUE(try_whole(root_file(name), dir / "out.root"));
    const auto [errors, accepted] = flip_bits(full, dir / "flip.root", [&](const auto& p) { return try_whole(p, dir / "out.root"); });
    EXPECT_GT(errors, 0u);
    const std::size_t step = std::max<std::size_t>(1, full.size() / 60);
    for (std::size_t cut = 0; cut < full.size(); cut += step) {
      write_bytes(dir / "cut.root", std::vector<std::byte>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
      EXPECT_FALSE(try_whole(dir / "cut.root", dir / "out.root")) << "cut at " << cut;
    }
  }
}

// A bundle whose carried parts lie (positions, sizes, indices, counts) is refused by the ROOT
// writer with an Error, never a crash or a write out of bounds.
TEST(RootHostile, LyingCarriedPartsAreRefusedByTheWriter) {
  TempDir dir;
  const auto good = read_root_bundle(root_spec(root_file("skhep/uproot-stl_containers.root")), nullptr);
  const auto write = [&](const RootBundle& b) { return writes_back(b, dir / "out.root"); };
  ASSERT_TRUE(write(good));
  std::size_t refused = 0, tried = 0;
  // Every int64 attribute value set to -1, 0, a huge value and one more than it was.
  for (std::size_t o = 0; o < good.index.objects.size(); ++o)
    for (std::size_t a = 0; a < good.index.objects[o].attributes.size(); ++a) {
      const auto& attr = good.index.objects[o].attributes[a];
      if (attr.is_string || attr.dtype != DType::I64) continue;
      for (std::size_t i = 0; i < attr.bytes.size() / 8; ++i)
        for (const std::int64_t v : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1} << 40, std::int64_t{7}}) {
          RootBundle b = good;
          std::memcpy(b.index.objects[o].attributes[a].bytes.data() + 8 * i, &v, 8);
          ++tried;
          refused += !write(b);
        }
    }
  // The carried bytes cut short or grown, and the basket table's integers changed.
  for (std::size_t k = 0; k < good.members.size(); ++k) {
    if (good.members[k].first.find("/ROOT.") == std::string::npos) continue;
    for (std::size_t c = 0; c < good.members[k].second.columns.size(); ++c) {
      RootBundle b = good;
      auto& col = b.members[k].second.columns[c].values;
      if (col.dtype == DType::U8) {
        col.bytes.resize(col.bytes.size() / 2);
        col.shape = {static_cast<std::int64_t>(col.bytes.size())};
      } else {
        for (std::size_t i = 0; i < col.bytes.size(); i += dtype_size(col.dtype)) col.bytes[i] ^= std::byte{0x5A};
      }
      ++tried;
      refused += !write(b);
    }
  }
  EXPECT_GT(tried, 20u);
  EXPECT_GT(refused, tried / 4) << refused << " of " << tried;
}

TEST(RootHostile, EveryBitFlipInOneBasketIsAnErrorNamingItOrHarmless) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"uproot-leaflist.root", "leaflist"},     // zlib
      {"uproot-HZZ-lz4.root", "NJet"},          // lz4
      {"uproot-sample-6.20.04-lz4.root", "af8"}  // stored raw
  };
  for (const auto& [name, branch] : cases) {
    const auto full = load(name);
    const auto key = basket_key(full, branch);
    const auto nbytes = get_be32(full, key);
    const auto keylen = (get_be32(full, key + 12) & 0xFFFF);
    const bool compressed = get_be32(full, key + 6) != nbytes - keylen;
    const auto expected = read_root(root_file(name), "", {branch});
    std::size_t errors = 0;
    const std::size_t span = std::min<std::size_t>(nbytes, 600);  // key, block header, data
    for (std::size_t at = key; at < key + span; ++at) {
      auto flipped = full;
      flipped[at] ^= std::byte{static_cast<unsigned char>(1u << (at % 8))};
      write_bytes(dir / "flip.root", flipped);
      try {
        const auto d = read_root(dir / "flip.root", "", {branch});
        // Accepted: the flip hit a field the reader does not use, or a raw data value.
        EXPECT_EQ(column_names(d), column_names(expected)) << name << " byte " << at - key;
        EXPECT_EQ(d.rows(), expected.rows()) << name << " byte " << at - key;
      } catch (const Error& e) {
        ++errors;
        EXPECT_NE(std::string(e.what()).find("branch '" + branch + "' basket 0"), std::string::npos)
            << name << " byte " << at - key << ": " << e.what();
      }
    }
    if (compressed) {
      EXPECT_GT(errors, span / 2) << name;  // compressed data are checked
    }
  }
}

TEST(RootHostile, CorruptCompressedBasketNamesBranchAndBasket) {
  TempDir dir;
  for (const char* name : {"uproot-Zmumu-lz4.root", "uproot-Zmumu-zlib.root", "uproot-Zmumu-lzma.root",
                           "uproot-Zmumu-zstd.root"}) {
    auto file = load(name);
    const auto key = basket_key(file, "px1");
    const auto keylen = (std::to_integer<std::size_t>(file[key + 14]) << 8) | std::to_integer<std::size_t>(file[key + 15]);
    // Inside the compressed stream (zstd frames carry no checksum: hit its magic number).
    const bool zstd = std::string(name).find("zstd") != std::string::npos;
    file[key + keylen + 9 + (zstd ? 1 : 30)] ^= std::byte{0x5A};
    write_bytes(dir / "bad.root", file);
    std::string msg;
    try {
      read_root(dir / "bad.root", "events", {"px1"});
      ADD_FAILURE() << name << ": corrupt basket accepted";
    } catch (const Error& e) {
      msg = e.what();
      EXPECT_EQ(e.code(), ErrorCode::Malformed) << msg;
    }
    EXPECT_NE(msg.find("branch 'px1' basket 0"), std::string::npos) << msg;
    if (std::string(name).find("lz4") != std::string::npos) {
      EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
    }
    // Other branches of the same file still read.
    EXPECT_EQ(read_root(dir / "bad.root", "events", {"px2"}).rows(), 2304u);
  }
}

TEST(RootHostile, HugeDeclaredSizesAreRefusedBeforeAllocating) {
  TempDir dir;
  {  // a basket claiming a 2 GB payload
    auto file = load("uproot-Zmumu-zlib.root");
    put_be32(file, basket_key(file, "Run") + 6, 0x7FFFFFF0u);
    write_bytes(dir / "huge.root", file);
    std::string msg;
    try {
      read_root(dir / "huge.root", "events", {"Run"});
      ADD_FAILURE() << "huge basket accepted";
    } catch (const Error& e) {
      msg = e.what();
      EXPECT_EQ(e.code(), ErrorCode::Limit) << msg;
    }
    EXPECT_NE(msg.find("branch 'Run' basket 0"), std::string::npos) << msg;
  }
  {  // the tree's own key claiming 2 GB
    auto file = load("uproot-Zmumu-zlib.root");
    // Patch the key before the object and its copy in the directory's key list (both point
    // at the object).
    const auto object = key_offset(file, "TTree", "events");
    const std::string tag = std::string("\x05TTree\x06") + "events";
    int patched = 0;
    for (auto at = find(file, tag); at != std::string::npos; at = find(file, tag, at + 1))
      for (std::size_t start : {at - 26, at - 34}) {
        std::uint32_t seek = 0;
        for (int i = 0; i < 4; ++i) seek = (seek << 8) | std::to_integer<std::uint32_t>(file[start + 18 + i + (start + 34 == at ? 4 : 0)]);
        if (seek == object) put_be32(file, start + 6, 0x7FFFFFF0u), ++patched;
      }
    ASSERT_EQ(patched, 2);
    write_bytes(dir / "huge.root", file);
    try {
      read_root(dir / "huge.root");
      ADD_FAILURE() << "huge tree accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Limit) << e.what();
    }
  }
}

TEST(RootHostile, HugeFixedArrayLeafIsRefused) {
  TempDir dir;
  auto file = load("uproot-Zmumu-uncompressed.root");  // the TTree object is stored raw
  const std::string_view view(reinterpret_cast<const char*>(file.data()), file.size());
  const auto leaf = view.find("\x01M\x01M");  // TNamed of the leaf of branch M, then fLen
  ASSERT_NE(leaf, std::string::npos);
  put_be32(file, leaf + 4, 0x7FFFFFFFu);
  write_bytes(dir / "wide.root", file);
  try {
    read_root(dir / "wide.root");
    ADD_FAILURE() << "huge leaf accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Limit) << e.what();
    EXPECT_NE(std::string(e.what()).find("branch 'M'"), std::string::npos) << e.what();
  }
}

TEST(RootHostile, NotARootFile) {
  TempDir dir;
  write_bytes(dir / "x.root", std::vector<std::byte>(100, std::byte{'x'}));
  try {
    describe_root_file(dir / "x.root");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_NE(std::string(e.what()).find("not a ROOT file"), std::string::npos);
  }
  EXPECT_THROW(describe_root_file(dir / "missing.root"), Error);
}

}  // namespace
}  // namespace baler::test
