// CSV tables (RFC 4180): a header row of names, one row per event, numbers as text; and the
// text tables around them: tab- or otherwise-separated, and whitespace-separated (.txt, .dat).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baler/array.hpp"

namespace baler {

// Parses CSV text into a table (the first row names the columns, see `header` below). Quoted
// fields may hold commas, doubled quotes and newlines; CRLF, LF and CR end rows; a UTF-8 BOM and empty lines are
// skipped. Without `dtype` each column is int64 if every value is an integer literal in range,
// else float64 (nan, inf, -inf, Infinity accepted); with `dtype` every value is parsed as that
// type (float32 from the decimal text directly, so a written float32 reads back bit-exact).
// Throws Error(Malformed) "what line L column C ('name'): 'text' is not a number", or naming
// the line for a row whose field count differs from the header's.
//
// The first row names the columns unless `header` says otherwise: with CsvHeader::Auto a first
// row whose fields are all unquoted numbers is data (a table written without a header) and the
// columns are named col0, col1, ...; *had_header (when given) tells which it was.
//
// `delimiter` separates the fields: ',' (CSV), '\t', ';', '|', ... or kWhitespace: runs of
// spaces and tabs separate fields, blanks at either end of a line are ignored and a line whose
// first non-blank character is '#' is a comment (the text tables of gnuplot, ROOT's
// TTree::ReadFile and numpy.savetxt). Quotes work as in CSV with any delimiter.
inline constexpr char kWhitespace = ' ';
enum class CsvHeader { Auto, Yes, No };
//
// A column with a field that is not a number (text, an empty field; with a bool dtype, not a
// bool word either) is a text column (Dataset::text): its fields are kept exactly as they read
// (quotes removed), and *notes (when given) gets one line naming the column and the first such
// field.
Dataset parse_csv(std::string_view text, const std::string& what,
                  std::optional<DType> dtype = std::nullopt, CsvHeader header = CsvHeader::Auto,
                  bool* had_header = nullptr, char delimiter = ',', std::vector<std::string>* notes = nullptr);
Dataset read_csv(const std::filesystem::path& path, std::optional<DType> dtype = std::nullopt,
                 CsvHeader header = CsvHeader::Auto, bool* had_header = nullptr, char delimiter = ',',
                 std::vector<std::string>* notes = nullptr);
// The delimiter a file's extension implies: .tsv a tab, .txt and .dat kWhitespace, else ','.
char csv_delimiter_for(const std::filesystem::path& path);

class CsvFileRecords;
// A CSV file read in row ranges with parse_csv's rules. The constructor scans the file once
// (header, row count, field counts, each column's dtype: int64 if every value is an integer
// literal, else float64, or `dtype` for all); read(a, b) parses rows [a, b) reading forward
// from the last read (a backward read starts again at the top). Memory: one block of text
// plus the rows asked for. Throws parse_csv's errors naming the file, line and column.
class CsvRows {
 public:
  explicit CsvRows(const std::filesystem::path& path, std::optional<DType> dtype = std::nullopt,
                   CsvHeader header = CsvHeader::Auto, char delimiter = ',');
  ~CsvRows();
  CsvRows(const CsvRows&) = delete;
  CsvRows& operator=(const CsvRows&) = delete;
  // Every column, numeric and text, in file order; dtypes() is meaningless for text columns.
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<DType>& dtypes() const { return dtypes_; }
  const std::vector<bool>& text() const { return text_; }  // per column: a text column
  const std::vector<std::string>& notes() const { return notes_; }  // one per text column
  std::uint64_t rows() const { return rows_; }
  bool has_header() const { return has_header_; }
  Dataset read(std::uint64_t a, std::uint64_t b);

 private:
  std::filesystem::path path_;
  std::string what_;
  bool forced_;
  char delim_;
  bool has_header_ = true;
  std::vector<std::string> names_;
  std::vector<DType> dtypes_;
  std::vector<bool> text_;
  std::vector<std::string> notes_;
  std::uint64_t rows_ = 0, next_row_ = 0;
  std::unique_ptr<CsvFileRecords> records_;
};

// CSV text of a table: header, then values in std::to_chars' shortest round-trip form (float16
// and float32 in the float's shortest form; floats that look like integers get ".0" so they
// read back as float; bool as 0/1); LF line ends; fields separated by `delimiter` (kWhitespace:
// one space).
std::string format_csv(const Dataset& table, char delimiter = ',');
// The two parts of format_csv, for writing a table in parts: the header line (names, LF) and
// the rows of `table` appended to `out`.
std::string format_csv_header(const std::vector<std::string>& names, char delimiter = ',');
void append_csv_rows(std::string& out, const Dataset& table, char delimiter = ',');
// Writes format_csv(table, csv_delimiter_for(path)) atomically. A 2-D field is written as
// columns col0, col1, ... Throws Error(Unsupported) for other fields, Error(Io).
void write_csv(const Dataset& data, const std::filesystem::path& path);

}  // namespace baler
