// Helpers shared by the compress, decompress and verify commands (container <-> data files).
#pragma once

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <fnmatch.h>

#include "baler/codec.hpp"
#include "baler/hdf5_io.hpp"
#include "baler/hdf5_tree.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "baler/model.hpp"
#include "baler/root.hpp"
#include "baler/table_model.hpp"

namespace baler::cli {

// The model a project trains: project.paths.training / kModelFileName.
inline constexpr const char* kModelFileName = "model.balermodel";

// File extension for writing data in `format` (".npz", ".csv", ".dat", ".root", ...); a format
// baler cannot write falls back to ".npz".
inline std::string data_extension(const std::string& format) {
  const bool text = std::find(std::begin(kTextTableNames), std::end(kTextTableNames), format) != std::end(kTextTableNames);
  if (format == "npy" || format == "npz" || format == "root" || text) return "." + format;
  if (format == "hdf5" || format == "h5") return ".h5";
  return ".npz";
}

// "X.baler" or "X.baler:/group/ds" (one data set of a bundle).
inline ContainerRef container_ref(const std::string& spec) {
  const DataSpec d = parse_data_spec(spec);
  return ContainerRef(d.path, d.object);
}

// The format to write a container's data back in by default: its source's (a bundle: ROOT when
// its index describes trees, else HDF5). A table selected from a ROOT tree (some branches, one
// collection) is no whole tree: npz.
inline std::string source_format_of(const ContainerRef& ref) {
  if (ref.member.empty())
    if (const auto b = read_bundle(ref.path)) return is_root_bundle(b->tree) ? "root" : "hdf5";
  const std::string f = read_container_description(ref).source_format;
  return f == "root" ? "npz" : f;
}

// An HDF5 input that becomes a bundle (format 1.3: several data sets in one container, with
// the file's groups and attributes): the datasets an object glob ("f.h5:/fields/*") matches,
// or with no object every dataset of a file that holds more than one, or whose tree an
// ordinary container would lose (groups, attributes, a dataset other than /data). Empty: an
// ordinary container of one data set. `tree` receives the file's tree (notes: skipped parts).
inline std::vector<std::string> bundle_objects(const DataSpec& spec, Hdf5Tree& tree,
                                               const std::function<void(const std::string&)>& on_note) {
  if (spec.format != FileFormat::Hdf5) return {};
  const bool glob = spec.object.find_first_of("*?[") != std::string::npos;
  if (!spec.object.empty() && !glob) return {};
  tree = read_hdf5_tree(spec.path, on_note);
  std::vector<std::string> objects;
  for (const auto& o : tree.objects)
    if (o.is_dataset && (!glob || fnmatch(spec.object.c_str(), o.path.c_str(), FNM_PATHNAME) == 0)) objects.push_back(o.path);
  require(!objects.empty(), ErrorCode::Usage, spec.path.string() + " has no dataset matching '" + spec.object + "'");
  if (glob) return objects;
  bool plain = objects.size() == 1 && objects[0] == "/data";  // what an ordinary container restores
  for (const auto& o : tree.objects)
    for (const auto& a : o.attributes) plain = plain && o.path == "/data" && a.name == "names";
  plain = plain && tree.objects.size() == 2;
  return plain ? std::vector<std::string>{} : objects;
}

// An input that becomes a bundle: an HDF5 file of several datasets (bundle_objects), or a ROOT
// file's trees read whole (no column selection: every tree, or the one named, as
// read_root_bundle lays them out). Its data sets, the index, and a way to open each.
struct BundleInput {
  std::string format;                // "hdf5" | "root" (recorded in the members)
  Hdf5Tree tree;
  std::vector<std::string> objects;  // object paths, in the order stored
  // Opens data set `k` (HDF5: Error(Unsupported) for a dataset baler cannot read).
  std::function<std::unique_ptr<DataSource>(std::size_t k)> open;
};
inline std::optional<BundleInput> bundle_input(const DataSpec& spec, const ReadOptions& ro) {
  BundleInput b;
  if (spec.format == FileFormat::Root) {
    if (!ro.columns.empty() || ro.kind == "field") return std::nullopt;
    RootBundleSource root = open_root_bundle(spec, ro.on_note);
    b.format = "root";
    b.tree = std::move(root.index);
    b.objects = std::move(root.objects);
    b.open = std::move(root.open);
    return b;
  }
  b.objects = bundle_objects(spec, b.tree, ro.on_note);
  if (b.objects.empty()) return std::nullopt;
  b.format = "hdf5";
  b.open = [spec, ro, objects = b.objects](std::size_t k) {
    return open_data_source(DataSpec{spec.path, objects.at(k), FileFormat::Hdf5}, ro);
  };
  return b;
}

// Refuses (Usage, before any work) an output that is the input file itself, by any name
// (hard or symbolic links included): writing it would destroy the only copy.
inline void refuse_same_file(const std::filesystem::path& in, const std::filesystem::path& out) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(in, out, ec) && !ec)
    throw Error(ErrorCode::Usage, "the output " + out.string() + " is the input " + in.string() +
                                      " itself: refusing to overwrite the only copy");
}

// Checks an output path before any work: not the input itself (refuse_same_file), not a folder
// (Usage), and in a folder that exists (Io).
inline void check_output(const std::filesystem::path& in, const std::filesystem::path& out) {
  refuse_same_file(in, out);
  std::error_code ec;
  if (std::filesystem::is_directory(out, ec))
    throw Error(ErrorCode::Usage, "the output " + out.string() + " is a folder: give a file name");
  const std::filesystem::path parent = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  if (!std::filesystem::is_directory(parent, ec))
    throw Error(ErrorCode::Io, "cannot write " + out.string() + ": the folder " + parent.string() + " does not exist");
}

// "A:B" (either side may be empty) -> [A, B).
inline void parse_rows(const std::string& text, DecompressOptions& o) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw Error(ErrorCode::Usage, "--rows wants A:B, got '" + text + "'");
  auto num = [&](const std::string& s) -> std::optional<std::int64_t> {
    if (s.empty()) return std::nullopt;
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(s, &used);
    } catch (const std::exception&) {
    }
    if (used != s.size() || v < 0) throw Error(ErrorCode::Usage, "--rows: '" + s + "' is not a row number");
    return v;
  };
  o.row_begin = num(text.substr(0, colon));
  o.row_end = num(text.substr(colon + 1));
}

}  // namespace baler::cli
