// open_data_source: chunked readers for npy (seek), npz (stored members seek, deflated ones read
// forward), HDF5 (hyperslabs), CSV (parsed forward), ROOT (flat branches basket by basket; per-object
// selections read whole). Same kind rule and column selection
// as read_dataset (dataset_reader.cpp), same checks on hostile files.
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "baler/csv.hpp"
#include "baler/io_stream.hpp"
#include "baler/npz.hpp"
#include "baler/root.hpp"
#include "hdf5_dataset.hpp"
#include "npy_internal.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

// Bytes of a file or an npz member, read at any offset.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Fills `out` from `offset`; Error(Malformed) past the end, Error(Io) if reading fails.
  virtual void read(std::uint64_t offset, std::span<std::byte> out) = 0;
  // read() may run on several threads at once.
  virtual bool concurrent() const { return false; }
};

// A file read with pread: no file position, so reads may run on several threads at once.
class FileBytes final : public ByteSource {
 public:
  explicit FileBytes(const std::filesystem::path& path) : what_(path.string()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::Io, "cannot open " + what_ + ": no such file");
    size_ = std::filesystem::file_size(path, ec);
    if (ec) throw Error(ErrorCode::Io, what_ + ": cannot get the file size: " + ec.message());
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(ErrorCode::Io, "cannot open " + what_ + " for reading");
  }
  ~FileBytes() override { ::close(fd_); }
  std::uint64_t size() const override { return size_; }
  bool concurrent() const override { return true; }
  void read(std::uint64_t offset, std::span<std::byte> out) override {
    require(offset <= size_ && out.size() <= size_ - offset, ErrorCode::Malformed,
            what_ + ": read of " + std::to_string(out.size()) + " bytes at " + std::to_string(offset) +
                " is past the end of the file (" + std::to_string(size_) + " bytes)");
    for (std::size_t done = 0; done < out.size();) {
      const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        throw Error(ErrorCode::Io, what_ + ": cannot read " + std::to_string(out.size()) + " bytes at offset " +
                                       std::to_string(offset) + (got < 0 ? ": " + std::string(std::strerror(errno)) : ": the file shrank"));
      done += static_cast<std::size_t>(got);
    }
  }

 private:
  std::string what_;
  std::uint64_t size_ = 0;
  int fd_ = -1;
};

class NpzBytes final : public ByteSource {
 public:
  NpzBytes(std::shared_ptr<NpzReader> z, const std::string& key) : z_(std::move(z)), m_(z_->open_member(key)) {}
  std::uint64_t size() const override { return m_->size(); }
  void read(std::uint64_t offset, std::span<std::byte> out) override { m_->read(offset, out); }

 private:
  std::shared_ptr<NpzReader> z_;  // outlives the member stream
  std::unique_ptr<NpzReader::MemberStream> m_;
};

// The header of the .npy image in `b`, with the data size checked against the bytes present.
NpyHeader read_npy_header(ByteSource& b, const std::string& what) {
  std::vector<std::byte> head(static_cast<std::size_t>(std::min<std::uint64_t>(b.size(), 12)));
  b.read(0, head);
  std::uint64_t total = head.size();
  if (head.size() == 12) {
    const auto u8 = [&](std::size_t i) { return static_cast<std::uint64_t>(head[i]); };
    total = u8(6) == 1 ? 10 + (u8(8) | u8(9) << 8) : 12 + (u8(8) | u8(9) << 8 | u8(10) << 16 | u8(11) << 24);
  }
  head.resize(static_cast<std::size_t>(std::min(total, b.size())));
  b.read(0, head);
  NpyHeader h = parse_npy_header(head, what);  // refuses a truncated header or a bad dict
  npy_data_bytes(h, checked_element_count(h.shape, what + " (shape)"), b.size() - h.data_offset, what);
  return h;
}

// Rows [a, b) of an array in C order and native byte order (shape[0] = b - a).
using RowReader = std::function<Array(std::uint64_t a, std::uint64_t b)>;

