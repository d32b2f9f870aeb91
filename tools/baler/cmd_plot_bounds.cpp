// The bounds and sizes a .baler container records, for `baler plot` (see plot_bounds.hpp).
#include "baler/codec.hpp"
#include "plot_bounds.hpp"

namespace baler::cli {

StoredContainer stored_container(const std::filesystem::path& container, const std::string& member) {
  const ContainerDescription d = read_container_description(ContainerRef(container, member));
  StoredContainer out;
  for (const auto& c : d.columns)
    out.bounds.push_back({c.name, bound_string(c.requested), c.abs_bound,
                          c.requested.kind == BoundKind::Exact, c.requested.kind == BoundKind::PwRel,
                          c.bytes});
  out.raw_f32_bytes = d.raw_f32_bytes;
  out.file_bytes = d.file_bytes;
  return out;
}

std::vector<std::string> bundle_members(const std::filesystem::path& container) {
  const auto b = read_bundle(container);
  return b ? b->members : std::vector<std::string>{};
}

}  // namespace baler::cli
