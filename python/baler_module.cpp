// `baler._baler`: the compiled half of `import baler` (pybind11). Plain types only cross the
// boundary: numpy arrays (C-contiguous, native byte order: the Python half makes them so),
// lists of str, dicts of options. The work runs with the GIL released. No LibTorch here, so
// `import baler` stays light; training runs the `baler` tool out of process (baler/__init__.py).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstring>

#include "baler/bundle_io.hpp"
#include "baler/codec.hpp"
#include "baler/config.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "baler/table_model.hpp"

namespace py = pybind11;
using namespace baler;

namespace {

// "x.baler" or "x.baler:/group/ds" (one data set of a bundle), as the command line takes it.
ContainerRef container_ref(const std::string& spec) {
  const DataSpec d = parse_data_spec(spec);
  return ContainerRef(d.path, d.object);
}

// The dtype of a numpy array: "<f4"-style kind and size, native order (checked by the caller).
DType dtype_of(const py::array& a, const std::string& what) {
  const auto dt = a.dtype();
  const char kind = dt.kind();
  const auto size = static_cast<std::size_t>(dt.itemsize());
  for (int c = 0; c < kDTypeCount; ++c) {
    const auto t = static_cast<DType>(c);
    if (dtype_size(t) != size) continue;
    const bool match = (kind == 'b' && t == DType::Bool) || (kind == 'i' && is_signed_int(t)) ||
                       (kind == 'u' && is_unsigned_int(t)) || (kind == 'f' && is_float(t));
    if (match) return t;
  }
  throw Error(ErrorCode::Unsupported, what + ": numpy dtype '" + std::string(py::str(static_cast<const py::handle&>(dt))) +
                                          "' is not one baler stores (bool, int8..64, uint8..64, float16/32/64)");
}

// The array's own buffer handed to numpy (no copy): a capsule owns it from here on.
py::array to_numpy(Array&& a) {
  const std::string code = [&] {
    switch (a.dtype) {
      case DType::Bool: return "?";
      case DType::I8: return "i1";
      case DType::I16: return "i2";
      case DType::I32: return "i4";
      case DType::I64: return "i8";
      case DType::U8: return "u1";
      case DType::U16: return "u2";
      case DType::U32: return "u4";
      case DType::U64: return "u8";
      case DType::F16: return "f2";
      case DType::F32: return "f4";
      case DType::F64: return "f8";
    }
    return "f8";
  }();
  if (a.bytes.empty()) return py::array(py::dtype(code), std::vector<py::ssize_t>(a.shape.begin(), a.shape.end()));
  auto* owned = new std::vector<std::byte>(std::move(a.bytes));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<std::byte>*>(p); });
  return py::array(py::dtype(code), std::vector<py::ssize_t>(a.shape.begin(), a.shape.end()), owned->data(),
                   free_when_done);
}

CompressOptions options_from(const py::dict& opt, AnyModel& keep) {
  CompressOptions o = compress_options_from_config(Config{}.compression);  // the CLI's defaults
  for (auto [k, v] : opt) {
    const std::string key = py::str(k);
    if (v.is_none()) continue;
    if (key == "bound") o.bound = parse_error_bound(v.cast<std::string>());
    else if (key == "column_bounds")
      for (auto [name, b] : v.cast<py::dict>()) o.column_bounds[py::str(name)] = parse_error_bound(b.cast<std::string>());
    else if (key == "threads") o.threads = v.cast<int>();
    else if (key == "chunk_rows") o.chunk_rows = v.cast<std::int64_t>();
    else if (key == "learn") o.learn = v.cast<bool>();
    else if (key == "model_storage") o.external_model = v.cast<std::string>() == "external";
    else if (key == "source_name") o.source_name = v.cast<std::string>();
    else if (key == "source_format") o.source_format = v.cast<std::string>();
    else if (key == "model") keep = load_optional_model(v.cast<std::string>());
    else {
      throw Error(ErrorCode::Usage, "unknown option '" + key + "'");
    }
  }
  keep.attach(o);
  return o;
}

// A column's name and bound, as summaries and verify reports give them.
py::dict column_dict(const std::string& name, const ErrorBound& bound, double abs_bound) {
  py::dict d;
  d["name"] = name;
  d["bound"] = bound_string(bound);
  d["abs_bound"] = abs_bound;
  return d;
}

py::dict summary_dict(const CompressSummary& s) {
  py::dict d;
  d["file_bytes"] = s.file_bytes;
  d["model_bytes"] = s.model_bytes;
  d["raw_f32_bytes"] = s.raw_f32_bytes;
  d["ratio"] = compression_ratio(s.raw_f32_bytes, s.file_bytes);
  d["model_storage"] = s.model_storage;
  py::list cols;
  for (const auto& c : s.columns) {
    py::dict cd = column_dict(c.name, c.requested, c.abs_bound);
    cd["dtype"] = c.dtype;
    cd["bytes"] = c.bytes;
    cd["max_error"] = c.max_error;
    cols.append(cd);
  }
  d["columns"] = cols;
  return d;
}

