// File layouts the shared data lack: a large (64-bit) file header and directory records, keys of
// both sizes in one file, and a tree inside a subdirectory. Built from uproot-leaflist.root by
// rewriting its header and directory and appending new key lists.
#include "root_test_util.hpp"

namespace baler::test {
namespace {

struct Bytes {
  std::vector<std::byte> b;
  void u8(std::uint64_t v) { b.push_back(std::byte(v & 0xFF)); }
  void be(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) u8(v >> (8 * i));
  }
  void str(const std::string& s) {
    u8(s.size());
    for (char c : s) u8(static_cast<unsigned char>(c));
  }
};

std::uint64_t get_be(const std::vector<std::byte>& f, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | std::to_integer<std::uint64_t>(f[at + i]);
  return v;
}

void set_be(std::vector<std::byte>& f, std::size_t at, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i, v >>= 8) f[at + i] = std::byte(v & 0xFF);
}

// Length of a small (32-bit seek) TKey header starting at `at`.
std::size_t small_key_length(const std::vector<std::byte>& f, std::size_t at) {
  std::size_t p = at + 26;
  for (int i = 0; i < 3; ++i) p += 1 + std::to_integer<std::size_t>(f[p]);
  return p - at;
}

// A 64-bit TKey header (fVersion > 1000) for a payload of `objlen` bytes stored raw.
Bytes big_key(std::uint32_t objlen, std::uint64_t seek, std::uint64_t pdir, const std::string& cls,
              const std::string& name) {
  const std::size_t keylen = 4 + 2 + 4 + 4 + 2 + 2 + 8 + 8 + 3 + cls.size() + name.size();
  Bytes k;
  k.be(keylen + objlen, 4);
  k.be(1004, 2);
  k.be(objlen, 4);
  k.be(0, 4);
  k.be(keylen, 2);
  k.be(1, 2);
  k.be(seek, 8);
  k.be(pdir, 8);
  k.str(cls);
  k.str(name);
  k.str("");
  return k;
}

// A 64-bit TDirectory record (42 bytes).
Bytes big_directory(std::uint32_t nbytes_keys, std::uint32_t nbytes_name, std::uint64_t self,
                    std::uint64_t parent, std::uint64_t seek_keys) {
  Bytes d;
  d.be(1005, 2);
  d.be(0, 8);
  d.be(nbytes_keys, 4);
  d.be(nbytes_name, 4);
  d.be(self, 8);
  d.be(parent, 8);
  d.be(seek_keys, 8);
  return d;
}

// Appends a key list (its own header key, the count, the key headers) and returns its offset.
std::uint64_t append_key_list(std::vector<std::byte>& f, std::uint64_t pdir,
                              const std::vector<std::vector<std::byte>>& keys, std::uint32_t& nbytes) {
  const std::uint64_t at = f.size();
  std::size_t body = 4;
  for (const auto& k : keys) body += k.size();
  Bytes list = big_key(static_cast<std::uint32_t>(body), at, pdir, "TDirectoryFile", "keys");
  list.be(keys.size(), 4);
  for (const auto& k : keys) list.b.insert(list.b.end(), k.begin(), k.end());
  nbytes = static_cast<std::uint32_t>(list.b.size());
  f.insert(f.end(), list.b.begin(), list.b.end());
  return at;
}

