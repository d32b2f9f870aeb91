// A ROOT file's trees as bundle members (root.hpp): one table per tree of per-entry values and
// one per jagged collection, with what the native writer needs to rebuild the tree.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "baler/root.hpp"
#include "rntuple.hpp"
#include "root_tree_tables.hpp"
#include "tree_carry.hpp"

namespace baler {
namespace {

Hdf5Attribute string_attribute(std::string name, std::vector<std::string> values, bool scalar) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.is_string = true;
  if (!scalar) a.shape = {static_cast<std::int64_t>(values.size())};
  a.strings = std::move(values);
  return a;
}

Hdf5Attribute int_attribute(std::string name, std::int64_t v) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.dtype = DType::I64;
  a.bytes.resize(8);
  std::memcpy(a.bytes.data(), &v, 8);
  return a;
}

Hdf5Attribute ints_attribute(std::string name, const std::vector<std::int64_t>& v) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.dtype = DType::I64;
  a.shape = {static_cast<std::int64_t>(v.size())};
  a.bytes.resize(v.size() * 8);
  if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), v.size() * 8);
  return a;
}

// A table of one uint8 column `bytes`: stored bytes carried for the ROOT writer.
Dataset bytes_table(std::vector<std::byte> bytes) {
  Dataset d;
  Column c;
  c.name = "bytes";
  c.values.dtype = DType::U8;
  c.values.shape = {static_cast<std::int64_t>(bytes.size())};
  c.values.bytes = std::move(bytes);
  d.columns.push_back(std::move(c));
  return d;
}

// Appends "_" to names[k] (k >= from) until it differs from every name before it.
void make_distinct(std::vector<std::string>& names, std::size_t from) {
  for (std::size_t k = from; k < names.size(); ++k)
    while (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(k), names[k]) !=
           names.begin() + static_cast<std::ptrdiff_t>(k))
      names[k] += "_";
}

// The keys a whole file carries besides its trees, and its directories.
struct Carried {
  std::vector<rootio::Entry> directories, objects;
  std::optional<rootio::Key> streamer_info;
  bool streamer_info_listed = false;  // the top directory lists it as a key (uproot's files do)
  std::uint64_t bytes() const {
    std::uint64_t n = streamer_info ? static_cast<std::uint64_t>(streamer_info->objlen) : 0;
    for (const auto& o : objects) n += static_cast<std::uint64_t>(o.key.objlen);
    return n;
  }
};

// The carried objects' streamed bytes, one after another (the StreamerInfo list first), as a
// table of one uint8 column: read when opened.
class ObjectBytesSource final : public DataSource {
 public:
  ObjectBytesSource(std::filesystem::path path, std::shared_ptr<const Carried> c) : path_(std::move(path)), carried_(std::move(c)) {
    layout_.rows = carried_->bytes();
    layout_.names = {"bytes"};
    layout_.dtypes = {DType::U8};
  }
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    if (!whole_) {
      const rootio::RootFile file(path_);
      std::vector<std::byte> all;
      all.reserve(static_cast<std::size_t>(layout_.rows));
      const auto add = [&](const rootio::Key& k, const std::string& what) {
        const auto p = file.payload(k, what);
        require(p.size() == static_cast<std::size_t>(k.objlen), ErrorCode::Malformed,
                file.name() + ": " + what + ": " + std::to_string(p.size()) + " bytes, its key says " + std::to_string(k.objlen));
        all.insert(all.end(), p.begin(), p.end());
      };
      if (carried_->streamer_info) add(*carried_->streamer_info, "StreamerInfo list");
      for (const auto& o : carried_->objects) add(o.key, o.key.class_name + " '" + o.path + "'");
      whole_ = std::make_unique<MemorySource>(bytes_table(std::move(all)), "read whole");
    }
    return whole_->read_rows(a, b);
  }
  std::string access() const override { return "read whole"; }

 private:
  std::filesystem::path path_;
  std::shared_ptr<const Carried> carried_;
  DataLayout layout_;
  std::unique_ptr<MemorySource> whole_;
};

