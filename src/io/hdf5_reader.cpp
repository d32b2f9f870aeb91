// Reading HDF5 datasets: numeric N-d arrays (any byte order), compound tables, column names;
// whole or rows [a, b) through hyperslabs.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstring>
#include <limits>

#include "baler/hdf5_io.hpp"
#include "hdf5_dataset.hpp"
#include "hdf5_types.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

using h5::Handle;

// Deflate (HDF5's usual filter) cannot expand more than ~1032:1.
constexpr std::uint64_t kMaxFilterRatio = 1032;

herr_t touch_dataset(hid_t group, const char* name, const H5O_info_t* info, void*) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  const hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
  if (d < 0) return 0;
  for (hid_t id : {H5Dget_space(d), H5Dget_type(d), H5Dget_create_plist(d)})
    if (id >= 0) H5Idec_ref(id);
  H5Dclose(d);
  return 0;
}

// Debian's libhdf5 1.10.8 can fault while it walks the groups of a malformed file (it reads
// through a null pointer inside H5Ovisit: fuzz/regressions/hdf5/h5ovisit_null_read.h5), before
// any property baler could check. So the walk is done first in a child process: a child that
// dies of a signal (or hangs for 30 s) makes the file Malformed instead of taking baler down.
// HDF5's own errors are left to the real walk, which reports them. Cost: one fork per open.
void walk_in_child(const std::filesystem::path& path) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return;  // no child: the walk runs unguarded, as before
  if (pid == 0) {
    ::alarm(30);  // a walk that takes this long is a hang: SIGALRM ends it
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, touch_dataset, nullptr, H5O_INFO_BASIC);
    ::_exit(0);  // no atexit work (leak checks, HDF5's own shutdown) in the child
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // A signal, or (under a sanitizer, which reports a fault and exits) a non-zero status.
  if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0))
    throw Error(ErrorCode::Malformed,
                path.string() + ": libhdf5 fails (" +
                    (WIFSIGNALED(status) ? std::string(::strsignal(WTERMSIG(status)))
                                         : "exit status " + std::to_string(WEXITSTATUS(status))) +
                    ") walking the file's groups and datasets: the file is malformed");
}

}  // namespace

Handle open_hdf5_file(const std::filesystem::path& path) {
  h5::silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::Io, "cannot open " + path.string() + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw Error(ErrorCode::Malformed, path.string() + ": not an HDF5 file");
  walk_in_child(path);
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  h5::check(f.get(), ErrorCode::Malformed, path.string() + ": cannot open the HDF5 file");
  return f;
}

namespace {

herr_t collect_dataset(hid_t, const char* name, const H5O_info_t* info, void* out) {
  if (info->type == H5O_TYPE_DATASET)
    static_cast<std::vector<std::string>*>(out)->push_back(std::string("/") + name);
  return 0;
}

std::vector<std::string> datasets_in(hid_t file, const std::string& what) {
  std::vector<std::string> paths;
  if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &paths, H5O_INFO_BASIC) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot list the datasets of the HDF5 file");
  return paths;
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s.empty() ? "none" : s;
}

std::string choose_dataset(const std::vector<std::string>& paths, std::string object,
                           const std::string& what) {
  if (object.empty()) {
    if (paths.size() == 1) return paths[0];
    for (const auto& p : paths)
      if (p == "/data") return p;
    if (paths.empty()) throw Error(ErrorCode::Malformed, what + ": the HDF5 file holds no dataset");
    throw Error(ErrorCode::Usage, what + " holds " + std::to_string(paths.size()) +
                                      " datasets; name one as " + what + ":/path (datasets: " +
                                      joined(paths) + ")");
  }
  if (object.front() != '/') object.insert(0, "/");
  for (const auto& p : paths)
    if (p == object) return p;
  throw Error(ErrorCode::Malformed, what + " has no dataset '" + object + "' (datasets: " + joined(paths) + ")");
}

