// read_dataset: dispatch by format, names (npz `names`, .names.txt sidecar), the kind rule,
// column selection; list_objects.
#include <algorithm>
#include <fstream>

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

RawData read_npy_raw(const std::filesystem::path& path) {
  RawData raw;
  const auto bytes = read_file_bytes(path);
  if (parse_npy_header(bytes, path.string()).descr.kind == 'V') {  // record array: names inside
    raw.is_table = true;
    raw.table = decode_npy_records(bytes, path.string());
    return raw;
  }
  raw.array = decode_npy(bytes, path.string());
  raw.names = npy_sidecar_names(path, raw.array.shape);
  if (raw.array.ndim() == 1 && raw.names.size() == 1) raw.single_name = raw.names[0];
  if (raw.array.ndim() != 2) raw.names.clear();
  return raw;
}

RawData read_npz_raw(const std::filesystem::path& path, const std::string& object) {
  NpzReader z(path);
  const NpzChoice c = choose_npz_member(z, object);
  RawData raw;
  if (c.column_layout) {
    raw.is_table = true;
    for (std::size_t k = 0; k < c.names.size(); ++k) {
      const auto& n = c.names[k];
      const auto bytes = z.member(n);
      const char kind = parse_npy_header(bytes, z.what(n)).descr.kind;
      const bool first = raw.table.columns.empty() && raw.table.text.empty();
      if (kind == 'U' || kind == 'S') {  // a text column
        auto values = decode_npy_strings(bytes, z.what(n));
        require(first || values.size() == raw.table.rows(), ErrorCode::Malformed,
                z.what(n) + ": text column of " + std::to_string(values.size()) + " values does not match the other columns");
        raw.table.text.push_back({n, k, std::move(values)});
        continue;
      }
      Array a = decode_npy(bytes, z.what(n));
      require(a.ndim() == 1 && (first || a.size() == raw.table.rows()),
              ErrorCode::Malformed, z.what(n) + ": column of shape " + shape_string(a.shape) +
                                        " does not match the other columns");
      raw.table.columns.push_back({n, std::move(a)});
    }
    return raw;
  }
  raw.array = decode_npy(z.member(c.key), z.what(c.key));
  raw.single_name = c.key == "data" ? "" : c.key;
  if (c.key == "data" && z.has("names") && raw.array.ndim() == 2) {
    raw.names = decode_npy_strings(z.member("names"), z.what("names"));
    check_name_count(raw.names, raw.array.shape, z.what("names"), z.what("data"));
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
  if (raw.is_table) {
    check_kind(kind);
    if (kind != "field") return std::move(raw.table);
    if (!raw.table.text.empty())
      throw Error(ErrorCode::Usage, what + ": column '" + raw.table.text.front().name +
                                        "' holds text and cannot be part of a field (select numeric columns)");
    return as_field(has_one_dtype(raw.table) ? table_to_matrix(raw.table) : table_as_float64_matrix(raw.table));
  }
  const auto& shape = raw.array.shape;
  if (!array_is_table(shape, !raw.names.empty(), kind, what)) return as_field(std::move(raw.array));
  if (shape.size() == 2) return table_from_matrix(raw.array, std::move(raw.names));
  Dataset ds;
  ds.kind = DataKind::Table;
  ds.columns.push_back({raw.single_name.empty() ? "col0" : raw.single_name, std::move(raw.array)});
  return ds;
}

}  // namespace

CsvHeader csv_header(const ReadOptions& options) {
  if (options.csv_header.empty() || options.csv_header == "auto") return CsvHeader::Auto;
  if (options.csv_header == "yes") return CsvHeader::Yes;
  if (options.csv_header == "no") return CsvHeader::No;
  throw Error(ErrorCode::Usage, "the CSV header setting is auto, yes or no, not '" + options.csv_header + "'");
}

void note_headerless_csv(const std::filesystem::path& path, std::size_t columns, const ReadOptions& options) {
  if (options.on_note && csv_header(options) == CsvHeader::Auto)
    options.on_note(path.string() + ": the first row is all numbers, so it is read as data and the " +
                    std::to_string(columns) + " columns are named col0, col1, ... (--header reads it as names)");
}

std::optional<DType> csv_dtype(const ReadOptions& options) {
  if (options.csv_dtype.empty()) return std::nullopt;
  try {
    return parse_dtype(options.csv_dtype);
  } catch (const Error& e) {
    throw Error(ErrorCode::Usage, std::string(e.what()) + " given as the CSV dtype");
  }
}

char csv_delimiter(const ReadOptions& options, const std::filesystem::path& path) {
  const std::string& d = options.csv_delimiter;
  if (d == "tab" || d == "\\t" || d == "\t") return '\t';
  if (d == "space" || d == "whitespace") return kWhitespace;
  if (d.size() == 1 && d[0] != '"' && d[0] != '\n' && d[0] != '\r' && d[0] != ' ') return d[0];
  if (!d.empty())
    throw Error(ErrorCode::Usage, "the delimiter is one character (',', ';', '|', ...), tab or whitespace, not '" +
                                      d + "'");
  const char by_extension = csv_delimiter_for(path);
  if (by_extension != ',') return by_extension;
  // A .csv written with ';' (decimal commas' locales) or tabs: its first line tells (read
  // within the first 64 KiB: a file with no line end there is not read whole for this).
  std::ifstream in(path, std::ios::binary);
  std::string line(std::size_t{1} << 16, '\0');
  in.read(line.data(), static_cast<std::streamsize>(line.size()));
  line.resize(static_cast<std::size_t>(in.gcount()));
  line.resize(std::min(line.size(), line.find_first_of("\r\n")));
  if (line.find(',') == std::string::npos) {
    if (line.find(';') != std::string::npos) return ';';
    if (line.find('\t') != std::string::npos) return '\t';
  }
  return ',';
}