// Adds "/a", "/a/b", ... for "a/b/c" (a tree inside directories), once each.
void add_groups(Hdf5Tree& index, const std::string& path) {
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string g = "/" + path.substr(0, slash);
    if (std::none_of(index.objects.begin(), index.objects.end(), [&](const Hdf5Object& o) { return o.path == g; }))
      index.objects.push_back({g, false, {}});
  }
}

// A per-entry or per-object table's columns as branches (an RNTuple's, which has no leaf lists
// of its own): a run `a[0]`..`a[N-1]` is one array branch "a[N]/T", text "s/C"; a collection's
// branches are counted by its counter ("pt[nMuon]/F") and follow every per-entry branch.
void add_branches(const Dataset& d, const std::string& counter, std::vector<std::string>& names,
                  std::vector<std::string>& leaves) {
  const auto order = column_order(d.columns.size(), [&] {
    std::vector<std::size_t> p;
    for (const auto& t : d.text) p.push_back(t.position);
    return p;
  }());
  const std::string count = counter.empty() ? "" : "[" + counter + "]";
  for (std::size_t k = 0; k < order.size();) {
    const auto [is_text, j] = order[k];
    if (is_text) {
      names.push_back(d.text[j].name);
      leaves.push_back(d.text[j].name + "/C");
      ++k;
      continue;
    }
    const Column& c = d.columns[j];
    std::size_t run = 1;  // columns base[0], base[1], ... of one dtype, in order
    const auto open = c.name.rfind('[');
    if (c.name.ends_with("[0]") && open != std::string::npos) {
      const std::string base = c.name.substr(0, open);
      while (k + run < order.size() && !order[k + run].first &&
             d.columns[order[k + run].second].name == base + "[" + std::to_string(run) + "]" &&
             d.columns[order[k + run].second].values.dtype == c.values.dtype)
        ++run;
      names.push_back(base);
      leaves.push_back(base + count + "[" + std::to_string(run) + "]/" + rootio::root_type_code(c.values.dtype));
    } else {
      names.push_back(c.name);
      leaves.push_back(c.name + count + "/" + rootio::root_type_code(c.values.dtype));
    }
    k += run;
  }
}

// A table of an RNTuple read whole, shared by the tree's members.
class SharedSource final : public DataSource {
 public:
  SharedSource(std::shared_ptr<const rootio::TreeTables> t, const Dataset& d) : held_(std::move(t)), mem_(d, "read whole") {}
  const DataLayout& layout() const override { return mem_.layout(); }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override { return mem_.read_rows(a, b); }
  std::string access() const override { return mem_.access(); }

 private:
  std::shared_ptr<const rootio::TreeTables> held_;  // owns what mem_ reads
  MemorySource mem_;
};

// A TTree's entries table: the flat branches decoded basket by basket for each range of rows
// (as open_root_source streams them), the strings read whole.
class TreeEntriesSource final : public DataSource {
 public:
  explicit TreeEntriesSource(std::shared_ptr<const rootio::TTreePlan> p)
      : plan_(std::move(p)), reader_(plan_->file, plan_->tree, plan_->flat), text_(plan_->read_strings()) {
    layout_.rows = static_cast<std::uint64_t>(plan_->tree.entries);
    for (const auto& c : reader_.columns()) {
      layout_.names.push_back(c.name);
      layout_.dtypes.push_back(c.dtype);
    }
    for (const auto& t : text_) {
      layout_.text_names.push_back(t.name);
      layout_.text_positions.push_back(t.position);
    }
  }
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    require(a <= b && b <= layout_.rows, ErrorCode::Internal, plan_->what + ": rows " + std::to_string(a) + ":" + std::to_string(b));
    Dataset d = reader_.read(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b));
    for (const auto& t : text_) d.text.push_back(text_rows(t, a, b));
    return d;
  }

 private:
  std::shared_ptr<const rootio::TTreePlan> plan_;  // owns what reader_ points to
  rootio::FlatTableReader reader_;
  std::vector<TextColumn> text_;
  DataLayout layout_;
};

