// The bounds and sizes a .baler container records, for `baler plot` (see plot_bounds.hpp).
#include <algorithm>

#include "baler/codec.hpp"
#include "baler/root.hpp"
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
  if (!b) return {};
  // A ROOT file's stored objects and tree metadata are bytes for the ROOT writer, not data to plot.
  const auto carried = root_carried_members(b->tree);
  auto out = b->members;
  std::erase_if(out, [&](const std::string& m) { return std::find(carried.begin(), carried.end(), m) != carried.end(); });
  return out;
}

}  // namespace baler::cli
