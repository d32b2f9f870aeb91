// Names and exit statuses of error codes (the table in docs/CLI.md).
#include "baler/error.hpp"

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
  }
  return "unknown";
}

int exit_status(ErrorCode code) noexcept {
  // The code's value is its exit status; 1 is kept for internal errors.
  return static_cast<int>(code);
}

}  // namespace baler