std::vector<std::string> read_string_attribute(hid_t attr, std::size_t count, const std::string& what) {
  Handle type(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw Error(ErrorCode::Malformed, what + ": the names attribute is not an array of strings");
  Handle space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || static_cast<std::uint64_t>(n) != count)
    throw Error(ErrorCode::Malformed, what + ": the names attribute holds " + std::to_string(n) +
                                          " names but the dataset has " + std::to_string(count) + " columns");
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Tset_size(mem.get(), H5T_VARIABLE);
    std::vector<char*> buf(count, nullptr);
    if (count && H5Aread(attr, mem.get(), buf.data()) < 0)
      throw Error(ErrorCode::Malformed, what + ": cannot read the names attribute");
    for (char* s : buf) out.emplace_back(s ? s : "");
    if (count) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buf.data());
    return out;
  }
  const std::size_t width = H5Tget_size(type.get());
  if (width == 0 || count > (std::size_t{1} << 30) / width)
    throw Error(ErrorCode::Limit, what + ": the names attribute is too large");
  H5Tset_size(mem.get(), width);
  H5Tset_strpad(mem.get(), H5Tget_strpad(type.get()));
  std::vector<char> buf(count * width);
  if (count && H5Aread(attr, mem.get(), buf.data()) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read the names attribute");
  const bool spaces = H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD;
  for (std::size_t i = 0; i < count; ++i) {
    std::string s(buf.data() + i * width, width);
    s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
    while (spaces && !s.empty() && s.back() == ' ') s.pop_back();
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::int64_t> shape_of(hid_t space, const std::string& what) {
  if (H5Sget_simple_extent_type(space) == H5S_NULL)
    throw Error(ErrorCode::Unsupported, what + ": dataset has a null dataspace (no data)");
  const int nd = H5Sget_simple_extent_ndims(space);
  if (nd < 0) throw Error(ErrorCode::Malformed, what + ": cannot read the dataset's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(nd));
  if (nd > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read the dataset's shape");
  std::vector<std::int64_t> shape;
  for (hsize_t d : dims) {
    if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()))
      throw Error(ErrorCode::Limit, what + ": dimension " + std::to_string(d) + " is too large");
    shape.push_back(static_cast<std::int64_t>(d));
  }
  checked_element_count(shape, what);
  return shape;
}

// Refuses datasets that declare far more data than the file stores, before allocating.
void check_storage(hid_t dset, hid_t type, std::uint64_t count, const std::string& what) {
  const std::uint64_t declared = count * H5Tget_size(type);
  const std::uint64_t stored = H5Dget_storage_size(dset);
  if (declared / kMaxFilterRatio > stored + (1u << 20))
    throw Error(ErrorCode::Limit, what + ": dataset declares " + std::to_string(declared) +
                                      " bytes but the file stores " + std::to_string(stored));
}

// Checks every layout property libhdf5 trusts when it reads (hostile files made it read past its
// chunk buffer, return heap bytes, or loop without end): dims within the maximum dims, a
// chunked layout's rank equal to the dataset's and each chunk dimension between 1 and the fixed
// maximum, bounded chunk bytes, a compact layout's bytes equal to the data's.
void check_layout(hid_t dset, hid_t type, const std::string& what) {
  Handle space(H5Dget_space(dset), H5Sclose);
  h5::check(space.get(), ErrorCode::Malformed, what + ": cannot read the dataset's shape");
  const int nd = H5Sget_simple_extent_ndims(space.get());
  if (nd < 0 || nd > 32) throw Error(ErrorCode::Malformed, what + ": dataspace rank " + std::to_string(nd));
  std::vector<hsize_t> dims(static_cast<std::size_t>(nd)), maxdims(static_cast<std::size_t>(nd));
  if (nd > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), maxdims.data()) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read the dataset's shape");
  for (int i = 0; i < nd; ++i)
    if (maxdims[i] != H5S_UNLIMITED && dims[i] > maxdims[i])
      throw Error(ErrorCode::Malformed, what + ": dimension " + std::to_string(i) + " is " + std::to_string(dims[i]) +
                                            ", above its maximum " + std::to_string(maxdims[i]));
  Handle dcpl(H5Dget_create_plist(dset), H5Pclose);
  h5::check(dcpl.get(), ErrorCode::Malformed, what + ": cannot read the dataset's layout");
  const size_t elem = H5Tget_size(type);
  if (elem == 0) throw Error(ErrorCode::Malformed, what + ": element size 0");
  std::uint64_t elements = 1;
  for (auto d : dims) elements = d == 0 ? 0 : (elements > (std::uint64_t{1} << 62) / d ? (std::uint64_t{1} << 62) : elements * d);
  switch (H5Pget_layout(dcpl.get())) {
    case H5D_CHUNKED: {
      std::vector<hsize_t> chunk(33);
      const int cr = H5Pget_chunk(dcpl.get(), 33, chunk.data());
      if (cr != nd)
        throw Error(ErrorCode::Malformed, what + ": chunks of rank " + std::to_string(cr) + " for a dataset of rank " +
                                              std::to_string(nd));
      std::uint64_t chunk_bytes = elem;
      for (int i = 0; i < nd; ++i) {
        if (chunk[i] == 0 || (maxdims[i] != H5S_UNLIMITED && chunk[i] > std::max<hsize_t>(maxdims[i], 1)))
          throw Error(ErrorCode::Malformed, what + ": chunk dimension " + std::to_string(i) + " is " +
                                                std::to_string(chunk[i]) + ", outside 1.." +
                                                std::to_string(std::max<hsize_t>(maxdims[i], 1)));
        chunk_bytes = chunk_bytes > (std::uint64_t{1} << 40) / chunk[i] ? (std::uint64_t{1} << 40) : chunk_bytes * chunk[i];
      }
      if (chunk_bytes > (std::uint64_t{1} << 32))
        throw Error(ErrorCode::Limit, what + ": chunks of " + std::to_string(chunk_bytes) + " bytes (limit 4 GiB)");
      h5::check_filters(dcpl.get(), what);
      break;
    }
    case H5D_COMPACT:
      if (H5Dget_storage_size(dset) != elements * elem)
        throw Error(ErrorCode::Malformed, what + ": compact data of " + std::to_string(H5Dget_storage_size(dset)) +
                                              " bytes for " + std::to_string(elements) + " elements");
      break;
    case H5D_CONTIGUOUS: {
      const hsize_t stored = H5Dget_storage_size(dset);
      if (stored != 0 && stored < elements * elem)
        throw Error(ErrorCode::Malformed, what + ": contiguous data of " + std::to_string(stored) + " bytes for " +
                                              std::to_string(elements * elem));
      break;
    }
    default: throw Error(ErrorCode::Unsupported, what + ": unknown dataset layout");
  }
}

}  // namespace

