// HDF5 filter plugin: each chunk of a dataset is stored as a .baler container holding that
// chunk as a field, compressed within the bound given in the filter's parameters.
//
// Filter id kH5FilterId = 305, from HDF5's range for unregistered filters (256-511): provisional
// until The HDF Group assigns one before a release. The parameters (cd_values) are versioned and
// their meaning never changes once written (docs/PYTHON.md "HDF5 filter"):
//   [0] parameter layout version (1)
//   [1] bound kind: 0 abs, 1 rel (of the chunk's range), 2 pw_rel, 3 exact
//   [2] [3] bound value, IEEE binary64, low then high 32 bits
//   set by the filter when the dataset is created (set_local), not by the user:
//   [4] baler DType code of the dataset's values
//   [5] chunk rank n (1..32), [6 .. 6+n) chunk dimensions
#include <H5PLextern.h>
#include <hdf5.h>

#include <cstring>
#include <string>
#include <vector>

#include "baler/codec.hpp"
#include "hdf5_types.hpp"

namespace {

using namespace baler;

constexpr H5Z_filter_t kH5FilterId = 305;
constexpr unsigned kLayoutVersion = 1;
constexpr std::size_t kUserValues = 4;

void push_error(const std::string& message) {
  H5Epush2(H5E_DEFAULT, __FILE__, "baler filter", __LINE__, H5E_ERR_CLS, H5E_PLINE, H5E_CANTFILTER, "baler: %s",
           message.c_str());
}

// Integers, floats and the bool enum, as baler stores them.
htri_t can_apply(hid_t, hid_t type, hid_t) {
  try {
    (void)h5::dtype_of_type(type, "dataset");
    return 1;
  } catch (const Error& e) {
    push_error(e.what());
    return 0;
  }
}

// Appends the dataset's dtype and chunk shape to the user's four parameters.
herr_t set_local(hid_t dcpl, hid_t type, hid_t) {
  try {
    unsigned flags = 0;
    std::size_t n = 16;
    std::vector<unsigned> cd(16);
    char name[32];
    if (H5Pget_filter_by_id2(dcpl, kH5FilterId, &flags, &n, cd.data(), sizeof name, name, nullptr) < 0) return -1;
    cd.resize(n);
    if (n < kUserValues || cd[0] != kLayoutVersion || cd[1] > 3)
      throw Error(ErrorCode::Usage, "parameters are (version 1, bound kind 0-3, value low, value high): "
                                    "make them with baler.hdf5.filter_options");
    cd.resize(kUserValues);
    const DType t = h5::dtype_of_type(type, "dataset");
    hsize_t dims[32];
    const int rank = H5Pget_chunk(dcpl, 32, dims);
    if (rank <= 0) throw Error(ErrorCode::Usage, "the dataset must be chunked");
    cd.push_back(static_cast<unsigned>(t));
    cd.push_back(static_cast<unsigned>(rank));
    for (int k = 0; k < rank; ++k) cd.push_back(static_cast<unsigned>(dims[k]));
    return H5Pmodify_filter(dcpl, kH5FilterId, flags, cd.size(), cd.data());
  } catch (const Error& e) {
    push_error(e.what());
    return -1;
  }
}

struct ChunkSpec {
  CompressOptions options;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::size_t bytes = 0;
};

ChunkSpec parse(std::size_t n, const unsigned cd[]) {
  require(n >= kUserValues + 2 && cd[0] == kLayoutVersion && cd[1] <= 3, ErrorCode::Malformed,
          "filter parameters of another layout (version " + std::to_string(n ? cd[0] : 0) + ")");
  ChunkSpec c;
  double value;
  const std::uint64_t bits = static_cast<std::uint64_t>(cd[2]) | (static_cast<std::uint64_t>(cd[3]) << 32);
  std::memcpy(&value, &bits, sizeof value);
  const BoundKind kinds[] = {BoundKind::Abs, BoundKind::Rel, BoundKind::PwRel, BoundKind::Exact};
  c.options.bound = ErrorBound{kinds[cd[1]], value};
  c.options.source_format = "hdf5-chunk";
  c.dtype = dtype_from_code(static_cast<std::uint8_t>(cd[4]), "filter parameter dtype");
  const std::size_t rank = cd[5];
  require(rank >= 1 && rank <= 32 && n == kUserValues + 2 + rank, ErrorCode::Malformed, "filter parameters: chunk rank");
  for (std::size_t k = 0; k < rank; ++k) c.shape.push_back(cd[kUserValues + 2 + k]);
  c.bytes = checked_element_count(c.shape, "chunk") * dtype_size(c.dtype);
  return c;
}

// Replaces *buf by `out` (HDF5's allocator on both sides); returns its size.
std::size_t hand_over(const std::vector<std::byte>& out, std::size_t* buf_size, void** buf) {
  void* p = H5allocate_memory(out.size(), false);
  if (!p) throw Error(ErrorCode::Limit, "cannot allocate " + std::to_string(out.size()) + " bytes");
  std::memcpy(p, out.data(), out.size());
  H5free_memory(*buf);
  *buf = p;
  *buf_size = out.size();
  return out.size();
}

std::size_t filter(unsigned flags, std::size_t n, const unsigned cd[], std::size_t nbytes, std::size_t* buf_size,
                   void** buf) {
  try {
    const ChunkSpec c = parse(n, cd);
    if (flags & H5Z_FLAG_REVERSE) {
      std::vector<std::byte> in(static_cast<const std::byte*>(*buf), static_cast<const std::byte*>(*buf) + nbytes);
      const Dataset d = decompress_memory(std::move(in), "HDF5 chunk");
      require(d.kind == DataKind::Field && d.field.dtype == c.dtype && d.field.bytes.size() == c.bytes,
              ErrorCode::Corrupt, "a chunk that does not hold the dataset's chunk shape and dtype");
      return hand_over(d.field.bytes, buf_size, buf);
    }
    require(nbytes == c.bytes, ErrorCode::Internal, "chunk of " + std::to_string(nbytes) + " bytes, expected " +
                                                        std::to_string(c.bytes));
    Dataset d;
    d.kind = DataKind::Field;
    d.field = Array(c.dtype, c.shape);
    std::memcpy(d.field.bytes.data(), *buf, nbytes);
    return hand_over(compress_to_memory(d, c.options), buf_size, buf);
  } catch (const std::exception& e) {
    push_error(e.what());
    return 0;  // HDF5: the filter failed
  }
}

const H5Z_class2_t kFilterClass = {
    H5Z_CLASS_T_VERS, kH5FilterId, 1, 1, "baler: error-bounded compression",
    can_apply,        set_local,   filter};

}  // namespace

extern "C" {
__attribute__((visibility("default"))) H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }
__attribute__((visibility("default"))) const void* H5PLget_plugin_info(void) { return &kFilterClass; }
}
