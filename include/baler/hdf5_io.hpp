// HDF5 files through the HDF5 C API: numeric datasets, compound tables, `names` attributes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler {

// Paths of every dataset in the file ("/data", "/group/ds"), in name order.
// Throws Error(Io) if the file cannot be opened, Error(Malformed) if it is not HDF5.
std::vector<std::string> list_hdf5_datasets(const std::filesystem::path& path);

// Writes `data` as dataset `object` (default "/data"; intermediate groups are created) of a new
// file, atomically. Layouts: a field is an N-d dataset; a table read from one matrix whose
// columns share a dtype is a 2-D dataset with a `names` attribute (variable-length UTF-8
// strings); any other table is a 1-D compound dataset, one member per column, each with its own
// dtype (bool as h5py's enum FALSE/TRUE). All little-endian. Throws Error(Io|Unsupported).
void write_hdf5(const Dataset& data, const std::filesystem::path& path, const std::string& object);

}  // namespace baler
