// Helpers shared by the compress, decompress and verify commands (container <-> data files).
#pragma once

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "baler/bundle_io.hpp"
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

// Refuses (Usage, before any work) an output that is the input file itself, by any name
// (hard or symbolic links included): writing it would destroy the only copy.
inline void refuse_same_file(const std::filesystem::path& in, const std::filesystem::path& out) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(in, out, ec) && !ec)
    throw Error(ErrorCode::Usage, "the output " + out.string() + " is the input " + in.string() +
                                      " itself: refusing to overwrite the only copy");
}

// The same for the column-name file an .npy output writes beside itself (X.names.txt).
inline void refuse_npy_names_over_input(const std::filesystem::path& in, const std::filesystem::path& npy) {
  const auto names = npy_names_path(npy);
  std::error_code ec;
  if (std::filesystem::exists(names, ec) && std::filesystem::equivalent(in, names, ec) && !ec)
    throw Error(ErrorCode::Usage, "the output " + npy.string() + " writes its column names to " + names.string() +
                                      ", which is the input " + in.string() + ": refusing to overwrite the only copy");
}

// Checks an output path before any work: not the input itself (refuse_same_file), nor an .npy
// input's column-name file, nor, for an .npy output (`format`), is its own column-name file the
// input; not a folder (Usage), and in a folder that exists (Io).
inline void check_output(const std::filesystem::path& in, const std::filesystem::path& out,
                         FileFormat format = FileFormat::Unknown) {
  refuse_same_file(in, out);
  if (format_from_path(in) == FileFormat::Npy) refuse_same_file(npy_names_path(in), out);
  if (format == FileFormat::Npy) refuse_npy_names_over_input(in, out);
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
