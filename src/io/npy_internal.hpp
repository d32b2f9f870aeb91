// .npy pieces shared by the whole-file codec (npy_format.cpp) and the chunked reader/writer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "baler/npy.hpp"

namespace baler {

// A version 1.0 (2.0/3.0 when needed) header for `descr` (a Python literal: "'<f4'" or a
// record list) and `shape`, padded so that the data start at a multiple of 64 bytes.
std::vector<std::byte> npy_header_bytes(const std::string& descr, const std::vector<std::int64_t>& shape);
// The dtype of a numeric descr; Error(Unsupported) naming records and string arrays.
DType npy_numeric_dtype(const NpyDescr& d, const std::string& what);
// Data bytes of `count` elements of h's descr, checked against the `avail` bytes after the
// header: Error(Limit) on overflow, Error(Malformed) naming the shape and both sizes.
std::uint64_t npy_data_bytes(const NpyHeader& h, std::uint64_t count, std::uint64_t avail, const std::string& what);
// "'<f4'" etc. for a dtype (little-endian).
std::string npy_descr(DType t);
// "[('a', '<f4'), ...]" for a packed record; Error(Unsupported) for empty, repeated or
// multi-line names.
std::string npy_records_descr(const std::vector<std::string>& names, const std::vector<DType>& dtypes);
// File bytes of `count` elements of a numeric descr to native order (bools to 0/1), in place.
void npy_to_native(std::byte* data, std::size_t count, const NpyDescr& d);
// `count` records of a structured descr as a table, one column per numeric field.
Dataset npy_records_to_table(const std::byte* records, std::size_t count, const NpyDescr& d);

}  // namespace baler
