// Chunk checks before an HDF5 read (hdf5_types.hpp).
//
// Debian's libhdf5 1.10.8 trusts a chunk's filter pipeline to give back the chunk's full size:
// a gzip chunk that inflates to fewer bytes makes H5Dread copy past the end of the short buffer
// (found by fuzz_hdf5; fuzz/regressions/hdf5/). libhdf5 does not let a program replace its
// predefined filters, so before each read baler decodes the size of every chunk the read
// touches (inflating into a small window, keeping nothing) and refuses a chunk that would come
// out short. This costs one extra inflate pass over gzip datasets.
#include <zlib.h>

#include <algorithm>
#include <vector>

#include "hdf5_types.hpp"

namespace baler::h5 {
namespace {

// Filter ids in pipeline (write) order; Unsupported for any other than gzip, shuffle, fletcher32.
std::vector<H5Z_filter_t> filters_of(hid_t dcpl, const std::string& what) {
  const int n = H5Pget_nfilters(dcpl);
  if (n < 0 || n > 32) throw Error(ErrorCode::Malformed, what + ": cannot read the dataset's filters");
  std::vector<H5Z_filter_t> out;
  for (int k = 0; k < n; ++k) {
    unsigned flags = 0, config = 0;
    size_t cd_count = 0;
    char name[64] = {};
    const H5Z_filter_t id =
        H5Pget_filter2(dcpl, static_cast<unsigned>(k), &flags, &cd_count, nullptr, sizeof name, name, &config);
    if (id < 0) throw Error(ErrorCode::Malformed, what + ": cannot read filter " + std::to_string(k));
    if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE && id != H5Z_FILTER_FLETCHER32)
      throw Error(ErrorCode::Unsupported, what + ": HDF5 filter " + std::to_string(id) + " ('" + name +
                                              "'); baler reads gzip, shuffle and fletcher32");
    out.push_back(id);
  }
  return out;
}

// Bytes the zlib stream in the first n bytes of `in` inflates to, counted through a small
// window; -1 if it is not one whole valid stream or exceeds `limit`.
std::int64_t inflated_size(const std::vector<unsigned char>& in, std::size_t n, std::uint64_t limit) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return -1;
  unsigned char window[1 << 16];
  z.next_in = const_cast<unsigned char*>(in.data());
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(n, in.size()));
  std::uint64_t total = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = window;
    z.avail_out = sizeof window;
    rc = inflate(&z, Z_NO_FLUSH);
    total += sizeof window - z.avail_out;
    if (total > limit) rc = Z_MEM_ERROR;
    if (rc == Z_BUF_ERROR) break;  // input used up before the stream ended
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? static_cast<std::int64_t>(total) : -1;
}

}  // namespace

void check_filters(hid_t dcpl, const std::string& what) { filters_of(dcpl, what); }

void check_chunks(hid_t dset, std::uint64_t a, std::uint64_t b, const std::string& what) {
  Handle dcpl(H5Dget_create_plist(dset), H5Pclose);
  check(dcpl.get(), ErrorCode::Malformed, what + ": cannot read the dataset's layout");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || a >= b) return;
  const std::vector<H5Z_filter_t> filters = filters_of(dcpl.get(), what);
  if (filters.empty()) return;  // unfiltered chunks are read at their full size
  Handle space(H5Dget_space(dset), H5Sclose);
  Handle type(H5Dget_type(dset), H5Tclose);
  const int nd = H5Sget_simple_extent_ndims(space.get());
  if (nd <= 0 || nd > 32 || !type.valid()) throw Error(ErrorCode::Malformed, what + ": cannot read the dataset's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(nd)), chunk(static_cast<std::size_t>(nd));
  if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0 ||
      H5Pget_chunk(dcpl.get(), nd, chunk.data()) != nd)
    throw Error(ErrorCode::Malformed, what + ": cannot read the dataset's chunks");
  if (std::find(dims.begin(), dims.end(), hsize_t{0}) != dims.end()) return;  // no elements
  std::uint64_t chunk_bytes = H5Tget_size(type.get());
  for (hsize_t c : chunk) chunk_bytes *= c;  // check_layout bounds it by 4 GiB
  // A stored chunk lies inside the file: its size is checked against the file's before any
  // buffer is sized by it (fuzz_hdf5: a chunk index claiming 4 GiB in a 6 KB file).
  hsize_t file_size = 0;
  {
    Handle file(H5Iget_file_id(dset), H5Fclose);
    if (!file.valid() || H5Fget_filesize(file.get(), &file_size) < 0)
      throw Error(ErrorCode::Malformed, what + ": cannot read the file's size");
  }
  std::vector<unsigned char> stored_bytes;
  // Every chunk that rows [a, b) touch, in order.
  std::vector<hsize_t> at(static_cast<std::size_t>(nd), 0);
  at[0] = a / chunk[0] * chunk[0];
  for (;;) {
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t stored = 0;
    const std::string where = what + ": the chunk at row " + std::to_string(at[0]);
    if (H5Dget_chunk_info_by_coord(dset, at.data(), &mask, &addr, &stored) < 0)
      throw Error(ErrorCode::Malformed, where + " cannot be found");
    if (addr != HADDR_UNDEF) {  // else never written: the fill value
      if (stored == 0 || stored > file_size || addr > file_size - stored)
        throw Error(ErrorCode::Malformed, where + " is stored in " + std::to_string(stored) + " bytes at " +
                                              std::to_string(addr) + ", outside the file's " +
                                              std::to_string(file_size) + " bytes");
      stored_bytes.resize(stored);
      std::uint32_t read_mask = 0;
      if (H5Dread_chunk(dset, H5P_DEFAULT, at.data(), &read_mask, stored_bytes.data()) < 0)
        throw Error(ErrorCode::Malformed, where + " cannot be read");
      // The size the pipeline gives back, decoding in reverse order (skipped filters' bits set).
      // fletcher32 drops its 4-byte suffix, so gzip's input is then a prefix of the stored bytes;
      // shuffle keeps the size.
      std::int64_t size = static_cast<std::int64_t>(stored);
      bool prefix = true;  // the current bytes are the first `size` stored bytes
      for (std::size_t k = filters.size(); k-- > 0;) {
        if (mask & (1u << k)) continue;
        if (filters[k] == H5Z_FILTER_FLETCHER32) {
          size -= 4;
          if (size < 0) break;
        } else if (filters[k] == H5Z_FILTER_DEFLATE) {
          if (!prefix) throw Error(ErrorCode::Unsupported, where + ": gzip after gzip or shuffle on decoding");
          size = inflated_size(stored_bytes, static_cast<std::size_t>(size), chunk_bytes + 64);
          if (size < 0) throw Error(ErrorCode::Malformed, where + " is not a valid gzip stream of at most its size");
          prefix = false;
        } else {
          prefix = false;
        }
      }
      if (size < static_cast<std::int64_t>(chunk_bytes))
        throw Error(ErrorCode::Malformed, where + " decodes to " + std::to_string(std::max<std::int64_t>(size, 0)) +
                                              " bytes, not the chunk's " + std::to_string(chunk_bytes));
    }
    int k = nd - 1;
    for (; k >= 0; --k) {
      at[k] += chunk[k];
      if (at[k] < (k == 0 ? b : dims[k])) break;
      at[k] = 0;
    }
    if (k < 0) break;
  }
}

}  // namespace baler::h5
