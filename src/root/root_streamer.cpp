// Streamed TTree metadata: TTree, TBranch (and subclasses), TLeaf*, embedded TBaskets, read by
// their known class versions; byte counts skip fields we do not need.
#include <cstring>

#include "root_internal.hpp"

namespace baler::rootio {
namespace {

constexpr std::uint32_t kIsReferenced = 1u << 4;

// A class version and, when the writer gave a byte count, where the object ends.
struct Versioned {
  std::uint16_t version = 0;
  std::optional<std::size_t> end;
};

// The head of an object pointer (TBufferFile::ReadObjectAny): null, a reference to an object
// read before, or a new object of class `cls` that follows.
struct ObjectHead {
  enum Kind { Null, Ref, New } kind = Null;
  std::string cls;
  std::uint32_t tag = 0;                // Ref: the referenced object's tag
  std::optional<std::uint32_t> my_tag;  // New: the tag later references use
  std::optional<std::size_t> end;
};

// Reader of one streamed payload with ROOT's object and class reference tables.
class Streamed {
 public:
  Streamed(std::span<const std::byte> payload, int keylen, const std::string& what)
      : r(payload, what), keylen_(static_cast<std::uint32_t>(keylen)) {}

  ByteReader r;

  Versioned begin(const std::string& cls) {
    const std::size_t start = r.pos();
    const auto bc = r.be<std::uint32_t>(cls + " byte count");
    Versioned v;
    if (bc & kByteCountMask) {
      const std::uint32_t n = bc & ~kByteCountMask;
      r.need(n, cls + " (byte count " + std::to_string(n) + ")");
      v.end = r.pos() + n;
      v.version = r.be<std::uint16_t>(cls + " version");
    } else {
      r.seek(start, cls);
      v.version = r.be<std::uint16_t>(cls + " version");
    }
    return v;
  }
  void finish(const Versioned& v, const std::string& cls) {
    if (!v.end) return;
    if (r.pos() > *v.end)
      r.fail(cls + " read " + std::to_string(r.pos() - *v.end) + " bytes past its byte count");
    r.seek(*v.end, cls);
  }
  void skip_versioned(const std::string& cls) {
    const auto v = begin(cls);
    if (!v.end) r.fail(cls + " has no byte count; cannot skip it");
    r.seek(*v.end, cls);
  }
  void skip_tobject() {
    const auto version = r.be<std::uint16_t>("TObject version");
    if (version & 0x4000) r.skip(4, "TObject (old byte count)");
    r.skip(4, "TObject fUniqueID");
    const auto bits = r.be<std::uint32_t>("TObject fBits");
    if (bits & kIsReferenced) r.skip(2, "TObject pidf");
  }
  std::pair<std::string, std::string> tnamed() {
    const auto v = begin("TNamed");
    skip_tobject();
    auto name = read_tstring(r, "TNamed fName");
    auto title = read_tstring(r, "TNamed fTitle");
    finish(v, "TNamed");
    return {name, title};
  }
  std::string cstring(std::string_view field) {
    std::string s;
    while (true) {
      const auto c = r.be<std::uint8_t>(field);
      if (c == 0) return s;
      if (s.size() >= 256) r.fail(std::string(field) + " is longer than 256 characters");
      s.push_back(static_cast<char>(c));
    }
  }
  ObjectHead object_head(const std::string& field);
  void remember(const ObjectHead& h, int id) {
    if (h.my_tag) objects_[*h.my_tag] = id;
  }
  std::optional<int> object(std::uint32_t tag) const {
    auto it = objects_.find(tag);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::uint32_t keylen_;
  std::map<std::uint32_t, std::string> classes_;
  std::map<std::uint32_t, int> objects_;
};

ObjectHead Streamed::object_head(const std::string& field) {
  const std::size_t beg = r.pos();
  const auto bcnt = r.be<std::uint32_t>(field);
  ObjectHead h;
  std::uint32_t tag = bcnt;
  bool counted = false;
  if ((bcnt & kByteCountMask) && bcnt != kNewClassTag) {
    const std::uint32_t n = bcnt & ~kByteCountMask;
    r.need(n, field + " (byte count " + std::to_string(n) + ")");
    h.end = r.pos() + n;
    tag = r.be<std::uint32_t>(field + " tag");
    counted = true;
  }
  const auto position_tag = [&](std::size_t pos) {
    return static_cast<std::uint32_t>(pos) + kMapOffset + keylen_;
  };
  if (!(tag & kClassMask)) {
    h.kind = tag == 0 ? ObjectHead::Null : ObjectHead::Ref;
    h.tag = tag;
    if (h.end) r.seek(*h.end, field);
    return h;
  }
  h.kind = ObjectHead::New;
  if (tag == kNewClassTag) {
    h.cls = cstring(field + " class name");
    if (counted) classes_[position_tag(beg + 4)] = h.cls;
  } else {
    auto it = classes_.find(tag & ~kClassMask);
    if (it == classes_.end())
      r.fail(field + ": reference to an unknown class (tag " + std::to_string(tag & ~kClassMask) + ")");
    h.cls = it->second;
  }
  if (counted) h.my_tag = position_tag(beg);
  return h;
}

std::optional<DType> leaf_dtype(const std::string& cls, bool is_unsigned) {
  if (cls == "TLeafO") return DType::Bool;
  if (cls == "TLeafB") return is_unsigned ? DType::U8 : DType::I8;
  if (cls == "TLeafS") return is_unsigned ? DType::U16 : DType::I16;
  if (cls == "TLeafI") return is_unsigned ? DType::U32 : DType::I32;
  if (cls == "TLeafL" || cls == "TLeafG") return is_unsigned ? DType::U64 : DType::I64;
  if (cls == "TLeafF") return DType::F32;
  if (cls == "TLeafD") return DType::F64;
  if (cls == "TLeafD32") return DType::F64;  // stored packed (PackedReal)
  if (cls == "TLeafF16") return DType::F32;
  return std::nullopt;
}

// "Jet_Px[NJet]" -> "NJet"; "a[3]" -> "" (fixed size).
std::string count_from_title(const std::string& title) {
  auto open = title.find('[');
  while (open != std::string::npos) {
    const auto close = title.find(']', open);
    if (close == std::string::npos) return "";
    const std::string inside = title.substr(open + 1, close - open - 1);
    if (!inside.empty() && inside.find_first_not_of("0123456789") != std::string::npos)
      return inside;
    open = title.find('[', close);
  }
  return "";
}

class TreeParser {
 public:
  TreeParser(std::span<const std::byte> payload, int keylen, const std::string& what)
      : s_(payload, keylen, what) {}
  Tree parse();

