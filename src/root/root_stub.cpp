// Placeholder until the native ROOT reader lands: every entry point says it is not built.
#include "baler/root.hpp"

namespace baler {

Dataset read_root_dataset(const DataSpec& spec, const ReadOptions&) {
  throw Error(ErrorCode::NotImplemented, spec.path.string() + ": reading ROOT files is not built yet");
}
std::string describe_root_file(const std::filesystem::path& path) {
  throw Error(ErrorCode::NotImplemented, path.string() + ": reading ROOT files is not built yet");
}
std::vector<std::string> list_root_trees(const std::filesystem::path& path) {
  throw Error(ErrorCode::NotImplemented, path.string() + ": reading ROOT files is not built yet");
}

}  // namespace baler