std::vector<std::int64_t> rows_shape(std::vector<std::int64_t> shape, std::uint64_t n) {
  if (shape.empty()) return shape;
  shape[0] = static_cast<std::int64_t>(n);
  return shape;
}

// Rows of a numeric .npy image: C order (any ndim) or Fortran order up to 2-D.
RowReader npy_rows(std::shared_ptr<ByteSource> bytes, const NpyHeader& h) {
  return [bytes, h](std::uint64_t a, std::uint64_t b) {
    Array out(h.descr.dtype(), rows_shape(h.shape, b - a));
    const std::size_t es = h.descr.itemsize;
    if (h.fortran_order && h.shape.size() == 2) {
      const auto rows = static_cast<std::uint64_t>(h.shape[0]), cols = static_cast<std::uint64_t>(h.shape[1]);
      std::vector<std::byte> col((b - a) * es);
      for (std::uint64_t c = 0; c < cols; ++c) {
        bytes->read(h.data_offset + (c * rows + a) * es, col);
        for (std::uint64_t r = 0; r < b - a; ++r) std::memcpy(out.bytes.data() + (r * cols + c) * es, col.data() + r * es, es);
      }
    } else {
      const std::uint64_t row_bytes = out.shape.empty() ? es : out.bytes.size() / std::max<std::uint64_t>(1, b - a);
      if (!out.bytes.empty()) bytes->read(h.data_offset + a * row_bytes, out.bytes);
    }
    npy_to_native(out.bytes.data(), out.size(), h.descr);
    return out;
  };
}

// A numeric array read in row ranges, seen as a table or a field by the kind rule.
class ArraySource final : public DataSource {
 public:
  ArraySource(const std::vector<std::int64_t>& shape, DType t, std::vector<std::string> names, const std::string& single_name,
              RowReader rows, const ReadOptions& o, const std::string& what, bool concurrent = false)
      : rows_(std::move(rows)), concurrent_(concurrent) {
    const bool table = array_is_table(shape, !names.empty(), o.kind, what);
    layout_.rows = shape.empty() ? 1 : static_cast<std::uint64_t>(shape[0]);
    if (!table) {
      require(o.columns.empty(), ErrorCode::Usage, what + " is a field; columns can only be selected from a table");
      layout_.kind = DataKind::Field;
      layout_.field_dtype = t;
      layout_.field_shape = shape;
      return;
    }
    matrix_ = shape.size() == 2;
    if (!matrix_) names = {single_name.empty() ? "col0" : single_name};
    if (names.empty())
      for (std::int64_t c = 0; c < shape[1]; ++c) names.push_back("col" + std::to_string(c));
    all_names_ = names;
    keep_ = select_column_indices(names, o.columns, what);
    layout_.table_from_matrix = matrix_;
    for (auto c : keep_) {
      layout_.names.push_back(names[c]);
      layout_.dtypes.push_back(t);
    }
  }
  const DataLayout& layout() const override { return layout_; }
  bool concurrent_reads() const override { return concurrent_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    require(a <= b && b <= layout_.rows, ErrorCode::Internal, "row range outside the source");
    Array rows = rows_(a, b);
    Dataset d;
    d.kind = layout_.kind;
    if (layout_.kind == DataKind::Field) {
      d.field = std::move(rows);
      return d;
    }
    if (!matrix_) {
      d.columns.push_back({layout_.names[0], std::move(rows)});
      return d;
    }
    Dataset all = table_from_matrix(rows, all_names_);
    for (auto c : keep_) d.columns.push_back(std::move(all.columns[c]));
    d.table_from_matrix = true;
    return d;
  }

 private:
  RowReader rows_;
  bool concurrent_ = false;
  DataLayout layout_;
  bool matrix_ = false;
  std::vector<std::string> all_names_;
  std::vector<std::size_t> keep_;
};

// Rows [a, b) of every column of a table (records, compound, one member per column).
using TableReader = std::function<Dataset(std::uint64_t a, std::uint64_t b)>;

