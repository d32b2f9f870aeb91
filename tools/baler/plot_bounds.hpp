// The per-column bounds and the sizes a .baler container records, in plain types, for `baler plot`.
// (Its own header and file keep the codec and plot headers apart in tools/baler.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace baler::cli {

struct StoredBound {
  std::string column;
  std::string bound;       // as configured: "abs=0.01", "rel=0.001", "exact", ...
  double abs_bound = 0;    // the effective absolute bound (pw_rel: the fraction)
  bool exact = false;
  bool pointwise = false;  // pw_rel: abs_bound is relative to |x|, not absolute
  std::uint64_t bytes = 0; // compressed bytes of the column
};

struct StoredContainer {
  std::vector<StoredBound> bounds;
  std::uint64_t raw_f32_bytes = 0;  // the values as float32, and the file's bytes (model included):
  std::uint64_t file_bytes = 0;     // compression_ratio's two terms
};

// Reads the description of a container (`member`: one data set of a bundle, else "").
// Throws Error(Io|Malformed|Corrupt).
StoredContainer stored_container(const std::filesystem::path& container, const std::string& member = "");
// The data sets of a bundle, in order; empty for a container of one data set.
std::vector<std::string> bundle_members(const std::filesystem::path& container);

}  // namespace baler::cli
