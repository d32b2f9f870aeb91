// read_dataset: dispatch by format, names (npz `names`, .names.txt sidecar), the kind rule,
// column selection; list_objects.
#include <fnmatch.h>

#include "baler/atomic_file.hpp"
#include "baler/csv.hpp"
#include "baler/hdf5_io.hpp"
#include "baler/io.hpp"
#include "baler/npy.hpp"
#include "baler/npz.hpp"
#include "baler/root.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

// Column counts above this make an unnamed 2-D array a field (an image), not a table.
constexpr std::int64_t kMaxAutoTableColumns = 256;

std::filesystem::path sidecar_path(const std::filesystem::path& npy) {
  return npy.parent_path() / (npy.stem().string() + ".names.txt");
}

// Names from X.names.txt next to X.npy, one a line; {} if there is no such file.
std::vector<std::string> read_sidecar(const std::filesystem::path& npy) {
  const auto path = sidecar_path(npy);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};
  const auto bytes = read_file_bytes(path);
  std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    names.push_back(std::move(line));
    start = end + 1;
  }
  return names;
}

RawData read_npy_raw(const std::filesystem::path& path) {
  RawData raw;
  const auto bytes = read_file_bytes(path);
  if (parse_npy_header(bytes, path.string()).descr.kind == 'V') {  // record array: names inside
    raw.is_table = true;
    raw.table = decode_npy_records(bytes, path.string());
    return raw;
  }
  raw.array = decode_npy(bytes, path.string());
  raw.names = read_sidecar(path);
  const auto nd = raw.array.ndim();
  const std::size_t cols = nd == 2 ? static_cast<std::size_t>(raw.array.shape[1]) : 1;
  if (!raw.names.empty() && nd <= 2 && raw.names.size() != cols)
    throw Error(ErrorCode::Malformed, sidecar_path(path).string() + " has " + std::to_string(raw.names.size()) +
                                          " names but " + path.string() + " has " + std::to_string(cols) +
                                          " columns (shape " + shape_string(raw.array.shape) + ")");
  if (nd == 1 && raw.names.size() == 1) raw.single_name = raw.names[0];
  if (nd != 2) raw.names.clear();
  return raw;
}

// An npz written by baler for a mixed-dtype table: `names` plus one 1-D key per column.
bool is_column_layout(const NpzReader& z, const std::vector<std::string>& names) {
  if (z.has("data") || names.empty()) return false;
  for (const auto& n : names)
    if (!z.has(n)) return false;
  return true;
}

RawData read_npz_raw(const std::filesystem::path& path, std::string key) {
  NpzReader z(path);
  RawData raw;
  if (key.empty()) {
    if (z.has("data")) {
      key = "data";
    } else if (z.has("names")) {
      const auto names = decode_npy_strings(z.member("names"), z.what("names"));
      if (!is_column_layout(z, names))
        throw Error(ErrorCode::Malformed, path.string() + ": has 'names' but neither 'data' nor a key per name");
      raw.is_table = true;
      for (const auto& n : names) {
        Array a = decode_npy(z.member(n), z.what(n));
        require(a.ndim() == 1 && (raw.table.columns.empty() || a.size() == raw.table.rows()),
                ErrorCode::Malformed, z.what(n) + ": column of shape " + shape_string(a.shape) +
                                          " does not match the other columns");
        raw.table.columns.push_back({n, std::move(a)});
      }
      return raw;
    } else if (z.keys().size() == 1) {
      key = z.keys().front();
    } else {
      z.member("data");  // throws Error(Usage) listing the keys
    }
  }
  raw.array = decode_npy(z.member(key), z.what(key));
  raw.single_name = key == "data" ? "" : key;
  if (key == "data" && z.has("names") && raw.array.ndim() == 2) {
    raw.names = decode_npy_strings(z.member("names"), z.what("names"));
    if (!raw.names.empty() && raw.names.size() != static_cast<std::size_t>(raw.array.shape[1]))
      throw Error(ErrorCode::Malformed, z.what("names") + " has " + std::to_string(raw.names.size()) +
                                            " names but " + z.what("data") + " has " +
                                            std::to_string(raw.array.shape[1]) + " columns");
  }
  return raw;
}

// One float64 array of a table's columns (rows x columns), whatever their dtypes.
Array table_as_float64_matrix(const Dataset& table) {
  const std::size_t rows = table.rows(), cols = table.columns.size();
  Array m(DType::F64, {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)});
  auto out = m.as<double>();
  for (std::size_t c = 0; c < cols; ++c)
    for (std::size_t r = 0; r < rows; ++r) out[r * cols + c] = table.columns[c].values.value(r);
  return m;
}

Dataset as_field(Array a) {
  Dataset ds;
  ds.kind = DataKind::Field;
  ds.field = std::move(a);
  return ds;
}

