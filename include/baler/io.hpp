// Reading and writing data sets in the formats physicists have: npy, npz, CSV, HDF5, ROOT.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "baler/array.hpp"

namespace baler {

enum class FileFormat { Npy, Npz, Csv, Hdf5, Root, Baler, Unknown };

// "npy", "npz", "csv", "hdf5", "root", "baler".
std::string_view format_name(FileFormat f) noexcept;
// The text tables' names (extensions without the dot), all FileFormat::Csv; read and written
// with the delimiter csv_delimiter_for (csv.hpp) gives their extension.
inline constexpr std::string_view kTextTableNames[] = {"csv", "tsv", "txt", "dat"};
// From the file extension (.npy .npz .csv .h5 .hdf5 .root .baler; the text tables .tsv .txt
// .dat are Csv); Unknown otherwise.
FileFormat format_from_path(const std::filesystem::path& path) noexcept;
// Parses a format name as given on the command line ("npz", "csv", "tsv", "h5", ...). Throws Error(Usage).
FileFormat parse_format(std::string_view name);

// A data file plus the object inside it: "file.npz" (key "data"), "file.npz:key",
// "file.h5:/group/dataset", "file.root:tree". The part after the last ':' that follows the
// extension is the object; a path without one uses the format's default.
struct DataSpec {
  std::filesystem::path path;
  std::string object;  // npz key, HDF5 dataset path, ROOT tree; empty = default
  FileFormat format = FileFormat::Unknown;
};
DataSpec parse_data_spec(const std::string& spec);
// The format name a container records for its input: format_name, but a text table keeps its
// extension ("tsv", "txt", "dat") so that decompress writes it back the same way.
std::string recorded_format_name(const DataSpec& spec);

// Notes that name what the output leaves out of the input begin with this.
inline constexpr std::string_view kLeftOutNote = "left out: ";
inline std::string left_out_note(const std::string& text) { return std::string(kLeftOutNote) + text; }
inline bool is_left_out_note(std::string_view note) { return note.substr(0, kLeftOutNote.size()) == kLeftOutNote; }

struct ReadOptions {
  // auto | table | field. auto: ndim >= 3 -> field; ndim 2 -> table if the file names the
  // columns (npz `names`, X.names.txt sidecar, CSV header, HDF5 `names` attribute or compound),
  // else table if shape[1] <= 256, else field; ndim 1 -> table of one column.
  // table forces a table (Error(Usage) for ndim >= 3); field forces a field (a table with
  // mixed column dtypes becomes float64).
  std::string kind = "auto";
  std::vector<std::string> columns;  // table columns to keep (names or fnmatch globs); empty = all
  // CSV only: parse every column as this dtype ("float32", "int16", ...); empty = infer
  // (int64 if every value is an integer literal in range, else float64).
  std::string csv_dtype;
  // CSV only: auto (the first row names the columns unless it is all numbers: then it is data,
  // the columns are col0, col1, ... and a note says so; empty means auto too), yes (always
  // names), no (always data).
  std::string csv_header = "auto";
  // Receives one line per note a reader has for the user (e.g. ROOT branches skipped because
  // their type is not supported); null = notes are dropped. The library never prints. A note
  // that names part of the input the output will not hold starts with kLeftOutNote (every name
  // in it, none elided); `--strict` makes such a note an Error(Incomplete).
  std::function<void(const std::string&)> on_note;
  // Text tables only: the field delimiter: one character (",", ";", "|", ...), "tab" or
  // "whitespace" (runs of blanks; '#' lines are comments); empty = from the extension (.tsv tab,
  // .txt and .dat whitespace, .csv a comma, or the ';' or tab of a first line without commas).
  std::string csv_delimiter;
};

// Reads a data set. Every reader treats its file as hostile: sizes are checked against the
// bytes present and absurd shapes refused before allocating. Throws Error(Io|Malformed|
// Unsupported|Limit) naming the file, the field and the values.
Dataset read_dataset(const DataSpec& spec, const ReadOptions& options = {});

// Writes a data set atomically (temporary file + rename); every dtype is kept (CSV: as text
// that reads back bit-exact with ReadOptions::csv_dtype). Layouts: README.md "Data formats".
// Throws Error(Io) (cannot write), Error(Unsupported) (e.g. a mixed-dtype table to .npy),
// Error(Usage) (unknown format, .baler).
void write_dataset(const Dataset& data, const DataSpec& spec);
// The column-name file beside X.npy (X.names.txt), which reading and writing a table use.
std::filesystem::path npy_names_path(const std::filesystem::path& npy);

// Keeps the table columns matching `patterns` (names or fnmatch globs), in pattern order, each
// column once. Throws Error(Usage) naming a pattern that matches nothing and listing the
// valid names, or if `data` is a field. `what` names the source in messages.
Dataset select_columns(Dataset data, const std::vector<std::string>& patterns,
                       const std::string& what);

// Objects inside a file (npz keys, HDF5 dataset paths, ROOT trees), for `baler info`.
std::vector<std::string> list_objects(const std::filesystem::path& path);

}  // namespace baler
