// open_data_sink: npy (header, then rows), npz (members streamed to temporary files, zipped on
// commit), CSV (header, then rows), HDF5 (hyperslabs, hdf5_writer.cpp). write_dataset is a sink
// given all rows at once, so both paths write the same layouts (README "Data formats").
#include <atomic>
#include <bit>
#include <cstring>
#include <mutex>
#include <span>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/csv.hpp"
#include "baler/io_stream.hpp"
#include "baler/npy.hpp"
#include "baler/npz.hpp"
#include "hdf5_dataset.hpp"
#include "npy_internal.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

bool one_dtype(const DataLayout& l) {
  for (auto t : l.dtypes)
    if (t != l.dtypes.front()) return false;
  return true;
}

// How a .npy stores rows: the field's array, a 2-D matrix of a one-dtype table, a packed
// record per row, or one column (npz column layout).
enum class NpyRows { Field, Matrix, Records, Column };

// One .npy image written in row order into an open file: header first, then each part packed.
class NpyRowWriter {
 public:
  NpyRowWriter(AtomicFile& out, const DataLayout& l, NpyRows mode, std::size_t column = 0)
      : out_(out), mode_(mode), column_(column), rows_(l.rows) {
    const auto rows = static_cast<std::int64_t>(l.rows);
    std::vector<std::byte> header;
    switch (mode) {
      case NpyRows::Field:
        header = npy_header_bytes(npy_descr(l.field_dtype), l.field_shape);
        row_bytes_ = l.row_elements() * dtype_size(l.field_dtype);
        break;
      case NpyRows::Matrix:
        header = npy_header_bytes(npy_descr(l.dtypes.at(0)), {rows, static_cast<std::int64_t>(l.names.size())});
        row_bytes_ = l.names.size() * dtype_size(l.dtypes.at(0));
        break;
      case NpyRows::Records:
        header = npy_header_bytes(npy_records_descr(l.names, l.dtypes), {rows});
        for (auto t : l.dtypes) row_bytes_ += dtype_size(t);
        break;
      case NpyRows::Column:
        header = npy_header_bytes(npy_descr(l.dtypes.at(column)), {rows});
        row_bytes_ = dtype_size(l.dtypes.at(column));
        break;
    }
    out.write(header);
    header_bytes_ = header.size();
  }

  // The next rows, in order.
  void write(const Dataset& part) {
    count(part.rows());
    with_image(part, [&](std::span<const std::byte> b) { out_.write(b); });
  }
  // Rows [first, first + part.rows()) at their place in the file; several threads at once.
  void write_at(const Dataset& part, std::uint64_t first) {
    require(first <= rows_ && part.rows() <= rows_ - first, ErrorCode::Internal, "rows written beyond the layout");
    std::call_once(flushed_, [&] { out_.flush(); });  // the header, written through the stream
    count(part.rows());
    with_image(part, [&](std::span<const std::byte> b) { out_.write_at(header_bytes_ + first * row_bytes_, b); });
  }

  bool complete() const { return written_ == rows_; }

 private:
  void count(std::uint64_t rows) {
    const std::uint64_t before = written_.fetch_add(rows);
    require(before + rows <= rows_, ErrorCode::Internal, "more rows written than the layout holds");
  }
  // Calls f with the part's bytes as the file holds them: little-endian values (the array
  // itself on a little-endian machine); a matrix's or record's columns interleaved row by row.
  template <typename F>
  void with_image(const Dataset& part, F&& f) const {
    if (mode_ == NpyRows::Matrix || mode_ == NpyRows::Records) return f(pack_rows(part, true));
    const Array& a = mode_ == NpyRows::Field ? part.field : part.columns.at(column_).values;
    if (std::endian::native == std::endian::little) return f(a.bytes);
    std::vector<std::byte> le = a.bytes;
    byteswap_inplace(le.data(), le.size() / dtype_size(a.dtype), dtype_size(a.dtype));
    f(le);
  }
  AtomicFile& out_;
  NpyRows mode_;
  std::size_t column_;
  std::uint64_t rows_, row_bytes_ = 0, header_bytes_ = 0;
  std::atomic<std::uint64_t> written_{0};
  std::once_flag flushed_;
};

std::vector<std::byte> sidecar_bytes(const std::vector<std::string>& names, const std::filesystem::path& path) {
  std::string text;
  for (const auto& n : names) {
    if (n.find_first_of("\r\n") != std::string::npos)
      throw Error(ErrorCode::Unsupported, path.string() + ": column name '" + n +
                                              "' holds a line break; a .names.txt cannot store it");
    text += n + "\n";
  }
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  return {p, p + text.size()};
}