// Column names of a 2-D dataset from its `names` or `column_names` attribute; {} if neither.
std::vector<std::string> hdf5_column_names(hid_t dset, std::size_t cols, const std::string& what) {
  for (const char* name : {"names", "column_names"}) {
    if (H5Aexists(dset, name) <= 0) continue;
    Handle attr(H5Aopen(dset, name, H5P_DEFAULT), H5Aclose);
    h5::check(attr.get(), ErrorCode::Malformed, what + ": cannot open attribute '" + name + "'");
    return read_string_attribute(attr.get(), cols, what);
  }
  return {};
}

std::vector<Hdf5Member> hdf5_compound_members(hid_t type, const std::vector<std::int64_t>& shape,
                                              const std::string& what) {
  if (shape.size() != 1)
    throw Error(ErrorCode::Unsupported, what + ": compound dataset of shape " + shape_string(shape) +
                                            " (baler reads 1-D record arrays as tables)");
  std::vector<Hdf5Member> out;
  const int members = H5Tget_nmembers(type);
  for (int i = 0; i < members; ++i) {
    char* raw_name = H5Tget_member_name(type, static_cast<unsigned>(i));
    if (!raw_name) throw Error(ErrorCode::Malformed, what + ": cannot read a compound member name");
    const std::string name = raw_name;
    H5free_memory(raw_name);
    Handle member(H5Tget_member_type(type, static_cast<unsigned>(i)), H5Tclose);
    if (H5Tget_class(member.get()) == H5T_STRING) {
      const htri_t vlen = H5Tis_variable_str(member.get());
      const std::size_t size = H5Tget_size(member.get());
      if (vlen < 0 || (!vlen && (size == 0 || size > (std::size_t{1} << 16))))
        throw Error(ErrorCode::Unsupported, what + ": string member '" + name + "' of " + std::to_string(size) +
                                                " bytes per value (limit 65536)");
      out.push_back({name, DType::U8, true, vlen ? 0 : size, H5Tget_cset(member.get()) == H5T_CSET_UTF8});
      continue;
    }
    if (!h5::is_numeric_type(member.get())) continue;  // arrays, nested records
    out.push_back({name, h5::dtype_of_type(member.get(), what + " member '" + name + "'")});
  }
  if (out.empty())
    throw Error(ErrorCode::Unsupported, what + ": the compound dataset has no numeric or string member");
  return out;
}

void read_hdf5_rows(hid_t dset, hid_t mem_type, const std::vector<std::int64_t>& shape, std::uint64_t a,
                    std::uint64_t b, void* out, const std::string& what) {
  if (a == b) return;
  std::vector<hsize_t> start(shape.size(), 0), count(shape.begin(), shape.end());
  if (!shape.empty()) {
    start[0] = a;
    count[0] = b - a;
  }
  Handle fspace(H5Dget_space(dset), H5Sclose);
  Handle mspace(shape.empty() ? H5Screate(H5S_SCALAR)
                              : H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                H5Sclose);
  h5::check(fspace.get(), ErrorCode::Malformed, what + ": cannot read the dataset's shape");
  h5::check(mspace.get(), ErrorCode::Internal, what + ": cannot make a memory dataspace");
  h5::check_chunks(dset, a, b, what);
  if ((!shape.empty() &&
       H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0) ||
      H5Dread(dset, mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, out) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read rows " + std::to_string(a) + ":" + std::to_string(b));
}

std::vector<std::string> read_hdf5_text_member(hid_t dset, const Hdf5Member& m, const std::vector<std::int64_t>& shape,
                                               std::uint64_t a, std::uint64_t b, const std::string& what) {
  const std::size_t n = static_cast<std::size_t>(b - a);
  const std::size_t width = m.fixed_size ? m.fixed_size : sizeof(char*);
  Handle str = h5::string_type(m.fixed_size == 0, m.fixed_size, m.utf8);
  Handle mem(H5Tcreate(H5T_COMPOUND, width), H5Tclose);
  if (!mem.valid() || H5Tinsert(mem.get(), m.name.c_str(), 0, str.get()) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read compound member '" + m.name + "'");
  std::vector<char> buf(n * width, 0);
  read_hdf5_rows(dset, mem.get(), shape, a, b, buf.data(), what + " member '" + m.name + "'");
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * width;
    if (m.fixed_size) {
      out.emplace_back(p, strnlen(p, width));
      continue;
    }
    char* s;
    std::memcpy(&s, p, sizeof s);
    out.emplace_back(s ? s : "");
  }
  if (!m.fixed_size) {  // the library allocated every variable-length value
    Handle space(H5Screate_simple(1, std::array<hsize_t, 1>{n}.data(), nullptr), H5Sclose);
    if (n) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buf.data());
  }
  return out;
}

