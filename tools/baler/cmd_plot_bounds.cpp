// The bounds a .baler container records, for `baler plot` (see plot_bounds.hpp).
#include "baler/codec.hpp"
#include "plot_bounds.hpp"

namespace baler::cli {

std::vector<StoredBound> stored_bounds(const std::filesystem::path& container) {
  const ContainerDescription d = read_container_description(container);
  std::vector<StoredBound> out;
  for (const auto& c : d.columns)
    out.push_back({c.name, bound_string(c.requested), c.abs_bound,
                   c.requested.kind == BoundKind::Exact, c.requested.kind == BoundKind::PwRel,
                   c.bytes});
  return out;
}

}  // namespace baler::cli
