// A ROOT bundle's trees written back as a ROOT file (root.hpp write_root_bundle): the branches
// rebuilt from the leaf-list descriptors, their values from the member tables.
#include <algorithm>
#include <cstring>
#include <map>

#include "baler/root.hpp"
#include "root_writer.hpp"

namespace baler {
namespace {

using rootio::RootBranchData;
using rootio::RootBranchSpec;
using rootio::RootLeafSpec;

// Entries appended to the writer at a time: bounds the interleaved copy of the values.
constexpr std::int64_t kEntriesPerAppend = 65536;

const Hdf5Attribute* find_attribute(const Hdf5Object& o, const std::string& name) {
  for (const auto& a : o.attributes)
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<std::string> strings_of(const Hdf5Object& o, const std::string& name, const std::string& what) {
  const Hdf5Attribute* a = find_attribute(o, name);
  require(a && a->is_string, ErrorCode::Malformed, what + ": no string attribute " + name);
  return a->strings;
}

DType dtype_of_code(char c, const std::string& what) {
  switch (c) {
    case 'O': return DType::Bool;
    case 'B': return DType::I8;
    case 'b': return DType::U8;
    case 'S': return DType::I16;
    case 's': return DType::U16;
    case 'I': return DType::I32;
    case 'i': return DType::U32;
    case 'L': case 'G': return DType::I64;
    case 'l': case 'g': return DType::U64;
    case 'F': return DType::F32;
    case 'D': return DType::F64;
    default: break;
  }
  throw Error(ErrorCode::Malformed, what + ": unknown leaf type '" + std::string(1, c) + "'");
}

// "Jet_Px[NJet]/F" -> leaf Jet_Px, counter NJet; "a[2][3]/I" -> dims {2, 3}; "s/C" -> text.
RootLeafSpec parse_leaf(const std::string& text, std::string& counter, const std::string& what) {
  const auto slash = text.rfind('/');
  require(slash != std::string::npos && slash + 2 == text.size(), ErrorCode::Malformed,
          what + ": leaf '" + text + "' is not NAME[DIMS]/TYPE");
  RootLeafSpec leaf;
  const std::string head = text.substr(0, slash);
  const auto open = head.find('[');
  leaf.name = head.substr(0, open);
  require(!leaf.name.empty(), ErrorCode::Malformed, what + ": leaf '" + text + "' has no name");
  for (auto at = open; at != std::string::npos; at = head.find('[', at + 1)) {
    const auto close = head.find(']', at);
    require(close != std::string::npos, ErrorCode::Malformed, what + ": leaf '" + text + "': unclosed '['");
    const std::string inside = head.substr(at + 1, close - at - 1);
    if (!inside.empty() && inside.size() <= 9 && inside.find_first_not_of("0123456789") == std::string::npos) {
      leaf.dims.push_back(static_cast<std::int32_t>(std::stol(inside)));
      require(leaf.dims.back() > 0, ErrorCode::Malformed, what + ": leaf '" + text + "': zero dimension");
    } else {
      require(counter.empty() && leaf.dims.empty() && !inside.empty(), ErrorCode::Malformed,
              what + ": leaf '" + text + "': a counter must be the first and only variable dimension");
      counter = inside;
    }
  }
  const char code = text.back();
  if (code == 'C') leaf.text = true;
  else leaf.dtype = dtype_of_code(code, what);
  return leaf;
}

std::int64_t elements(const RootLeafSpec& l) {
  std::int64_t n = 1;
  for (const auto d : l.dims) n *= d;
  return n;
}

// The columns one branch reads into (root.hpp's naming), in entry-byte order.
std::vector<std::string> column_names_of(const RootBranchSpec& b) {
  std::vector<std::string> out;
  for (const auto& l : b.leaves) {
    const std::string base = b.leaves.size() > 1 ? b.name + "." + l.name : b.name;
    const std::int64_t n = elements(l);
    if (n == 1) out.push_back(base);
    else
      for (std::int64_t j = 0; j < n; ++j) out.push_back(base + "[" + std::to_string(j) + "]");
  }
  return out;
}

// One branch's source: the member table and its columns, or a text column.
struct BranchSource {
  const Dataset* table = nullptr;
  std::vector<const Array*> columns;
  const TextColumn* text = nullptr;
  int collection = -1;  // index into the tree's collections, -1: per entry
};

const Array* find_column(const Dataset& d, const std::string& name) {
  for (const auto& c : d.columns)
    if (c.name == name) return &c.values;
  return nullptr;
}

void write_tree(rootio::RootFileWriter& w, const Hdf5Object& group,
                const std::function<Dataset(const std::string&)>& member, const std::filesystem::path& out) {
  const std::string what = out.string() + ": tree " + group.path;
  const auto branches = strings_of(group, "ROOT.branches", what);
  const auto leaves = strings_of(group, "ROOT.leaves", what);
  const auto members = strings_of(group, "ROOT.members", what);
  const auto counters = strings_of(group, "ROOT.counters", what);
  require(branches.size() == leaves.size() && !members.empty() && members.size() == counters.size() + 1,
          ErrorCode::Malformed, what + ": ROOT.branches, ROOT.leaves, ROOT.members and ROOT.counters disagree");
  rootio::RootTreeSpec spec;
  spec.name = group.path.substr(group.path.rfind('/') + 1);
  spec.title = strings_of(group, "ROOT.title", what).at(0);
  spec.class_name = strings_of(group, "ROOT.class", what).at(0);
  if (spec.class_name != "TNtuple" && spec.class_name != "TNtupleD") spec.class_name = "TTree";  // an RNTuple too

  const Dataset flat = member(group.path + "/" + members[0]);
  std::vector<Dataset> collections;
  for (std::size_t k = 1; k < members.size(); ++k) collections.push_back(member(group.path + "/" + members[k]));
  const auto entries = static_cast<std::int64_t>(flat.rows());

  // Each collection's first object per entry (prefix sums of its counter), checked against its rows.
  std::vector<std::vector<std::int64_t>> starts(collections.size());
  for (std::size_t k = 0; k < collections.size(); ++k) {
    const Array* c = find_column(flat, counters[k]);
    require(c && (is_signed_int(c->dtype) || is_unsigned_int(c->dtype)), ErrorCode::Malformed,
            what + ": collection " + members[k + 1] + ": no integer counter column '" + counters[k] + "'");
    auto& s = starts[k];
    s.assign(1, 0);
    for (std::int64_t e = 0; e < entries; ++e) {
      const double v = c->value(static_cast<std::size_t>(e));
      require(v >= 0, ErrorCode::Malformed, what + ": counter '" + counters[k] + "' is negative at entry " + std::to_string(e));
      s.push_back(s.back() + static_cast<std::int64_t>(v));
    }
    require(s.back() == static_cast<std::int64_t>(collections[k].rows()), ErrorCode::Malformed,
            what + ": collection " + members[k + 1] + " has " + std::to_string(collections[k].rows()) +
                " rows but its counter '" + counters[k] + "' adds up to " + std::to_string(s.back()));
  }

  std::vector<BranchSource> sources;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    RootBranchSpec b;
    b.name = branches[i];
    std::string counter;
    std::size_t from = 0;
    for (;;) {  // leaves separated by ':'
      const auto colon = leaves[i].find(':', from);
      b.leaves.push_back(parse_leaf(leaves[i].substr(from, colon - from), counter, what + " branch " + b.name));
      if (colon == std::string::npos) break;
      from = colon + 1;
    }
    b.counter = counter;
    BranchSource src;
    if (!counter.empty()) {
      const auto k = std::find(counters.begin(), counters.end(), counter) - counters.begin();
      require(k < static_cast<std::ptrdiff_t>(counters.size()), ErrorCode::Malformed,
              what + ": branch " + b.name + " is counted by '" + counter + "', which no collection lists");
      src.collection = static_cast<int>(k);
    }
    src.table = src.collection < 0 ? &flat : &collections[static_cast<std::size_t>(src.collection)];
    if (b.leaves.size() == 1 && b.leaves[0].text) {
      for (const auto& t : src.table->text)
        if (t.name == b.name) src.text = &t;
      require(src.text != nullptr, ErrorCode::Malformed, what + ": no text column '" + b.name + "'");
    } else {
      std::size_t at = 0;
      for (const auto& name : column_names_of(b)) {
        const Array* c = find_column(*src.table, name);
        require(c != nullptr, ErrorCode::Malformed, what + ": branch " + b.name + ": no column '" + name + "'");
        std::int64_t n = 0;
        const RootLeafSpec* leaf = nullptr;
        for (const auto& l : b.leaves)  // the leaf this column belongs to
          if (!leaf && (n += elements(l)) > static_cast<std::int64_t>(at)) leaf = &l;
        require(leaf && !leaf->text && c->dtype == leaf->dtype, ErrorCode::Malformed,
                what + ": column '" + name + "' is " + std::string(dtype_name(c->dtype)) + ", not the branch's leaf type");
        src.columns.push_back(c);
        ++at;
      }
    }
    spec.branches.push_back(std::move(b));
    sources.push_back(src);
  }

  w.begin_tree(spec);
  std::vector<std::vector<std::byte>> buffers(sources.size());
  std::vector<RootBranchData> data(sources.size());
  for (std::int64_t a = 0; a < entries; a += kEntriesPerAppend) {
    const std::int64_t b = std::min(entries, a + kEntriesPerAppend);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const BranchSource& src = sources[i];
      // Rows of this branch's table for entries [a, b).
      std::int64_t r0 = a, r1 = b;
      if (src.collection >= 0) {
        const auto& s = starts[static_cast<std::size_t>(src.collection)];
        r0 = s[static_cast<std::size_t>(a)];
        r1 = s[static_cast<std::size_t>(b)];
      }
      if (src.text) {
        data[i].values = {};
        data[i].text = std::span<const std::string>(src.text->values).subspan(static_cast<std::size_t>(r0),
                                                                              static_cast<std::size_t>(r1 - r0));
        continue;
      }
      std::size_t row_bytes = 0;
      for (const Array* c : src.columns) row_bytes += dtype_size(c->dtype);
      auto& buf = buffers[i];
      buf.resize(static_cast<std::size_t>(r1 - r0) * row_bytes);
      std::size_t offset = 0;
      for (const Array* c : src.columns) {  // column c into its place in every row
        const std::size_t size = dtype_size(c->dtype);
        const std::byte* from = c->bytes.data() + static_cast<std::size_t>(r0) * size;
        std::byte* to = buf.data() + offset;
        for (std::int64_t r = r0; r < r1; ++r, from += size, to += row_bytes) std::memcpy(to, from, size);
        offset += size;
      }
      data[i].values = buf;
      data[i].text = {};
    }
    w.append(b - a, data);
  }
  w.end_tree();
}

}  // namespace

void write_root_bundle(const std::filesystem::path& out, const Hdf5Tree& index,
                       const std::function<Dataset(const std::string& member)>& member) {
  rootio::RootFileWriter w(out);
  bool any = false;
  for (const auto& o : index.objects)
    if (!o.is_dataset && find_attribute(o, "ROOT.class")) {
      write_tree(w, o, member, out);
      any = true;
    }
  require(any, ErrorCode::Usage, out.string() + ": the container holds no ROOT tree to write");
  w.commit();
}

}  // namespace baler
