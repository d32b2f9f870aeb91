// Bundles (format 1.3): several data sets in one container, each a complete container in a
// MEMBER section, listed with the source's tree in the DATA_SETS section (FORMAT.md §2.12).
#include <algorithm>
#include <set>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "bundle.hpp"
#include "hdf5_tree_section.hpp"
#include "wire.hpp"

namespace baler::codec {

namespace {
constexpr std::uint64_t kMaxMembers = std::uint64_t{1} << 20;
constexpr std::uint32_t kMaxObjectPath = 4096;
}  // namespace

BundleIndex read_bundle_index(const container::ContainerReader& r) {
  BundleIndex b;
  const auto payload = r.section(container::SectionId::DataSets);
  ByteReader br(payload, r.what() + " DATA_SETS");
  const auto n = get_count(br, get_varint(br, "member count"), kMaxMembers, 6, "member count");
  require(n > 0, ErrorCode::Malformed, r.what() + " DATA_SETS: no members");
  std::set<std::string> seen;
  std::set<std::uint64_t> sections;
  for (std::uint64_t k = 0; k < n; ++k) {
    std::string object = get_string(br, kMaxObjectPath, "member object path");
    const std::uint64_t section = get_varint(br, "member section");
    if (object.empty() || object.front() != '/' || !seen.insert(object).second)
      br.fail("member object path '" + object + "' is empty, relative or repeated");
    if (section >= r.entries().size() || r.entries()[section].id != static_cast<std::uint32_t>(container::SectionId::Member) ||
        !sections.insert(section).second)
      br.fail("member '" + object + "' points at section " + std::to_string(section) + ", which is not a MEMBER of its own");
    b.members.push_back({std::move(object), static_cast<std::size_t>(section)});
  }
  b.tree = decode_hdf5_tree(payload.empty() ? std::span<const std::byte>{} : std::span(payload).subspan(br.pos()),
                            r.what() + " DATA_SETS tree");
  require(sections.size() == static_cast<std::size_t>(std::count_if(r.entries().begin(), r.entries().end(), [](const auto& e) {
            return e.id == static_cast<std::uint32_t>(container::SectionId::Member);
          })),
          ErrorCode::Malformed, r.what() + ": a MEMBER section that DATA_SETS does not list");
  return b;
}

container::ContainerReader open_member(const ContainerRef& ref) {
  container::ContainerReader outer(ref.path);
  require(outer.find(container::SectionId::DataSets) >= 0, ErrorCode::Usage,
          ref.path.string() + " holds one data set; ':" + ref.member + "' names nothing");
  const BundleIndex b = read_bundle_index(outer);
  std::string names;
  for (const auto& m : b.members) {
    if (m.object == ref.member) {
      const auto& e = outer.entries()[m.section];
      return container::ContainerReader(ref.path, e.offset, e.size, ref.what());
    }
    names += (names.empty() ? "" : ", ") + m.object;
  }
  throw Error(ErrorCode::Usage, ref.path.string() + " has no data set '" + ref.member + "' (it holds " + names + ")");
}

}  // namespace baler::codec

namespace baler {

std::optional<BundleContents> read_bundle(const std::filesystem::path& path) {
  container::ContainerReader r(path);
  if (r.kind() != container::FileKind::Data || r.find(container::SectionId::DataSets) < 0) return std::nullopt;
  auto b = codec::read_bundle_index(r);
  BundleContents c;
  for (auto& m : b.members) c.members.push_back(std::move(m.object));
  c.tree = std::move(b.tree);
  return c;
}

void write_bundle(const std::filesystem::path& out,
                  const std::vector<std::pair<std::string, std::filesystem::path>>& members, const Hdf5Tree& tree) {
  require(!members.empty(), ErrorCode::Internal, "a bundle without members");
  std::set<std::string> seen;
  container::ContainerWriter w(out, container::FileKind::Data);
  ByteWriter index;
  codec::put_varint(index, members.size());
  for (const auto& [object, file] : members) {
    require(!object.empty() && object.front() == '/' && seen.insert(object).second, ErrorCode::Usage,
            "data set path '" + object + "' is relative or repeated");
    codec::put_string(index, object);
    codec::put_varint(index, w.entries().size());
    w.add_file(container::SectionId::Member, true, file);  // copied in pieces: memory O(1 MiB)
  }
  index.append(codec::encode_hdf5_tree(tree));
  w.add(container::SectionId::DataSets, true, index.buffer());
  w.finish();
}

}  // namespace baler
