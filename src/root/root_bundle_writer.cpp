// A ROOT bundle's trees written back as a ROOT file (root.hpp write_root_bundle): the branches
// rebuilt from the leaf-list descriptors, their values from the member tables.
#include <algorithm>
#include <cstring>
#include <map>

#include "baler/root.hpp"
#include "root_internal.hpp"
#include "rntuple.hpp"
#include "root_writer.hpp"
#include "tree_carry.hpp"

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

std::vector<std::int64_t> ints_of(const Hdf5Object& o, const std::string& name, const std::string& what);

// Patches fBasketSeek[j] of branch `b` in a TTree payload, in the width the payload has.
void put_seek(std::vector<std::byte>& payload, const rootio::Branch& b, std::size_t j, std::uint64_t seek,
              const std::string& what) {
  if (b.seek_width == 8) return rootio::put_be_at(payload, b.basket_seek_at + 8 * j, static_cast<std::int64_t>(seek), what);
  require(seek <= 0x7FFFFFFF, ErrorCode::Limit,
          what + ": branch '" + b.name + "' keeps 32-bit basket positions, and a basket lands beyond 2 GB");
  rootio::put_be_at(payload, b.basket_seek_at + 4 * j, static_cast<std::int32_t>(seek), what);
}

// A TTree rewritten in place (tree_carry.hpp): its stored payload with each free basket written
// again, rebuilt from the tables or from its carried bytes, and its position patched in.
void write_in_place(rootio::RootFileWriter& w, const Hdf5Object& group,
                    const std::function<Dataset(const std::string&)>& member, const std::string& directory,
                    const std::vector<BranchSource>& sources, const std::vector<std::vector<std::int64_t>>& starts,
                    const std::string& what) {
  const auto key = ints_of(group, "ROOT.tree_key", what);
  const auto carried = strings_of(group, "ROOT.carried", what);
  const auto branch_index = ints_of(group, "ROOT.branch_index", what);
  require(key.size() == 4 && carried.size() == 2 && branch_index.size() == sources.size(), ErrorCode::Malformed,
          what + ": ROOT.tree_key, ROOT.carried and ROOT.branch_index disagree with the branches");
  const Dataset blob = member(group.path + "/" + carried[0]);
  const Dataset baskets = member(group.path + "/" + carried[1]);
  require(blob.columns.size() == 1 && blob.columns[0].values.dtype == DType::U8, ErrorCode::Malformed,
          what + ": " + carried[0] + " is not one uint8 column");
  const auto& bytes = blob.columns[0].values.bytes;
  const std::int64_t objlen = key[0], keylen = key[3];
  require(objlen > 0 && static_cast<std::uint64_t>(objlen) <= bytes.size() && keylen > 0 && keylen < 32768,
          ErrorCode::Malformed, what + ": ROOT.tree_key is out of range");
  std::vector<std::byte> payload(bytes.begin(), bytes.begin() + objlen);
  const rootio::Tree tree = rootio::parse_tree(payload, static_cast<int>(keylen), what);
  const auto all = rootio::all_branches(tree);
  std::vector<int> source_of(all.size(), -1);
  for (std::size_t k = 0; k < branch_index.size(); ++k) {
    require(branch_index[k] >= 0 && static_cast<std::size_t>(branch_index[k]) < all.size(), ErrorCode::Malformed,
            what + ": ROOT.branch_index " + std::to_string(branch_index[k]) + " is not a branch of the tree");
    source_of[static_cast<std::size_t>(branch_index[k])] = static_cast<int>(k);
  }
  const auto column = [&](const char* name) -> const Array& {
    const Array* c = find_column(baskets, name);
    require(c && (c->dtype == DType::I32 || c->dtype == DType::I64), ErrorCode::Malformed,
            what + ": the basket table has no integer column " + name);
    return *c;
  };
  const Array &col_branch = column("branch"), &col_cycle = column("cycle"), &col_kv = column("key_version"),
              &col_keylen = column("keylen"), &col_version = column("version"), &col_buffer = column("buffer_size"),
              &col_nevbuf_size = column("nevbuf_size"), &col_nevbuf = column("nevbuf"), &col_last = column("last"),
              &col_objlen = column("objlen"), &col_raw = column("raw_bytes"), &col_seek = column("seek"),
              &col_vector = column("vector_version");
  const Array* col_io_bits = find_column(baskets, "io_bits");
  require(!col_io_bits || col_io_bits->dtype == DType::I32, ErrorCode::Malformed, what + ": the basket table's io_bits is not int32");
  std::map<std::int64_t, rootio::RootBasketPlace> placed;  // the source's basket positions -> ours
  require(baskets.text.size() == 2, ErrorCode::Malformed, what + ": the basket table has no key names and titles");
  const auto& names = baskets.text[0].values;
  const auto& titles = baskets.text[1].values;
  std::vector<std::size_t> done(all.size(), 0);  // baskets written per branch
  std::size_t raw_at = static_cast<std::size_t>(objlen);
  const auto put = [&](std::size_t at, auto v) { rootio::put_be_at(payload, at, v, what); };
  for (std::size_t r = 0; r < baskets.rows(); ++r) {
    const auto get = [&](const Array& a) { return static_cast<std::int64_t>(a.value(r)); };
    const std::int64_t bi = get(col_branch);
    require(bi >= 0 && static_cast<std::size_t>(bi) < all.size(), ErrorCode::Malformed,
            what + ": basket row " + std::to_string(r) + " names branch " + std::to_string(bi));
    const rootio::Branch& b = *all[static_cast<std::size_t>(bi)];
    const std::size_t j = done[static_cast<std::size_t>(bi)]++;
    require(j < rootio::free_basket_count(b), ErrorCode::Malformed,
            what + ": branch '" + b.name + "' has more basket rows than baskets");
    rootio::RootRawBasket rb;
    rb.directory = directory;
    rb.name = names.at(r), rb.title = titles.at(r);
    rb.cycle = static_cast<std::int16_t>(get(col_cycle));
    rb.small_key = get(col_kv) <= 1000;
    rb.keylen = static_cast<std::int32_t>(get(col_keylen));
    rb.version = static_cast<std::int16_t>(get(col_version));
    rb.buffer_size = static_cast<std::int32_t>(get(col_buffer));
    rb.nevbuf_size = static_cast<std::int32_t>(get(col_nevbuf_size));
    if (col_io_bits) {  // containers before 2026-12-08 have no io_bits column (nor baskets with them)
      const std::int64_t bits = get(*col_io_bits);
      require(bits >= 0 && bits <= 0x7F && (bits != 0) == (rb.nevbuf_size < 0), ErrorCode::Malformed,
              what + ": basket row " + std::to_string(r) + ": io_bits " + std::to_string(bits) +
                  " disagrees with nevbuf_size " + std::to_string(rb.nevbuf_size));
      rb.io_bits = static_cast<std::uint8_t>(bits);
    }
    rb.nevbuf = static_cast<std::int32_t>(get(col_nevbuf));
    rb.last = static_cast<std::int32_t>(get(col_last));
    const std::int64_t content = get(col_objlen), raw = get(col_raw);
    std::vector<std::byte> rebuilt;
    if (raw > 0) {
      require(static_cast<std::uint64_t>(raw) <= bytes.size() - raw_at && raw == content, ErrorCode::Malformed,
              what + ": branch '" + b.name + "' basket " + std::to_string(j) + " runs past the carried bytes");
      rb.payload = std::span<const std::byte>(bytes).subspan(raw_at, static_cast<std::size_t>(raw));
      raw_at += static_cast<std::size_t>(raw);
    } else {
      const int k = source_of[static_cast<std::size_t>(bi)];
      require(k >= 0 && rb.nevbuf >= 0 && j < b.basket_entry.size(), ErrorCode::Malformed,
              what + ": branch '" + b.name + "' basket " + std::to_string(j) + " is neither carried nor in a table");
      const BranchSource& src = sources[static_cast<std::size_t>(k)];
      const std::int64_t e0 = b.basket_entry[j], e1 = e0 + rb.nevbuf;
      rootio::BasketBuilder bb;
      const std::int64_t vector_version = get(col_vector);  // > 0: a std::vector branch
      require(vector_version >= 0 && vector_version <= 0xFFFF, ErrorCode::Malformed,
              what + ": branch '" + b.name + "' basket " + std::to_string(j) + ": bad vector_version");
      if (src.text && src.collection >= 0) {  // a std::vector<std::string>: per entry its strings
        const auto& st = starts[static_cast<std::size_t>(src.collection)];
        require(vector_version > 0 && e0 >= 0 && static_cast<std::size_t>(e1) < st.size() &&
                    src.text->values.size() == static_cast<std::size_t>(st.back()),
                ErrorCode::Malformed,
                what + ": branch '" + b.name + "' basket " + std::to_string(j) + ": entries beyond its collection");
        for (auto e = e0; e < e1; ++e) {
          bb.begin_entry();
          const auto lo = static_cast<std::size_t>(st[static_cast<std::size_t>(e)]);
          const auto hi = static_cast<std::size_t>(st[static_cast<std::size_t>(e) + 1]);
          bb.append_text_vector(std::span<const std::string>(src.text->values).subspan(lo, hi - lo),
                                static_cast<std::uint16_t>(vector_version));
        }
      } else if (src.text) {
        require(e0 >= 0 && static_cast<std::size_t>(e1) <= src.text->values.size(), ErrorCode::Malformed,
                what + ": branch '" + b.name + "' basket " + std::to_string(j) + ": entries beyond its column");
        for (auto e = e0; e < e1; ++e) bb.begin_entry(), bb.append_text(src.text->values[static_cast<std::size_t>(e)]);
      } else if (src.collection >= 0) {
        const auto& st = starts[static_cast<std::size_t>(src.collection)];
        require(e0 >= 0 && static_cast<std::size_t>(e1) < st.size(), ErrorCode::Malformed,
                what + ": branch '" + b.name + "' basket " + std::to_string(j) + ": entries beyond its collection");
        require(vector_version == 0 || src.columns.size() == 1, ErrorCode::Malformed,
                what + ": branch '" + b.name + "' basket " + std::to_string(j) + ": bad vector_version");
        for (auto e = e0; e < e1; ++e) {
          bb.begin_entry();
          const auto lo = st[static_cast<std::size_t>(e)], hi = st[static_cast<std::size_t>(e) + 1];
          if (vector_version > 0)
            bb.append_vector_header(static_cast<std::size_t>(hi - lo),
                                    static_cast<std::size_t>(hi - lo) * dtype_size(src.columns[0]->dtype),
                                    static_cast<std::uint16_t>(vector_version));
          bb.append_values(src.columns, static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo));
        }
      } else {
        require(e0 >= 0 && static_cast<std::size_t>(e1) <= src.table->rows(), ErrorCode::Malformed,
                what + ": branch '" + b.name + "' basket " + std::to_string(j) + ": entries beyond its table");
        bb.append_values(src.columns, static_cast<std::size_t>(e0), static_cast<std::size_t>(e1 - e0));
      }
      const bool offsets = content > rb.last - rb.keylen;
      rebuilt = bb.finish(offsets ? rb.keylen : -1);
      require(static_cast<std::int64_t>(rebuilt.size()) == content &&
                  (offsets || static_cast<std::int64_t>(rebuilt.size()) == rb.last - rb.keylen),
              ErrorCode::Malformed,
              what + ": branch '" + b.name + "' basket " + std::to_string(j) + " rebuilt to " +
                  std::to_string(rebuilt.size()) + " bytes, stored " + std::to_string(content));
      rb.payload = rebuilt;
    }
    const auto place = w.write_raw_basket(rb);
    placed[get(col_seek)] = place;
    require(b.basket_bytes_at > 0 && b.basket_seek_at > 0, ErrorCode::Internal, what + ": basket table positions");
    put(b.basket_bytes_at + 4 * j, static_cast<std::int32_t>(place.nbytes));
    put_seek(payload, b, j, place.seek, what);
  }
  for (std::size_t i = 0; i < all.size(); ++i)
    require(done[i] == rootio::free_basket_count(*all[i]), ErrorCode::Malformed,
            what + ": branch '" + all[i]->name + "' has " + std::to_string(rootio::free_basket_count(*all[i])) +
                " baskets but " + std::to_string(done[i]) + " basket rows");
  rootio::RootRawObject t;
  t.directory = directory;
  t.class_name = strings_of(group, "ROOT.class", what).at(0);
  t.name = group.path.substr(group.path.rfind('/') + 1);
  t.title = strings_of(group, "ROOT.key_title", what).at(0);
  require(key[2] >= 0 && key[2] <= 32767, ErrorCode::Malformed, what + ": bad cycle");
  t.cycle = static_cast<std::int16_t>(key[2]);
  t.small_key = key[1] <= 1000;
  t.payload = payload;
  w.write_object(t);
  // Older cycles: the same baskets, at their new places.
  const auto older = ints_of(group, "ROOT.older_keys", what);
  const auto older_titles = strings_of(group, "ROOT.older_titles", what);
  require(older.size() == 4 * older_titles.size(), ErrorCode::Malformed, what + ": ROOT.older_keys and ROOT.older_titles disagree");
  for (std::size_t i = 0; i < older_titles.size(); ++i) {
    const std::int64_t n = older[4 * i], kv = older[4 * i + 1], cycle = older[4 * i + 2], kl = older[4 * i + 3];
    const std::string cw = what + " cycle " + std::to_string(cycle);
    require(n > 0 && static_cast<std::uint64_t>(n) <= bytes.size() - raw_at && kl > 0 && kl < 32768 && cycle >= 0 &&
                cycle <= 32767,
            ErrorCode::Malformed, cw + ": ROOT.older_keys is out of range");
    std::vector<std::byte> old(bytes.begin() + static_cast<std::ptrdiff_t>(raw_at), bytes.begin() + static_cast<std::ptrdiff_t>(raw_at + n));
    raw_at += static_cast<std::size_t>(n);
    const rootio::Tree ot = rootio::parse_tree(old, static_cast<int>(kl), cw);
    for (const rootio::Branch* b : rootio::all_branches(ot))
      for (std::size_t j = 0; j < rootio::free_basket_count(*b); ++j) {
        const auto it = placed.find(b->basket_seek[j]);
        require(it != placed.end(), ErrorCode::Malformed, cw + ": branch '" + b->name + "' refers to a basket not written");
        rootio::put_be_at(old, b->basket_bytes_at + 4 * j, static_cast<std::int32_t>(it->second.nbytes), cw);
        put_seek(old, *b, j, it->second.seek, cw);
      }
    t.title = older_titles[i];
    t.cycle = static_cast<std::int16_t>(cycle);
    t.small_key = kv <= 1000;
    t.payload = old;
    w.write_object(t);
  }
  require(raw_at == bytes.size(), ErrorCode::Malformed, what + ": " + carried[0] + " has bytes nothing claims");
}

