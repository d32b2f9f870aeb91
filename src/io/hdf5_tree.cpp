// The tree of an HDF5 file (every group and dataset with its attributes) read whole, and a new
// file rebuilt from dataset sinks plus such a tree (hdf5_tree.hpp).
#include "baler/hdf5_tree.hpp"

#include <cstring>
#include <exception>
#include <optional>
#include <unordered_map>

#include "baler/atomic_file.hpp"
#include "baler/io.hpp"
#include "hdf5_dataset.hpp"
#include "hdf5_types.hpp"

namespace baler {
namespace {

using h5::Handle;
using Notes = std::function<void(const std::string&)>;

// Every note here names something of the file that is not kept: a left-out note.
void note(const Notes& on_note, const std::string& text) {
  if (on_note) on_note(left_out_note(text));
}

// What the link walk gathers. The callback cannot throw through libhdf5, so it keeps the error.
struct Walk {
  std::string file;
  const Notes& on_note;
  std::vector<Hdf5Object> objects;
  std::unordered_map<haddr_t, std::string> seen;  // object address -> its first path
  std::uint64_t links = 0;
  std::exception_ptr error;
};

// H5Lvisit reports every link once, each group's members in name order after the group, and
// does not enter a group twice. An object reached by a second hard link is kept once, under
// its first path (as H5Ovisit and list_hdf5_datasets name it).
herr_t visit_link(hid_t root, const char* name, const H5L_info_t* info, void* data) {
  auto& w = *static_cast<Walk*>(data);
  try {
    const std::string path = std::string("/") + name;
    if (++w.links > kMaxHdf5Objects)
      throw Error(ErrorCode::Limit, w.file + ": more than " + std::to_string(kMaxHdf5Objects) +
                                        " links (groups, datasets and others)");
    if (path.size() > kMaxHdf5NameBytes)
      throw Error(ErrorCode::Limit, w.file + ": an object path of " + std::to_string(path.size()) +
                                        " bytes (limit " + std::to_string(kMaxHdf5NameBytes) + ")");
    const std::string where = w.file + ":" + path;
    if (info->type != H5L_TYPE_HARD) {
      const char* kind = info->type == H5L_TYPE_SOFT ? "soft" : info->type == H5L_TYPE_EXTERNAL ? "external" : "user-defined";
      note(w.on_note, where + ": " + kind + " link, not kept");
      return 0;
    }
    const auto [first, fresh] = w.seen.emplace(info->u.address, path);
    if (!fresh) {
      note(w.on_note, where + ": a second hard link to " + first->second + ", not kept");
      return 0;
    }
    H5O_info_t o;
    if (H5Oget_info_by_name2(root, name, &o, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
      throw Error(ErrorCode::Malformed, where + ": cannot read the object's header");
    if (o.type == H5O_TYPE_GROUP || o.type == H5O_TYPE_DATASET)
      w.objects.push_back({path, o.type == H5O_TYPE_DATASET, {}});
    else
      note(w.on_note, where + (o.type == H5O_TYPE_NAMED_DATATYPE ? ": named datatype" : ": object of unknown type") +
                          ", not kept");
    return 0;
  } catch (...) {
    w.error = std::current_exception();
    return -1;
  }
}

// HDF5 lists attributes by name unless the object tracks their creation order (h5py's
// track_order, Hdf5TreeWriter).
H5_index_t attribute_index(hid_t object, bool is_dataset) {
  Handle cpl(is_dataset ? H5Dget_create_plist(object) : H5Gget_create_plist(object), H5Pclose);
  unsigned flags = 0;
  return cpl.valid() && H5Pget_attr_creation_order(cpl.get(), &flags) >= 0 && (flags & H5P_CRT_ORDER_TRACKED)
             ? H5_INDEX_CRT_ORDER
             : H5_INDEX_NAME;
}

std::string attribute_name(hid_t attr, const std::string& what) {
  const ssize_t n = H5Aget_name(attr, 0, nullptr);
  if (n < 0) throw Error(ErrorCode::Malformed, what + ": cannot read an attribute's name");
  if (static_cast<std::uint64_t>(n) > kMaxHdf5NameBytes)
    throw Error(ErrorCode::Limit, what + ": an attribute name of " + std::to_string(n) + " bytes (limit " +
                                      std::to_string(kMaxHdf5NameBytes) + ")");
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  if (H5Aget_name(attr, name.size(), name.data()) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read an attribute's name");
  name.resize(static_cast<std::size_t>(n));
  return name;
}

// The attribute's shape (checked against the limits) and its element count.
std::vector<std::int64_t> attribute_shape(hid_t space, const std::string& where, std::uint64_t& count) {
  const int nd = H5Sget_simple_extent_ndims(space);
  if (nd < 0 || nd > static_cast<int>(kMaxDims))
    throw Error(ErrorCode::Malformed, where + ": dataspace of rank " + std::to_string(nd));
  std::vector<hsize_t> dims(static_cast<std::size_t>(nd));
  if (nd > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0)
    throw Error(ErrorCode::Malformed, where + ": cannot read the attribute's shape");
  std::vector<std::int64_t> shape;
  for (const hsize_t d : dims) {
    if (d > kMaxHdf5AttributeBytes)
      throw Error(ErrorCode::Limit, where + ": dimension " + std::to_string(d) + " exceeds the limit of " +
                                        std::to_string(kMaxHdf5AttributeBytes) + " values per attribute");
    shape.push_back(static_cast<std::int64_t>(d));
  }
  count = hdf5_attribute_elements(shape, where);
  return shape;
}

// Fills a string attribute; false (with a note) for a character set baler cannot keep.
bool read_strings(hid_t attr, hid_t type, hid_t space, std::uint64_t count, Hdf5Attribute& a,
                  const std::string& where, const Notes& on_note) {
  const H5T_cset_t cset = H5Tget_cset(type);
  if (cset != H5T_CSET_ASCII && cset != H5T_CSET_UTF8) {
    note(on_note, where + ": strings of an unknown character set, not kept");
    return false;
  }
  const htri_t variable = H5Tis_variable_str(type);
  if (variable < 0) throw Error(ErrorCode::Malformed, where + ": cannot read the string type");
  a.is_string = true;
  a.utf8 = cset == H5T_CSET_UTF8;
  a.variable_length = variable > 0;
  if (!a.variable_length) {
    const std::size_t width = H5Tget_size(type);  // the stored size was checked: count * width <= limit
    if (width == 0) throw Error(ErrorCode::Malformed, where + ": fixed-size strings of 0 bytes");
    if (width > kMaxHdf5FixedString)
      throw Error(ErrorCode::Limit, where + ": fixed-size strings of " + std::to_string(width) + " bytes (limit " +
                                        std::to_string(kMaxHdf5FixedString) + ")");
    a.fixed_size = static_cast<std::uint32_t>(width);
    std::vector<char> buf(count * width);
    if (count && H5Aread(attr, type, buf.data()) < 0)
      throw Error(ErrorCode::Malformed, where + ": cannot read the strings");
    for (std::uint64_t i = 0; i < count; ++i) {
      const char* s = buf.data() + i * width;
      a.strings.emplace_back(s, ::strnlen(s, width));  // padding (and all after a NUL) dropped
    }
    return true;
  }
  Handle mem = h5::string_type(true, 0, a.utf8);
  std::vector<char*> buf(count, nullptr);
  if (count && H5Aread(attr, mem.get(), buf.data()) < 0)
    throw Error(ErrorCode::Malformed, where + ": cannot read the strings");
  std::uint64_t total = 0;
  for (const char* s : buf) {
    total += s ? std::strlen(s) : 0;
    if (total <= kMaxHdf5AttributeBytes) a.strings.emplace_back(s ? s : "");
  }
  if (count) H5Dvlen_reclaim(mem.get(), space, H5P_DEFAULT, buf.data());
  if (total > kMaxHdf5AttributeBytes)
    throw Error(ErrorCode::Limit, where + ": strings of " + std::to_string(total) + " bytes (limit " +
                                      std::to_string(kMaxHdf5AttributeBytes) + ")");
  return true;
}

// One attribute, or nothing (with a note) when its type or dataspace cannot be kept.
std::optional<Hdf5Attribute> read_attribute(hid_t attr, const std::string& what, const Notes& on_note) {
  Hdf5Attribute a;
  a.name = attribute_name(attr, what);
  const std::string where = what + " attribute '" + a.name + "'";
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  h5::check(type.get(), ErrorCode::Malformed, where + ": cannot read its type");
  h5::check(space.get(), ErrorCode::Malformed, where + ": cannot read its dataspace");
  const H5S_class_t extent = H5Sget_simple_extent_type(space.get());
  if (extent == H5S_NULL) {
    note(on_note, where + ": empty (null dataspace), not kept");
    return std::nullopt;
  }
  if (extent != H5S_SCALAR && extent != H5S_SIMPLE)
    throw Error(ErrorCode::Malformed, where + ": unknown dataspace class");
  std::uint64_t count = 0;
  a.shape = attribute_shape(space.get(), where, count);
  // Before any buffer is sized: what the file stores for the value (vlen strings: 16 bytes each).
  const std::uint64_t stored = count * H5Tget_size(type.get());
  if (stored > kMaxHdf5AttributeBytes)
    throw Error(ErrorCode::Limit, where + ": a value of " + std::to_string(stored) + " bytes (limit " +
                                      std::to_string(kMaxHdf5AttributeBytes) + ")");
  if (H5Tget_class(type.get()) == H5T_STRING)
    return read_strings(attr, type.get(), space.get(), count, a, where, on_note) ? std::optional(std::move(a))
                                                                                  : std::nullopt;
  if (!h5::is_numeric_type(type.get())) {
    note(on_note, where + ": HDF5 " + h5::type_class_name(type.get()) + " type, not kept");
    return std::nullopt;
  }
  try {
    a.dtype = h5::dtype_of_type(type.get(), where);
  } catch (const Error& e) {  // a 3-byte integer, a 128-bit float, ...
    if (e.code() != ErrorCode::Unsupported) throw;
    note(on_note, std::string(e.what()) + "; not kept");
    return std::nullopt;
  }
  a.bytes.resize(count * dtype_size(a.dtype));
  Handle mem = h5::memory_type(a.dtype);
  if (count && H5Aread(attr, mem.get(), a.bytes.data()) < 0)
    throw Error(ErrorCode::Malformed, where + ": cannot read the values");
  if (a.dtype == DType::Bool)  // an enum value outside FALSE/TRUE reads as 0xFF
    for (auto& b : a.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
  return a;
}

void read_attributes(hid_t file, Hdf5Object& object, const std::string& file_name, const Notes& on_note) {
  const std::string what = file_name + ":" + object.path;
  Handle o(H5Oopen(file, object.path.c_str(), H5P_DEFAULT), H5Oclose);
  h5::check(o.get(), ErrorCode::Malformed, what + ": cannot open the " + (object.is_dataset ? "dataset" : "group"));
  H5O_info_t info;
  if (H5Oget_info2(o.get(), &info, H5O_INFO_NUM_ATTRS) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot count the attributes");
  if (info.num_attrs > kMaxHdf5Attributes)
    throw Error(ErrorCode::Limit, what + ": " + std::to_string(info.num_attrs) + " attributes (limit " +
                                      std::to_string(kMaxHdf5Attributes) + ")");
  const H5_index_t index = attribute_index(o.get(), object.is_dataset);
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    Handle attr(H5Aopen_by_idx(o.get(), ".", index, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    h5::check(attr.get(), ErrorCode::Malformed, what + ": cannot open attribute " + std::to_string(i));
    if (auto a = read_attribute(attr.get(), what, on_note)) object.attributes.push_back(std::move(*a));
  }
}

// Creation property lists of the writer's groups, datasets and root group: attribute creation
// order tracked and indexed, so that a tree read back keeps the order the tree was written in.
Handle tracking_plist(hid_t cls) {
  Handle p(H5Pcreate(cls), H5Pclose);
  if (!p.valid() || H5Pset_attr_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot set up attribute creation order");
  return p;
}

// "/a/b/c" -> "/a/b"; "/a" -> "/".
std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// An absolute path of named components: "/", "/a", "/a/b" (not "a", "/a/", "//a").
void check_path(const std::string& path, ErrorCode code, const std::string& what) {
  const bool ok = !path.empty() && path.front() == '/' && path.size() <= kMaxHdf5NameBytes &&
                  (path.size() == 1 || (path.back() != '/' && path.find("//") == std::string::npos));
  if (!ok) throw Error(code, what + ": '" + path + "' is not an absolute HDF5 path");
}

// Walks `path` from the root, creating each missing group when `create` (else stopping there);
// the type of its last object, H5O_TYPE_UNKNOWN when it is missing.
H5O_type_t walk_path(hid_t file, const std::string& path, bool create, const std::string& what) {
  H5O_type_t type = H5O_TYPE_GROUP;  // "/"
  for (std::size_t end = path.find('/', 1); path.size() > 1; end = path.find('/', end + 1)) {
    const std::string prefix = path.substr(0, end);
    if (type != H5O_TYPE_GROUP)
      throw Error(ErrorCode::Malformed, what + ": '" + parent_of(prefix) + "' is not a group");
    const htri_t exists = H5Lexists(file, prefix.c_str(), H5P_DEFAULT);
    if (exists < 0) throw Error(ErrorCode::Io, what + ": cannot look up '" + prefix + "'" + h5::error_cause());
    if (exists == 0 && !create) return H5O_TYPE_UNKNOWN;
    if (exists == 0) {
      Handle gcpl = tracking_plist(H5P_GROUP_CREATE);
      Handle g(H5Gcreate2(file, prefix.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
      h5::check(g.get(), ErrorCode::Io, what + ": cannot create group '" + prefix + "'" + h5::error_cause());
      type = H5O_TYPE_GROUP;
    } else {
      H5O_info_t info;
      if (H5Oget_info_by_name2(file, prefix.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        throw Error(ErrorCode::Io, what + ": cannot look up '" + prefix + "'" + h5::error_cause());
      type = info.type;
    }
    if (end == std::string::npos) break;
  }
  return type;
}

void write_attribute(hid_t object, const Hdf5Attribute& a, const std::string& what) {
  const std::string where = what + " attribute '" + a.name + "'";
  const std::uint64_t count = hdf5_attribute_elements(a.shape, where);
  Handle space = h5::dataspace(a.shape, where);
  Handle type, mem;
  const void* data = nullptr;
  std::vector<const char*> pointers;
  std::vector<char> fixed;
  if (!a.is_string) {
    require(a.bytes.size() == count * dtype_size(a.dtype), ErrorCode::Malformed,
            where + ": " + std::to_string(a.bytes.size()) + " bytes for " + std::to_string(count) + " " +
                std::string(dtype_name(a.dtype)) + " values");
    type = h5::file_type(a.dtype);
    mem = h5::memory_type(a.dtype);
    data = a.bytes.data();
  } else {
    require(a.strings.size() == count, ErrorCode::Malformed,
            where + ": " + std::to_string(a.strings.size()) + " strings for shape " + shape_string(a.shape));
    require(a.variable_length || (a.fixed_size > 0 && a.fixed_size <= kMaxHdf5FixedString), ErrorCode::Malformed,
            where + ": fixed-size strings of " + std::to_string(a.fixed_size) + " bytes");
    type = h5::string_type(a.variable_length, a.fixed_size, a.utf8);
    mem = h5::string_type(a.variable_length, a.fixed_size, a.utf8);
    if (a.variable_length) {
      for (const auto& s : a.strings) pointers.push_back(s.c_str());
      data = pointers.data();
    } else {
      fixed.assign(count * a.fixed_size, '\0');
      for (std::size_t i = 0; i < a.strings.size(); ++i) {
        require(a.strings[i].size() <= a.fixed_size, ErrorCode::Malformed,
                where + ": a string of " + std::to_string(a.strings[i].size()) + " bytes in fixed-size strings of " +
                    std::to_string(a.fixed_size));
        std::memcpy(fixed.data() + i * a.fixed_size, a.strings[i].data(), a.strings[i].size());
      }
      data = fixed.data();
    }
  }
  Handle attr(H5Acreate2(object, a.name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  h5::check(attr.get(), ErrorCode::Io, where + ": cannot create the attribute" + h5::error_cause());
  if (count && H5Awrite(attr.get(), mem.get(), data) < 0)
    throw Error(ErrorCode::Io, where + ": cannot write the attribute" + h5::error_cause());
}

// Whether a dataset sink is open, and the first one destroyed before its commit().
struct SinkRecord {
  bool open = false;
  std::string unfinished;
};

// dataset_sink's sink: the shared dataset writer (hdf5_writer.cpp), reporting to the writer.
class TreeDatasetSink final : public DataSink {
 public:
  TreeDatasetSink(std::unique_ptr<DataSink> dataset, std::shared_ptr<SinkRecord> record, std::string object)
      : dataset_(std::move(dataset)), record_(std::move(record)), object_(std::move(object)) {
    record_->open = true;
  }
  ~TreeDatasetSink() override {
    if (!record_->open) return;
    record_->open = false;
    if (record_->unfinished.empty()) record_->unfinished = object_;
  }
  void write_rows(const Dataset& part) override { dataset_->write_rows(part); }
  void commit() override {
    dataset_->commit();
    record_->open = false;
  }

 private:
  std::unique_ptr<DataSink> dataset_;
  std::shared_ptr<SinkRecord> record_;
  std::string object_;
};

}  // namespace

Hdf5Tree read_hdf5_tree(const std::filesystem::path& path, const Notes& on_note) {
  Handle f = open_hdf5_file(path);
  Walk w{path.string(), on_note, {}, {}, 0, nullptr};
  H5O_info_t root;
  if (H5Oget_info2(f.get(), &root, H5O_INFO_BASIC) < 0)
    throw Error(ErrorCode::Malformed, w.file + ": cannot read the root group");
  w.seen.emplace(root.addr, "/");
  w.objects.push_back({"/", false, {}});
  if (H5Lvisit(f.get(), H5_INDEX_NAME, H5_ITER_INC, visit_link, &w) < 0) {
    if (w.error) std::rethrow_exception(w.error);
    throw Error(ErrorCode::Malformed, w.file + ": cannot walk the groups of the HDF5 file");
  }
  Hdf5Tree tree;
  tree.objects = std::move(w.objects);
  for (auto& o : tree.objects) read_attributes(f.get(), o, w.file, on_note);
  return tree;
}

struct Hdf5TreeWriter::State {
  explicit State(const std::filesystem::path& p) : file(p), what(p.string()) {}
  AtomicFile file;  // declared first: the HDF5 file is closed before its temporary is removed
  std::string what;
  Handle f;
  std::shared_ptr<SinkRecord> sinks = std::make_shared<SinkRecord>();

  void check_idle(const std::string& action) const {
    require(f.valid(), ErrorCode::Internal, what + ": " + action + " after commit()");
    require(!sinks->open, ErrorCode::Internal, what + ": " + action + " while a dataset sink is open");
  }
};

Hdf5TreeWriter::Hdf5TreeWriter(const std::filesystem::path& path) : state_(std::make_unique<State>(path)) {
  h5::silence_errors();
  state_->file.close_stream();
  Handle fcpl = tracking_plist(H5P_FILE_CREATE);  // the root group's attributes
  // With objects still open, H5Fclose fails instead of leaving the file half written.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot set up file access");
  state_->f = Handle(H5Fcreate(state_->file.temp_path().c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
  h5::check(state_->f.get(), ErrorCode::Io, "cannot create " + state_->what + " (HDF5)" + h5::error_cause());
}

Hdf5TreeWriter::~Hdf5TreeWriter() = default;

std::unique_ptr<DataSink> Hdf5TreeWriter::dataset_sink(const std::string& object, const DataLayout& layout) {
  State& s = *state_;
  s.check_idle("dataset '" + object + "' opened");
  check_path(object, ErrorCode::Usage, s.what);
  require(object != "/", ErrorCode::Usage, s.what + ": the root group cannot be a dataset");
  try {
    if (walk_path(s.f.get(), parent_of(object), true, s.what + ":" + object) != H5O_TYPE_GROUP)
      throw Error(ErrorCode::Malformed, s.what + ":" + object + ": '" + parent_of(object) + "' is not a group");
    Handle dcpl = tracking_plist(H5P_DATASET_CREATE);
    auto dataset = open_hdf5_dataset_sink(s.f.get(), object, layout, dcpl.get(), s.what + ":" + object);
    return std::make_unique<TreeDatasetSink>(std::move(dataset), s.sinks, object);
  } catch (...) {  // the file may hold part of it (a dataset without its names): commit() refuses
    if (s.sinks->unfinished.empty()) s.sinks->unfinished = object;
    throw;
  }
}

void Hdf5TreeWriter::write_attributes(const Hdf5Tree& tree) {
  State& s = *state_;
  s.check_idle("attributes written");
  for (const auto& o : tree.objects) {
    const std::string what = s.what + ":" + o.path;
    check_path(o.path, ErrorCode::Malformed, what);
    const H5O_type_t type = walk_path(s.f.get(), o.path, !o.is_dataset, what);
    if (o.is_dataset && type != H5O_TYPE_DATASET)
      throw Error(ErrorCode::Malformed, what + ": the tree names a dataset that no dataset sink wrote");
    if (!o.is_dataset && type != H5O_TYPE_GROUP)
      throw Error(ErrorCode::Malformed, what + ": the tree names a group where a dataset was written");
    Handle obj(H5Oopen(s.f.get(), o.path.c_str(), H5P_DEFAULT), H5Oclose);
    h5::check(obj.get(), ErrorCode::Io, what + ": cannot open the object" + h5::error_cause());
    // The object ends with exactly the tree's attributes, in its order: a layout's `names`
    // goes, and comes back where the tree lists it.
    H5O_info_t info;
    if (H5Oget_info2(obj.get(), &info, H5O_INFO_NUM_ATTRS) < 0)
      throw Error(ErrorCode::Io, what + ": cannot count the attributes" + h5::error_cause());
    for (hsize_t i = info.num_attrs; i > 0; --i)
      if (H5Adelete_by_idx(obj.get(), ".", H5_INDEX_NAME, H5_ITER_INC, 0, H5P_DEFAULT) < 0)
        throw Error(ErrorCode::Io, what + ": cannot replace the attributes" + h5::error_cause());
    for (const auto& a : o.attributes) write_attribute(obj.get(), a, what);
  }
}

void Hdf5TreeWriter::commit() {
  State& s = *state_;
  s.check_idle("commit()");
  require(s.sinks->unfinished.empty(), ErrorCode::Internal,
          s.what + ": dataset '" + s.sinks->unfinished + "' was not finished");
  if (H5Fclose(s.f.release()) < 0)
    throw Error(ErrorCode::Io, "cannot write " + s.what + " (closing HDF5)" + h5::error_cause());
  s.file.commit();
}

}  // namespace baler