void check_kind(const std::string& kind) {
  if (kind != "auto" && kind != "table" && kind != "field")
    throw Error(ErrorCode::Usage, "kind must be auto, table or field, not '" + kind + "'");
}

bool array_is_table(const std::vector<std::int64_t>& shape, bool named, const std::string& kind, const std::string& what) {
  check_kind(kind);
  if (kind == "table") {
    if (shape.empty() || shape.size() > 2)
      throw Error(ErrorCode::Usage, what + ": an array of shape " + shape_string(shape) +
                                        " cannot be read as a table (1 or 2 dimensions needed)");
    return true;
  }
  return kind == "auto" && (shape.size() == 1 || (shape.size() == 2 && (named || shape[1] <= kMaxAutoTableColumns)));
}

std::filesystem::path npy_names_path(const std::filesystem::path& npy) {
  return npy.parent_path() / (npy.stem().string() + ".names.txt");
}

std::vector<std::string> npy_sidecar_names(const std::filesystem::path& npy, const std::vector<std::int64_t>& shape) {
  const auto path = npy_names_path(npy);
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
  const std::size_t cols = shape.size() == 2 ? static_cast<std::size_t>(shape[1]) : 1;
  if (!names.empty() && shape.size() <= 2 && names.size() != cols)
    throw Error(ErrorCode::Malformed, path.string() + " has " + std::to_string(names.size()) + " names but " +
                                          npy.string() + " has " + std::to_string(cols) + " columns (shape " +
                                          shape_string(shape) + ")");
  return names;
}

void check_name_count(const std::vector<std::string>& names, const std::vector<std::int64_t>& shape,
                      const std::string& names_what, const std::string& data_what) {
  if (!names.empty() && shape.size() == 2 && names.size() != static_cast<std::size_t>(shape[1]))
    throw Error(ErrorCode::Malformed, names_what + " has " + std::to_string(names.size()) + " names but " +
                                          data_what + " has " + std::to_string(shape[1]) + " columns");
}

NpzChoice choose_npz_member(const NpzReader& z, const std::string& object) {
  NpzChoice c;
  c.key = object;
  if (c.key.empty()) {
    if (z.has("data")) {
      c.key = "data";
    } else if (z.has("names")) {
      c.names = decode_npy_strings(z.member("names"), z.what("names"));
      bool columns = !c.names.empty();
      for (const auto& n : c.names) columns = columns && z.has(n);
      if (!columns)
        throw Error(ErrorCode::Malformed, z.what("names").substr(0, z.what("names").size() - 6) +
                                              ": has 'names' but neither 'data' nor a key per name");
      c.column_layout = true;
      return c;
    } else if (z.keys().size() == 1) {
      c.key = z.keys().front();
    } else {
      z.member("data");  // throws Error(Usage) listing the keys
    }
  }
  return c;
}

void check_single_object(const DataSpec& spec) {
  const std::string what = spec.path.string();
  const bool single = spec.format == FileFormat::Npy || spec.format == FileFormat::Csv;
  if (single && !spec.object.empty())
    throw Error(ErrorCode::Usage, what + " holds one data set; ':" + spec.object + "' names nothing");
  if (spec.format == FileFormat::Baler)
    throw Error(ErrorCode::Usage, what + " is a .baler container; use `baler decompress` to read it");
  if (spec.format == FileFormat::Unknown)
    throw Error(ErrorCode::Usage, "cannot tell the format of " + what +
                                      " from its extension (.npy .npz .csv .h5 .hdf5 .root)");
}

Dataset select_columns(Dataset data, const std::vector<std::string>& patterns, const std::string& what) {
  if (patterns.empty()) return data;
  if (data.kind != DataKind::Table)
    throw Error(ErrorCode::Usage, what + " is a field; columns can only be selected from a table");
  const auto keep = select_column_indices(all_column_names(data), patterns, what);
  return keep_columns(std::move(data), keep);
}

Dataset read_dataset(const DataSpec& spec, const ReadOptions& options) {
  const std::string what = spec.path.string();
  check_single_object(spec);
  RawData raw;
  switch (spec.format) {
    case FileFormat::Npy: raw = read_npy_raw(spec.path); break;
    case FileFormat::Npz: raw = read_npz_raw(spec.path, spec.object); break;
    case FileFormat::Hdf5: raw = read_hdf5_raw(spec.path, spec.object); break;
    case FileFormat::Csv:
      raw.is_table = true;
    {
      bool had_header = true;
      std::vector<std::string> notes;
      raw.table = read_csv(spec.path, csv_dtype(options), csv_header(options), &had_header,
                           csv_delimiter(options, spec.path), &notes);
      if (!had_header) note_headerless_csv(spec.path, raw.table.columns.size() + raw.table.text.size(), options);
      if (options.on_note)
        for (const auto& n : notes) options.on_note(n);
      break;
    }
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
    case FileFormat::Unknown: break;  // refused by check_single_object
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