void write_tree(rootio::RootFileWriter& w, const Hdf5Object& group,
                const std::function<Dataset(const std::string&)>& member, const std::filesystem::path& out,
                const RootWriteOptions& options) {
  const std::string what = out.string() + ": tree " + group.path;
  const bool as_ntuple = find_attribute(group, "ROOT.ntuple") != nullptr && !options.rntuples_as_ttrees;
  const auto branches = strings_of(group, "ROOT.branches", what);
  const auto leaves = strings_of(group, "ROOT.leaves", what);
  const auto members = strings_of(group, "ROOT.members", what);
  const auto counters = strings_of(group, "ROOT.counters", what);
  const bool in_place = find_attribute(group, "ROOT.tree_key") != nullptr || as_ntuple;
  if (find_attribute(group, "ROOT.ntuple") && !as_ntuple) {  // an RNTuple asked for as a TTree
    // Fields carried only as stored pages have no TTree form here (ROOT.fields_as_stored lists
    // them; containers made before 2026-12-08 do not).
    const auto stored = find_attribute(group, "ROOT.fields_as_stored") ? strings_of(group, "ROOT.fields_as_stored", what)
                                                                       : std::vector<std::string>{};
    const std::string rn = "RNTuple " + group.path + " written as a TTree";
    if (members.empty()) {
      if (options.on_note) options.on_note(left_out_note(rn + ": the whole RNTuple (none of its fields is in a table)"));
      return;
    }
    if (options.on_note && !stored.empty())
      options.on_note(left_out_note(rn + ": " + std::to_string(stored.size()) + " field" + (stored.size() == 1 ? "" : "s") +
                                    " carried only as stored pages: " + rootio::first_names(stored, stored.size())));
    else if (options.on_note && !find_attribute(group, "ROOT.fields_as_stored"))
      options.on_note(left_out_note(rn + ": any field carried only as stored pages (this container does not list them)"));
  }
  require(branches.size() == leaves.size() && members.size() == counters.size() + (members.empty() ? 0 : 1) &&
              (in_place || !members.empty()),
          ErrorCode::Malformed, what + ": ROOT.branches, ROOT.leaves, ROOT.members and ROOT.counters disagree");
  rootio::RootTreeSpec spec;
  spec.name = group.path.substr(group.path.rfind('/') + 1);
  const auto slash = group.path.rfind('/');
  const std::string directory = slash > 0 && slash != std::string::npos ? group.path.substr(1, slash - 1) : "";
  if (!directory.empty()) w.make_directory(directory);
  spec.title = strings_of(group, "ROOT.title", what).at(0);
  spec.class_name = strings_of(group, "ROOT.class", what).at(0);
  if (spec.class_name != "TNtuple" && spec.class_name != "TNtupleD") spec.class_name = "TTree";  // an RNTuple too

  const Dataset flat = members.empty() ? Dataset{} : member(group.path + "/" + members[0]);
  std::vector<Dataset> collections;
  for (std::size_t k = 1; k < members.size(); ++k) collections.push_back(member(group.path + "/" + members[k]));
  if (as_ntuple) {  // an RNTuple written back as one
    rootio::NtupleWrite nw;
    nw.what = out.string() + ": RNTuple " + group.path;
    const auto key = ints_of(group, "ROOT.ntuple_key", nw.what);
    const auto carried = strings_of(group, "ROOT.carried", nw.what);
    require(key.size() == 2 && key[1] >= 0 && key[1] <= 32767 && carried.size() == 2, ErrorCode::Malformed,
            nw.what + ": ROOT.ntuple_key or ROOT.carried is malformed");
    const Dataset blob = member(group.path + "/" + carried[0]);
    const Dataset pages = member(group.path + "/" + carried[1]);
    require(blob.columns.size() == 1 && blob.columns[0].values.dtype == DType::U8, ErrorCode::Malformed,
            nw.what + ": " + carried[0] + " is not one uint8 column");
    nw.directory = directory;
    nw.class_name = strings_of(group, "ROOT.class", nw.what).at(0);
    nw.name = spec.name;
    nw.title = strings_of(group, "ROOT.key_title", nw.what).at(0);
    nw.small_key = key[0] <= 1000;
    nw.cycle = static_cast<std::int16_t>(key[1]);
    nw.layout = ints_of(group, "ROOT.ntuple", nw.what);
    nw.bytes = blob.columns[0].values.bytes;
    nw.pages = &pages;
    nw.flat = &flat;
    for (const auto& c : collections) nw.collections.push_back(&c);
    rootio::write_ntuple(w, nw);
    return;
  }
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
  if (in_place) {
    write_in_place(w, group, member, directory, sources, starts, what);
    return;
  }

  w.begin_tree(spec, directory);
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

std::vector<std::int64_t> ints_of(const Hdf5Object& o, const std::string& name, const std::string& what) {
  const Hdf5Attribute* a = find_attribute(o, name);
  require(a && !a->is_string && a->dtype == DType::I64 && a->shape.size() == 1 &&
              a->bytes.size() == static_cast<std::size_t>(a->shape[0]) * 8,
          ErrorCode::Malformed, what + ": no int64 array attribute " + name);
  std::vector<std::int64_t> v(a->bytes.size() / 8);
  if (!v.empty()) std::memcpy(v.data(), a->bytes.data(), a->bytes.size());
  return v;
}

// The directories and carried objects of the file (the "/" group's ROOT.objects_member and its
// companions), written before the trees.
void write_carried(rootio::RootFileWriter& w, const Hdf5Object& top,
                   const std::function<Dataset(const std::string&)>& member, const std::filesystem::path& out) {
  const std::string what = out.string() + ": the source file's objects";
  const auto member_path = strings_of(top, "ROOT.objects_member", what);
  const auto dirs = strings_of(top, "ROOT.directories", what);
  const auto dir_titles = strings_of(top, "ROOT.directory_titles", what);
  const auto dir_classes = strings_of(top, "ROOT.directory_classes", what);
  const auto paths = strings_of(top, "ROOT.objects", what);
  const auto classes = strings_of(top, "ROOT.object_classes", what);
  const auto titles = strings_of(top, "ROOT.object_titles", what);
  const auto cycles = ints_of(top, "ROOT.object_cycles", what);
  const auto versions = ints_of(top, "ROOT.object_key_versions", what);
  const auto sizes = ints_of(top, "ROOT.object_sizes", what);
  const std::size_t n = paths.size();
  require(member_path.size() == 1 && dir_titles.size() == dirs.size() && dir_classes.size() == dirs.size() && classes.size() == n && titles.size() == n &&
              cycles.size() == n && versions.size() == n && sizes.size() == n,
          ErrorCode::Malformed, what + ": the ROOT.object* attributes disagree");
  const Dataset bytes = member(member_path[0]);
  require(bytes.columns.size() == 1 && bytes.columns[0].values.dtype == DType::U8 && bytes.text.empty(),
          ErrorCode::Malformed, what + ": " + member_path[0] + " is not one uint8 column");
  const auto& all = bytes.columns[0].values.bytes;
  std::size_t at = 0;
  const auto take = [&](std::int64_t size, const std::string& name) {
    require(size >= 0 && static_cast<std::uint64_t>(size) <= all.size() - at, ErrorCode::Malformed,
            what + ": " + name + " runs past the end of " + member_path[0]);
    const auto out_span = std::span<const std::byte>(all).subspan(at, static_cast<std::size_t>(size));
    at += static_cast<std::size_t>(size);
    return out_span;
  };
  if (find_attribute(top, "ROOT.streamer_info")) {
    const auto info = ints_of(top, "ROOT.streamer_info", what);
    // [size, key version, listed, cycle]; containers before the cycle was kept hold three, of cycle 1.
    require((info.size() == 3 || info.size() == 4) && (info.size() == 3 || (info[3] >= 0 && info[3] <= 32767)),
            ErrorCode::Malformed, what + ": ROOT.streamer_info is not [size, key version, listed, cycle]");
    // Containers before the title was kept hold lists from keys with ROOT's usual title.
    const std::string title = find_attribute(top, "ROOT.streamer_info_title")
                                  ? strings_of(top, "ROOT.streamer_info_title", what).at(0)
                                  : std::string("Doubly linked list");
    w.set_source_streamer_infos(take(info[0], "the StreamerInfo list"), info[1] <= 1000, info[2] != 0, title,
                                static_cast<std::int16_t>(info.size() == 4 ? info[3] : 1));
  }
  for (std::size_t i = 0; i < dirs.size(); ++i) w.make_directory(dirs[i], dir_titles[i], dir_classes[i]);
  for (std::size_t i = 0; i < n; ++i) {
    rootio::RootRawObject o;
    const auto slash = paths[i].rfind('/');
    o.directory = slash == std::string::npos ? "" : paths[i].substr(0, slash);
    o.name = slash == std::string::npos ? paths[i] : paths[i].substr(slash + 1);
    o.class_name = classes[i];
    o.title = titles[i];
    require(cycles[i] >= 0 && cycles[i] <= 32767, ErrorCode::Malformed, what + ": " + paths[i] + ": bad cycle");
    o.cycle = static_cast<std::int16_t>(cycles[i]);
    o.small_key = versions[i] <= 1000;
    o.payload = take(sizes[i], paths[i]);
    if (!o.directory.empty()) w.make_directory(o.directory);
    w.write_object(o);
  }
  require(at == all.size(), ErrorCode::Malformed, what + ": " + member_path[0] + " has bytes no object claims");
}

}  // namespace

void write_root_bundle(const std::filesystem::path& out, const Hdf5Tree& index,
                       const std::function<Dataset(const std::string& member)>& member, const RootWriteOptions& options) {
  rootio::RootFileWriter w(out);
  bool any = false;
  for (const auto& o : index.objects)
    if (o.path == "/" && find_attribute(o, "ROOT.objects_member")) {
      write_carried(w, o, member, out);
      any = true;
    }
  for (const auto& o : index.objects)
    if (!o.is_dataset && find_attribute(o, "ROOT.class")) {
      write_tree(w, o, member, out, options);
      any = true;
    }
  require(any, ErrorCode::Usage, out.string() + ": the container holds no ROOT tree or object to write");
  w.commit();
}

void write_root_bundle(const std::filesystem::path& out, const RootBundle& bundle, const RootWriteOptions& options) {
  write_root_bundle(
      out, bundle.index,
      [&](const std::string& m) {
        for (const auto& [name, d] : bundle.members)
          if (name == m) return d;
        throw Error(ErrorCode::Malformed, out.string() + ": the bundle has no member " + m);
      },
      options);
}

}  // namespace baler