Dataset apply_kind(RawData raw, const std::string& kind, const std::string& what) {
  if (kind != "auto" && kind != "table" && kind != "field")
    throw Error(ErrorCode::Usage, "kind must be auto, table or field, not '" + kind + "'");
  if (raw.is_table) {
    if (kind != "field") return std::move(raw.table);
    return as_field(has_one_dtype(raw.table) ? table_to_matrix(raw.table) : table_as_float64_matrix(raw.table));
  }
  const auto& shape = raw.array.shape;
  bool table = false;
  if (kind == "table") {
    if (shape.empty() || shape.size() > 2)
      throw Error(ErrorCode::Usage, what + ": an array of shape " + shape_string(shape) +
                                        " cannot be read as a table (1 or 2 dimensions needed)");
    table = true;
  } else if (kind == "auto") {
    table = shape.size() == 1 ||
            (shape.size() == 2 && (!raw.names.empty() || shape[1] <= kMaxAutoTableColumns));
  }
  if (!table) return as_field(std::move(raw.array));
  if (shape.size() == 2) return table_from_matrix(raw.array, std::move(raw.names));
  Dataset ds;
  ds.kind = DataKind::Table;
  ds.columns.push_back({raw.single_name.empty() ? "col0" : raw.single_name, std::move(raw.array)});
  return ds;
}

std::optional<DType> csv_dtype(const ReadOptions& options) {
  if (options.csv_dtype.empty()) return std::nullopt;
  try {
    return parse_dtype(options.csv_dtype);
  } catch (const Error& e) {
    throw Error(ErrorCode::Usage, std::string(e.what()) + " given as the CSV dtype");
  }
}

}  // namespace

Dataset select_columns(Dataset data, const std::vector<std::string>& patterns, const std::string& what) {
  if (patterns.empty()) return data;
  if (data.kind != DataKind::Table)
    throw Error(ErrorCode::Usage, what + " is a field; columns can only be selected from a table");
  std::vector<Column> kept;
  std::vector<bool> taken(data.columns.size(), false);
  for (const auto& pattern : patterns) {
    bool matched = false;
    for (std::size_t c = 0; c < data.columns.size(); ++c) {
      if (fnmatch(pattern.c_str(), data.columns[c].name.c_str(), 0) != 0) continue;
      matched = true;
      if (!taken[c]) kept.push_back(data.columns[c]);
      taken[c] = true;
    }
    if (!matched) {
      std::string list;
      for (const auto& c : data.columns) list += (list.empty() ? "" : ", ") + c.name;
      throw Error(ErrorCode::Usage, what + " has no column matching '" + pattern + "' (columns: " + list + ")");
    }
  }
  data.columns = std::move(kept);
  return data;
}

Dataset read_dataset(const DataSpec& spec, const ReadOptions& options) {
  const std::string what = spec.path.string();
  const bool single = spec.format == FileFormat::Npy || spec.format == FileFormat::Csv;
  if (single && !spec.object.empty())
    throw Error(ErrorCode::Usage, what + " holds one data set; ':" + spec.object + "' names nothing");
  RawData raw;
  switch (spec.format) {
    case FileFormat::Npy: raw = read_npy_raw(spec.path); break;
    case FileFormat::Npz: raw = read_npz_raw(spec.path, spec.object); break;
    case FileFormat::Hdf5: raw = read_hdf5_raw(spec.path, spec.object); break;
    case FileFormat::Csv:
      raw.is_table = true;
      raw.table = read_csv(spec.path, csv_dtype(options));
      break;
    case FileFormat::Root:
      raw.is_table = true;
    {
      std::vector<std::string> notes;
      raw.table = read_root_dataset(spec, options, &notes);
      if (options.on_note)
        for (const auto& n : notes) options.on_note(n);
      break;
    }
    case FileFormat::Baler:
      throw Error(ErrorCode::Usage, what + " is a .baler container; use `baler decompress` to read it");
    case FileFormat::Unknown:
      throw Error(ErrorCode::Usage, "cannot tell the format of " + what +
                                        " from its extension (.npy .npz .csv .h5 .hdf5 .root)");
  }
  // Columns are chosen before a table becomes a field, so that a selection can be forced to one.
  const bool from_table = raw.is_table;
  // The ROOT reader selects branches itself (an array branch gives a[0].., a jagged selection
  // adds event_index), so its table is not filtered again by column name.
  if (from_table && spec.format != FileFormat::Root)
    raw.table = select_columns(std::move(raw.table), options.columns, what);
  Dataset ds = apply_kind(std::move(raw), options.kind, what);
  return from_table ? ds : select_columns(std::move(ds), options.columns, what);
}

std::vector<std::string> list_objects(const std::filesystem::path& path) {
  switch (format_from_path(path)) {
    case FileFormat::Npz: return NpzReader(path).keys();
    case FileFormat::Hdf5: return list_hdf5_datasets(path);
    case FileFormat::Root: return list_root_trees(path);
    case FileFormat::Npy:
    case FileFormat::Csv:
    case FileFormat::Baler: return {};
    case FileFormat::Unknown: break;
  }
  throw Error(ErrorCode::Usage, "cannot tell the format of " + path.string() + " from its extension");
}

}  // namespace baler
