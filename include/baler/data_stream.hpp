// Chunked access to data sets: a source reads rows [a, b) on demand, a sink takes rows in order,
// so that compress and decompress hold a few chunks, never the whole data set.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler {

// What a data set holds, without its values. rows = table rows or field frames (shape[0]).
struct DataLayout {
  DataKind kind = DataKind::Table;
  bool table_from_matrix = false;            // tables: read from / written as one 2-D array
  std::vector<std::string> names;            // tables: column names
  std::vector<DType> dtypes;                 // tables: column dtypes
  std::vector<std::string> text_names;       // tables: text columns (TextColumn), in position order
  std::vector<std::size_t> text_positions;   // tables: their positions among all the columns
  DType field_dtype = DType::F64;            // fields
  std::vector<std::int64_t> field_shape;     // fields: full shape, shape[0] = frames
  std::uint64_t rows = 0;

  // Values in one row (1 for a table column; product of the field's dims after the first).
  std::uint64_t row_elements() const {
    std::uint64_t n = 1;
    if (kind == DataKind::Field)
      for (std::size_t k = 1; k < field_shape.size(); ++k) n *= static_cast<std::uint64_t>(field_shape[k]);
    return n;
  }
};

// Names of every column of a table layout, numeric and text, in source order.
inline std::vector<std::string> all_column_names(const DataLayout& l) {
  std::vector<std::string> names;
  for (auto [is_text, i] : column_order(l.names.size(), l.text_positions))
    names.push_back(is_text ? l.text_names[i] : l.names[i]);
  return names;
}

// Layout of an in-memory data set.
inline DataLayout layout_of(const Dataset& d) {
  DataLayout l;
  l.kind = d.kind;
  l.table_from_matrix = d.table_from_matrix;
  if (d.kind == DataKind::Field) {
    l.field_dtype = d.field.dtype;
    l.field_shape = d.field.shape;
  } else {
    for (const auto& c : d.columns) {
      l.names.push_back(c.name);
      l.dtypes.push_back(c.values.dtype);
    }
    for (const auto& t : d.text) {
      l.text_names.push_back(t.name);
      l.text_positions.push_back(t.position);
    }
  }
  l.rows = d.rows();
  return l;
}

// Rows [a, b) of `d` (a copy); a field keeps its frame dims. Throws Error(Internal) when the
// range is not within the data set.
inline Dataset slice_rows(const Dataset& d, std::uint64_t a, std::uint64_t b) {
  require(a <= b && b <= d.rows(), ErrorCode::Internal,
          "rows " + std::to_string(a) + ":" + std::to_string(b) + " of " + std::to_string(d.rows()));
  auto cut = [&](const Array& x) {
    std::vector<std::int64_t> shape = x.shape.empty() ? std::vector<std::int64_t>{1} : x.shape;
    const std::size_t row_bytes = x.shape.empty() ? x.bytes.size() : x.bytes.size() / std::max<std::size_t>(1, static_cast<std::size_t>(shape[0]));
    shape[0] = static_cast<std::int64_t>(b - a);
    Array out;
    out.dtype = x.dtype;
    out.shape = x.shape.empty() ? x.shape : shape;
    const auto first = x.bytes.begin() + static_cast<std::ptrdiff_t>(a * row_bytes);
    out.bytes.assign(first, first + static_cast<std::ptrdiff_t>((b - a) * row_bytes));
    return out;
  };
  Dataset out;
  out.kind = d.kind;
  out.table_from_matrix = d.table_from_matrix;
  if (d.kind == DataKind::Field) out.field = cut(d.field);
  else
    for (const auto& c : d.columns) out.columns.push_back({c.name, cut(c.values)});
  for (const auto& t : d.text) out.text.push_back(text_rows(t, a, b));
  return out;
}

// Rows of a data set, read on demand. read_rows(a, b) gives a data set of the layout's kind,
// names and dtypes with b - a rows (fields: shape {b - a, ...}). Sequential reads (a = the
// previous b) are the fast path; some sources (CSV, deflated npz members) restart from the
// beginning of the file for a backward read. Throws what the format's reader throws.
class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual const DataLayout& layout() const = 0;
  virtual Dataset read_rows(std::uint64_t a, std::uint64_t b) = 0;
  // read_rows may run on several threads at once (an npy file read with pread, data in memory):
  // compress then reads chunks on its worker threads instead of one at a time.
  virtual bool concurrent_reads() const { return false; }
  // "streamed" or "read whole" (formats baler cannot read in parts), for notes and tests.
  virtual std::string access() const { return "streamed"; }
};