class TableSource final : public DataSource {
 public:
  // `text` (empty = none) marks the columns read as text (TextColumn); their dtypes are ignored.
  TableSource(const std::vector<std::string>& names, const std::vector<DType>& dtypes, std::uint64_t rows,
              TableReader read, const ReadOptions& o, const std::string& what, const std::vector<bool>& text = {})
      : read_(std::move(read)), keep_(select_column_indices(names, o.columns, what)) {
    Dataset proto;  // the columns, without rows, to derive the kept layout from
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (c < text.size() && text[c]) proto.text.push_back({names[c], c, {}});
      else proto.columns.push_back({names[c], Array(dtypes[c], {0})});
    }
    layout_ = layout_of(keep_columns(std::move(proto), keep_));
    layout_.rows = rows;
  }
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    require(a <= b && b <= layout_.rows, ErrorCode::Internal, "row range outside the source");
    return keep_columns(read_(a, b), keep_);
  }

 private:
  TableReader read_;
  std::vector<std::size_t> keep_;
  DataLayout layout_;
};

// Formats and layouts read in one piece; the reader note says so (memory grows with the file).
std::unique_ptr<DataSource> whole(const DataSpec& spec, const ReadOptions& o, const std::string& why) {
  if (o.on_note) o.on_note(spec.path.string() + " is read whole, not in chunks (" + why + ")");
  return std::make_unique<MemorySource>(read_dataset(spec, o), "read whole");
}

constexpr const char* kWholeNpy = "a Fortran-order array of 3 or more dimensions, or a record array read as a field";
constexpr const char* kWholeField = "a table read as a field";

// A structured (record) .npy image as a table; records [a, b) read at once.
std::unique_ptr<DataSource> npy_records_source(std::shared_ptr<ByteSource> bytes, const NpyHeader& h,
                                               const ReadOptions& o, const std::string& what) {
  if (h.shape.size() != 1)
    throw Error(ErrorCode::Unsupported, what + ": structured array of shape " + shape_string(h.shape) +
                                            " (baler reads 1-D record arrays as tables)");
  std::vector<std::string> names;
  std::vector<DType> dtypes;
  std::vector<bool> text;
  for (const auto& f : h.descr.fields) {
    names.push_back(f.name);
    dtypes.push_back(f.dtype);
    text.push_back(f.kind == 'U' || f.kind == 'S');
  }
  auto read = [bytes, h](std::uint64_t a, std::uint64_t b) {
    std::vector<std::byte> recs((b - a) * h.descr.itemsize);
    if (!recs.empty()) bytes->read(h.data_offset + a * h.descr.itemsize, recs);
    return npy_records_to_table(recs.data(), static_cast<std::size_t>(b - a), h.descr);
  };
  return std::make_unique<TableSource>(names, dtypes, static_cast<std::uint64_t>(h.shape[0]), read, o, what, text);
}

// Column names of a 2-D array (empty: none) and the name of a 1-D one, from the header's shape.
using NameSource = std::function<std::pair<std::vector<std::string>, std::string>(const NpyHeader&)>;

// A numeric or record .npy image. Null when it must be read whole (Fortran order above 2-D,
// a record array forced to a field).
std::unique_ptr<DataSource> npy_image_source(std::shared_ptr<ByteSource> bytes, const ReadOptions& o,
                                             const std::string& what, const NameSource& names) {
  const NpyHeader h = read_npy_header(*bytes, what);
  if (h.descr.kind == 'V') return o.kind == "field" ? nullptr : npy_records_source(bytes, h, o, what);
  const DType t = npy_numeric_dtype(h.descr, what);
  if (h.fortran_order && h.shape.size() > 2) return nullptr;
  auto [cols, single] = names(h);
  const bool concurrent = bytes->concurrent();
  return std::make_unique<ArraySource>(h.shape, t, std::move(cols), single, npy_rows(bytes, h), o, what, concurrent);
}

std::unique_ptr<DataSource> npy_source(const DataSpec& spec, const ReadOptions& o) {
  auto names = [&](const NpyHeader& h) {
    auto n = npy_sidecar_names(spec.path, h.shape);
    const std::string single = h.shape.size() == 1 && n.size() == 1 ? n[0] : "";
    return std::make_pair(h.shape.size() == 2 ? n : std::vector<std::string>{}, single);
  };
  auto src = npy_image_source(std::make_shared<FileBytes>(spec.path), o, spec.path.string(), names);
  return src ? std::move(src) : whole(spec, o, kWholeNpy);
}

