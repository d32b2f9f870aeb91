// An HDF5 file's tree (groups, datasets, attributes) as bytes, for the container's HDF5 tree
// section (docs/FORMAT.md).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "baler/hdf5_tree.hpp"

namespace baler::codec {

// The tree as bytes. Throws Error(Limit) for a tree beyond the format's limits (kMaxHdf5*) and
// Error(Internal) for one it cannot state (a relative path, values that do not fill the shape).
std::vector<std::byte> encode_hdf5_tree(const Hdf5Tree& t);
// The tree back. Throws Error(Malformed|Limit) naming `what` and the field; every count is
// checked against the bytes left before anything is allocated; trailing bytes are refused.
Hdf5Tree decode_hdf5_tree(std::span<const std::byte> bytes, const std::string& what);

}  // namespace baler::codec
