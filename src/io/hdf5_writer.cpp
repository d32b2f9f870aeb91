// Writing HDF5 files atomically: N-d fields, 2-D matrices with `names`, compound tables.
#include <cstring>

#include "baler/atomic_file.hpp"
#include "baler/hdf5_io.hpp"
#include "hdf5_types.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

using h5::Handle;

Handle create_dataset(hid_t file, const std::string& object, hid_t file_type,
                      const std::vector<std::int64_t>& shape, const std::string& what) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                             : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  h5::check(space.get(), ErrorCode::Io, what + ": cannot create a dataspace of shape " + shape_string(shape));
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  if (!lcpl.valid() || H5Pset_create_intermediate_group(lcpl.get(), 1) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot set up link creation");
  Handle d(H5Dcreate2(file, object.c_str(), file_type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose);
  h5::check(d.get(), ErrorCode::Io, what + ": cannot create dataset '" + object + "'");
  return d;
}

Handle write_array(hid_t file, const std::string& object, const Array& a, const std::string& what) {
  Handle ft = h5::file_type(a.dtype);
  Handle mt = h5::memory_type(a.dtype);
  Handle d = create_dataset(file, object, ft.get(), a.shape, what);
  if (a.size() && H5Dwrite(d.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, a.bytes.data()) < 0)
    throw Error(ErrorCode::Io, what + ": cannot write dataset '" + object + "'");
  return d;
}

void write_names(hid_t dset, const std::vector<std::string>& names, const std::string& what) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot build a string type");
  const hsize_t n = names.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attr(H5Acreate2(dset, "names", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  std::vector<const char*> ptrs;
  for (const auto& s : names) ptrs.push_back(s.c_str());
  if (!attr.valid() || (n && H5Awrite(attr.get(), type.get(), ptrs.data()) < 0))
    throw Error(ErrorCode::Io, what + ": cannot write the names attribute");
}

// A table as a 1-D compound dataset: one packed record per row, one member per column.
void write_compound(hid_t file, const std::string& object, const Dataset& table, const std::string& what) {
  if (table.columns.empty())
    throw Error(ErrorCode::Unsupported, what + ": a table without columns cannot be written to HDF5");
  std::size_t row_size = 0;
  for (const auto& c : table.columns) row_size += dtype_size(c.values.dtype);
  Handle ft(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose);
  Handle mt(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose);
  h5::check(ft.get(), ErrorCode::Internal, "HDF5: cannot create a compound type");
  h5::check(mt.get(), ErrorCode::Internal, "HDF5: cannot create a compound type");
  const std::size_t rows = table.rows();
  std::vector<std::byte> records(rows * row_size);
  std::size_t offset = 0;
  for (const auto& c : table.columns) {
    const std::size_t es = dtype_size(c.values.dtype);
    Handle cf = h5::file_type(c.values.dtype);
    Handle cm = h5::memory_type(c.values.dtype);
    if (c.name.empty() || H5Tinsert(ft.get(), c.name.c_str(), offset, cf.get()) < 0 ||
        H5Tinsert(mt.get(), c.name.c_str(), offset, cm.get()) < 0)
      throw Error(ErrorCode::Unsupported, what + ": column name '" + c.name +
                                              "' cannot be an HDF5 compound member (empty or repeated)");
    for (std::size_t r = 0; r < rows; ++r)
      std::memcpy(records.data() + r * row_size + offset, c.values.bytes.data() + r * es, es);
    offset += es;
  }
  Handle d = create_dataset(file, object, ft.get(), {static_cast<std::int64_t>(rows)}, what);
  if (rows && H5Dwrite(d.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, records.data()) < 0)
    throw Error(ErrorCode::Io, what + ": cannot write dataset '" + object + "'");
}

}  // namespace

void write_hdf5(const Dataset& data, const std::filesystem::path& path, const std::string& object) {
  h5::silence_errors();
  std::string obj = object.empty() ? "/data" : object;
  if (obj.front() != '/') obj.insert(0, "/");
  const std::string what = path.string();
  AtomicFile file(path);
  file.close_stream();
  {
    Handle f(H5Fcreate(file.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    h5::check(f.get(), ErrorCode::Io, "cannot create " + what + " (HDF5)");
    if (data.kind == DataKind::Field) {
      write_array(f.get(), obj, data.field, what);
    } else if (data.table_from_matrix && !data.columns.empty() && has_one_dtype(data)) {
      Handle d = write_array(f.get(), obj, table_to_matrix(data), what);
      write_names(d.get(), column_names(data), what);
    } else {
      write_compound(f.get(), obj, data, what);
    }
    if (H5Fclose(f.release()) < 0) throw Error(ErrorCode::Io, "cannot write " + what + " (closing HDF5)");
  }
  file.commit();
}

}  // namespace baler