// X.npy: a field as its array; a one-dtype table as a 2-D array plus X.names.txt (one column
// name a line); a mixed-dtype table as a 1-D structured array (names inside). A stale sidecar
// is removed when none is written, so that it cannot rename columns when read back.
class NpySink final : public DataSink {
 public:
  NpySink(const std::filesystem::path& path, const DataLayout& l)
      : sidecar_path_(npy_names_path(path)), file_(path) {
    NpyRows mode = NpyRows::Field;
    if (l.kind == DataKind::Table && l.names.empty())
      throw Error(ErrorCode::Unsupported, path.string() + ": a table without columns cannot be written to .npy");
    if (l.kind == DataKind::Table && !l.text_names.empty()) {
      // A record array with '<Un' fields: their width is known only once every row is in, so
      // the rows are held until commit (text tables are small next to fields).
      rows_held_ = std::make_unique<MemorySink>(l);
      return;
    }
    if (l.kind == DataKind::Table) {
      mode = one_dtype(l) ? NpyRows::Matrix : NpyRows::Records;
      if (mode == NpyRows::Matrix) {
        names_ = sidecar_bytes(l.names, path);
        sidecar_ = std::make_unique<AtomicFile>(sidecar_path_);
      }
    }
    rows_ = std::make_unique<NpyRowWriter>(file_, l, mode);
  }
  void write_rows(const Dataset& part) override {
    if (rows_held_) rows_held_->write_rows(part);
    else rows_->write(part);
  }
  bool writes_at_rows() const override { return !rows_held_; }
  void write_rows_at(const Dataset& part, std::uint64_t first) override {
    require(!rows_held_, ErrorCode::Internal, "npy output with text columns: rows go in order");
    rows_->write_at(part, first);
  }
  void commit() override {
    if (rows_held_) file_.write(encode_npy_records(rows_held_->data()));
    require(rows_held_ || rows_->complete(), ErrorCode::Internal, "npy output: not every row was written");
    if (sidecar_) sidecar_->write(names_);
    file_.commit();
    if (sidecar_) {
      sidecar_->commit();
    } else {
      std::error_code ec;
      std::filesystem::remove(sidecar_path_, ec);
    }
  }

 private:
  std::filesystem::path sidecar_path_;
  AtomicFile file_;
  std::unique_ptr<AtomicFile> sidecar_;
  std::vector<std::byte> names_;
  std::unique_ptr<NpyRowWriter> rows_;
  std::unique_ptr<MemorySink> rows_held_;  // a table with text columns
};

}  // namespace

// What the member sinks of an NpzBundleWriter have finished: zip members and their files.
struct NpzCollector {
  std::vector<NpzMember> members;
  std::vector<std::unique_ptr<AtomicFile>> files;  // never committed: removed with the writer
  std::size_t serial = 0;                          // temporary file names
};

namespace {

// Baler's npz layouts: a field as `data` (+ an empty `names`, like Baler's CFD files); a
// one-dtype table as `data` (2-D) + `names`; any other table as `names` + one 1-D member per
// column. Big members go through temporary files beside the output; zip on commit (stored).
class NpzSink final : public DataSink {
 public:
  // `prefix` (a bundle member, e.g. "events/NJet"): every key under it, a table always one
  // member per column; commit() then hands the members to `collector` instead of zipping.
  NpzSink(const std::filesystem::path& path, const DataLayout& l, std::string prefix = {},
          NpzCollector* collector = nullptr)
      : path_(path), prefix_(prefix.empty() ? prefix : prefix + "/"), collector_(collector) {
    if (l.kind == DataKind::Field) {
      add_streamed("data", l, NpyRows::Field);
      add_small("names", encode_npy(Array(DType::F64, {0})));
    } else if (prefix_.empty() && one_dtype(l) && !l.names.empty() && l.text_names.empty()) {
      add_streamed("data", l, NpyRows::Matrix);
      add_small("names", encode_npy_strings(l.names));
    } else {
      // One member per column in source order; text columns as numpy unicode arrays, built
      // on commit from the values collected (text is small next to the numbers).
      const auto names = all_column_names(l);
      add_small("names", encode_npy_strings(names));
      texts_.resize(l.text_names.size());
      for (auto [is_text, j] : column_order(l.names.size(), l.text_positions)) {
        const auto& name = is_text ? l.text_names[j] : l.names[j];
        bool clash = !safe_npz_key(name) || name == "names" || name == "data";
        for (const auto& m : members_) clash = clash || m.key == name;
        if (clash)
          throw Error(ErrorCode::Unsupported, path.string() + ": column name '" + name +
                                                  "' cannot be an npz key (empty, repeated, 'data', 'names' or "
                                                  "a path with '\\', an empty part or '..'); write .csv or .h5 instead");
        if (is_text) members_.push_back({name, {}, {}, {}, static_cast<int>(j)});
        else add_streamed(name, l, NpyRows::Column, j);
      }
    }
  }
  void write_rows(const Dataset& part) override {
    for (auto& m : members_)
      if (m.rows) m.rows->write(part);
    for (std::size_t t = 0; t < texts_.size(); ++t)
      texts_[t].insert(texts_[t].end(), part.text.at(t).values.begin(), part.text.at(t).values.end());
  }
  void commit() override {
    std::vector<NpzMember> zip;
    for (auto& m : members_) {
      if (m.text >= 0) {
        zip.push_back({prefix_ + m.key, encode_npy_strings(texts_[static_cast<std::size_t>(m.text)]), {}});
      } else if (m.rows) {
        require(m.rows->complete(), ErrorCode::Internal, "npz output: not every row was written");
        m.file->close_stream();
        zip.push_back({prefix_ + m.key, {}, m.file->temp_path()});
        if (collector_) collector_->files.push_back(std::move(m.file));  // kept until the zip is written
      } else {
        zip.push_back({prefix_ + m.key, std::move(m.npy), {}});
      }
    }
    if (!collector_) return write_npz(path_, zip);
    for (auto& z : zip) collector_->members.push_back(std::move(z));
  }

