// baler dtypes as HDF5 types (float16 and h5py's bool enum included), and the reverse.
#include "hdf5_types.hpp"

#include <cstring>

#include "baler/array.hpp"

namespace baler::h5 {
namespace {

Handle bool_type() {
  Handle t(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
  check(t.get(), ErrorCode::Internal, "HDF5: cannot create the bool enum type");
  const std::int8_t no = 0, yes = 1;
  if (H5Tenum_insert(t.get(), "FALSE", &no) < 0 || H5Tenum_insert(t.get(), "TRUE", &yes) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot build the bool enum type");
  return t;
}

// IEEE binary16, as h5py defines it (HDF5 1.10 has no predefined half type).
Handle half_type(H5T_order_t order) {
  Handle t(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
  check(t.get(), ErrorCode::Internal, "HDF5: cannot copy a float type");
  if (H5Tset_fields(t.get(), 15, 10, 5, 0, 10) < 0 || H5Tset_size(t.get(), 2) < 0 ||
      H5Tset_ebias(t.get(), 15) < 0 || H5Tset_order(t.get(), order) < 0)
    throw Error(ErrorCode::Internal, "HDF5: cannot build the float16 type");
  return t;
}

bool is_bool_enum(hid_t type) {
  if (H5Tget_nmembers(type) != 2 || H5Tget_size(type) != 1) return false;
  for (unsigned i = 0; i < 2; ++i) {
    char* name = H5Tget_member_name(type, i);
    if (!name) return false;
    std::int8_t value = -1;
    const bool ok = H5Tget_member_value(type, i, &value) >= 0 &&
                    ((std::strcmp(name, "FALSE") == 0 && value == 0) ||
                     (std::strcmp(name, "TRUE") == 0 && value == 1));
    H5free_memory(name);
    if (!ok) return false;
  }
  return true;
}

Handle copied(hid_t predefined) {
  Handle t(H5Tcopy(predefined), H5Tclose);
  check(t.get(), ErrorCode::Internal, "HDF5: cannot copy a predefined type");
  return t;
}

}  // namespace

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string error_cause() {
  std::string deepest;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        if (e && e->desc && *e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &deepest);
  // The file driver's message is long ("file write failed: time = …, errno = 28, error message
  // = 'No space left on device', buf = …"): keep its error message when it has one.
  const std::string key = "error message = '";
  if (const auto k = deepest.find(key); k != std::string::npos) {
    const auto end = deepest.find('\'', k + key.size());
    if (end != std::string::npos) deepest = deepest.substr(k + key.size(), end - k - key.size());
  }
  return deepest.empty() ? "" : ": " + deepest;
}

Handle memory_type(DType t) {
  switch (t) {
    case DType::Bool: return bool_type();
    case DType::I8: return copied(H5T_NATIVE_INT8);
    case DType::I16: return copied(H5T_NATIVE_INT16);
    case DType::I32: return copied(H5T_NATIVE_INT32);
    case DType::I64: return copied(H5T_NATIVE_INT64);
    case DType::U8: return copied(H5T_NATIVE_UINT8);
    case DType::U16: return copied(H5T_NATIVE_UINT16);
    case DType::U32: return copied(H5T_NATIVE_UINT32);
    case DType::U64: return copied(H5T_NATIVE_UINT64);
    case DType::F16: return half_type(H5Tget_order(H5T_NATIVE_FLOAT));
    case DType::F32: return copied(H5T_NATIVE_FLOAT);
    case DType::F64: break;
  }
  return copied(H5T_NATIVE_DOUBLE);
}

Handle file_type(DType t) {
  switch (t) {
    case DType::Bool: return bool_type();
    case DType::I8: return copied(H5T_STD_I8LE);
    case DType::I16: return copied(H5T_STD_I16LE);
    case DType::I32: return copied(H5T_STD_I32LE);
    case DType::I64: return copied(H5T_STD_I64LE);
    case DType::U8: return copied(H5T_STD_U8LE);
    case DType::U16: return copied(H5T_STD_U16LE);
    case DType::U32: return copied(H5T_STD_U32LE);
    case DType::U64: return copied(H5T_STD_U64LE);
    case DType::F16: return half_type(H5T_ORDER_LE);
    case DType::F32: return copied(H5T_IEEE_F32LE);
    case DType::F64: break;
  }
  return copied(H5T_IEEE_F64LE);
}

Handle dataspace(const std::vector<std::int64_t>& shape, const std::string& what) {
  const std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                             : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  check(space.get(), ErrorCode::Io, what + ": cannot create a dataspace of shape " + shape_string(shape));
  return space;
}

Handle string_type(bool variable_length, std::size_t size, bool utf8) {
  Handle t = copied(H5T_C_S1);
  if (H5Tset_size(t.get(), variable_length ? H5T_VARIABLE : size) < 0 ||
      H5Tset_cset(t.get(), utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII) < 0 ||
      (!variable_length && H5Tset_strpad(t.get(), H5T_STR_NULLPAD) < 0))
    throw Error(ErrorCode::Internal, "HDF5: cannot build a string type of " + std::to_string(size) + " bytes");
  return t;
}

bool is_numeric_type(hid_t type) {
  const H5T_class_t c = H5Tget_class(type);
  return c == H5T_INTEGER || c == H5T_FLOAT || (c == H5T_ENUM && is_bool_enum(type));
}

std::string type_class_name(hid_t type) {
  static constexpr const char* kClass[] = {"integer", "float", "time", "string", "bitfield", "opaque",
                                           "compound", "reference", "enum", "variable-length", "array"};
  const H5T_class_t c = H5Tget_class(type);
  return c >= 0 && c < 11 ? kClass[c] : "unknown";
}

DType dtype_of_type(hid_t type, const std::string& what) {
  const H5T_class_t c = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (c == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    switch (size) {
      case 1: return is_signed ? DType::I8 : DType::U8;
      case 2: return is_signed ? DType::I16 : DType::U16;
      case 4: return is_signed ? DType::I32 : DType::U32;
      case 8: return is_signed ? DType::I64 : DType::U64;
      default: break;
    }
  } else if (c == H5T_FLOAT) {
    std::size_t spos, epos, esize, mpos, msize;
    if (size == 4) return DType::F32;
    if (size == 8) return DType::F64;
    if (size == 2 && H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) >= 0 && esize == 5 &&
        msize == 10)
      return DType::F16;
  } else if (c == H5T_ENUM && is_bool_enum(type)) {
    return DType::Bool;
  }
  throw Error(ErrorCode::Unsupported, what + ": HDF5 " + type_class_name(type) + " type of " + std::to_string(size) +
                                          " bytes is not supported (baler reads bool, int8..64, "
                                          "uint8..64, float16/32/64)");
}

}  // namespace baler::h5
