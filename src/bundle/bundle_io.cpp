// Whole files of several data sets into one bundle and back (bundle_io.hpp): the HDF5 tree or
// the ROOT trees of a file, each data set a member container of its own.
#include "baler/bundle_io.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "baler/io_stream.hpp"
#include "baler/root.hpp"

namespace baler {
namespace fs = std::filesystem;
namespace {

// Member files of a bundle being written, removed however the work ends.
struct MemberFiles {
  std::vector<std::pair<std::string, fs::path>> members;  // object path, container file
  ~MemberFiles() {
    std::error_code ec;
    for (const auto& m : members) fs::remove(m.second, ec);
  }
};

}  // namespace

std::vector<std::string> hdf5_bundle_objects(const DataSpec& spec, Hdf5Tree& tree,
                                             const std::function<void(const std::string&)>& on_note) {
  if (spec.format != FileFormat::Hdf5) return {};
  const bool glob = spec.object.find_first_of("*?[") != std::string::npos;
  if (!spec.object.empty() && !glob) return {};
  tree = read_hdf5_tree(spec.path, on_note);
  std::vector<std::string> objects;
  for (const auto& o : tree.objects)
    if (o.is_dataset && (!glob || fnmatch(spec.object.c_str(), o.path.c_str(), FNM_PATHNAME) == 0)) objects.push_back(o.path);
  require(!objects.empty(), ErrorCode::Usage, spec.path.string() + " has no dataset matching '" + spec.object + "'");
  if (glob) return objects;
  bool plain = objects.size() == 1 && objects[0] == "/data";  // what an ordinary container restores
  for (const auto& o : tree.objects)
    for (const auto& a : o.attributes) plain = plain && o.path == "/data" && a.name == "names";
  plain = plain && tree.objects.size() == 2;
  return plain ? std::vector<std::string>{} : objects;
}

std::optional<BundleInput> bundle_input(const DataSpec& spec, const ReadOptions& ro_in) {
  BundleInput b;
  std::vector<std::string> left_out;
  ReadOptions ro = ro_in;
  ro.on_note = [&](const std::string& note) {  // kept, then passed on (--strict throws there)
    if (is_left_out_note(note)) left_out.push_back(note.substr(kLeftOutNote.size()));
    if (ro_in.on_note) ro_in.on_note(note);
  };
  if (spec.format == FileFormat::Root) {
    if (!ro.columns.empty() || ro.kind == "field") return std::nullopt;
    RootBundleSource root = open_root_bundle(spec, ro.on_note);
    b.left_out = std::move(left_out);
    b.format = "root";
    b.tree = std::move(root.index);
    b.objects = std::move(root.objects);
    b.open = std::move(root.open);
    return b;
  }
  b.objects = hdf5_bundle_objects(spec, b.tree, ro.on_note);
  if (b.objects.empty()) return std::nullopt;
  b.left_out = std::move(left_out);
  b.format = "hdf5";
  b.open = [spec, ro = ro_in, objects = b.objects](std::size_t k) {
    return open_data_source(DataSpec{spec.path, objects.at(k), FileFormat::Hdf5}, ro);
  };
  return b;
}

CompressSummary compress_bundle(const DataSpec& spec, BundleInput in, const fs::path& out, const CompressOptions& o,
                                const ReadOptions& ro, const BundleProgress& progress) {
  require(ro.columns.empty(), ErrorCode::Usage,
          "a column selection picks columns of one data set; " + spec.path.string() + " holds several: name one as " +
              spec.path.string() + ":" + in.objects.front());
  auto note = [&](const std::string& text) {
    if (ro.on_note) ro.on_note(text);
  };
  std::vector<std::string> kept;
  std::vector<std::unique_ptr<DataSource>> sources;
  for (std::size_t k = 0; k < in.objects.size(); ++k) {
    try {
      sources.push_back(in.open(k));
      kept.push_back(in.objects[k]);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Unsupported) throw;
      in.left_out.push_back(std::string(e.what()) + "; the dataset is not in the container");
      note(left_out_note(in.left_out.back()));
    }
  }
  Hdf5Tree tree = std::move(in.tree);
  require(!sources.empty(), ErrorCode::Unsupported, spec.path.string() + ": no dataset baler can compress");
  auto names_of = [](const DataLayout& l) { return l.kind == DataKind::Field ? std::vector<std::string>{"data"} : all_column_names(l); };
  auto matches = [](const std::string& pattern, const std::vector<std::string>& names) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return fnmatch(pattern.c_str(), n.c_str(), 0) == 0; });
  };
  for (const auto& entry : o.column_bounds) {
    const std::string& pattern = entry.first;
    require(std::any_of(sources.begin(), sources.end(), [&](const auto& src) { return matches(pattern, names_of(src->layout())); }),
            ErrorCode::Usage, "the column bound '" + pattern + "' matches no column of any dataset in " + spec.path.string());
  }
  MemberFiles files;
  CompressSummary total;
  std::set<std::string> storage;
  // A ROOT file's stored bytes (its objects, a tree's metadata and baskets kept as stored) are
  // compressed losslessly, without a model, and their bytes are no float32 values of the ratio.
  const auto carried = in.format == "root" ? root_carried_members(tree) : std::vector<std::string>{};
  for (std::size_t k = 0; k < sources.size(); ++k) {
    const bool stored_bytes = std::find(carried.begin(), carried.end(), kept[k]) != carried.end();
    CompressOptions mo = o;
    if (stored_bytes) mo.model = nullptr, mo.table_model = nullptr, mo.learn = false;
    mo.column_bounds.clear();
    for (const auto& [pattern, b] : o.column_bounds)
      if (matches(pattern, names_of(sources[k]->layout()))) mo.column_bounds[pattern] = b;
    mo.source_format = in.format;
    mo.source_name = spec.path.filename().string();
    const std::string label = spec.path.filename().string() + ":" + kept[k];
    if (progress) mo.on_progress = progress(label, sources[k]->layout());
    files.members.push_back({kept[k], out.string() + ".member" + std::to_string(k)});
    CompressSummary s;
    try {
      s = compress_source(*sources[k], files.members.back().second, mo);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::ModelMismatch || (!mo.model && !mo.table_model)) throw;
      note(label + ": the model does not fit this dataset (" + e.what() + "); compressed without it");
      mo.model = nullptr;
      mo.table_model = nullptr;
      s = compress_source(*sources[k], files.members.back().second, mo);
    }
    sources[k].reset();  // a table read whole (a ROOT collection) leaves memory before the next
    if (!stored_bytes) total.raw_f32_bytes += s.raw_f32_bytes;
    total.model_bytes += s.model_bytes;
    total.chunks += s.chunks;
    storage.insert(s.model_storage);
    if (stored_bytes && !s.columns.empty()) {  // one line: bytes kept for the ROOT writer, exact
      auto c = s.columns.front();
      c.name = kept[k] + " (stored bytes for the ROOT writer)";
      c.dtype = "bytes";
      c.methods = "lossless";
      for (std::size_t i = 1; i < s.columns.size(); ++i) c.bytes += s.columns[i].bytes;
      total.columns.push_back(std::move(c));
      continue;
    }
    for (auto c : s.columns) {
      c.name = kept[k] + ":" + c.name;
      total.columns.push_back(std::move(c));
    }
  }
  for (const auto& st : storage) total.model_storage += (total.model_storage.empty() ? "" : ", ") + st;
  std::erase_if(tree.objects, [&](const Hdf5Object& obj) {
    return obj.is_dataset && std::find(kept.begin(), kept.end(), obj.path) == kept.end();
  });
  if (!in.left_out.empty())
    for (auto& obj : tree.objects)
      if (obj.path == "/") {
        Hdf5Attribute a;
        a.name = std::string(kLeftOutAttribute);
        a.is_string = true;
        a.shape = {static_cast<std::int64_t>(in.left_out.size())};
        a.strings = in.left_out;
        obj.attributes.push_back(std::move(a));
      }
  write_bundle(out, files.members, tree);
  total.file_bytes = fs::file_size(out);
  return total;
}