std::vector<std::byte> make_large_file_with_subdirectory() {
  auto f = read_file_bytes(root_file("uproot-leaflist.root"));
  const auto begin = get_be(f, 8, 4), nbytes_name = get_be(f, 28, 4);
  const auto top = begin + nbytes_name;
  const auto old_keys = get_be(f, top + 26, 4);
  // The original key list holds one key: the tree's (32-bit seeks), kept as it is.
  const auto tree_key_at = old_keys + small_key_length(f, old_keys) + 4;
  const std::vector<std::byte> tree_key(f.begin() + static_cast<std::ptrdiff_t>(tree_key_at),
                                        f.begin() + static_cast<std::ptrdiff_t>(tree_key_at + small_key_length(f, tree_key_at)));
  if (top + 42 > begin + get_be(f, begin, 4)) throw std::runtime_error("no room for a big directory");
  // Subdirectory "sub": its key + record, then its key list holding the tree's key.
  const std::uint64_t sub_at = f.size();
  const Bytes sub_key_probe = big_key(42, sub_at, begin, "TDirectoryFile", "sub");
  const std::uint64_t sub_record = sub_at + sub_key_probe.b.size();
  f.insert(f.end(), sub_key_probe.b.begin(), sub_key_probe.b.end());
  f.resize(f.size() + 42);
  std::uint32_t sub_list_bytes = 0, top_list_bytes = 0;
  const auto sub_list = append_key_list(f, sub_at, {tree_key}, sub_list_bytes);
  const Bytes rec = big_directory(sub_list_bytes, static_cast<std::uint32_t>(sub_key_probe.b.size()),
                                  sub_at, begin, sub_list);
  std::copy(rec.b.begin(), rec.b.end(), f.begin() + static_cast<std::ptrdiff_t>(sub_record));
  const auto top_list = append_key_list(f, begin, {sub_key_probe.b}, top_list_bytes);
  // Top directory and file header in their 64-bit forms.
  const Bytes top_rec = big_directory(top_list_bytes, static_cast<std::uint32_t>(nbytes_name), begin, 0, top_list);
  std::copy(top_rec.b.begin(), top_rec.b.end(), f.begin() + static_cast<std::ptrdiff_t>(top));
  Bytes h;
  h.be(0x726f6f74, 4);  // "root"
  h.be(get_be(f, 4, 4) + 1000000, 4);
  h.be(begin, 4);
  const auto units_compress = get_be(f, 33, 4);
  h.be(f.size(), 8);      // fEND
  h.be(0, 8);             // fSeekFree
  h.be(0, 4);             // fNbytesFree
  h.be(0, 4);             // nfree
  h.be(nbytes_name, 4);
  h.be(8, 1);             // fUnits
  h.be(units_compress, 4);
  h.be(0, 8);             // fSeekInfo (not needed by a tree reader)
  h.be(0, 4);             // fNbytesInfo
  std::copy(h.b.begin(), h.b.end(), f.begin());
  return f;
}

TEST(RootLayout, LargeFileHeaderMixedKeysAndSubdirectory) {
  TempDir dir;
  const auto path = dir / "large.root";
  write_bytes(path, make_large_file_with_subdirectory());
  const std::string text = describe_root_file(path);
  EXPECT_NE(text.find("64-bit offsets"), std::string::npos) << text;
  EXPECT_NE(text.find("\nkey sub;1 TDirectoryFile"), std::string::npos) << text;
  EXPECT_NE(text.find("\nkey sub/tree;1 TTree"), std::string::npos) << text;
  EXPECT_EQ(list_root_trees(path), std::vector<std::string>{"sub/tree"});
  const auto expected = read_root(root_file("uproot-leaflist.root"));
  EXPECT_TRUE(read_root(path, "sub/tree") == expected);
  EXPECT_TRUE(read_root(path, "/sub/tree;1") == expected);
  EXPECT_TRUE(read_root(path) == expected);  // the only tree
  try {
    read_root(path, "tree");
    ADD_FAILURE() << "found a tree that is not at the top";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
    EXPECT_NE(std::string(e.what()).find("sub/tree"), std::string::npos) << e.what();
  }
}