// Baler's mixed-dtype npz layout: one 1-D member per column; a str member ('<U', '|S') is a
// text column, read whole (text is small next to the numbers).
std::unique_ptr<DataSource> npz_columns_source(std::shared_ptr<NpzReader> z, const std::vector<std::string>& names,
                                               const ReadOptions& o, const std::string& what) {
  std::vector<std::shared_ptr<DataSource>> cols;  // null for a text column
  std::vector<std::shared_ptr<const TextColumn>> texts;  // null for a numeric column
  std::vector<DType> dtypes;
  std::vector<bool> is_text;
  std::uint64_t rows = 0;
  ReadOptions one = o;
  one.columns.clear();
  one.kind = "table";
  for (const auto& n : names) {
    auto bytes = std::make_shared<NpzBytes>(z, n);
    const NpyHeader h = read_npy_header(*bytes, z->what(n));
    require(h.shape.size() == 1 && (cols.empty() || static_cast<std::uint64_t>(h.shape[0]) == rows),
            ErrorCode::Malformed, z->what(n) + ": column of shape " + shape_string(h.shape) +
                                      " does not match the other columns");
    rows = static_cast<std::uint64_t>(h.shape[0]);
    const bool text = h.descr.kind == 'U' || h.descr.kind == 'S';
    is_text.push_back(text);
    if (text) {
      texts.push_back(std::make_shared<const TextColumn>(
          TextColumn{n, is_text.size() - 1, decode_npy_strings(z->member(n), z->what(n))}));
      dtypes.push_back(DType::U8);  // unused for text
      cols.push_back(nullptr);
      continue;
    }
    const DType t = npy_numeric_dtype(h.descr, z->what(n));
    dtypes.push_back(t);
    texts.push_back(nullptr);
    cols.push_back(std::make_shared<ArraySource>(h.shape, t, std::vector<std::string>{}, n, npy_rows(bytes, h), one,
                                                 z->what(n)));
  }
  auto read = [cols, texts](std::uint64_t a, std::uint64_t b) {
    Dataset d;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (cols[c]) d.columns.push_back(std::move(cols[c]->read_rows(a, b).columns[0]));
      else d.text.push_back(text_rows(*texts[c], a, b));
    }
    return d;
  };
  return std::make_unique<TableSource>(names, dtypes, rows, read, o, what, is_text);
}

std::unique_ptr<DataSource> npz_source(const DataSpec& spec, const ReadOptions& o) {
  auto z = std::make_shared<NpzReader>(spec.path);
  const NpzChoice c = choose_npz_member(*z, spec.object);
  if (c.column_layout)
    return o.kind == "field" ? whole(spec, o, kWholeField) : npz_columns_source(z, c.names, o, spec.path.string());
  auto names = [&](const NpyHeader& h) {
    std::vector<std::string> n;
    if (c.key == "data" && z->has("names") && h.shape.size() == 2) {
      n = decode_npy_strings(z->member("names"), z->what("names"));
      check_name_count(n, h.shape, z->what("names"), z->what("data"));
    }
    return std::make_pair(n, c.key == "data" ? std::string() : c.key);
  };
  auto src = npy_image_source(std::make_shared<NpzBytes>(z, c.key), o, z->what(c.key), names);
  return src ? std::move(src) : whole(spec, o, kWholeNpy);
}