// Rows of numpy arrays read in place (no copy of the whole array: compress takes a chunk of rows
// at a time, as it does from a file). The arrays stay referenced, so alive, while it works; the
// Python half made them C-contiguous and native-endian.
class NumpySource final : public DataSource {
 public:
  // A table (columns, text) or a field (one array).
  NumpySource(std::vector<std::string> names, std::vector<py::array> arrays, std::vector<TextColumn> text,
              bool from_matrix, bool field)
      : arrays_(std::move(arrays)), text_(std::move(text)) {
    layout_.kind = field ? DataKind::Field : DataKind::Table;
    layout_.table_from_matrix = from_matrix;
    for (std::size_t j = 0; j < arrays_.size(); ++j) {
      const auto& a = arrays_[j];
      require((a.flags() & py::array::c_style) != 0, ErrorCode::Internal, "array not C-contiguous");
      const DType t = dtype_of(a, field ? "array" : "column '" + names[j] + "'");
      dtypes_.push_back(t);
      shapes_.emplace_back(a.shape(), a.shape() + a.ndim());
      data_.push_back(static_cast<const std::byte*>(a.data()));
    }
    if (field) {
      layout_.field_dtype = dtypes_.at(0);
      layout_.field_shape = shapes_.at(0);
      layout_.rows = shapes_[0].empty() ? 1 : static_cast<std::uint64_t>(shapes_[0][0]);
      return;
    }
    if (from_matrix && arrays_.size() == 1 && shapes_[0].size() == 2) {  // one 2-D array: columns in place
      matrix_ = true;
      const auto cols = static_cast<std::size_t>(shapes_[0][1]);
      require(names.size() == cols, ErrorCode::Usage, std::to_string(names.size()) + " names for " +
                                                          std::to_string(cols) + " columns");
      layout_.names = std::move(names);
      layout_.dtypes.assign(cols, dtypes_[0]);
      layout_.rows = static_cast<std::uint64_t>(shapes_[0][0]);
      return;
    }
    layout_.names = std::move(names);
    layout_.dtypes = dtypes_;
    for (const auto& t : text_) {
      layout_.text_names.push_back(t.name);
      layout_.text_positions.push_back(t.position);
    }
    layout_.rows = !shapes_.empty() ? static_cast<std::uint64_t>(shapes_[0].at(0)) : text_.empty() ? 0 : text_[0].values.size();
    for (std::size_t j = 0; j < shapes_.size(); ++j)
      require(shapes_[j].size() == 1 && static_cast<std::uint64_t>(shapes_[j][0]) == layout_.rows, ErrorCode::Usage,
              "column '" + layout_.names[j] + "' has shape " + shape_string(shapes_[j]) + "; columns are 1-D, " +
                  std::to_string(layout_.rows) + " rows");
    for (const auto& t : text_)
      require(t.values.size() == layout_.rows, ErrorCode::Usage,
              "text column '" + t.name + "' has " + std::to_string(t.values.size()) + " values, not " +
                  std::to_string(layout_.rows));
  }
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    Dataset d;
    d.kind = layout_.kind;
    d.table_from_matrix = layout_.table_from_matrix;
    auto cut = [&](std::size_t j) {
      std::vector<std::int64_t> shape = shapes_[j].empty() ? std::vector<std::int64_t>{} : shapes_[j];
      std::uint64_t row = dtype_size(dtypes_[j]);
      for (std::size_t k = 1; k < shape.size(); ++k) row *= static_cast<std::uint64_t>(shape[k]);
      if (!shape.empty()) shape[0] = static_cast<std::int64_t>(b - a);
      Array out(dtypes_[j], shape);
      if (!out.bytes.empty()) std::memcpy(out.bytes.data(), data_[j] + a * row, out.bytes.size());
      return out;
    };
    if (d.kind == DataKind::Field) {
      d.field = cut(0);
      return d;
    }
    if (matrix_) {  // column j of rows [a, b) of a row-major (rows, cols) array
      const std::size_t cols = layout_.names.size(), es = dtype_size(dtypes_[0]);
      for (std::size_t j = 0; j < cols; ++j) {
        Array out(dtypes_[0], {static_cast<std::int64_t>(b - a)});
        for (std::uint64_t r = a; r < b; ++r)
          std::memcpy(out.bytes.data() + (r - a) * es, data_[0] + (r * cols + j) * es, es);
        d.columns.push_back({layout_.names[j], std::move(out)});
      }
      return d;
    }
    for (std::size_t j = 0; j < data_.size(); ++j) d.columns.push_back({layout_.names[j], cut(j)});
    for (const auto& t : text_) d.text.push_back(text_rows(t, a, b));
    return d;
  }

 private:
  std::vector<py::array> arrays_;
  std::vector<TextColumn> text_;
  std::vector<DType> dtypes_;
  std::vector<std::vector<std::int64_t>> shapes_;
  std::vector<const std::byte*> data_;
  DataLayout layout_;
  bool matrix_ = false;
};

