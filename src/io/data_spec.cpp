// File formats by name and extension, and "file:object" data specifications.
#include <algorithm>
#include <cctype>

#include "baler/io.hpp"

namespace baler {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `name` (lower case, no dot) is a text table's: csv, tsv, txt, dat.
bool is_text_table(std::string_view name) {
  return std::find(std::begin(kTextTableNames), std::end(kTextTableNames), name) != std::end(kTextTableNames);
}

}  // namespace

std::string_view format_name(FileFormat f) noexcept {
  switch (f) {
    case FileFormat::Npy: return "npy";
    case FileFormat::Npz: return "npz";
    case FileFormat::Csv: return "csv";
    case FileFormat::Hdf5: return "hdf5";
    case FileFormat::Root: return "root";
    case FileFormat::Baler: return "baler";
    case FileFormat::Unknown: break;
  }
  return "unknown";
}

FileFormat format_from_path(const std::filesystem::path& path) noexcept {
  try {
    const std::string ext = lower(path.extension().string());
    if (ext == ".npy") return FileFormat::Npy;
    if (ext == ".npz") return FileFormat::Npz;
    if (!ext.empty() && is_text_table(std::string_view(ext).substr(1))) return FileFormat::Csv;
    if (ext == ".h5" || ext == ".hdf5") return FileFormat::Hdf5;
    if (ext == ".root") return FileFormat::Root;
    if (ext == ".baler") return FileFormat::Baler;
  } catch (...) {
  }
  return FileFormat::Unknown;
}

FileFormat parse_format(std::string_view name) {
  const std::string n = lower(name);
  if (n == "npy") return FileFormat::Npy;
  if (n == "npz") return FileFormat::Npz;
  if (is_text_table(n)) return FileFormat::Csv;
  if (n == "h5" || n == "hdf5") return FileFormat::Hdf5;
  if (n == "root") return FileFormat::Root;
  if (n == "baler") return FileFormat::Baler;
  throw Error(ErrorCode::Usage, "unknown format '" + std::string(name) +
                                    "' (known: npy, npz, csv, tsv, txt, dat, h5, root, baler)");
}

std::string recorded_format_name(const DataSpec& spec) {
  const std::string ext = lower(spec.path.extension().string());
  if (spec.format == FileFormat::Csv && !ext.empty() && is_text_table(ext.substr(1))) return ext.substr(1);
  return std::string(format_name(spec.format));
}

DataSpec parse_data_spec(const std::string& spec) {
  DataSpec out;
  out.path = spec;
  // Split on the last ':' only when what precedes it is a file name with a known extension,
  // so that paths containing ':' elsewhere still work.
  const auto colon = spec.rfind(':');
  if (colon != std::string::npos && colon > 0) {
    const std::filesystem::path head = spec.substr(0, colon);
    if (format_from_path(head) != FileFormat::Unknown) {
      out.path = head;
      out.object = spec.substr(colon + 1);
    }
  }
  out.format = format_from_path(out.path);
  return out;
}

}  // namespace baler
