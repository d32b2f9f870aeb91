// Shared HDF5 plumbing: owned handles, baler dtype <-> HDF5 type, error silencing.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "baler/dtype.hpp"
#include "baler/error.hpp"

namespace baler::h5 {

// Owns an HDF5 identifier and closes it with `close` (H5Fclose, H5Dclose, ...).
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  // Gives up ownership (to close explicitly and check the result).
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// Throws Error(code, message) when an HDF5 call returned a negative value.
inline hid_t check(hid_t id, ErrorCode code, const std::string& message) {
  if (id < 0) throw Error(code, message);
  return id;
}

// Refuses a dataset creation property list with a filter baler does not read (Unsupported):
// gzip, shuffle and fletcher32 only.
void check_filters(hid_t dcpl, const std::string& what);
// Before an H5Dread of rows [a, b) of `dset`: checks that each stored chunk those rows touch
// decodes to the chunk's full size (libhdf5 would read past a short one; hdf5_filters.cpp).
// Throws Error(Malformed|Unsupported).
void check_chunks(hid_t dset, std::uint64_t a, std::uint64_t b, const std::string& what);

// Stops HDF5 from printing its error stack (the library never prints).
void silence_errors();
// The deepest message of HDF5's current error stack (the cause: "No space left on device",
// "File too large", ...), as ": <message>", or "" when the stack is empty.
std::string error_cause();
// In-memory type for a dtype (native byte order). Caller owns the result (H5Tclose).
Handle memory_type(DType t);
// Little-endian type stored in files for a dtype. Caller owns the result.
Handle file_type(DType t);
// The baler dtype of a stored numeric type; Error(Unsupported) naming `what` otherwise.
DType dtype_of_type(hid_t type, const std::string& what);
// "integer", "compound", ... for messages.
std::string type_class_name(hid_t type);
// True for classes dtype_of_type accepts (integer, float, the bool enum).
bool is_numeric_type(hid_t type);
// A scalar dataspace for an empty shape, else a simple one. Caller owns the result; Error(Io)
// naming `what` when HDF5 refuses it.
Handle dataspace(const std::vector<std::int64_t>& shape, const std::string& what);
// A C string type: variable-length (`size` ignored) or `size` bytes null-padded, UTF-8 or ASCII.
Handle string_type(bool variable_length, std::size_t size, bool utf8);

}  // namespace baler::h5
