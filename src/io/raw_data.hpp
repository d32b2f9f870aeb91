// What a format reader hands to read_dataset before the table/field rule is applied.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler {

struct RawData {
  bool is_table = false;           // columns already named, each its own dtype (CSV, compound)
  Dataset table;                   // when is_table
  Array array;                     // otherwise: the array as stored
  std::vector<std::string> names;  // column names of a 2-D array; empty = the file names none
  std::string single_name;         // name of the column of a 1-D array, if names is empty
};

// A bool array read from a file may hold any byte; a C++ bool must be 0 or 1 (numpy and h5py
// read any non-zero byte as True). Call on every bool array a reader fills from file bytes.
inline void normalize_bools(Array& a) {
  if (a.dtype != DType::Bool) return;
  for (auto& b : a.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
}

// True if every column of the table has the same dtype (so it fits one 2-D array).
inline bool has_one_dtype(const Dataset& table) {
  for (const auto& c : table.columns)
    if (c.values.dtype != table.columns.front().values.dtype) return false;
  return true;
}

// Reads dataset `object` of an HDF5 file (empty: the only dataset, or "/data"). A compound
// dataset gives a table of its numeric members; a 2-D dataset takes names from its `names`
// or `column_names` attribute. Throws Error(Malformed) naming a missing dataset and listing the
// datasets present.
RawData read_hdf5_raw(const std::filesystem::path& path, const std::string& object);

}  // namespace baler
