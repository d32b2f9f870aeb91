// Names and exit statuses of error codes (the table in docs/CLI.md).
#include "baler/error.hpp"
#include "baler/hints.hpp"

#include <algorithm>

namespace baler {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::Internal: return "internal";
    case ErrorCode::Usage: return "usage";
    case ErrorCode::Config: return "config";
    case ErrorCode::Io: return "io";
    case ErrorCode::Malformed: return "malformed";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Limit: return "limit";
    case ErrorCode::Corrupt: return "corrupt";
    case ErrorCode::ModelMismatch: return "model-mismatch";
    case ErrorCode::BoundViolation: return "bound-violation";
    case ErrorCode::NotImplemented: return "not-implemented";
    case ErrorCode::Incomplete: return "incomplete";
  }
  return "unknown";
}

int exit_status(ErrorCode code) noexcept {
  // The code's value is its exit status; 1 is kept for internal errors.
  return static_cast<int>(code);
}

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1u : 0u)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

}  // namespace baler
