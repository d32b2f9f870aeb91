// The one compression ratio baler reports: compress, info, report.html.
#pragma once

#include <cstdint>

namespace baler {

// The values' bytes as float32 (element count x 4, whatever the input's dtypes) over the
// container's bytes, the embedded model included; 0 for an empty file. kRatioDefinition is the
// label printed beside it.
inline constexpr const char* kRatioDefinition = "float32 bytes / file bytes, model included";
inline double compression_ratio(std::uint64_t raw_f32_bytes, std::uint64_t file_bytes) noexcept {
  return file_bytes ? static_cast<double>(raw_f32_bytes) / static_cast<double>(file_bytes) : 0.0;
}

}  // namespace baler
