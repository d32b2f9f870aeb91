// write_dataset: npy (+ .names.txt sidecar), npz (Baler's layout), CSV, HDF5; always atomic.
#include "baler/atomic_file.hpp"
#include "baler/csv.hpp"
#include "baler/hdf5_io.hpp"
#include "baler/io.hpp"
#include "baler/npy.hpp"
#include "baler/npz.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

std::vector<std::byte> sidecar_bytes(const Dataset& table, const std::filesystem::path& path) {
  std::string text;
  for (const auto& c : table.columns) {
    if (c.name.find_first_of("\r\n") != std::string::npos)
      throw Error(ErrorCode::Unsupported, path.string() + ": column name '" + c.name +
                                              "' holds a line break; a .names.txt cannot store it");
    text += c.name + "\n";
  }
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  return {p, p + text.size()};
}

// X.npy: a field as its array; a one-dtype table as a 2-D array plus X.names.txt (one column
// name a line); a mixed-dtype table as a 1-D structured array (names inside). A stale sidecar
// is removed when none is written, so that it cannot rename columns when read back.
void write_npy_dataset(const Dataset& data, const std::filesystem::path& path) {
  const auto sidecar = path.parent_path() / (path.stem().string() + ".names.txt");
  if (data.kind == DataKind::Table && has_one_dtype(data)) {
    AtomicFile npy(path);
    AtomicFile names(sidecar);
    npy.write(encode_npy(table_to_matrix(data)));
    names.write(sidecar_bytes(data, path));
    npy.commit();
    names.commit();
    return;
  }
  if (data.kind == DataKind::Field) write_npy(data.field, path);
  else write_file_atomic(path, encode_npy_records(data));
  std::error_code ec;
  std::filesystem::remove(sidecar, ec);
}

void write_npz_dataset(const Dataset& data, const std::filesystem::path& path) {
  std::vector<NpzMember> members;
  if (data.kind == DataKind::Field) {
    members.push_back({"data", encode_npy(data.field)});
    members.push_back({"names", encode_npy(Array(DType::F64, {0}))});  // like Baler's CFD files
  } else if (has_one_dtype(data) && !data.columns.empty()) {
    members.push_back({"data", encode_npy(table_to_matrix(data))});
    members.push_back({"names", encode_npy_strings(column_names(data))});
  } else {
    members.push_back({"names", encode_npy_strings(column_names(data))});
    for (const auto& c : data.columns) {
      bool clash = c.name.empty() || c.name == "names" || c.name == "data";
      for (const auto& m : members) clash = clash || m.key == c.name;
      if (clash)
        throw Error(ErrorCode::Unsupported, path.string() + ": column name '" + c.name +
                                                "' cannot be an npz key (empty, repeated, 'data' or "
                                                "'names'); write .csv or .h5 instead");
      members.push_back({c.name, encode_npy(c.values)});
    }
  }
  write_npz(path, members);
}

}  // namespace

void write_dataset(const Dataset& data, const DataSpec& spec) {
  const std::string what = spec.path.string();
  if (!spec.object.empty() && spec.format != FileFormat::Hdf5 &&
      !(spec.format == FileFormat::Npz && spec.object == "data"))
    throw Error(ErrorCode::Usage, what + ": ':" + spec.object + "' can only name an HDF5 dataset");
  switch (spec.format) {
    case FileFormat::Npy: return write_npy_dataset(data, spec.path);
    case FileFormat::Npz: return write_npz_dataset(data, spec.path);
    case FileFormat::Csv: return write_csv(data, spec.path);
    case FileFormat::Hdf5: return write_hdf5(data, spec.path, spec.object);
    case FileFormat::Root:
      throw Error(ErrorCode::Unsupported, what + ": baler reads ROOT files but does not write them");
    case FileFormat::Baler:
      throw Error(ErrorCode::Usage, what + ": use `baler compress` to write a .baler container");
    case FileFormat::Unknown: break;
  }
  throw Error(ErrorCode::Usage, "cannot tell the format of " + what +
                                    " from its extension (.npy .npz .csv .h5 .hdf5)");
}

}  // namespace baler