py::bytes compress_to_bytes(DataSource& src, const py::dict& opt) {
  AnyModel keep;
  const CompressOptions o = options_from(opt, keep);
  std::vector<std::byte> bytes;
  {
    py::gil_scoped_release release;
    bytes = compress_to_memory(src, o);
  }
  return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

py::dict dataset_dict(Dataset&& d, const std::string& source_format, const std::string& source_name) {
  py::dict out;
  out["kind"] = d.kind == DataKind::Field ? "field" : "table";
  out["from_matrix"] = d.table_from_matrix;
  out["source_format"] = source_format;
  out["source_name"] = source_name;
  if (d.kind == DataKind::Field) {
    out["field"] = to_numpy(std::move(d.field));
    return out;
  }
  py::list cols, text;
  for (auto& c : d.columns) cols.append(py::make_tuple(c.name, to_numpy(std::move(c.values))));
  for (const auto& t : d.text) text.append(py::make_tuple(t.name, t.position, t.values));
  out["columns"] = cols;
  out["text"] = text;
  return out;
}

}  // namespace

PYBIND11_MODULE(_baler, m) {
  m.doc() = "baler's compiled core (use the baler package)";
  static py::exception<Error> native(m, "NativeError");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetObject(native.ptr(), py::make_tuple(error_code_name(e.code()), std::string(e.what())).ptr());
    }
  });

  // A table: 1-D columns, or (from_matrix) one 2-D array whose columns are read in place.
  m.def("compress_table", [](const std::vector<std::string>& names, const std::vector<py::array>& arrays,
                             const std::vector<std::tuple<std::string, std::size_t, std::vector<std::string>>>& text,
                             bool from_matrix, const py::dict& opt) {
    std::vector<TextColumn> t;
    for (const auto& [name, pos, values] : text) t.push_back({name, pos, values});
    NumpySource src(names, arrays, std::move(t), from_matrix, false);
    return compress_to_bytes(src, opt);
  });
  m.def("compress_field", [](const py::array& a, const py::dict& opt) {
    NumpySource src({}, {a}, {}, false, true);
    return compress_to_bytes(src, opt);
  });
  m.def("decompress", [](const py::bytes& data, const std::optional<std::string>& model, int threads) {
    const std::string_view view = data;
    std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(view.data()),
                                 reinterpret_cast<const std::byte*>(view.data()) + view.size());
    const AnyModel keep = load_optional_model(model.value_or(""));
    DecompressOptions o;
    o.threads = threads;
    keep.attach(o);
    Dataset d;
    ContainerDescription desc;  // the recorded source format and name tell what went in
    {
      py::gil_scoped_release release;
      d = decompress_memory(std::move(bytes), "bytes", o, &desc);
    }
    return dataset_dict(std::move(d), desc.source_format, desc.source_name);
  }, py::arg("data"), py::arg("model") = py::none(), py::arg("threads") = 1);
  m.def("compress_file", [](const std::string& in, const std::string& out, const py::dict& opt) {
    AnyModel keep;
    CompressOptions o = options_from(opt, keep);
    const DataSpec spec = parse_data_spec(in);
    o.source_format = recorded_format_name(spec);
    o.source_name = spec.path.filename().string();
    CompressSummary s;
    {
      py::gil_scoped_release release;
      // A file of several data sets (an HDF5 tree, a ROOT file's trees) becomes one bundle, as
      // on the command line.
      if (auto bundle = bundle_input(spec, {})) {
        s = compress_bundle(spec, std::move(*bundle), out, o, {});
      } else {
        const auto source = open_data_source(spec, {});
        s = compress_source(*source, out, o);
      }
    }
    return summary_dict(s);
  });
  m.def("decompress_file", [](const std::string& in, const std::string& out, int threads) {
    py::gil_scoped_release release;
    DecompressOptions o;
    o.threads = threads;
    const ContainerRef ref = container_ref(in);
    if (ref.member.empty())
      if (const auto bundle = read_bundle(ref.path)) return decompress_bundle(ref.path, *bundle, o, parse_data_spec(out));
    const DataLayout layout = container_layout(ref, o);
    const auto sink = open_data_sink(parse_data_spec(out), layout);
    decompress_into(ref, *sink, o);
    sink->commit();
  });
  m.def("info", [](const std::string& path) {
    py::gil_scoped_release release;
    return describe_container(container_ref(path));
  });
  m.def("verify", [](const std::string& container, const std::string& original, int threads) {
    VerifyReport r;
    {
      py::gil_scoped_release release;
      const ContainerRef ref = container_ref(container);
      const ContainerDescription desc = read_container_description(ref);
      ReadOptions ro;
      ro.kind = desc.kind;
      if (desc.kind == "table")
        for (const auto& col : desc.columns) ro.columns.push_back(col.name);
      const auto source = open_data_source(parse_data_spec(original), ro);
      DecompressOptions o;
      o.threads = threads;
      r = verify_container(ref, *source, o);
    }
    py::list cols;
    for (const auto& c : r.columns) {
      py::dict d = column_dict(c.name, c.requested, c.abs_bound);
      d["max_abs_error"] = c.max_abs_error;
      d["violations"] = c.violations;
      cols.append(d);
    }
    py::dict out;
    out["violations"] = r.violations;
    out["columns"] = cols;
    return out;
  });
}
