// N-dimensional arrays and the two kinds of data baler compresses: tables and fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "baler/dtype.hpp"
#include "baler/error.hpp"

namespace baler {

// Largest element count baler accepts for one array (2^40 elements); readers refuse larger
// declared shapes before allocating.
inline constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 40;
inline constexpr std::size_t kMaxDims = 32;

// Product of dims, checked against overflow and kMaxElements. Throws Error(Limit) naming `what`.
std::uint64_t checked_element_count(std::span<const std::int64_t> shape, const std::string& what);

// A dense C-order array in native byte order. Data bytes = element count × dtype_size.
struct Array {
  DType dtype = DType::F64;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> bytes;

  Array() = default;
  Array(DType t, std::vector<std::int64_t> s);  // zero-filled; checks the shape

  std::size_t size() const;  // number of elements
  std::size_t ndim() const { return shape.size(); }

  // Typed views; throw Error(Internal) if T does not match dtype.
  template <typename T> std::span<T> as() {
    check_type(dtype_of<T>::value);
    return {reinterpret_cast<T*>(bytes.data()), bytes.size() / sizeof(T)};
  }
  template <typename T> std::span<const T> as() const {
    check_type(dtype_of<T>::value);
    return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
  }

  // Element i converted to double (exact for all but 64-bit integers beyond 2^53).
  double value(std::size_t i) const;

  friend bool operator==(const Array&, const Array&) = default;  // dtype, shape, bytes

 private:
  void check_type(DType t) const;
};

// Shape as "(4322, 26)" for messages.
std::string shape_string(std::span<const std::int64_t> shape);

enum class DataKind : std::uint8_t { Table = 0, Field = 1 };

// One named column of a table: a 1-D array.
struct Column {
  std::string name;
  Array values;
  friend bool operator==(const Column&, const Column&) = default;
};

// A column of text (CSV text, numpy unicode, HDF5 strings): kept exactly, never a model input.
struct TextColumn {
  std::string name;
  std::size_t position = 0;  // its index among all the table's columns, numeric and text, in the source's order
  std::vector<std::string> values;
  friend bool operator==(const TextColumn&, const TextColumn&) = default;
};

// Rows [a, b) of a text column (a copy; the caller checks the range).
inline TextColumn text_rows(const TextColumn& t, std::size_t a, std::size_t b) {
  return {t.name, t.position, {t.values.begin() + static_cast<std::ptrdiff_t>(a), t.values.begin() + static_cast<std::ptrdiff_t>(b)}};
}

// What a data set holds. A table has named columns of equal length, each with its own dtype
// (rows = events). A field is one N-d array (frames × height × width, a volume, ...).
struct Dataset {
  DataKind kind = DataKind::Table;
  std::vector<Column> columns;  // Table only
  std::vector<TextColumn> text;  // Table only: text columns, in increasing position
  Array field;                  // Field only
  // Table read from one 2-D array (npy/npz, Baler's layout): written back the same way.
  bool table_from_matrix = false;

  std::size_t rows() const;  // Table: column length; Field: shape[0] (1 for 0-d)
  friend bool operator==(const Dataset&, const Dataset&) = default;
};

// Table from a 2-D array (rows × columns); names may be empty (then "col0", "col1", ...).
// Throws Error(Malformed) if the array is not 2-D or the name count does not match.
Dataset table_from_matrix(const Array& matrix, std::vector<std::string> names);
// 2-D array (rows × columns) of a table whose columns all share one dtype.
// Throws Error(Unsupported) when dtypes differ.
Array table_to_matrix(const Dataset& table);
// Column names, in order (numeric columns only).
std::vector<std::string> column_names(const Dataset& table);

// The order of a table's columns in its source: entry k is {true, i} for text column i or
// {false, j} for numeric column j. `text_positions` are increasing and each < the total count.
// Throws Error(Internal) if a position is out of order or range.
std::vector<std::pair<bool, std::size_t>> column_order(std::size_t numeric,
                                                      std::span<const std::size_t> text_positions);
// Names of all of a table's columns, numeric and text, in source order.
std::vector<std::string> all_column_names(const Dataset& table);
// The table with only the columns at `keep` (indices into all_column_names), in that order.
Dataset keep_columns(Dataset table, std::span<const std::size_t> keep);
// Indices of the columns matching `patterns` (names or fnmatch globs; all if empty), in pattern
// order, each once. Throws Error(Usage) naming `what` and a pattern that matches nothing.
std::vector<std::size_t> select_column_indices(const std::vector<std::string>& names,
                                               const std::vector<std::string>& patterns, const std::string& what);

}  // namespace baler