// A TTree's collection: its counter read when opened (the row count), its branches read whole
// at the first read (so that a bundle's collections are in memory one at a time).
class CollectionSource final : public DataSource {
 public:
  CollectionSource(std::shared_ptr<const rootio::TTreePlan> p, std::size_t k) : plan_(std::move(p)), k_(k), counts_(plan_->counts(k)) {
    std::uint64_t rows = 0;
    for (const auto c : counts_) {
      require(c >= 0, ErrorCode::Malformed, plan_->what + ": counter '" + plan_->collections[k].counter + "' is negative");
      rows += static_cast<std::uint64_t>(c);
    }
    layout_ = plan_->collection_layout(k, rows);
  }
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    if (!mem_) mem_ = std::make_unique<MemorySource>(plan_->read_collection(k_, counts_), "read whole");
    return mem_->read_rows(a, b);
  }
  std::string access() const override { return "read whole"; }

 private:
  std::shared_ptr<const rootio::TTreePlan> plan_;
  std::size_t k_;
  std::vector<std::int64_t> counts_;
  DataLayout layout_;
  std::unique_ptr<MemorySource> mem_;
};

}  // namespace

bool is_root_bundle(const Hdf5Tree& index) {
  return std::any_of(index.objects.begin(), index.objects.end(), [](const Hdf5Object& o) {
    return std::any_of(o.attributes.begin(), o.attributes.end(),
                       [](const Hdf5Attribute& a) { return a.name == "ROOT.class" || a.name == "ROOT.objects_member"; });
  });
}

std::vector<std::string> root_carried_members(const Hdf5Tree& index) {
  std::vector<std::string> out;
  for (const auto& o : index.objects)
    for (const auto& a : o.attributes) {
      if (!a.is_string) continue;
      if (a.name == "ROOT.objects_member") out.insert(out.end(), a.strings.begin(), a.strings.end());
      if (a.name == "ROOT.carried")
        for (const auto& m : a.strings) out.push_back(o.path + "/" + m);
    }
  return out;
}