TEST(RootLayout, DirectoryLoopIsRefused) {
  TempDir dir;
  auto f = make_large_file_with_subdirectory();
  // Point the subdirectory's key list at the top directory's list: "sub" then contains itself.
  const auto begin = get_be(f, 8, 4), nbytes_name = get_be(f, 36, 4);  // 64-bit header
  const auto top_list = get_be(f, begin + nbytes_name + 34, 8);
  const auto sub_key = top_list + get_be(f, top_list + 14, 2) + 4;  // list header key, count
  const auto sub_at = get_be(f, sub_key + 18, 8);
  ASSERT_EQ(get_be(f, sub_at + 18, 8), sub_at);  // the sub key's fSeekKey points at itself
  const auto sub_record = sub_at + get_be(f, sub_at + 14, 2);
  set_be(f, sub_record + 34, top_list, 8);
  set_be(f, sub_record + 10, get_be(f, begin + nbytes_name + 10, 4), 4);
  write_bytes(dir / "loop.root", f);
  try {
    describe_root_file(dir / "loop.root");
    ADD_FAILURE() << "directory loop accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed) << e.what();
    EXPECT_NE(std::string(e.what()).find("points back"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace baler::test

namespace baler::test {
namespace {

constexpr std::uint32_t kCounted = 0x40000000;

// Position just after a byte-counted object starting at `at`.
std::size_t skip_counted(const std::vector<std::byte>& p, std::size_t at) {
  const auto bc = get_be(p, at, 4);
  if (!(bc & kCounted)) throw std::runtime_error("no byte count");
  return at + 4 + (bc & ~std::uint64_t{kCounted});
}

void add_to_count(std::vector<std::byte>& p, std::size_t at, std::uint64_t delta) {
  set_be(p, at, get_be(p, at, 4) + delta, 4);
}

// uproot-Zmumu-uncompressed.root with the basket of branch "M" moved into the TTree object
// (fBaskets), as ROOT leaves the last basket of a tree that was saved but not closed.
std::vector<std::byte> make_embedded_basket_file() {
  auto f = read_file_bytes(root_file("uproot-Zmumu-uncompressed.root"));
  const std::string_view view(reinterpret_cast<const char*>(f.data()), f.size());
  const std::size_t key = view.find("\x05TTree\x06" "events") - 26;  // object key (32-bit)
  const std::size_t list_key = view.find("\x05TTree\x06" "events", key + 27) - 26;
  const auto keylen = get_be(f, key + 14, 2), objlen = get_be(f, key + 6, 4);
  std::vector<std::byte> p(f.begin() + static_cast<std::ptrdiff_t>(key + keylen),
                           f.begin() + static_cast<std::ptrdiff_t>(key + keylen + objlen));
  const std::string_view pv(reinterpret_cast<const char*>(p.data()), p.size());
  // TTree v19 (ROOT 6.10): byte count + version, TNamed, TAttLine/Fill/Marker, fixed fields, cluster arrays.
  if (get_be(p, 4, 2) != 19) throw std::runtime_error("expected TTree version 19");
  std::size_t at = 6;
  for (int i = 0; i < 4; ++i) at = skip_counted(p, at);
  at += 32 + 8 + 8 + 12 + 4;
  const auto clusters = get_be(p, at, 4);
  at += 4 + 32 + 8 + 8 + 2 * (1 + 8 * clusters);
  const std::size_t tree_branches = at;
  // Branch "M": element byte count, tag, TBranch v13 byte count + version, TNamed ...
  const std::size_t named = pv.find("\x01M\x03M/D") - 16;
  const std::size_t branch = named - 6, element = branch - 8;
  const auto branch_version = get_be(p, branch + 4, 2);
  if (branch_version < 12) throw std::runtime_error("expected TBranch version 12 or 13");
  at = skip_counted(p, skip_counted(p, named));  // TNamed, TAttFill
  const std::size_t write_basket = at + 12;
  at += 24;  // ... fEntryNumber
  if (branch_version >= 13) at = skip_counted(p, at);  // TIOFeatures
  at += 4;                                              // fOffset
  const auto max_baskets = get_be(p, at, 4);
  at = skip_counted(p, skip_counted(p, at + 40));  // fBranches, fLeaves
  // fBaskets: byte count, version, TObject, name, size, lower bound, then null elements.
  const std::size_t baskets = at, insert = baskets + 25;
  if (get_be(p, baskets + 17, 4) == 0 || get_be(p, insert, 4) != 0)
    throw std::runtime_error("expected a null first element in fBaskets");
  const std::size_t arrays = skip_counted(p, baskets);
  const std::size_t seek0 = arrays + 1 + 4 * max_baskets + 1 + 8 * max_baskets + 1;
  // The free basket: key + basket header (keylen bytes), then the raw data.
  const auto basket_at = get_be(p, seek0, 8);
  const auto bkeylen = get_be(f, basket_at + 14, 2), bobjlen = get_be(f, basket_at + 6, 4);
  std::vector<std::byte> header(f.begin() + static_cast<std::ptrdiff_t>(basket_at),
                                f.begin() + static_cast<std::ptrdiff_t>(basket_at + bkeylen));
  Bytes element_bytes;
  element_bytes.be(0, 4);
  element_bytes.be(0xFFFFFFFF, 4);
  for (char c : std::string("TBasket")) element_bytes.u8(static_cast<unsigned char>(c));
  element_bytes.u8(0);
  auto& e = element_bytes.b;
  e.insert(e.end(), header.begin(), header.end());
  e.back() = std::byte{12};  // flag: no entry offsets (x2), buffer follows (+10)
  e.insert(e.end(), header.begin(), header.end());
  e.insert(e.end(), f.begin() + static_cast<std::ptrdiff_t>(basket_at + bkeylen),
           f.begin() + static_cast<std::ptrdiff_t>(basket_at + bkeylen + bobjlen));
  set_be(e, 0, (e.size() - 4) | kCounted, 4);
  const std::uint64_t delta = e.size() - 4;  // replaces a null element
  set_be(p, seek0, 0, 8);
  set_be(p, write_basket, 0, 4);
  p.erase(p.begin() + static_cast<std::ptrdiff_t>(insert), p.begin() + static_cast<std::ptrdiff_t>(insert + 4));
  p.insert(p.begin() + static_cast<std::ptrdiff_t>(insert), e.begin(), e.end());
  for (std::size_t count : {std::size_t{0}, tree_branches, element, branch, baskets}) add_to_count(p, count, delta);
  // Append the grown TTree under a copy of its key and point the directory at it.
  const std::uint64_t moved = f.size();
  std::vector<std::byte> tree_key(f.begin() + static_cast<std::ptrdiff_t>(key),
                                  f.begin() + static_cast<std::ptrdiff_t>(key + keylen));
  for (auto* k : {&tree_key}) {
    set_be(*k, 0, keylen + p.size(), 4);
    set_be(*k, 6, p.size(), 4);
    set_be(*k, 18, moved, 4);
  }
  f.insert(f.end(), tree_key.begin(), tree_key.end());
  f.insert(f.end(), p.begin(), p.end());
  set_be(f, list_key, keylen + p.size(), 4);
  set_be(f, list_key + 6, p.size(), 4);
  set_be(f, list_key + 18, moved, 4);
  set_be(f, 12, f.size(), 4);  // fEND
  return f;
}

TEST(RootLayout, BasketEmbeddedInTheTreeObject) {
  TempDir dir;
  const auto path = dir / "embedded.root";
  const auto file = make_embedded_basket_file();
  write_bytes(path, file);
  EXPECT_NE(describe_root_file(path).find("      M  float64  fCompress 100  baskets 1"), std::string::npos);
  const auto expected = read_root(root_file("uproot-Zmumu-uncompressed.root"));
  EXPECT_TRUE(read_root(path) == expected);
  EXPECT_TRUE(read_root(path, "events", {"M"}) == read_root(root_file("uproot-Zmumu.root"), "", {"M"}));
  // A corrupt embedded basket (fLast far beyond the tree object) is an error naming it.
  auto bad = file;
  const std::string_view view(reinterpret_cast<const char*>(bad.data()), bad.size());
  const std::size_t header = view.rfind(std::string_view("TBasket\0", 8)) + 8;
  const auto bkeylen = get_be(bad, header + 14, 2);
  set_be(bad, header + bkeylen - 5, 0x7FFFFFF0, 4);
  write_bytes(dir / "bad.root", bad);
  try {
    read_root(dir / "bad.root");
    ADD_FAILURE() << "corrupt embedded basket accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_NE(std::string(e.what()).find("branch 'M' embedded basket"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace baler::test
