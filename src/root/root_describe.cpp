// `baler info file.root`: keys, directories, trees, branches with their types and compression.
#include <sstream>

#include "baler/root.hpp"
#include "rntuple.hpp"
#include "root_table.hpp"

namespace baler {
namespace {

using namespace rootio;

std::string compression_setting(std::int32_t c) {
  const int alg = c / 100, level = c % 100;
  if (level == 0) return "uncompressed";
  static const char* names[] = {"default (zlib)", "zlib", "lzma", "old", "lz4", "zstd"};
  const std::string a = alg >= 0 && alg <= 5 ? names[alg] : "algorithm " + std::to_string(alg);
  return a + " level " + std::to_string(level);
}

std::string root_version(std::int32_t v) {
  const int major = v / 10000, minor = (v / 100) % 100, patch = v % 100;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d.%02d/%02d", major, minor, patch);
  return buf;
}

std::string key_storage(const RootFile& file, const Key& k) {
  if (k.objlen == k.nbytes - k.keylen) return "raw";
  try {
    return block_algorithm_name(
        file.source().read(k.seek_key + static_cast<std::uint64_t>(k.keylen), 2, "key " + k.name));
  } catch (const Error&) {
    return "?";
  }
}

std::string leaf_type(const Leaf& l) {
  std::string t = l.dtype ? std::string(dtype_name(*l.dtype))
                          : (l.class_name == "TLeafC" ? "string" : l.class_name);
  if (l.jagged()) return t + "[" + l.count_name + "]" + (l.len > 1 ? "[" + std::to_string(l.len) + "]" : "");
  if (l.len > 1 && l.dtype) t += "[" + std::to_string(l.len) + "]";
  return t;
}

std::string branch_type(const Tree& tree, const Branch& b) {
  if (b.class_name != "TBranch" && !b.leaves.empty() &&
      !tree.leaves[static_cast<std::size_t>(b.leaves[0])].dtype)
    return "object (" + b.class_name + ")";
  if (b.leaves.size() == 1) return leaf_type(tree.leaves[static_cast<std::size_t>(b.leaves[0])]);
  std::string t = "{";
  for (std::size_t i = 0; i < b.leaves.size(); ++i) {
    const Leaf& l = tree.leaves[static_cast<std::size_t>(b.leaves[i])];
    t += (i ? "," : "") + l.name + ":" + leaf_type(l);
  }
  return t + "}";
}

void describe_tree(const RootFile& file, const Entry& e, std::ostringstream& out) {
  const std::string what = file.name() + ": tree '" + e.path + "'";
  const auto payload = file.payload(e.key, "tree '" + e.path + "'");
  const Tree tree = parse_tree(payload, e.key.keylen, what);
  const auto branches = all_branches(tree);
  out << "  " << e.key.class_name << " " << e.path << ";" << e.key.cycle << " entries " << tree.entries << ", "
      << branches.size() << " branches\n";
  for (const Branch* b : branches) {
    const auto plan = classify(tree, *b, what);
    out << "      " << b->name << "  " << branch_type(tree, *b) << "  fCompress " << b->compress
        << "  baskets " << basket_count(*b);
    if (plan.kind == BranchKind::Jagged) out << "  (jagged: flattened when selected)";
    if (plan.kind == BranchKind::Unsupported) out << "  (not readable: " << plan.reason << ")";
    out << "\n";
  }
}

}  // namespace

std::string describe_root_file(const std::filesystem::path& path) {
  const RootFile file(path);
  const auto& h = file.header();
  std::ostringstream out;
  out << file.name() << ": ROOT file, " << file.source().size() << " bytes, ROOT "
      << root_version(h.version) << ", " << (h.large ? "64" : "32") << "-bit offsets, fCompress "
      << h.compress << " (" << compression_setting(h.compress) << ")\n";
  for (const auto& e : file.entries()) {
    out << "key " << e.path << ";" << e.key.cycle << " " << e.key.class_name << "  ("
        << e.key.nbytes << " bytes on disk, " << e.key.objlen << " uncompressed, "
        << key_storage(file, e.key) << ")\n";
    if (is_ttree_class(e.key.class_name)) describe_tree(file, e, out);
    if (is_rntuple_class(e.key.class_name))
      for (const auto& line : describe_rntuple(file, e.path)) out << "      " << line << "\n";
  }
  return out.str();
}

}  // namespace baler
