// Bundles inside the codec: the DATA_SETS index and a member opened as a container of its own.
#pragma once

#include <string>
#include <vector>

#include "baler/codec.hpp"
#include "baler/container.hpp"

namespace baler::codec {

struct BundleMemberEntry {
  std::string object;
  std::size_t section = 0;  // its MEMBER entry in the section table
};
struct BundleIndex {
  std::vector<BundleMemberEntry> members;
  Hdf5Tree tree;
};
// The DATA_SETS section of `r`, checked: paths absolute and distinct, each pointing at its own
// MEMBER entry, every MEMBER listed, the tree well formed. Throws Malformed/Limit/Corrupt.
BundleIndex read_bundle_index(const container::ContainerReader& r);
// The member `ref.member` of the bundle `ref.path`, read in place. Throws Error(Usage) naming
// the members when there is no such one, or when the file is not a bundle.
container::ContainerReader open_member(const ContainerRef& ref);

}  // namespace baler::codec
