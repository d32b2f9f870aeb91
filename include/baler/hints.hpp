// Hints for error messages.
#pragma once

#include <string>
#include <vector>

namespace baler {

// The candidate nearest to `word` by edit distance, or "" when none is close enough to be a
// plausible typo. Used for "did you mean" hints.
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace baler
