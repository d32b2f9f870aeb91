// Writing HDF5 datasets in row order: N-d fields, 2-D matrices with `names`, compound tables;
// into a new file renamed into place on commit (write_hdf5), or into a file another writer owns
// (Hdf5TreeWriter).
#include <algorithm>
#include <cstring>

#include "baler/atomic_file.hpp"
#include "baler/hdf5_io.hpp"
#include "hdf5_dataset.hpp"
#include "hdf5_types.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

using h5::Handle;

Handle create_dataset(hid_t file, const std::string& object, hid_t file_type,
                      const std::vector<std::int64_t>& shape, hid_t dcpl, const std::string& what) {
  Handle space = h5::dataspace(shape, what);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  if (!lcpl.valid() || H5Pset_create_intermediate_group(lcpl.get(), 1) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot set up link creation");
  Handle d(H5Dcreate2(file, object.c_str(), file_type, space.get(), lcpl.get(), dcpl, H5P_DEFAULT), H5Dclose);
  h5::check(d.get(), ErrorCode::Io, what + ": cannot create dataset '" + object + "'");
  return d;
}

void write_names(hid_t dset, const std::vector<std::string>& names, const std::string& what) {
  Handle type = h5::string_type(true, 0, true);
  const hsize_t n = names.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attr(H5Acreate2(dset, "names", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  std::vector<const char*> ptrs;
  for (const auto& s : names) ptrs.push_back(s.c_str());
  if (!attr.valid() || (n && H5Awrite(attr.get(), type.get(), ptrs.data()) < 0))
    throw Error(ErrorCode::Io, what + ": cannot write the names attribute");
}

bool one_dtype(const DataLayout& l) {
  return std::all_of(l.dtypes.begin(), l.dtypes.end(), [&](DType t) { return t == l.dtypes.front(); });
}

// One dataset of an open file, written in row order. Layouts (hdf5_io.hpp): a field is an N-d
// dataset; a table read from one matrix whose columns share a dtype is a 2-D dataset with a
// `names` attribute; any other table is a 1-D compound dataset, one packed record per row (bool
// as h5py's enum FALSE/TRUE). Rows are written as hyperslabs in order; commit() closes the
// dataset, the file is its owner's (Hdf5FileSink, Hdf5TreeWriter).
class Hdf5DatasetSink final : public DataSink {
 public:
  Hdf5DatasetSink(hid_t file, const std::string& object, const DataLayout& l, hid_t dcpl, std::string what)
      : what_(std::move(what)), layout_(l) {
    if (l.kind == DataKind::Table && l.names.empty() && l.text_names.empty())
      throw Error(ErrorCode::Unsupported, what_ + ": a table without columns cannot be written to HDF5");
    const auto rows = static_cast<std::int64_t>(l.rows);
    if (l.kind == DataKind::Field) {
      mode_ = Mode::Field;
      shape_ = l.field_shape;
      mem_ = h5::memory_type(l.field_dtype);
      d_ = create_dataset(file, object, h5::file_type(l.field_dtype).get(), shape_, dcpl, what_);
    } else if (l.table_from_matrix && one_dtype(l) && l.text_names.empty()) {
      mode_ = Mode::Matrix;
      shape_ = {rows, static_cast<std::int64_t>(l.names.size())};
      mem_ = h5::memory_type(l.dtypes[0]);
      d_ = create_dataset(file, object, h5::file_type(l.dtypes[0]).get(), shape_, dcpl, what_);
      write_names(d_.get(), l.names, what_);
    } else {
      mode_ = Mode::Compound;
      shape_ = {rows};
      Handle ft = compound_types();
      d_ = create_dataset(file, object, ft.get(), shape_, dcpl, what_);
    }
  }

  void write_rows(const Dataset& part) override {
    const std::uint64_t n = part.rows();
    require(pos_ + n <= layout_.rows, ErrorCode::Internal, what_ + ": more rows written than the layout holds");
    std::vector<std::byte> buf;
    const void* data = nullptr;
    if (mode_ == Mode::Field) data = part.field.bytes.data();
    else if (mode_ == Mode::Matrix) buf = pack_rows(part, false);
    else buf = pack_records(part);
    if (!data) data = buf.data();
    if (shape_.empty()) {  // a 0-d field: one value
      if (H5Dwrite(d_.get(), mem_.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        throw Error(ErrorCode::Io, what_ + ": cannot write the dataset" + h5::error_cause());
      return void(pos_ += n);
    }
    if (n == 0 || element_count(n) == 0) return void(pos_ += n);
    std::vector<hsize_t> start(shape_.size(), 0), count(shape_.begin(), shape_.end());
    start[0] = pos_;
    count[0] = n;
    Handle fspace(H5Dget_space(d_.get()), H5Sclose);
    Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
    if (!fspace.valid() || !mspace.valid() ||
        H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
        H5Dwrite(d_.get(), mem_.get(), mspace.get(), fspace.get(), H5P_DEFAULT, data) < 0)
      throw Error(ErrorCode::Io, what_ + ": cannot write rows " + std::to_string(pos_) + ":" + std::to_string(pos_ + n) +
                                     h5::error_cause());
    pos_ += n;
  }

  void commit() override {
    require(pos_ == layout_.rows, ErrorCode::Internal,
            what_ + ": " + std::to_string(pos_) + " of " + std::to_string(layout_.rows) + " rows written");
    d_.reset();  // a write error shows when the file is closed
  }

 private:
  enum class Mode { Field, Matrix, Compound };

  std::uint64_t element_count(std::uint64_t rows) const {
    std::uint64_t n = rows;
    for (std::size_t k = 1; k < shape_.size(); ++k) n *= static_cast<std::uint64_t>(shape_[k]);
    return n;
  }

  // Builds the file and memory compound types (memory type kept in mem_), one member per column
  // in source order, text as variable-length UTF-8 strings (h5py's str); returns the file type.
  Handle compound_types() {
    const auto order = column_order(layout_.names.size(), layout_.text_positions);
    std::size_t row_size = 0;
    for (auto [is_text, j] : order) row_size += is_text ? sizeof(const char*) : dtype_size(layout_.dtypes[j]);
    Handle ft(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose);
    mem_ = Handle(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose);
    h5::check(ft.get(), ErrorCode::Internal, "HDF5: cannot create a compound type");
    h5::check(mem_.get(), ErrorCode::Internal, "HDF5: cannot create a compound type");
    std::size_t offset = 0;
    for (auto [is_text, j] : order) {
      const auto& name = is_text ? layout_.text_names[j] : layout_.names[j];
      Handle cf = is_text ? h5::string_type(true, 0, true) : h5::file_type(layout_.dtypes[j]);
      Handle cm = is_text ? h5::string_type(true, 0, true) : h5::memory_type(layout_.dtypes[j]);
      if (name.empty() || H5Tinsert(ft.get(), name.c_str(), offset, cf.get()) < 0 ||
          H5Tinsert(mem_.get(), name.c_str(), offset, cm.get()) < 0)
        throw Error(ErrorCode::Unsupported, what_ + ": column name '" + name +
                                                "' cannot be an HDF5 compound member (empty or repeated)");
      offset += is_text ? sizeof(const char*) : dtype_size(layout_.dtypes[j]);
    }
    return ft;
  }

  // The rows of `part` as native compound records; text members point into part's strings.
  std::vector<std::byte> pack_records(const Dataset& part) const {
    const std::vector<std::size_t> widths(part.text.size(), sizeof(const char*));
    return pack_rows(part, false, widths, [&](std::size_t t, std::size_t r, std::byte* out) {
      const char* p = part.text[t].values[r].c_str();
      std::memcpy(out, &p, sizeof p);
    });
  }

  std::string what_;
  DataLayout layout_;
  Handle d_, mem_;
  Mode mode_ = Mode::Field;
  std::vector<std::int64_t> shape_;
  std::uint64_t pos_ = 0;
};

// write_hdf5's sink: a new file holding one dataset, renamed into place on commit().
class Hdf5FileSink final : public DataSink {
 public:
  Hdf5FileSink(const std::filesystem::path& path, const std::string& object, const DataLayout& l)
      : file_(path), what_(path.string()) {
    h5::silence_errors();
    std::string obj = object.empty() ? "/data" : object;
    if (obj.front() != '/') obj.insert(0, "/");
    file_.close_stream();
    f_ = Handle(H5Fcreate(file_.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    h5::check(f_.get(), ErrorCode::Io, "cannot create " + what_ + " (HDF5)");
    dataset_ = std::make_unique<Hdf5DatasetSink>(f_.get(), obj, l, H5P_DEFAULT, what_);
  }

  void write_rows(const Dataset& part) override { dataset_->write_rows(part); }

  void commit() override {
    dataset_->commit();
    if (H5Fclose(f_.release()) < 0) throw Error(ErrorCode::Io, "cannot write " + what_ + " (closing HDF5)" + h5::error_cause());
    file_.commit();
  }

 private:
  AtomicFile file_;  // declared first: the file is closed before its temporary is removed
  std::string what_;
  Handle f_;
  std::unique_ptr<Hdf5DatasetSink> dataset_;
};

}  // namespace

std::unique_ptr<DataSink> open_hdf5_dataset_sink(hid_t file, const std::string& object, const DataLayout& layout,
                                                 hid_t dcpl, const std::string& what) {
  return std::make_unique<Hdf5DatasetSink>(file, object, layout, dcpl, what);
}

std::unique_ptr<DataSink> open_hdf5_sink(const std::filesystem::path& path, const std::string& object,
                                         const DataLayout& layout) {
  return std::make_unique<Hdf5FileSink>(path, object, layout);
}

void write_hdf5(const Dataset& data, const std::filesystem::path& path, const std::string& object) {
  auto sink = open_hdf5_sink(path, object, layout_of(data));
  sink->write_rows(data);
  sink->commit();
}

}  // namespace baler
