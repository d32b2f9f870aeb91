// numpy's .npy format: arrays of every baler dtype, string arrays (column names), both ways.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler {

// One numeric field of a structured (record) dtype.
struct NpyField {
  std::string name;
  char order = '<';
  DType dtype = DType::F64;  // numeric fields
  std::size_t offset = 0;  // bytes from the start of the record
  char kind = 'f';         // numpy kind; 'U' or 'S': a string field, read as a text column
  std::size_t size = 0;    // bytes of the field
  bool swap() const noexcept;  // true if the field is not in this machine's byte order
};

// Element type of a .npy file as its 'descr' says ('<f8', '>i4', '|b1', '<U16', or a list of
// (name, type) pairs for a record array).
struct NpyDescr {
  char order = '<';         // '<' little, '>' big, '|' not applicable, '=' native
  char kind = 'f';          // numpy kind: b i u f (numbers), U S (strings), V (records)
  std::size_t itemsize = 0; // bytes per element (per record for V)
  std::string text;         // the descr as written, for messages
  std::vector<NpyField> fields;  // kind V: the numeric and string fields (padding skipped)
  bool swap() const noexcept;  // true if the data are not in this machine's byte order
  DType dtype() const;         // kinds b i u f only; Error(Internal) for others
};

// A parsed .npy header; data start at `data_offset` bytes from the file's beginning.
struct NpyHeader {
  int major = 1;
  int minor = 0;
  NpyDescr descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;
};

// Parses the magic, version (1.0, 2.0, 3.0) and header dict of a .npy image. Throws
// Error(Malformed) for a bad magic, truncated header or bad dict; Error(Unsupported) for a
// descr baler does not read (complex, object, records with sub-arrays, ...), naming it. `what`
// names the file in messages.
NpyHeader parse_npy_header(std::span<const std::byte> bytes, const std::string& what);

// Decodes a numeric .npy image into a C-order, native-order Array (Fortran order is
// transposed, big-endian swapped). Checks the shape with checked_element_count (Error(Limit))
// and the data size against the bytes present (Error(Malformed)) before allocating.
Array decode_npy(std::span<const std::byte> bytes, const std::string& what);

// Decodes a 1-D structured .npy array ([('pt', '<f4'), ('n', '<i8')], any byte order, padding
// allowed) into a table, one column per field. Error(Unsupported) for other shapes or fields.
Dataset decode_npy_records(std::span<const std::byte> bytes, const std::string& what);
// Encodes a table as a packed 1-D structured array, one field per column with its own dtype
// (version 3.0 header if a name is not ASCII). Throws Error(Unsupported) for empty or
// repeated names.
std::vector<std::byte> encode_npy_records(const Dataset& table);

// Decodes a 1-D .npy array of strings ('<U..' UTF-32, '|S..' bytes) into UTF-8 strings
// (trailing NULs removed). An array with no elements gives {} whatever its dtype. Object
// arrays (pickles) are refused with Error(Unsupported).
std::vector<std::string> decode_npy_strings(std::span<const std::byte> bytes, const std::string& what);

// Encodes an array as .npy version 1.0 ('<' little-endian, C order; 2.0 if the header needs it).
std::vector<std::byte> encode_npy(const Array& array);
// Encodes strings as a 1-D '<U<n>' array (n = longest name in code points, at least 1).
// Throws Error(Unsupported) if a string is not valid UTF-8.
std::vector<std::byte> encode_npy_strings(const std::vector<std::string>& strings);

// Whole-file helpers. write_npy is atomic.
Array read_npy(const std::filesystem::path& path);
void write_npy(const Array& array, const std::filesystem::path& path);

}  // namespace baler
