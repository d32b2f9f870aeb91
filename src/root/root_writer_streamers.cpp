// The TStreamerInfo records the ROOT writer puts in its files, generated from tables of the
// members ROOT 6 streams for each class (names, types and titles as ROOT's own streamer infos
// give them), with ROOT's class checksums computed from them.
#include <string_view>

#include "root_write_buffer.hpp"
#include "root_writer.hpp"

namespace baler::rootio {

namespace {

Member base(const char* name, const char* title, int version) {
  const int type = std::string_view(name) == "TObject" ? 66 : std::string_view(name) == "TNamed" ? 67 : 0;
  return {MemberKind::Base, name, title, type, 0, "BASE", version};
}
Member basic(const char* name, const char* title, int type, int size, const char* type_name) {
  return {MemberKind::Basic, name, title, type, size, type_name};
}
Member i64m(const char* name, const char* title) { return basic(name, title, 16, 8, "Long64_t"); }
Member intm(const char* name, const char* title) { return basic(name, title, 3, 4, "int"); }

}  // namespace

// The classes of a TTree file with the members ROOT 6 streams (names, types and titles as
// ROOT's own streamer infos give them; the checksums are computed from them).
const std::vector<ClassInfo>& writer_classes() {
  static const std::vector<ClassInfo> table = [] {
    const char* named = "The basis for a named object (name, title)";
    const char* leaf = "Leaf: description of a Branch data type";
    std::vector<ClassInfo> t;
    t.push_back({"TObject", 1,
                 {basic("fUniqueID", "object unique identifier", 13, 4, "unsigned int"),
                  basic("fBits", "bit field status word", 15, 4, "unsigned int")}});
    t.push_back({"TNamed", 1,
                 {base("TObject", "Basic ROOT object", 1),
                  {MemberKind::String, "fName", "object identifier", 65, 24, "TString"},
                  {MemberKind::String, "fTitle", "object title", 65, 24, "TString"}}});
    t.push_back({"TAttLine", 2,
                 {basic("fLineColor", "Line color", 2, 2, "short"),
                  basic("fLineStyle", "Line style", 2, 2, "short"),
                  basic("fLineWidth", "Line width", 2, 2, "short")}});
    t.push_back({"TAttFill", 2,
                 {basic("fFillColor", "Fill area color", 2, 2, "short"),
                  basic("fFillStyle", "Fill area style", 2, 2, "short")}});
    t.push_back({"TAttMarker", 2,
                 {basic("fMarkerColor", "Marker color", 2, 2, "short"),
                  basic("fMarkerStyle", "Marker style", 2, 2, "short"),
                  basic("fMarkerSize", "Marker size", 5, 4, "float")}});
    t.push_back({"ROOT::TIOFeatures", 1, {basic("fIOBits", "", 11, 1, "unsigned char")}});
    t.push_back({"TCollection", 3,
                 {base("TObject", "Basic ROOT object", 1),
                  {MemberKind::String, "fName", "name of the collection", 65, 24, "TString"},
                  intm("fSize", "number of elements in collection")}});
    t.push_back({"TSeqCollection", 0,
                 {base("TCollection", "Collection abstract base class", 3),
                  {MemberKind::Hidden, "fSorted", "true if collection has been sorted", 18, 1, "bool"}}});
    t.push_back({"TObjArray", 3,
                 {base("TSeqCollection", "Sequenceable collection ABC", 0),
                  intm("fLowerBound", "Lower bound of the array"),
                  intm("fLast", "Last element in array containing an object")}});
    t.push_back({"TString", 2, {}});
    t.push_back({"TTree", 20,
                 {base("TNamed", named, 1), base("TAttLine", "Line attributes", 2),
                  base("TAttFill", "Fill area attributes", 2), base("TAttMarker", "Marker attributes", 2),
                  i64m("fEntries", "Number of entries"),
                  i64m("fTotBytes", "Total number of bytes in all branches before compression"),
                  i64m("fZipBytes", "Total number of bytes in all branches after compression"),
                  i64m("fSavedBytes", "Number of autosaved bytes"),
                  i64m("fFlushedBytes", "Number of auto-flushed bytes"),
                  basic("fWeight", "Tree weight (see TTree::SetWeight)", 8, 8, "double"),
                  intm("fTimerInterval", "Timer interval in milliseconds"),
                  intm("fScanField", "Number of runs before prompting in Scan"),
                  intm("fUpdate", "Update frequency for EntryLoop"),
                  intm("fDefaultEntryOffsetLen", "Initial Length of fEntryOffset table in the basket buffers"),
                  basic("fNClusterRange", "Number of Cluster range in addition to the one defined by 'AutoFlush'", 6, 4, "int"),
                  i64m("fMaxEntries", "Maximum number of entries in case of circular buffers"),
                  i64m("fMaxEntryLoop", "Maximum number of entries to process"),
                  i64m("fMaxVirtualSize", "Maximum total size of buffers kept in memory"),
                  i64m("fAutoSave", "Autosave tree when fAutoSave entries written or -fAutoSave (compressed) bytes produced"),
                  i64m("fAutoFlush", "Auto-flush tree when fAutoFlush entries written or -fAutoFlush (compressed) bytes produced"),
                  i64m("fEstimate", "Number of entries to estimate histogram limits"),
                  {MemberKind::Pointer, "fClusterRangeEnd", "[fNClusterRange] Last entry of a cluster range.", 56, 8, "Long64_t*", 20, "fNClusterRange", "TTree"},
                  {MemberKind::Pointer, "fClusterSize", "[fNClusterRange] Number of entries in each cluster for a given range.", 56, 8, "Long64_t*", 20, "fNClusterRange", "TTree"},
                  {MemberKind::Any, "fIOFeatures", "IO features to define for newly-written baskets and branches.", 62, 1, "ROOT::TIOFeatures"},
                  {MemberKind::Object, "fBranches", "List of Branches", 61, 64, "TObjArray"},
                  {MemberKind::Object, "fLeaves", "Direct pointers to individual branch leaves", 61, 64, "TObjArray"},
                  {MemberKind::ObjectPtr, "fAliases", "List of aliases for expressions based on the tree branches.", 64, 8, "TList*"},
                  {MemberKind::Any, "fIndexValues", "Sorted index values", 62, 24, "TArrayD"},
                  {MemberKind::Any, "fIndex", "Index of sorted values", 62, 24, "TArrayI"},
                  {MemberKind::ObjectPtr, "fTreeIndex", "Pointer to the tree Index (if any)", 64, 8, "TVirtualIndex*"},
                  {MemberKind::ObjectPtr, "fFriends", "pointer to list of friend elements", 64, 8, "TList*"},
                  {MemberKind::ObjectPtr, "fUserInfo", "pointer to a list of user objects associated to this Tree", 64, 8, "TList*"},
                  {MemberKind::ObjectPtr, "fBranchRef", "Branch supporting the TRefTable (if any)", 64, 8, "TBranchRef*"}}});
    const char* tree_title = "Tree descriptor (the main ROOT I/O class)";
    t.push_back({"TNtuple", 2, {base("TTree", tree_title, 20), intm("fNvar", "Number of columns")}});
    t.push_back({"TNtupleD", 1, {base("TTree", tree_title, 20), intm("fNvar", "Number of columns")}});
    t.push_back({"TBranch", 13,
                 {base("TNamed", named, 1), base("TAttFill", "Fill area attributes", 2),
                  intm("fCompress", "Compression level and algorithm"),
                  intm("fBasketSize", "Initial Size of  Basket Buffer"),
                  intm("fEntryOffsetLen", "Initial Length of fEntryOffset table in the basket buffers"),
                  intm("fWriteBasket", "Last basket number written"),
                  i64m("fEntryNumber", "Current entry number (last one filled in this branch)"),
                  {MemberKind::Any, "fIOFeatures", "IO features for newly-created baskets.", 62, 1, "ROOT::TIOFeatures"},
                  intm("fOffset", "Offset of this branch"),
                  basic("fMaxBaskets", "Maximum number of Baskets so far", 6, 4, "int"),
                  intm("fSplitLevel", "Branch split level"),
                  i64m("fEntries", "Number of entries"),
                  i64m("fFirstEntry", "Number of the first entry in this branch"),
                  i64m("fTotBytes", "Total number of bytes in all leaves before compression"),
                  i64m("fZipBytes", "Total number of bytes in all leaves after compression"),
                  {MemberKind::Object, "fBranches", "-> List of Branches of this branch", 61, 64, "TObjArray"},
                  {MemberKind::Object, "fLeaves", "-> List of leaves of this branch", 61, 64, "TObjArray"},
                  {MemberKind::Object, "fBaskets", "-> List of baskets of this branch", 61, 64, "TObjArray"},
                  {MemberKind::Pointer, "fBasketBytes", "[fMaxBaskets] Length of baskets on file", 43, 4, "int*", 13, "fMaxBaskets", "TBranch"},
                  {MemberKind::Pointer, "fBasketEntry", "[fMaxBaskets] Table of first entry in each basket", 56, 8, "Long64_t*", 13, "fMaxBaskets", "TBranch"},
                  {MemberKind::Pointer, "fBasketSeek", "[fMaxBaskets] Addresses of baskets on file", 56, 8, "Long64_t*", 13, "fMaxBaskets", "TBranch"},
                  {MemberKind::String, "fFileName", "Name of file where buffers are stored (\"\" if in same file as Tree header)", 65, 24, "TString"}}});
    t.push_back({"TLeaf", 2,
                 {base("TNamed", named, 1),
                  intm("fLen", "Number of fixed length elements in the leaf's data."),
                  intm("fLenType", "Number of bytes for this data type"),
                  intm("fOffset", "Offset in ClonesArray object (if one)"),
                  basic("fIsRange", "(=kTRUE if leaf has a range, kFALSE otherwise).  This is equivalent to being a 'leafcount'.  For a TLeafElement the range information is actually store in the TBranchElement.", 18, 1, "bool"),
                  basic("fIsUnsigned", "(=kTRUE if unsigned, kFALSE otherwise)", 18, 1, "bool"),
                  {MemberKind::ObjectPtr, "fLeafCount", "Pointer to Leaf count if variable length (we do not own the counter)", 64, 8, "TLeaf*"}}});
    const struct { const char* cls; int type, size; const char* type_name; } leaves[] = {
        {"TLeafO", 18, 1, "bool"}, {"TLeafB", 1, 1, "char"},        {"TLeafS", 2, 2, "short"},
        {"TLeafI", 3, 4, "int"},   {"TLeafL", 16, 8, "Long64_t"},  {"TLeafF", 5, 4, "float"},
        {"TLeafD", 8, 8, "double"}, {"TLeafC", 3, 4, "int"}};
    for (const auto& l : leaves)
      t.push_back({l.cls, 1,
                   {base("TLeaf", leaf, 2),
                    basic("fMinimum", "Minimum value if leaf range is specified", l.type, l.size, l.type_name),
                    basic("fMaximum", "Maximum value if leaf range is specified", l.type, l.size, l.type_name)}});
    return t;
  }();
  return table;
}

const ClassInfo* find_class(std::string_view name) {
  for (const auto& c : writer_classes())
    if (name == c.name) return &c;
  return nullptr;
}

namespace {

std::uint32_t hash_chars(std::uint32_t id, std::string_view s) {
  for (char c : s) id = id * 3 + static_cast<std::uint32_t>(static_cast<unsigned char>(c));
  return id;
}

// ROOT's class checksum: the name, each base (name and checksum), each member's name and type
// name and the counter named between brackets in its title.
std::uint32_t checksum(const ClassInfo& c) {
  std::uint32_t id = hash_chars(0, c.name);
  for (const auto& m : c.members) {
    id = hash_chars(id, m.name);
    if (m.kind == MemberKind::Base) {
      const ClassInfo* b = find_class(m.name);
      id = id * 3 + (b ? checksum(*b) : 0);
      continue;
    }
    id = hash_chars(id, m.type_name);
    const std::string_view title = m.title;
    const auto open = title.find('[');
    const auto close = open == std::string_view::npos ? open : title.find(']', open);
    if (close != std::string_view::npos) id = hash_chars(id, title.substr(open + 1, close - open - 1));
  }
  return id;
}

const char* element_class(MemberKind k) {
  switch (k) {
    case MemberKind::Base: return "TStreamerBase";
    case MemberKind::Basic: return "TStreamerBasicType";
    case MemberKind::Pointer: return "TStreamerBasicPointer";
    case MemberKind::Object: return "TStreamerObject";
    case MemberKind::Any: return "TStreamerObjectAny";
    case MemberKind::ObjectPtr: return "TStreamerObjectPointer";
    case MemberKind::String: case MemberKind::Hidden: break;
  }
  return "TStreamerString";
}

void write_element(Out& o, const Member& m) {
  const auto obj = o.new_object(element_class(m.kind));
  const auto outer = o.versioned(m.kind == MemberKind::Base ? 3 : 2);
  const auto elem = o.versioned(4);  // TStreamerElement
  o.tnamed(m.name, m.title);
  o.i32(m.type);
  o.i32(m.size);
  o.i32(0);  // fArrayLength
  o.i32(0);  // fArrayDim
  // fMaxIndex[5]; a base keeps its class checksum in the second slot.
  const ClassInfo* b = m.kind == MemberKind::Base ? find_class(m.name) : nullptr;
  o.i32(0);
  o.u32(b ? checksum(*b) : 0);
  o.zeros(12);
  o.tstring(m.type_name);
  o.close(elem);
  if (m.kind == MemberKind::Base) o.i32(m.version);
  if (m.kind == MemberKind::Pointer) {
    o.i32(m.version);
    o.tstring(m.count_name);
    o.tstring(m.count_class);
  }
  o.close(outer);
  o.close(obj);
}

}  // namespace

// TStreamerInfo records for `names`, each a TList entry (the object, then its option string).
void write_streamer_records(Out& o, const std::vector<const ClassInfo*>& classes) {
  for (const ClassInfo* cp : classes) {
    const ClassInfo& c = *cp;
    const auto obj = o.new_object("TStreamerInfo");
    const auto info = o.versioned(9);
    o.tnamed(c.name, "", kHeapBits | 0x00010000);  // as ROOT writes them (kIsCompiled)
    o.u32(checksum(c));
    o.i32(c.version);
    const auto arr = o.new_object("TObjArray");
    const auto body = o.versioned(3);
    o.tobject(kMemberBits);
    o.tstring("");
    std::int32_t streamed = 0;
    for (const auto& m : c.members) streamed += m.kind != MemberKind::Hidden;
    o.i32(streamed);
    o.i32(0);  // fLowerBound
    for (const auto& m : c.members)
      if (m.kind != MemberKind::Hidden) write_element(o, m);
    o.close(body);
    o.close(arr);
    o.close(info);
    o.close(obj);
    o.u8(0);  // the list entry's option string
  }
}

// The StreamerInfo key's TList of TStreamerInfo records for `classes`.
void write_streamer_list(Out& o, const std::vector<const ClassInfo*>& classes) {
  const auto list = o.versioned(5);
  o.tobject(kMemberBits);
  o.tstring("");
  o.i32(static_cast<std::int32_t>(classes.size()));
  write_streamer_records(o, classes);
  o.close(list);
}

const char* class_name(const ClassInfo& c) { return c.name; }
int class_version(const ClassInfo& c) { return c.version; }

std::uint32_t root_class_checksum(std::string_view class_name) {
  const ClassInfo* c = find_class(class_name);
  return c ? checksum(*c) : 0;
}

}  // namespace baler::rootio
