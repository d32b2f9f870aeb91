// ROOT files read natively (no ROOT installation): keys, directories, TTrees into tables.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "baler/io.hpp"

namespace baler {

// Reads TTree `spec.object` of a ROOT file as a table (one column per flat branch, per element
// of a fixed-size array, per leaf of a leaf-list branch). Throws Error(Io|Malformed|
// Unsupported|Limit) naming the file, branch and basket.
Dataset read_root_dataset(const DataSpec& spec, const ReadOptions& options);

// Human-readable listing of keys, directories, trees and branches (types, compression).
std::string describe_root_file(const std::filesystem::path& path);

// Paths of the TTrees in a ROOT file ("events", "dir/tree").
std::vector<std::string> list_root_trees(const std::filesystem::path& path);

}  // namespace baler