void decompress_bundle(const fs::path& in, const BundleContents& b, const DecompressOptions& o, const DataSpec& spec,
                       const BundleProgress& progress) {
  const bool root = is_root_bundle(b.tree);
  require(spec.object.empty() && (spec.format == FileFormat::Hdf5 || spec.format == FileFormat::Npz ||
                                  (root && spec.format == FileFormat::Root)),
          ErrorCode::Usage,
          in.string() + " holds " + std::to_string(b.members.size()) + " data sets: write " +
              (root ? ".root, " : "") + ".h5 or .npz (all of them, in groups) or decompress one as " + in.string() +
              ":" + b.members.front());
  require(!o.row_begin && !o.row_end, ErrorCode::Usage,
          "--rows picks rows of one data set; name one as " + in.string() + ":" + b.members.front());
  auto decode = [&](const std::string& m, DataSink& sink, const DataLayout& layout) {
    DecompressOptions mo = o;
    if (progress) mo.on_progress = progress(in.filename().string() + ":" + m, layout);
    decompress_into(ContainerRef(in, m), sink, mo);
    sink.commit();
  };
  if (spec.format == FileFormat::Root) {
    write_root_bundle(spec.path, b.tree, [&](const std::string& m) {
      const DataLayout layout = container_layout(ContainerRef(in, m), o);
      MemorySink sink(layout);
      decode(m, sink, layout);
      return std::move(sink.data());
    }, RootWriteOptions{o.rntuples_as_ttrees, o.on_note});
    return;
  }
  if (spec.format == FileFormat::Npz) {
    NpzBundleWriter w(spec.path);
    for (const auto& m : b.members) {
      const DataLayout layout = container_layout(ContainerRef(in, m), o);
      decode(m, *w.member_sink(m.substr(1), layout), layout);
    }
    w.commit();
    return;
  }
  Hdf5TreeWriter w(spec.path);
  for (const auto& m : b.members) {
    const DataLayout layout = container_layout(ContainerRef(in, m), o);
    decode(m, *w.dataset_sink(m, layout), layout);
  }
  Hdf5Tree attributes = b.tree;  // a ROOT bundle's datasets keep their layout's attributes (`names`)
  if (root) std::erase_if(attributes.objects, [](const Hdf5Object& obj) { return obj.is_dataset; });
  for (auto& obj : attributes.objects)  // baler's record of what the source held besides, not the source's
    std::erase_if(obj.attributes, [](const Hdf5Attribute& a) { return a.name == kLeftOutAttribute; });
  w.write_attributes(attributes);
  w.commit();
}

}  // namespace baler