 private:
  struct Member {
    std::string key;
    std::vector<std::byte> npy;         // small members
    std::unique_ptr<AtomicFile> file;   // streamed members: never committed, removed at the end
    std::unique_ptr<NpyRowWriter> rows;
    int text = -1;                      // text members: index into texts_
  };
  void add_small(const std::string& key, std::vector<std::byte> npy) { members_.push_back({key, std::move(npy), {}, {}}); }
  void add_streamed(const std::string& key, const DataLayout& l, NpyRows mode, std::size_t column = 0) {
    const std::size_t serial = collector_ ? collector_->serial++ : members_.size();
    Member m{key, {}, std::make_unique<AtomicFile>(path_.string() + ".member" + std::to_string(serial)), {}};
    m.rows = std::make_unique<NpyRowWriter>(*m.file, l, mode, column);
    members_.push_back(std::move(m));
  }
  std::filesystem::path path_;
  std::string prefix_;
  NpzCollector* collector_;
  std::vector<Member> members_;
  std::vector<std::vector<std::string>> texts_;
};

// A table (or a 2-D field, as columns col0, col1, ...) as CSV text: header, then rows; the
// delimiter from the extension (.tsv tabs, .txt and .dat spaces).
class CsvSink final : public DataSink {
 public:
  CsvSink(const std::filesystem::path& path, const DataLayout& l)
      : file_(path), field_(l.kind == DataKind::Field), delim_(csv_delimiter_for(path)), rows_(l.rows) {
    std::vector<std::string> names = field_ ? l.names : all_column_names(l);
    if (field_) {
      if (l.field_shape.size() != 2)
        throw Error(ErrorCode::Unsupported, path.string() + ": a CSV holds a table or a 2-D field, not shape " +
                                                shape_string(l.field_shape) + "; write npy, npz or h5");
      for (std::int64_t c = 0; c < l.field_shape[1]; ++c) names.push_back("col" + std::to_string(c));
    }
    file_.write(format_csv_header(names, delim_));
  }
  void write_rows(const Dataset& part) override {
    written_ += part.rows();
    std::string text;
    append_csv_rows(text, field_ ? table_from_matrix(part.field, {}) : part, delim_);
    file_.write(text);
  }
  void commit() override {
    require(written_ == rows_, ErrorCode::Internal, "CSV output: not every row was written");
    file_.commit();
  }

 private:
  AtomicFile file_;
  bool field_;
  char delim_;
  std::uint64_t rows_, written_ = 0;
};

}  // namespace

NpzBundleWriter::NpzBundleWriter(std::filesystem::path path)
    : path_(std::move(path)), collected_(std::make_unique<NpzCollector>()) {}
NpzBundleWriter::~NpzBundleWriter() = default;

std::unique_ptr<DataSink> NpzBundleWriter::member_sink(const std::string& prefix, const DataLayout& layout) {
  require(!prefix.empty(), ErrorCode::Internal, "npz bundle member without a name");
  return std::make_unique<NpzSink>(path_, layout, prefix, collected_.get());
}

void NpzBundleWriter::commit() { write_npz(path_, collected_->members); }

std::unique_ptr<DataSink> open_data_sink(const DataSpec& spec, const DataLayout& layout) {
  const std::string what = spec.path.string();
  if (!spec.object.empty() && spec.format != FileFormat::Hdf5 &&
      !(spec.format == FileFormat::Npz && spec.object == "data"))
    throw Error(ErrorCode::Usage, what + ": ':" + spec.object + "' can only name an HDF5 dataset");
  switch (spec.format) {
    case FileFormat::Npy: return std::make_unique<NpySink>(spec.path, layout);
    case FileFormat::Npz: return std::make_unique<NpzSink>(spec.path, layout);
    case FileFormat::Csv: return std::make_unique<CsvSink>(spec.path, layout);
    case FileFormat::Hdf5: return open_hdf5_sink(spec.path, spec.object, layout);
    case FileFormat::Root:
      throw Error(ErrorCode::Unsupported, what + ": baler writes ROOT files from whole trees only: compress the "
                                                "ROOT file without --columns and decompress the whole .baler to .root");
    case FileFormat::Baler:
      throw Error(ErrorCode::Usage, what + ": use `baler compress` to write a .baler container");
    case FileFormat::Unknown: break;
  }
  throw Error(ErrorCode::Usage, "cannot tell the format of " + what + " from its extension (.npy .npz .csv .h5 .hdf5)");
}

void write_dataset(const Dataset& data, const DataSpec& spec) {
  auto sink = open_data_sink(spec, layout_of(data));
  sink->write_rows(data);
  sink->commit();
}

}  // namespace baler