Array read_hdf5_member(hid_t dset, const Hdf5Member& m, const std::vector<std::int64_t>& shape, std::uint64_t a,
                       std::uint64_t b, const std::string& what) {
  Array col(m.dtype, {static_cast<std::int64_t>(b - a)});
  Handle mem(H5Tcreate(H5T_COMPOUND, dtype_size(m.dtype)), H5Tclose);
  Handle native = h5::memory_type(m.dtype);
  if (!mem.valid() || H5Tinsert(mem.get(), m.name.c_str(), 0, native.get()) < 0)
    throw Error(ErrorCode::Malformed, what + ": cannot read compound member '" + m.name + "'");
  read_hdf5_rows(dset, mem.get(), shape, a, b, col.bytes.data(), what + " member '" + m.name + "'");
  normalize_bools(col);
  return col;
}

Hdf5Dataset open_hdf5_dataset(const std::filesystem::path& path, const std::string& object) {
  Hdf5Dataset h;
  h.file = open_hdf5_file(path);
  h.name = choose_dataset(datasets_in(h.file.get(), path.string()), object, path.string());
  h.what = path.string() + ":" + h.name;
  h.dset = Handle(H5Dopen2(h.file.get(), h.name.c_str(), H5P_DEFAULT), H5Dclose);
  h5::check(h.dset.get(), ErrorCode::Malformed, h.what + ": cannot open the dataset");
  h.type = Handle(H5Dget_type(h.dset.get()), H5Tclose);
  Handle space(H5Dget_space(h.dset.get()), H5Sclose);
  h5::check(h.type.get(), ErrorCode::Malformed, h.what + ": cannot read the dataset's type");
  h5::check(space.get(), ErrorCode::Malformed, h.what + ": cannot read the dataset's shape");
  check_layout(h.dset.get(), h.type.get(), h.what);
  h.shape = shape_of(space.get(), h.what);
  check_storage(h.dset.get(), h.type.get(), checked_element_count(h.shape, h.what), h.what);
  return h;
}

std::vector<std::string> list_hdf5_datasets(const std::filesystem::path& path) {
  Handle f = open_hdf5_file(path);
  return datasets_in(f.get(), path.string());
}

RawData read_hdf5_raw(const std::filesystem::path& path, const std::string& object) {
  const Hdf5Dataset h = open_hdf5_dataset(path, object);
  const std::uint64_t rows = h.shape.empty() ? 1 : static_cast<std::uint64_t>(h.shape[0]);
  RawData raw;
  if (H5Tget_class(h.type.get()) == H5T_COMPOUND) {
    raw.is_table = true;
    raw.table.kind = DataKind::Table;
    const auto members = hdf5_compound_members(h.type.get(), h.shape, h.what);
    for (std::size_t k = 0; k < members.size(); ++k) {
      const auto& m = members[k];
      if (m.text) raw.table.text.push_back({m.name, k, read_hdf5_text_member(h.dset.get(), m, h.shape, 0, rows, h.what)});
      else raw.table.columns.push_back({m.name, read_hdf5_member(h.dset.get(), m, h.shape, 0, rows, h.what)});
    }
    return raw;
  }
  const DType t = h5::dtype_of_type(h.type.get(), h.what);
  raw.array = Array(t, h.shape);
  Handle mem = h5::memory_type(t);
  if (raw.array.size()) read_hdf5_rows(h.dset.get(), mem.get(), h.shape, 0, rows, raw.array.bytes.data(), h.what);
  normalize_bools(raw.array);
  if (h.shape.size() == 2) raw.names = hdf5_column_names(h.dset.get(), static_cast<std::size_t>(h.shape[1]), h.what);
  raw.single_name = h.name.substr(h.name.rfind('/') + 1);
  return raw;
}

}  // namespace baler
