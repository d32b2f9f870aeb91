// What a format reader hands to read_dataset before the table/field rule is applied.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <optional>

#include "baler/array.hpp"
#include "baler/csv.hpp"
#include "baler/io.hpp"

namespace baler {

struct RawData {
  bool is_table = false;           // columns already named, each its own dtype (CSV, compound)
  Dataset table;                   // when is_table
  Array array;                     // otherwise: the array as stored
  std::vector<std::string> names;  // column names of a 2-D array; empty = the file names none
  std::string single_name;         // name of the column of a 1-D array, if names is empty
};

// A bool array read from a file may hold any byte; a C++ bool must be 0 or 1 (numpy and h5py
// read any non-zero byte as True). Call on every bool array a reader fills from file bytes.
inline void normalize_bools(Array& a) {
  if (a.dtype != DType::Bool) return;
  for (auto& b : a.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
}

// True if every column of the table has the same dtype (so it fits one 2-D array).
inline bool has_one_dtype(const Dataset& table) {
  for (const auto& c : table.columns)
    if (c.values.dtype != table.columns.front().values.dtype) return false;
  return true;
}

// Reads dataset `object` of an HDF5 file (empty: the only dataset, or "/data"). A compound
// dataset gives a table of its numeric members; a 2-D dataset takes names from its `names`
// or `column_names` attribute. Throws Error(Malformed) naming a missing dataset and listing the
// datasets present.
RawData read_hdf5_raw(const std::filesystem::path& path, const std::string& object);

// The table's values row by row, each row the columns' values packed in order (npy records,
// 2-D matrices, HDF5 compounds); little-endian when asked, else native order (npy_format.cpp).
// Text columns are left out.
std::vector<std::byte> pack_rows(const Dataset& table, bool little_endian);
// The same with the text columns in their places: text column t takes text_widths[t] bytes of
// each record, written by put_text(t, row, where) (a pointer for HDF5, UTF-32 for npy).
using PutText = std::function<void(std::size_t text, std::size_t row, std::byte* where)>;
std::vector<std::byte> pack_rows(const Dataset& table, bool little_endian, std::span<const std::size_t> text_widths,
                                 const PutText& put_text);

// Shared by read_dataset and the chunked sources (dataset_reader.cpp):

// Throws Error(Usage) unless kind is auto, table or field.
void check_kind(const std::string& kind);
// The kind rule of ReadOptions::kind for an array of `shape`; `named` = the file names its
// columns. Throws Error(Usage) for a bad kind or kind=table on an array of ndim 0 or >= 3.
bool array_is_table(const std::vector<std::int64_t>& shape, bool named, const std::string& kind,
                    const std::string& what);
// Names from X.names.txt beside X.npy ({} if none), checked against the column count of `shape`.
std::vector<std::string> npy_sidecar_names(const std::filesystem::path& npy, const std::vector<std::int64_t>& shape);
// Throws Error(Malformed) when a 2-D array's name list has the wrong length.
void check_name_count(const std::vector<std::string>& names, const std::vector<std::int64_t>& shape,
                      const std::string& names_what, const std::string& data_what);
// Refuses an object name on a one-object format, .baler and unknown formats (Error(Usage)).
void check_single_object(const DataSpec& spec);
// ReadOptions::csv_dtype parsed; Error(Usage) for a bad name.
std::optional<DType> csv_dtype(const ReadOptions& options);
// ReadOptions::csv_header parsed; Error(Usage) for a bad value.
CsvHeader csv_header(const ReadOptions& options);
// The field delimiter of a text table: ReadOptions::csv_delimiter parsed (Error(Usage) for a
// bad value), else the extension's (csv_delimiter_for), and for a .csv whose first line has no
// comma but a semicolon or a tab, that one.
char csv_delimiter(const ReadOptions& options, const std::filesystem::path& path);
// The note for a CSV whose first row was read as data (options.on_note, with csv_header auto).
void note_headerless_csv(const std::filesystem::path& path, std::size_t columns, const ReadOptions& options);

class NpzReader;
// Which member of an npz holds the data: `key` (object, else "data", else the only key), or
// Baler's column layout ('names' plus one 1-D key per name, `column_layout`, names filled).
struct NpzChoice {
  std::string key;
  bool column_layout = false;
  std::vector<std::string> names;
};
NpzChoice choose_npz_member(const NpzReader& z, const std::string& object);

}  // namespace baler
