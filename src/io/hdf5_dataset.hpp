// One opened HDF5 dataset and row-range reads, shared by read_dataset and the chunked source.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <memory>

#include "baler/array.hpp"
#include "baler/data_stream.hpp"
#include "hdf5_types.hpp"

namespace baler {

struct Hdf5Dataset {
  h5::Handle file, dset, type;
  std::vector<std::int64_t> shape;  // checked with checked_element_count
  std::string name;                 // "/group/ds"
  std::string what;                 // "file.h5:/group/ds", for messages
};
// Opens an HDF5 file for reading after checking that it is one and that libhdf5 can walk its
// groups (in a child process: hdf5_reader.cpp). Throws Error(Io|Malformed).
h5::Handle open_hdf5_file(const std::filesystem::path& path);

// Opens dataset `object` (empty: the only one, or "/data"), checks its shape and that the file
// stores enough bytes for it. Throws Error(Io|Malformed|Usage|Limit|Unsupported).
Hdf5Dataset open_hdf5_dataset(const std::filesystem::path& path, const std::string& object);

// Column names of a 2-D dataset from its `names` or `column_names` attribute; {} if neither.
std::vector<std::string> hdf5_column_names(hid_t dset, std::size_t cols, const std::string& what);

// Numeric and string members of a 1-D compound type, in order (others skipped: arrays, nested
// records); Error(Unsupported) if none is numeric or if the dataset is not 1-D.
struct Hdf5Member {
  std::string name;
  DType dtype;
  bool text = false;          // a string member: a text column (dtype unused)
  std::size_t fixed_size = 0;  // text: bytes per value of a fixed-size string; 0 = variable length
  bool utf8 = true;           // text: the member's character set (HDF5 does not convert between them)
};
std::vector<Hdf5Member> hdf5_compound_members(hid_t type, const std::vector<std::int64_t>& shape,
                                              const std::string& what);

// Reads rows [a, b) (along the first dimension, all of the others) as `mem_type` into `out`.
void read_hdf5_rows(hid_t dset, hid_t mem_type, const std::vector<std::int64_t>& shape, std::uint64_t a,
                    std::uint64_t b, void* out, const std::string& what);
// Rows [a, b) of a string member (a fixed-size value ends at its first NUL).
std::vector<std::string> read_hdf5_text_member(hid_t dset, const Hdf5Member& m, const std::vector<std::int64_t>& shape,
                                               std::uint64_t a, std::uint64_t b, const std::string& what);
// Rows [a, b) of one compound member as a column (bools normalised).
Array read_hdf5_member(hid_t dset, const Hdf5Member& m, const std::vector<std::int64_t>& shape, std::uint64_t a,
                       std::uint64_t b, const std::string& what);

// The HDF5 sink of open_data_sink (hdf5_writer.cpp); write_hdf5 is this sink given all rows.
std::unique_ptr<DataSink> open_hdf5_sink(const std::filesystem::path& path, const std::string& object,
                                         const DataLayout& layout);
// A sink writing dataset `object` (absolute; intermediate groups created) into the open `file`,
// in open_hdf5_sink's layouts, created with `dcpl`; its commit() closes the dataset only.
// `what` names the dataset in messages.
std::unique_ptr<DataSink> open_hdf5_dataset_sink(hid_t file, const std::string& object, const DataLayout& layout,
                                                 hid_t dcpl, const std::string& what);

}  // namespace baler
