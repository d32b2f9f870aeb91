// The one exception type of the baler library: a stable code plus a message naming the thing.
#pragma once

#include <stdexcept>
#include <string>

namespace baler {

// Stable error codes. Never renumber: the CLI maps each to a documented exit status
// (docs/CLI.md) and scripts depend on them. Add new codes at the end.
enum class ErrorCode : int {
  Internal = 1,        // a bug in baler (an invariant broke)
  Usage = 2,           // bad command line
  Config = 3,          // bad configuration file or option value
  Io = 4,              // a file cannot be opened, read, written or renamed
  Malformed = 5,       // an input file is not what it claims (truncated, bad header, bad value)
  Unsupported = 6,     // valid input that baler does not handle (a dtype, a format feature)
  Limit = 7,           // a declared size beyond baler's limits (refused before allocating)
  Corrupt = 8,         // a .baler container failed a checksum or consistency check
  ModelMismatch = 9,   // a model file that does not belong to the container or project
  BoundViolation = 10, // verify found a value outside its error bound
  NotImplemented = 11, // a mode or feature that is not built yet
  Incomplete = 12,     // --strict: the output would leave out part of the input (named)
};

// Name of a code as printed by the CLI ("malformed", "io", ...).
const char* error_code_name(ErrorCode code) noexcept;

// Exit status the `baler` tool returns for an error of this code (docs/CLI.md).
int exit_status(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// Throws Error(code, message) if !condition. For checks on untrusted input: always on.
inline void require(bool condition, ErrorCode code, const std::string& message) {
  if (!condition) throw Error(code, message);
}

}  // namespace baler
