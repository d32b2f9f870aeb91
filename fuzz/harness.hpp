// Fuzz harnesses: one per reader, shared by the libFuzzer targets (fuzz_main.cpp, clang builds
// with -DBALER_FUZZ=ON) and the corpus tests of the normal build (tests/fuzz/).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace baler::fuzz {

enum class Target { Container, ContainerResealed, Model, Npy, Npz, Csv, Hdf5, Root };

struct TargetInfo {
  Target target;
  std::string_view name;  // fuzz_<name> is the libFuzzer binary; fuzz/corpus/<name>/ its seeds
};
const std::vector<TargetInfo>& targets();

// Runs every reader path of `target` on `bytes`, as the command line would (whole reads,
// block-wise streaming reads, listings, descriptions). Returns true if the input was read,
// false if a reader refused it with baler::Error of any code but Internal. Anything else (an
// internal error, another exception, a signal, a sanitizer report) is a bug and escapes.
bool run(Target target, std::span<const std::uint8_t> bytes);

// Recomputes every checksum of a container (section payloads, then the footer's table hash)
// where its footer and table are consistent enough to find them, so that mutations reach the
// section parsers instead of the checksum checks. Other bytes are left as they are.
std::vector<std::uint8_t> reseal(std::span<const std::uint8_t> bytes);

}  // namespace baler::fuzz