std::unique_ptr<DataSource> hdf5_source(const DataSpec& spec, const ReadOptions& o) {
  auto h = std::make_shared<Hdf5Dataset>(open_hdf5_dataset(spec.path, spec.object));
  const std::uint64_t rows = h->shape.empty() ? 1 : static_cast<std::uint64_t>(h->shape[0]);
  if (H5Tget_class(h->type.get()) == H5T_COMPOUND) {
    if (o.kind == "field") return whole(spec, o, kWholeField);
    const auto members = hdf5_compound_members(h->type.get(), h->shape, h->what);
    std::vector<std::string> names;
    std::vector<DType> dtypes;
    std::vector<bool> text;
    for (const auto& m : members) {
      names.push_back(m.name);
      dtypes.push_back(m.dtype);
      text.push_back(m.text);
    }
    auto read = [h, members](std::uint64_t a, std::uint64_t b) {
      Dataset d;
      for (std::size_t k = 0; k < members.size(); ++k) {
        const auto& m = members[k];
        if (m.text) d.text.push_back({m.name, k, read_hdf5_text_member(h->dset.get(), m, h->shape, a, b, h->what)});
        else d.columns.push_back({m.name, read_hdf5_member(h->dset.get(), m, h->shape, a, b, h->what)});
      }
      return d;
    };
    return std::make_unique<TableSource>(names, dtypes, rows, read, o, h->what, text);
  }
  const DType t = h5::dtype_of_type(h->type.get(), h->what);
  std::vector<std::string> names;
  if (h->shape.size() == 2) names = hdf5_column_names(h->dset.get(), static_cast<std::size_t>(h->shape[1]), h->what);
  auto read = [h, t](std::uint64_t a, std::uint64_t b) {
    Array out(t, rows_shape(h->shape, b - a));
    h5::Handle mem = h5::memory_type(t);
    if (out.size()) read_hdf5_rows(h->dset.get(), mem.get(), h->shape, a, b, out.bytes.data(), h->what);
    normalize_bools(out);
    return out;
  };
  return std::make_unique<ArraySource>(h->shape, t, names, h->name.substr(h->name.rfind('/') + 1), read, o, h->what);
}

// CSV: scanned once at open (names, rows, dtypes), then parsed forward in row ranges.
std::unique_ptr<DataSource> csv_source(const DataSpec& spec, const ReadOptions& o) {
  if (o.kind == "field") return whole(spec, o, kWholeField);
  auto csv = std::make_shared<CsvRows>(spec.path, csv_dtype(o), csv_header(o), csv_delimiter(o, spec.path));
  if (!csv->has_header()) note_headerless_csv(spec.path, csv->names().size(), o);
  if (o.on_note)
    for (const auto& n : csv->notes()) o.on_note(n);
  auto read = [csv](std::uint64_t a, std::uint64_t b) { return csv->read(a, b); };
  return std::make_unique<TableSource>(csv->names(), csv->dtypes(), csv->rows(), read, o, spec.path.string(),
                                       csv->text());
}

// ROOT: flat (per-entry) selections stream; per-object (jagged) ones are read whole.
std::unique_ptr<DataSource> root_source(const DataSpec& spec, const ReadOptions& o) {
  std::vector<std::string> notes;
  auto src = open_root_source(spec, o, &notes);
  if (!src) return whole(spec, o, "a per-object table of jagged ROOT branches");
  if (o.on_note)
    for (const auto& n : notes) o.on_note(n);
  return src;
}

}  // namespace

std::unique_ptr<DataSource> open_data_source(const DataSpec& spec, const ReadOptions& options) {
  check_single_object(spec);
  check_kind(options.kind);
  std::unique_ptr<DataSource> source;
  switch (spec.format) {
    case FileFormat::Npy: source = npy_source(spec, options); break;
    case FileFormat::Npz: source = npz_source(spec, options); break;
    case FileFormat::Hdf5: source = hdf5_source(spec, options); break;
    case FileFormat::Csv: source = csv_source(spec, options); break;
    default: source = root_source(spec, options); break;
  }
  // Rows that hold no values (a shape such as (10^11, 6, 0)) would be walked block after block
  // for nothing (found by fuzz_npy: a 185-byte file ran for minutes).
  const DataLayout& l = source->layout();
  const std::uint64_t width = l.kind == DataKind::Field ? l.row_elements() : l.names.size() + l.text_names.size();
  require(l.rows == 0 || width > 0, ErrorCode::Unsupported,
          spec.path.string() + ": " + std::to_string(l.rows) + (l.kind == DataKind::Field ? " frames" : " rows") +
              " that hold no values");
  return source;
}

}  // namespace baler