// A source over a data set in memory: borrowed (must outlive the source) or owned.
class MemorySource final : public DataSource {
 public:
  explicit MemorySource(const Dataset& borrowed, std::string access = "in memory")
      : data_(&borrowed), layout_(layout_of(borrowed)), access_(std::move(access)) {}
  explicit MemorySource(Dataset&& owned, std::string access = "read whole")
      : owned_(std::make_unique<Dataset>(std::move(owned))), data_(owned_.get()),
        layout_(layout_of(*data_)), access_(std::move(access)) {}
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override { return slice_rows(*data_, a, b); }
  bool concurrent_reads() const override { return true; }
  std::string access() const override { return access_; }

 private:
  std::unique_ptr<Dataset> owned_;
  const Dataset* data_;
  DataLayout layout_;
  std::string access_;
};

// Takes rows in order: write_rows(part) appends part's rows (same kind, names, dtypes as the
// layout the sink was opened with); commit() finishes the output. A sink destroyed without
// commit() leaves no output file. Throws Error(Io|Unsupported|Internal).
// Sinks whose rows have fixed places (an npy image) may also take parts out of order:
// write_rows_at(part, first) puts part's rows at row `first`, and may run on several threads
// at once (decompress then writes each chunk on the thread that decoded it, instead of one
// chunk at a time in order); every row must be written once, by one call or the other.
class DataSink {
 public:
  virtual ~DataSink() = default;
  virtual void write_rows(const Dataset& part) = 0;
  virtual bool writes_at_rows() const { return false; }
  virtual void write_rows_at(const Dataset& part, std::uint64_t first);
  virtual void commit() = 0;
};

inline void DataSink::write_rows_at(const Dataset&, std::uint64_t) {
  throw Error(ErrorCode::Internal, "this output takes rows in order only");
}

// A sink that collects the rows into one data set in memory (allocated once from the layout, up
// to 256 MiB per array: a layout's row count may come from a file not yet checked, and beyond
// that the arrays grow as rows arrive).
class MemorySink final : public DataSink {
 public:
  explicit MemorySink(const DataLayout& layout) : layout_(layout) {
    data_.kind = layout.kind;
    data_.table_from_matrix = layout.table_from_matrix;
    if (layout.kind == DataKind::Field) {
      data_.field.dtype = layout.field_dtype;
      data_.field.shape = layout.field_shape;
      if (!data_.field.shape.empty()) data_.field.shape[0] = 0;
      data_.field.bytes.reserve(reservation(layout.rows, layout.row_elements() * dtype_size(layout.field_dtype)));
    } else {
      for (std::size_t j = 0; j < layout.names.size(); ++j) {
        Column c{layout.names[j], {}};
        c.values.dtype = layout.dtypes[j];
        c.values.shape = {0};
        c.values.bytes.reserve(reservation(layout.rows, dtype_size(layout.dtypes[j])));
        data_.columns.push_back(std::move(c));
      }
      for (std::size_t t = 0; t < layout.text_names.size(); ++t)
        data_.text.push_back({layout.text_names[t], layout.text_positions[t], {}});
    }
  }
  void write_rows(const Dataset& part) override {
    auto add = [](Array& to, const Array& from) {
      to.bytes.insert(to.bytes.end(), from.bytes.begin(), from.bytes.end());
      if (!to.shape.empty() && !from.shape.empty()) to.shape[0] += from.shape[0];
      else if (to.shape.empty()) to.shape = from.shape;
    };
    if (data_.kind == DataKind::Field) add(data_.field, part.field);
    else
      for (std::size_t j = 0; j < data_.columns.size(); ++j) add(data_.columns[j].values, part.columns[j].values);
    for (std::size_t t = 0; t < data_.text.size() && t < part.text.size(); ++t)
      data_.text[t].values.insert(data_.text[t].values.end(), part.text[t].values.begin(), part.text[t].values.end());
  }
  void commit() override {}
  // The data set written so far.
  Dataset& data() { return data_; }

 private:
  static std::size_t reservation(std::uint64_t rows, std::uint64_t row_bytes) {
    constexpr std::uint64_t kMaxReserve = std::uint64_t{256} << 20;
    return static_cast<std::size_t>(row_bytes == 0 || rows <= kMaxReserve / row_bytes ? rows * row_bytes : kMaxReserve);
  }
  DataLayout layout_;
  Dataset data_;
};

}  // namespace baler