RootBundleSource open_root_bundle(const DataSpec& spec, const std::function<void(const std::string&)>& on_note) {
  std::vector<rootio::Entry> trees;
  std::string want = spec.object;
  if (!want.empty() && want.front() == '/') want.erase(0, 1);
  if (const auto semi = want.rfind(';'); semi != std::string::npos) want.erase(semi);
  std::string names, file_name;
  // A whole file carries its other keys (histograms, TParameter, ...) as streamed bytes, its
  // directories and its StreamerInfo list; one tree named is that tree only.
  auto carried = std::make_shared<Carried>();
  std::vector<std::string> old_cycles;
  std::map<std::string, std::vector<rootio::Entry>> older;  // of trees, by path
  {
    const rootio::RootFile file(spec.path);
    file_name = file.name();
    std::set<std::string> seen;
    const auto info = file.streamer_info_key();
    for (const auto& e : file.entries(true)) {
      const bool highest = seen.insert(e.path).second;
      if (info && e.key.seek_key == info->seek_key) {  // the StreamerInfo key itself, listed
        carried->streamer_info_listed = true;
        continue;
      }
      if (rootio::is_tree_or_rntuple(e.key.class_name)) {
        if (!highest) {
          if (rootio::is_ttree_class(e.key.class_name)) older[e.path].push_back(e);
          else old_cycles.push_back(e.path + ";" + std::to_string(e.key.cycle));
          continue;
        }
        names += (names.empty() ? "" : ", ") + e.path;
        if (want.empty() || e.path == want) trees.push_back(e);
      } else if (want.empty()) {
        (rootio::is_directory_class(e.key.class_name) ? carried->directories : carried->objects).push_back(e);
      }
    }
    carried->streamer_info = info;
  }
  require(!trees.empty() || (want.empty() && !carried->objects.empty()), ErrorCode::Usage,
          want.empty() ? file_name + " holds no tree and no object"
                       : file_name + ": no tree '" + spec.object + "' (trees: " + (names.empty() ? "none" : names) + ")");
  RootBundleSource out;
  bool patched = false;  // a TTree is rewritten in place: its classes' streamer infos are needed
  std::vector<std::function<std::unique_ptr<DataSource>()>> openers;
  out.index.objects.push_back({"/", false, {}});
  for (const auto& entry : trees) {
    // What the index says of the tree, and an opener per table.
    std::string title, counter_text;
    std::int64_t entries = 0;
    std::vector<std::string> descriptors, branches, skipped, tables{"entries"}, counters;
    std::vector<std::function<std::unique_ptr<DataSource>()>> open;
    bool empty = false;
    std::shared_ptr<const rootio::TreeCarry> carry;  // a TTree rewritten in place
    std::shared_ptr<const rootio::NtupleCarry> ntuple_carry;  // an RNTuple written back as one
    std::vector<std::int64_t> branch_index;
    std::string note;
    const bool ntuple = rootio::is_rntuple_class(entry.key.class_name);
    if (ntuple) {  // read whole: the members share it
      auto t = std::make_shared<const rootio::TreeTables>(rootio::read_rntuple(rootio::RootFile(spec.path), entry.path));
      title = t->title, entries = t->entries, skipped = t->skipped;
      empty = t->flat.columns.empty() && t->flat.text.empty();
      add_branches(t->flat, "", branches, descriptors);
      try {
        ntuple_carry = std::make_shared<const rootio::NtupleCarry>(rootio::carry_ntuple(rootio::RootFile(spec.path), entry, *t));
      } catch (const Error& e) {
        if (e.code() != ErrorCode::Unsupported) throw;
        note = std::string(e.what()) + "; the RNTuple is written back as a TTree of its columns";
      }
      if (empty && ntuple_carry) tables.clear();  // no entries table: every page travels as stored
      else open.push_back([t] { return std::make_unique<SharedSource>(t, t->flat); });
      for (const auto& c : t->collections) {
        add_branches(c.objects, c.counter, branches, descriptors);
        tables.push_back(rootio::collection_table_name(c));
        counters.push_back(c.counter);
        open.push_back([t, &objects = c.objects] { return std::make_unique<SharedSource>(t, objects); });
      }
    } else {
      auto plan = std::make_shared<const rootio::TTreePlan>(spec.path, entry);
      title = plan->tree.title, entries = plan->tree.entries, skipped = plan->skipped;
      descriptors = plan->descriptors, branches = plan->branch_names;
      empty = plan->flat.empty() && plan->strings.empty();
      const auto& backups = want.empty() ? older[entry.path] : std::vector<rootio::Entry>{};
      try {
        // A tree the leaf-list writer gives back as it was needs nothing more than its tables.
        if (!backups.empty() || !rootio::leaf_lists_rebuild(*plan)) {
          carry = std::make_shared<const rootio::TreeCarry>(rootio::carry_tree(*plan, backups));
          const auto all = rootio::all_branches(plan->tree);
          for (const auto* b : plan->kept)
            branch_index.push_back(std::find(all.begin(), all.end(), b) - all.begin());
        }
      } catch (const Error& e) {
        if (e.code() != ErrorCode::Unsupported) throw;
        note = std::string(e.what()) + "; the tree is rewritten from its branches' leaf lists";
      }
      if (empty && carry) tables.clear();  // no entries table: every branch travels as stored
      else open.push_back([plan] { return std::make_unique<TreeEntriesSource>(plan); });
      for (std::size_t k = 0; k < plan->collections.size(); ++k) {
        tables.push_back(plan->collections[k].counter);
        counters.push_back(plan->collections[k].counter);
        open.push_back([plan, k] { return std::make_unique<CollectionSource>(plan, k); });
      }
    }
    const std::string what = file_name + ": " + (ntuple ? "RNTuple '" : "tree '") + entry.path + "'";
    // An RNTuple's projections (TreeTables::views) are no loss and not noted: their values are
    // the collection's, written back as branches of the same names.
    if (!note.empty() && on_note) on_note(note);
    if (want.empty() && !carry)
      for (const auto& e : older[entry.path]) old_cycles.push_back(e.path + ";" + std::to_string(e.key.cycle));
    if (carry && !carry->older_left_out.empty() && on_note)
      on_note(left_out_note(what + ": older cycle" + (carry->older_left_out.size() == 1 ? "" : "s") + " " +
                            rootio::first_names(carry->older_left_out, carry->older_left_out.size())));
    const bool in_place = carry || ntuple_carry;
    if (in_place)
      for (auto& s : skipped) s = s.substr(0, s.find(" ("));
    if (in_place && !skipped.empty() && on_note) {
      on_note(what + ": " + std::to_string(skipped.size()) + (ntuple ? " field" : " branch") +
              (skipped.size() == 1 ? "" : ntuple ? "s" : "es") + " carried as stored (their " +
              (ntuple ? "pages'" : "baskets'") + " bytes, compressed losslessly, not as columns): " + rootio::first_names(skipped));
    } else if (!skipped.empty() && on_note) {
      on_note(left_out_note(what + ": " + std::to_string(skipped.size()) + (ntuple ? " field" : " branch") +
                            (skipped.size() == 1 ? "" : ntuple ? "s" : "es") + ": " + rootio::first_names(skipped, skipped.size())));
    }
    if (empty && !in_place) {
      if (on_note) on_note(left_out_note(what + ": the whole tree (no branch baler can read)"));
      continue;
    }
    add_groups(out.index, entry.path);
    const std::string group = "/" + entry.path;
    Hdf5Object g{group, false, {}};
    g.attributes.push_back(string_attribute("ROOT.class", {entry.key.class_name}, true));
    g.attributes.push_back(string_attribute("ROOT.title", {title}, true));
    g.attributes.push_back(int_attribute("ROOT.entries", entries));
    g.attributes.push_back(string_attribute("ROOT.branches", branches, false));
    g.attributes.push_back(string_attribute("ROOT.leaves", descriptors, false));
    // Tables: entries, then one per collection (named after it, made distinct).
    make_distinct(tables, 1);
    const std::size_t first = tables.size();  // the tables; after them, carried members
    if (carry) {  // rewritten in place: the tree's payload and baskets, two more members
      patched = true;
      tables.push_back("ROOT.bytes");
      tables.push_back("ROOT.baskets");
      make_distinct(tables, first);
      g.attributes.push_back(ints_attribute("ROOT.tree_key", {entry.key.objlen, entry.key.version, entry.key.cycle, entry.key.keylen}));
      g.attributes.push_back(string_attribute("ROOT.key_title", {entry.key.title}, true));
      g.attributes.push_back(ints_attribute("ROOT.branch_index", branch_index));
      std::vector<std::int64_t> older_keys;
      std::vector<std::string> older_titles;
      for (const auto& k : carry->older) {
        older_keys.insert(older_keys.end(), {k.objlen, k.version, k.cycle, k.keylen});
        older_titles.push_back(k.title);
      }
      g.attributes.push_back(ints_attribute("ROOT.older_keys", older_keys));
      g.attributes.push_back(string_attribute("ROOT.older_titles", older_titles, false));
      g.attributes.push_back(string_attribute("ROOT.carried", {tables[first], tables[first + 1]}, false));
      open.push_back([carry] { return std::make_unique<MemorySource>(bytes_table(carry->bytes), "read whole"); });
      open.push_back([carry] { return std::make_unique<MemorySource>(Dataset(carry->baskets), "read whole"); });
    }
    if (ntuple_carry) {  // written back as an RNTuple: its metadata and the pages not rebuilt
      patched = true;
      tables.push_back("ROOT.bytes");
      tables.push_back("ROOT.pages");
      make_distinct(tables, first);
      std::vector<std::int64_t> key{entry.key.version, entry.key.cycle};
      g.attributes.push_back(ints_attribute("ROOT.ntuple_key", key));
      g.attributes.push_back(ints_attribute("ROOT.ntuple", ntuple_carry->layout));
      g.attributes.push_back(string_attribute("ROOT.key_title", {entry.key.title}, true));
      g.attributes.push_back(string_attribute("ROOT.carried", {tables[first], tables[first + 1]}, false));
      g.attributes.push_back(string_attribute("ROOT.fields_as_stored", skipped, false));
      open.push_back([ntuple_carry] { return std::make_unique<MemorySource>(bytes_table(ntuple_carry->bytes), "read whole"); });
      open.push_back([ntuple_carry] { return std::make_unique<MemorySource>(Dataset(ntuple_carry->page_table), "read whole"); });
    }
    g.attributes.push_back(string_attribute("ROOT.members", {tables.begin(), tables.begin() + static_cast<std::ptrdiff_t>(first)}, false));
    g.attributes.push_back(string_attribute("ROOT.counters", counters, false));
    out.index.objects.push_back(std::move(g));
    for (std::size_t k = 0; k < tables.size(); ++k) {
      out.index.objects.push_back({group + "/" + tables[k], true, {}});
      out.objects.push_back(group + "/" + tables[k]);
      openers.push_back(std::move(open[k]));
    }
  }
  if (want.empty() && !old_cycles.empty() && on_note)
    on_note(left_out_note(file_name + ": " + std::to_string(old_cycles.size()) + " older cycle" +
                          (old_cycles.size() == 1 ? "" : "s") +
                          " of trees (backups ROOT keeps of a tree's metadata, pointing to the same baskets): " +
                          rootio::first_names(old_cycles, old_cycles.size())));
  if ((want.empty() && (!carried->objects.empty() || !carried->directories.empty())) || (patched && carried->streamer_info)) {
    Hdf5Object& top = out.index.objects.front();
    std::vector<std::string> dirs, dir_titles, dir_classes, paths, classes, titles;
    std::vector<std::int64_t> cycles, key_versions, sizes;
    for (const auto& d : carried->directories)
      dirs.push_back(d.path), dir_titles.push_back(d.key.title), dir_classes.push_back(d.key.class_name);
    for (const auto& o : carried->objects) {
      paths.push_back(o.path), classes.push_back(o.key.class_name), titles.push_back(o.key.title);
      cycles.push_back(o.key.cycle), key_versions.push_back(o.key.version), sizes.push_back(o.key.objlen);
    }
    std::string member = "/ROOT.objects";
    while (std::any_of(out.index.objects.begin(), out.index.objects.end(), [&](const Hdf5Object& o) { return o.path == member; }))
      member += "_";
    top.attributes.push_back(string_attribute("ROOT.objects_member", {member}, true));
    top.attributes.push_back(string_attribute("ROOT.directories", dirs, false));
    top.attributes.push_back(string_attribute("ROOT.directory_titles", dir_titles, false));
    top.attributes.push_back(string_attribute("ROOT.directory_classes", dir_classes, false));
    top.attributes.push_back(string_attribute("ROOT.objects", paths, false));
    top.attributes.push_back(string_attribute("ROOT.object_classes", classes, false));
    top.attributes.push_back(string_attribute("ROOT.object_titles", titles, false));
    top.attributes.push_back(ints_attribute("ROOT.object_cycles", cycles));
    top.attributes.push_back(ints_attribute("ROOT.object_key_versions", key_versions));
    top.attributes.push_back(ints_attribute("ROOT.object_sizes", sizes));
    if (const auto& info = carried->streamer_info) {  // its key's title too: the list's references count from the key's start
      top.attributes.push_back(ints_attribute("ROOT.streamer_info", {info->objlen, info->version, carried->streamer_info_listed ? 1 : 0, info->cycle}));
      top.attributes.push_back(string_attribute("ROOT.streamer_info_title", {info->title}, false));
    }
    out.index.objects.push_back({member, true, {}});
    out.objects.push_back(member);
    openers.push_back([path = spec.path, carried] { return std::make_unique<ObjectBytesSource>(path, carried); });
  }
  require(!out.objects.empty(), ErrorCode::Unsupported, file_name + ": no tree baler can read");
  std::sort(out.index.objects.begin(), out.index.objects.end(),
            [](const Hdf5Object& a, const Hdf5Object& b) { return a.path < b.path; });
  out.open = [openers = std::move(openers)](std::size_t k) { return openers.at(k)(); };
  return out;
}

RootBundle read_root_bundle(const DataSpec& spec, const std::function<void(const std::string&)>& on_note) {
  RootBundleSource src = open_root_bundle(spec, on_note);
  RootBundle out{std::move(src.index), {}};
  for (std::size_t k = 0; k < src.objects.size(); ++k) {
    const auto s = src.open(k);
    out.members.emplace_back(src.objects[k], s->read_rows(0, s->layout().rows));
  }
  return out;
}

}  // namespace baler