 private:
  Tree parse_v5();
  int leaf(const ObjectHead& head, int depth);
  Branch branch(const ObjectHead& head, int depth);
  void branch_body(Branch& b, int depth);
  void embedded_basket(Branch& b);
  template <typename F> void objarray(const std::string& field, int depth, F&& each);
  template <typename T> std::vector<T> basic_array(std::int32_t n, const std::string& field);
  void check_depth(int depth) {
    if (depth > kMaxDepth) s_.r.fail("objects nested deeper than " + std::to_string(kMaxDepth));
  }

  Streamed s_;
  Tree tree_;
};

template <typename F>
void TreeParser::objarray(const std::string& field, int depth, F&& each) {
  check_depth(depth);
  const auto v = s_.begin(field + " TObjArray");
  if (v.version > 2) s_.skip_tobject();
  if (v.version > 1) read_tstring(s_.r, field + " name");
  const auto n = s_.r.be<std::int32_t>(field + " size");
  s_.r.skip(4, field + " lower bound");
  if (n < 0 || static_cast<std::uint64_t>(n) > s_.r.remaining() / 4)
    s_.r.fail(field + " declares " + std::to_string(n) + " objects in " +
              std::to_string(s_.r.remaining()) + " bytes");
  for (std::int32_t i = 0; i < n; ++i) {
    const auto head = s_.object_head(field + " element");
    if (head.kind == ObjectHead::New) {
      each(head);
      if (head.end) s_.r.seek(*head.end, field);
    }
  }
  s_.finish(v, field + " TObjArray");
}

template <typename T>
std::vector<T> TreeParser::basic_array(std::int32_t n, const std::string& field) {
  s_.r.skip(1, field + " marker");
  std::vector<T> out;
  if (n <= 0) return out;
  s_.r.need(static_cast<std::uint64_t>(n) * sizeof(T), field);
  out.reserve(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) out.push_back(s_.r.be<T>(field));
  return out;
}

int TreeParser::leaf(const ObjectHead& head, int depth) {
  check_depth(depth);
  const int id = static_cast<int>(tree_.leaves.size());
  tree_.leaves.emplace_back();
  s_.remember(head, id);
  const auto outer = s_.begin(head.cls);
  Leaf l;
  l.class_name = head.cls;
  {
    const auto inner = s_.begin("TLeaf");
    if (inner.version < 2)
      throw Error(ErrorCode::Unsupported, s_.r.what() + ": TLeaf version " +
                                              std::to_string(inner.version) + " is not supported");
    std::tie(l.name, l.title) = s_.tnamed();
    l.len = s_.r.be<std::int32_t>("TLeaf fLen");
    s_.r.skip(4 + 4 + 1, "TLeaf fLenType, fOffset, fIsRange");
    l.is_unsigned = s_.r.be<std::uint8_t>("TLeaf fIsUnsigned") != 0;
    const auto count = s_.object_head("TLeaf fLeafCount");
    if (count.kind == ObjectHead::New) {
      l.count_leaf = leaf(count, depth + 1);
      if (count.end) s_.r.seek(*count.end, "TLeaf fLeafCount");
    } else if (count.kind == ObjectHead::Ref) {
      l.count_leaf = s_.object(count.tag).value_or(-1);
      if (l.count_leaf < 0) l.count_name = count_from_title(l.title);
      if (l.count_leaf < 0 && l.count_name.empty()) l.count_name = "?";
    }
    s_.finish(inner, "TLeaf");
  }
  s_.finish(outer, head.cls);
  l.dtype = leaf_dtype(l.class_name, l.is_unsigned);
  if (l.class_name == "TLeafD32" || l.class_name == "TLeafF16")
    l.packed = packed_real(l.title, l.class_name == "TLeafF16", s_.r.what() + ": leaf '" + l.name + "'");
  // An element leaf of a split collection may say -1 (KM3NeT's files): not a count baler uses.
  if (l.len < 0 && l.dtype) s_.r.fail("leaf '" + l.name + "' has a negative fLen " + std::to_string(l.len));
  if (l.count_leaf >= 0) l.count_name = tree_.leaves[static_cast<std::size_t>(l.count_leaf)].name;
  tree_.leaves[static_cast<std::size_t>(id)] = std::move(l);
  return id;
}

void TreeParser::embedded_basket(Branch& b) {
  const std::string field = "branch '" + b.name + "' embedded basket";
  const Key key = read_key_header(s_.r);
  const auto v = s_.begin("TBasket");
  s_.r.skip(8, field + " fBufferSize, fNevBufSize");
  const auto nevbuf = s_.r.be<std::int32_t>(field + " fNevBuf");
  const auto last = s_.r.be<std::int32_t>(field + " fLast");
  const auto flag = s_.r.be<std::int8_t>(field + " flag");
  if (flag == 0) return;  // header only: no data here
  if (nevbuf < 0 || last < key.keylen)
    s_.r.fail(field + ": bad fNevBuf " + std::to_string(nevbuf) + " / fLast " +
              std::to_string(last) + " (fKeylen " + std::to_string(key.keylen) + ")");
  std::vector<std::int32_t> raw_offsets;
  if (flag % 10 != 2) {
    if (nevbuf > 0) {  // an empty basket streams no offset array (as TBasket::Streamer reads it)
      const auto n = s_.r.be<std::int32_t>(field + " offset count");
      if (n != nevbuf) s_.r.fail(field + ": " + std::to_string(n) + " offsets for " + std::to_string(nevbuf) + " entries");
      s_.r.need(static_cast<std::uint64_t>(n) * 4, field + " offsets");
      for (std::int32_t i = 0; i < n; ++i) raw_offsets.push_back(s_.r.be<std::int32_t>(field));
    }
    if (flag > 40) {
      const auto m = s_.r.be<std::int32_t>(field + " displacement count");
      if (m < 0) s_.r.fail(field + ": negative displacement count");
      s_.r.skip(static_cast<std::uint64_t>(m) * 4, field + " displacements");
    }
  }
  if (!(flag == 1 || flag > 10)) return;
  std::int32_t length = last;
  if (v.version <= 1) length = s_.r.be<std::int32_t>(field + " buffer size");
  if (length < key.keylen) s_.r.fail(field + ": buffer shorter than its key");
  auto buffer = s_.r.bytes(static_cast<std::uint64_t>(length), field + " buffer");
  Basket basket;
  basket.entries = nevbuf;
  basket.data.assign(buffer.begin() + key.keylen, buffer.end());
  const auto border = static_cast<std::int64_t>(basket.data.size());
  if (!raw_offsets.empty()) {
    for (auto o : raw_offsets) basket.offsets.push_back(std::int64_t{o} - key.keylen);
    basket.offsets.push_back(border);
    for (std::size_t i = 0; i + 1 < basket.offsets.size(); ++i)
      if (basket.offsets[i] < 0 || basket.offsets[i] > basket.offsets[i + 1])
        s_.r.fail(field + ": entry offsets out of order at entry " + std::to_string(i));
  }
  b.embedded.push_back(std::move(basket));
}

// A Stat_t (double) count of an old TTree or TBranch: whole, not negative, exact in a double.
std::int64_t stat_count(double v, const std::string& field, ByteReader& r) {
  if (!(v >= 0 && v <= 9007199254740992.0) || v != static_cast<double>(static_cast<std::int64_t>(v)))
    r.fail(field + " is not a count (" + std::to_string(v) + ")");
  return static_cast<std::int64_t>(v);
}

void TreeParser::branch_body(Branch& b, int depth) {
  const auto v = s_.begin("TBranch");
  // v8: ROOT 3 and 4 layout, as Geant4's g4tools still writes it (Stat_t counts, 32-bit entry
  // numbers); v10-13: ROOT 5.x and 6.x.
  const bool old = v.version == 8;
  if (!old && (v.version < 10 || v.version > 13))
    throw Error(ErrorCode::Unsupported, s_.r.what() + ": TBranch version " +
                                            std::to_string(v.version) + " is not supported (8, 10-13 are)");
  std::tie(b.name, b.title) = s_.tnamed();
  s_.skip_versioned("TAttFill");
  b.compress = s_.r.be<std::int32_t>("TBranch fCompress");
  s_.r.skip(8, "TBranch fBasketSize, fEntryOffsetLen");
  b.write_basket = s_.r.be<std::int32_t>("TBranch fWriteBasket");
  s_.r.skip(old ? 4 : 8, "TBranch fEntryNumber");
  if (v.version >= 13) s_.skip_versioned("TIOFeatures");
  s_.r.skip(4, "TBranch fOffset");
  const auto max_baskets = s_.r.be<std::int32_t>("TBranch fMaxBaskets");
  s_.r.skip(4, "TBranch fSplitLevel");
  b.entries = old ? stat_count(s_.r.be<double>("TBranch fEntries"), "branch '" + b.name + "' fEntries", s_.r)
                  : s_.r.be<std::int64_t>("TBranch fEntries");
  if (v.version >= 11) s_.r.skip(8, "TBranch fFirstEntry");
  s_.r.skip(16, "TBranch fTotBytes, fZipBytes");
  if (max_baskets < 0 || static_cast<std::uint64_t>(max_baskets) * 20 > s_.r.remaining() ||
      b.write_basket < 0 || b.write_basket > max_baskets || b.entries < 0)
    s_.r.fail("branch '" + b.name + "': bad basket table (fMaxBaskets " +
              std::to_string(max_baskets) + ", fWriteBasket " + std::to_string(b.write_basket) +
              ", fEntries " + std::to_string(b.entries) + ")");
  objarray("fBranches", depth + 1, [&](const ObjectHead& h) { b.branches.push_back(branch(h, depth + 1)); });
  objarray("fLeaves", depth + 1, [&](const ObjectHead& h) {
    if (h.cls.rfind("TLeaf", 0) != 0) s_.r.fail("branch '" + b.name + "' has a leaf of class " + h.cls);
    b.leaves.push_back(leaf(h, depth + 1));
  });
  objarray("fBaskets", depth + 1, [&](const ObjectHead& h) {
    if (h.cls == "TBasket") embedded_basket(b);
  });
  b.basket_bytes_at = s_.r.pos() + 1;
  b.basket_bytes = basic_array<std::int32_t>(max_baskets, "TBranch fBasketBytes");
  if (old) {
    const auto entry = basic_array<std::int32_t>(max_baskets, "TBranch fBasketEntry");
    b.basket_entry.assign(entry.begin(), entry.end());
    // Its fBasketSeek marker says the width: 2, 64-bit positions; otherwise 32-bit.
    if (s_.r.remaining() > 0 && std::to_integer<int>(s_.r.here()[0]) != 2) b.seek_width = 4;
  } else {
    b.basket_entry = basic_array<std::int64_t>(max_baskets, "TBranch fBasketEntry");
  }
  b.basket_seek_at = s_.r.pos() + 1;
  if (b.seek_width == 8) {
    b.basket_seek = basic_array<std::int64_t>(max_baskets, "TBranch fBasketSeek");
  } else {
    const auto seek = basic_array<std::int32_t>(max_baskets, "TBranch fBasketSeek");
    b.basket_seek.assign(seek.begin(), seek.end());
  }
  const auto file_name = read_tstring(s_.r, "TBranch fFileName");
  if (!file_name.empty()) b.class_name += " (baskets in " + file_name + ")";
  b.external = !file_name.empty();
  s_.finish(v, "TBranch");
}

Branch TreeParser::branch(const ObjectHead& head, int depth) {
  check_depth(depth);
  s_.remember(head, -1);
  if (head.cls.rfind("TBranch", 0) != 0) s_.r.fail("a branch list holds an object of class " + head.cls);
  Branch b;
  b.class_name = head.cls;
  if (head.cls == "TBranch") {
    branch_body(b, depth);
    return b;
  }
  // TBranchElement, TBranchObject, ...: a TBranch base, then members we do not need but the
  // class a TBranchElement holds (its first member).
  const auto v = s_.begin(head.cls);
  branch_body(b, depth);
  if (head.cls == "TBranchElement") b.element_class = read_tstring(s_.r, "TBranchElement fClassName");
  if (!v.end) s_.r.fail(head.cls + " has no byte count; cannot skip its members");
  s_.finish(v, head.cls);
  return b;
}

Tree TreeParser::parse() {
  auto v = s_.begin("TTree");
  // TNtuple (v2) and TNtupleD (v1) wrap a TTree base (then fNvar, not needed): a TTree's first
  // member is its TNamed base (v1), a wrapper's is the TTree (v16+).
  if (v.version < 16 && v.end) {
    const std::size_t at = s_.r.pos();
    const auto inner = s_.begin("TTree");
    if (inner.version >= 16) v = inner;
    else s_.r.seek(at, "TTree");
  }
  if (v.version == 5) return parse_v5();
  if (v.version < 16 || v.version > 20)
    throw Error(ErrorCode::Unsupported, s_.r.what() + ": TTree version " +
                                            std::to_string(v.version) +
                                            " is not supported (5 and 16-20 are)");
  tree_.version = static_cast<std::int16_t>(v.version);
  std::tie(tree_.name, tree_.title) = s_.tnamed();
  s_.skip_versioned("TAttLine");
  s_.skip_versioned("TAttFill");
  s_.skip_versioned("TAttMarker");
  tree_.entries = s_.r.be<std::int64_t>("TTree fEntries");
  s_.r.skip(24, "TTree fTotBytes, fZipBytes, fSavedBytes");
  if (v.version >= 18) s_.r.skip(8, "TTree fFlushedBytes");
  s_.r.skip(8 + 12, "TTree fWeight, fTimerInterval, fScanField, fUpdate");
  if (v.version >= 17) s_.r.skip(4, "TTree fDefaultEntryOffsetLen");
  std::int32_t clusters = 0;
  if (v.version >= 19) clusters = s_.r.be<std::int32_t>("TTree fNClusterRange");
  s_.r.skip(32, "TTree fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave");
  if (v.version >= 18) s_.r.skip(8, "TTree fAutoFlush");
  s_.r.skip(8, "TTree fEstimate");
  if (v.version >= 19) {
    if (clusters < 0 || static_cast<std::uint64_t>(clusters) * 16 > s_.r.remaining())
      s_.r.fail("TTree fNClusterRange " + std::to_string(clusters) + " is out of range");
    s_.r.skip(1 + static_cast<std::uint64_t>(clusters) * 8, "TTree fClusterRangeEnd");
    s_.r.skip(1 + static_cast<std::uint64_t>(clusters) * 8, "TTree fClusterSize");
  }
  if (v.version >= 20) s_.skip_versioned("TIOFeatures");
  if (tree_.entries < 0) s_.r.fail("TTree fEntries is negative");
  objarray("fBranches", 1, [&](const ObjectHead& h) { tree_.branches.push_back(branch(h, 1)); });
  return std::move(tree_);  // fLeaves and the rest only repeat what the branches hold
}

// TTree v5, the ROOT 3 layout Geant4's g4tools writes: Stat_t (double) counts, 32-bit settings.
Tree TreeParser::parse_v5() {
  tree_.version = 5;
  std::tie(tree_.name, tree_.title) = s_.tnamed();
  s_.skip_versioned("TAttLine");
  s_.skip_versioned("TAttFill");
  s_.skip_versioned("TAttMarker");
  tree_.entries = stat_count(s_.r.be<double>("TTree fEntries"), "TTree fEntries", s_.r);
  s_.r.skip(24 + 28, "TTree fTotBytes, fZipBytes, fSavedBytes, fTimerInterval ... fEstimate");
  objarray("fBranches", 1, [&](const ObjectHead& h) { tree_.branches.push_back(branch(h, 1)); });
  return std::move(tree_);
}

void collect(const Branch& b, std::vector<const Branch*>& out) {
  out.push_back(&b);
  for (const auto& sub : b.branches) collect(sub, out);
}

}  // namespace

Tree parse_tree(std::span<const std::byte> payload, int keylen, const std::string& what) {
  return TreeParser(payload, keylen, what).parse();
}

std::vector<std::pair<std::string, int>> streamer_info_versions(std::span<const std::byte> payload, int keylen,
                                                                const std::string& what) {
  Streamed s(payload, keylen, what);
  const auto v = s.begin("TList");
  s.skip_tobject();
  read_tstring(s.r, "TList fName");
  const auto n = s.r.be<std::int32_t>("TList size");
  if (n < 0 || static_cast<std::uint64_t>(n) > s.r.remaining() / 5)
    s.r.fail("TList declares " + std::to_string(n) + " objects in " + std::to_string(s.r.remaining()) + " bytes");
  std::vector<std::pair<std::string, int>> out;
  for (std::int32_t i = 0; i < n; ++i) {
    const auto head = s.object_head("StreamerInfo element");
    if (head.kind == ObjectHead::New) {
      if (!head.end) s.r.fail("StreamerInfo element " + std::to_string(i) + " has no byte count");
      if (head.cls == "TStreamerInfo") {
        const auto iv = s.begin("TStreamerInfo");
        auto name = s.tnamed().first;
        s.r.skip(4, "TStreamerInfo fCheckSum");
        out.emplace_back(std::move(name), s.r.be<std::int32_t>("TStreamerInfo fClassVersion"));
        (void)iv;
      }
      s.r.seek(*head.end, "StreamerInfo element");
    }
    read_tstring(s.r, "TList option");
  }
  s.finish(v, "TList");
  return out;
}

std::vector<const Branch*> all_branches(const Tree& tree) {
  std::vector<const Branch*> out;
  for (const auto& b : tree.branches) collect(b, out);
  return out;
}

}  // namespace baler::rootio
