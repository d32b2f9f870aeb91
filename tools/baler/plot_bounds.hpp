// The per-column bounds a .baler container records, in plain types, for `baler plot`.
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

// Reads the container's description. Throws Error(Io|Malformed|Corrupt).
std::vector<StoredBound> stored_bounds(const std::filesystem::path& container);

}  // namespace baler::cli
