// CSV tables: an RFC 4180 scanner, per-column dtype inference, shortest round-trip writing.
#include <algorithm>
#include <limits>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "baler/atomic_file.hpp"
#include "baler/csv.hpp"

namespace baler {
namespace {

struct CsvField {
  std::string text;
  bool quoted = false;
};

// Splits CSV text into records of fields, tracking line numbers (1-based) for messages. With
// `final` false the text is a prefix of the file: a record that may go on past its end is not
// returned and starved() says so (the caller reads more and scans again from the record).
class CsvScanner {
 public:
  // `delim`: the field separator, or kWhitespace (runs of spaces and tabs separate fields,
  // leading and trailing ones are ignored, lines whose first non-blank character is '#' are
  // comments).
  CsvScanner(std::string_view text, const std::string& what, bool final = true, std::size_t first_line = 1,
             bool file_start = true, char delim = ',')
      : s_(text), what_(what), final_(final), delim_(delim), ws_(delim == kWhitespace), line_(first_line) {
    if (file_start && s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
  }

  // Reads the next record that is not an empty line (or a comment); false at the end of the
  // text (or starved).
  bool next(std::vector<CsvField>& fields) {
    fields.clear();
    starved_ = false;
    for (;;) {
      if (ws_) skip_blanks();
      if (pos_ < s_.size() && is_eol(s_[pos_])) {
        consume_eol();
        if (starved_) return false;
        continue;
      }
      if (ws_ && pos_ < s_.size() && s_[pos_] == '#') {  // a comment line
        const std::size_t eol = s_.find_first_of("\r\n", pos_);
        if (eol == std::string_view::npos) {
          if (!final_) return starved_ = true, false;
          pos_ = s_.size();
        } else {
          pos_ = eol;
        }
        continue;
      }
      break;
    }
    if (pos_ >= s_.size()) {
      starved_ = !final_;
      return false;
    }
    record_line_ = line_;
    for (;;) {
      fields.push_back(pos_ < s_.size() && s_[pos_] == '"' ? quoted() : plain());
      if (starved_) return false;
      if (ws_) {
        skip_blanks();
        if (pos_ < s_.size() && !is_eol(s_[pos_])) continue;
      } else if (pos_ < s_.size() && s_[pos_] == delim_) {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size()) {
        consume_eol();
        return !starved_;
      }
      starved_ = !final_;
      return final_;
    }
  }
  std::size_t record_line() const { return record_line_; }
  bool starved() const { return starved_; }
  std::size_t pos() const { return pos_; }
  std::size_t line() const { return line_; }

 private:
  static bool is_eol(char c) { return c == '\n' || c == '\r'; }
  static bool is_blank(char c) { return c == ' ' || c == '\t'; }
  bool ends_field(char c) const { return is_eol(c) || (ws_ ? is_blank(c) : c == delim_); }
  void skip_blanks() {
    while (pos_ < s_.size() && is_blank(s_[pos_])) ++pos_;
  }
  void consume_eol() {
    if (s_[pos_] == '\r' && pos_ + 1 >= s_.size() && !final_) {  // may be the first half of CRLF
      starved_ = true;
      return;
    }
    if (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  CsvField plain() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && !ends_field(s_[pos_])) ++pos_;
    return {std::string(s_.substr(start, pos_ - start)), false};
  }
  CsvField quoted() {
    CsvField f{{}, true};
    const std::size_t start_line = line_;
    for (++pos_;; ++pos_) {
      if (pos_ >= s_.size() || (s_[pos_] == '"' && pos_ + 1 >= s_.size() && !final_)) {
        if (!final_) {
          starved_ = true;
          return f;
        }
        throw Error(ErrorCode::Malformed, what_ + " line " + std::to_string(start_line) +
                                              ": quoted field is never closed");
      }
      const char c = s_[pos_];
      if (c == '"') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') {
          f.text += '"';
          ++pos_;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\n') ++line_;
      f.text += c;
    }
    if (pos_ < s_.size() && !ends_field(s_[pos_]))
      throw Error(ErrorCode::Malformed, what_ + " line " + std::to_string(line_) +
                                            ": text after the closing quote of a field");
    return f;
  }

  std::string_view s_;
  const std::string& what_;
  bool final_;
  char delim_;
  bool ws_;
  bool starved_ = false;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 1;
};

std::string_view trim_space(std::string_view t) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return t;
}

// Trimmed, without a leading '+' (from_chars refuses it).
std::string_view trim_number(std::string_view t) {
  t = trim_space(t);
  if (t.size() > 1 && t.front() == '+' && t[1] != '-') t.remove_prefix(1);
  return t;
}

// Parses the whole of `t` as T (an integer or floating type). Floats accept nan/inf/infinity
// in any case; values beyond the type's range saturate to ±inf like numpy's parser.
template <typename T>
bool parse_number(std::string_view t, T& v) {
  t = trim_number(t);
  if (t.empty()) return false;
  const char* end = t.data() + t.size();
  auto [p, ec] = std::from_chars(t.data(), end, v);
  if constexpr (std::is_floating_point_v<T>) {
    if (ec == std::errc::result_out_of_range && p == end) {
      // Overflow or underflow: round through strtod, which saturates/flushes correctly.
      const std::string s(t);
      char* e = nullptr;
      const double d = std::strtod(s.c_str(), &e);
      v = static_cast<T>(d);
      return e == s.c_str() + s.size();
    }
  }
  return ec == std::errc() && p == end;
}

bool parse_bool(std::string_view t, bool& v) {
  t = trim_number(t);
  if (t == "1" || t == "true" || t == "True" || t == "TRUE") return v = true, true;
  if (t == "0" || t == "false" || t == "False" || t == "FALSE") return v = false, true;
  return false;
}

struct CsvCells {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> columns;  // columns[c][row]
  std::vector<std::size_t> lines;                 // line of each row
};

std::vector<std::string> header_names(const std::vector<CsvField>& fields, const std::string& what) {
  std::vector<std::string> names;
  std::unordered_set<std::string_view> seen;  // views into `names`, reserved so they stay valid
  names.reserve(fields.size());
  seen.reserve(fields.size());
  for (std::size_t c = 0; c < fields.size(); ++c) {
    std::string name = fields[c].text;
    if (!fields[c].quoted) name = std::string(trim_space(name));
    if (name.empty()) name = "col" + std::to_string(c);
    names.push_back(std::move(name));
    if (!seen.insert(names.back()).second)
      throw Error(ErrorCode::Malformed, what + " line 1: column name '" + names.back() + "' appears twice");
  }
  return names;
}

// Whether the first record names the columns: always with Yes, never with No; with Auto unless
// every field of it is an unquoted number (a table written without a header).
bool first_row_names(const std::vector<CsvField>& fields, CsvHeader header) {
  if (header != CsvHeader::Auto) return header == CsvHeader::Yes;
  for (const auto& f : fields) {
    double v;
    if (f.quoted || !parse_number(f.text, v)) return true;
  }
  return false;
}

std::vector<std::string> numbered_names(std::size_t n) {
  std::vector<std::string> names;
  for (std::size_t c = 0; c < n; ++c) names.push_back("col" + std::to_string(c));
  return names;
}

void check_field_count(const std::vector<CsvField>& fields, std::size_t columns, std::size_t line,
                       const std::string& what) {
  if (fields.size() != columns)
    throw Error(ErrorCode::Malformed, what + " line " + std::to_string(line) + ": " + std::to_string(fields.size()) +
                                          " fields, but the header has " + std::to_string(columns) + " columns");
}

CsvCells scan(std::string_view text, const std::string& what, CsvHeader header, bool* had_header, char delim) {
  CsvScanner sc(text, what, true, 1, true, delim);
  CsvCells cells;
  std::vector<CsvField> fields;
  if (!sc.next(fields)) throw Error(ErrorCode::Malformed, what + ": empty file (no header row)");
  const bool names = first_row_names(fields, header);
  if (had_header) *had_header = names;
  cells.names = names ? header_names(fields, what) : numbered_names(fields.size());
  cells.columns.resize(fields.size());
  bool got = names ? sc.next(fields) : true;  // without a header the first record is data
  for (; got; got = sc.next(fields)) {
    check_field_count(fields, cells.names.size(), sc.record_line(), what);
    for (std::size_t c = 0; c < fields.size(); ++c) cells.columns[c].push_back(std::move(fields[c].text));
    cells.lines.push_back(sc.record_line());
  }
  return cells;
}

// Column `c` parsed as `t`; throws naming the line, column and text of a bad value.
Array parse_column(const CsvCells& cells, std::size_t c, DType t, bool forced, const std::string& what) {
  const auto& texts = cells.columns[c];
  Array a(t, {static_cast<std::int64_t>(texts.size())});
  visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    auto out = a.as<T>();
    for (std::size_t r = 0; r < texts.size(); ++r) {
      bool ok;
      if constexpr (std::is_same_v<T, bool>) {
        ok = parse_bool(texts[r], out[r]);
      } else if constexpr (std::is_same_v<T, Half>) {
        float f;
        ok = parse_number(texts[r], f);
        out[r] = float_to_half(f);
      } else {
        ok = parse_number(texts[r], out[r]);
      }
      if (!ok)
        throw Error(ErrorCode::Malformed,
                    what + " line " + std::to_string(cells.lines[r]) + " column " + std::to_string(c + 1) +
                        " ('" + cells.names[c] + "'): '" + texts[r] + "' is not " +
                        (forced ? "a valid " + std::string(dtype_name(t)) : std::string("a number")));
    }
  });
  return a;
}

// Whether a field reads as a value of a numeric column: a number, or with a forced bool dtype a
// bool word. A column with any other field is a text column.
bool numeric_field(std::string_view t, std::optional<DType> dtype) {
  double v;
  bool b;
  return parse_number(t, v) || (dtype == DType::Bool && parse_bool(t, b));
}

std::string text_note(const std::string& what, const std::string& name, std::size_t line, const std::string& text) {
  return what + ": column '" + name + "' holds text (line " + std::to_string(line) + ": '" + text +
         "'), kept exactly as text";
}

// The table of `cells`: column c as text when is_text[c], else parsed as dtypes[c].
Dataset cells_to_table(CsvCells& cells, const std::vector<bool>& is_text, const std::vector<DType>& dtypes,
                       bool forced, const std::string& what) {
  Dataset ds;
  ds.kind = DataKind::Table;
  for (std::size_t c = 0; c < cells.names.size(); ++c) {
    if (is_text[c]) ds.text.push_back({cells.names[c], c, std::move(cells.columns[c])});
    else ds.columns.push_back({cells.names[c], parse_column(cells, c, dtypes[c], forced, what)});
  }
  return ds;
}

bool all_integers(const std::vector<std::string>& texts) {
  for (const auto& t : texts) {
    std::int64_t v;
    if (!parse_number(t, v)) return false;
  }
  return !texts.empty();
}

template <typename T>
void append_value(std::string& out, T v) {
  char buf[64];
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? '1' : '0';
  } else if constexpr (std::is_same_v<T, Half>) {
    append_value(out, half_to_float(v));
  } else {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
    if constexpr (std::is_floating_point_v<T>) {
      // Keep float columns float when read back without a dtype: "1" -> "1.0", "-0" -> "-0.0".
      if (std::find_if(buf, r.ptr, [](char ch) { return std::strchr(".eni", ch) && ch; }) == r.ptr)
        out += ".0";
    }
  }
}

// A column name or a text value. Quoted: a quote or a line end; the delimiter (a text table: a
// space, a tab, or a '#' that would start a comment); a number (so that a name reads back as a
// name); nothing at all; blanks at either end.
void append_text(std::string& out, const std::string& name, char delim) {
  std::string special = "\"\r\n";
  special += delim == kWhitespace ? std::string(" \t#") : std::string(1, delim);
  double v;
  const bool quote = name.empty() || parse_number(name, v) || name.find_first_of(special) != std::string::npos ||
                     name.front() == ' ' || name.back() == ' ' || name.front() == '\t' || name.back() == '\t';
  if (!quote) {
    out += name;
    return;
  }
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

// The records of a CSV file, read a block at a time: the scanner only ever returns records
// that end inside the block (or at the end of the file).
class CsvFileRecords {
 public:
  CsvFileRecords(const std::filesystem::path& path, const std::string& what, char delim)
      : what_(what), delim_(delim) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) throw Error(ErrorCode::Io, "cannot open " + what_ + " for reading");
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec) left_ = size;
  }
  ~CsvFileRecords() { std::fclose(f_); }
  CsvFileRecords(const CsvFileRecords&) = delete;
  CsvFileRecords& operator=(const CsvFileRecords&) = delete;

  bool next(std::vector<CsvField>& fields) {
    for (;;) {
      CsvScanner sc(std::string_view(buf_).substr(pos_), what_, eof_, line_, at_start_, delim_);
      const bool got = sc.next(fields);
      if (!sc.starved()) {
        pos_ += sc.pos();
        line_ = sc.line();
        record_line_ = sc.record_line();
        at_start_ = false;
        return got;
      }
      refill();
    }
  }
  std::size_t record_line() const { return record_line_; }

 private:
  // Drops the consumed text and appends the next block (twice the text held, at least 1 MiB,
  // or what is left of the file and one byte more to see its end).
  void refill() {
    buf_.erase(0, pos_);
    pos_ = 0;
    const std::size_t want =
        std::min<std::uint64_t>(std::max<std::size_t>(std::size_t{1} << 20, buf_.size()), left_ + 1);
    const std::size_t old = buf_.size();
    buf_.resize(old + want);
    const std::size_t got = std::fread(buf_.data() + old, 1, want, f_);
    if (got < want && std::ferror(f_)) throw Error(ErrorCode::Io, what_ + ": read error");
    buf_.resize(old + got);
    eof_ = got < want;
    left_ = got < left_ ? left_ - got : 0;
  }

  std::string what_;
  char delim_;
  std::FILE* f_ = nullptr;
  std::string buf_;
  std::size_t pos_ = 0, line_ = 1, record_line_ = 1;
  std::uint64_t left_ = std::numeric_limits<std::uint64_t>::max() - 1;  // bytes the file has left, if known
  bool eof_ = false, at_start_ = true;
};


CsvRows::CsvRows(const std::filesystem::path& path, std::optional<DType> dtype, CsvHeader header, char delimiter)
    : path_(path), what_(path.string()), forced_(dtype.has_value()), delim_(delimiter) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::Io, "cannot open " + what_ + ": no such file");
  CsvFileRecords rec(path, what_, delim_);
  std::vector<CsvField> fields;
  if (!rec.next(fields)) throw Error(ErrorCode::Malformed, what_ + ": empty file (no header row)");
  has_header_ = first_row_names(fields, header);
  names_ = has_header_ ? header_names(fields, what_) : numbered_names(fields.size());
  std::vector<bool> ints(names_.size(), true);
  text_.assign(names_.size(), false);
  bool got = has_header_ ? rec.next(fields) : true;  // without a header the first record is data
  for (; got; got = rec.next(fields)) {
    check_field_count(fields, names_.size(), rec.record_line(), what_);
    for (std::size_t c = 0; c < fields.size(); ++c) {
      if (text_[c]) continue;
      std::int64_t v;
      ints[c] = ints[c] && parse_number(fields[c].text, v);
      if (!ints[c] && !numeric_field(fields[c].text, dtype)) {
        text_[c] = true;
        notes_.push_back(text_note(what_, names_[c], rec.record_line(), fields[c].text));
      }
    }
    ++rows_;
  }
  for (std::size_t c = 0; c < names_.size(); ++c)
    dtypes_.push_back(dtype ? *dtype : ints[c] && rows_ > 0 ? DType::I64 : DType::F64);
}

CsvRows::~CsvRows() = default;

Dataset CsvRows::read(std::uint64_t a, std::uint64_t b) {
  require(a <= b && b <= rows_, ErrorCode::Internal, what_ + ": rows outside the file");
  if (!records_ || a < next_row_) {  // (re)start after the header
    records_ = std::make_unique<CsvFileRecords>(path_, what_, delim_);
    std::vector<CsvField> header;
    if (has_header_) records_->next(header);
    next_row_ = 0;
  }
  std::vector<CsvField> fields;
  CsvCells cells;
  cells.names = names_;
  cells.columns.resize(names_.size());
  for (; next_row_ < b; ++next_row_) {
    require(records_->next(fields), ErrorCode::Malformed, what_ + ": the file changed while it was read");
    check_field_count(fields, names_.size(), records_->record_line(), what_);
    if (next_row_ < a) continue;
    for (std::size_t c = 0; c < fields.size(); ++c) cells.columns[c].push_back(std::move(fields[c].text));
    cells.lines.push_back(records_->record_line());
  }
  return cells_to_table(cells, text_, dtypes_, forced_, what_);
}


Dataset parse_csv(std::string_view text, const std::string& what, std::optional<DType> dtype, CsvHeader header,
                  bool* had_header, char delimiter, std::vector<std::string>* notes) {
  CsvCells cells = scan(text, what, header, had_header, delimiter);
  std::vector<bool> is_text(cells.names.size(), false);
  std::vector<DType> dtypes;
  for (std::size_t c = 0; c < cells.names.size(); ++c) {
    const auto& col = cells.columns[c];
    for (std::size_t r = 0; r < col.size() && !is_text[c]; ++r)
      if (!numeric_field(col[r], dtype)) {
        is_text[c] = true;
        if (notes) notes->push_back(text_note(what, cells.names[c], cells.lines[r], col[r]));
      }
    dtypes.push_back(dtype ? *dtype : all_integers(col) ? DType::I64 : DType::F64);
  }
  return cells_to_table(cells, is_text, dtypes, dtype.has_value(), what);
}

Dataset read_csv(const std::filesystem::path& path, std::optional<DType> dtype, CsvHeader header, bool* had_header,
                 char delimiter, std::vector<std::string>* notes) {
  const auto bytes = read_file_bytes(path);
  return parse_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                   path.string(), dtype, header, had_header, delimiter, notes);
}

char csv_delimiter_for(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == ".tsv") return '\t';
  if (ext == ".txt" || ext == ".dat") return kWhitespace;
  return ',';
}

std::string format_csv_header(const std::vector<std::string>& names, char delimiter) {
  std::string out;
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (c) out += delimiter;
    append_text(out, names[c], delimiter);
  }
  return out + '\n';
}

void append_csv_rows(std::string& out, const Dataset& table, char delimiter) {
  require(table.kind == DataKind::Table, ErrorCode::Internal, "CSV rows of a field");
  const std::size_t rows = table.rows();
  std::vector<std::size_t> positions;
  for (const auto& t : table.text) positions.push_back(t.position);
  const auto order = column_order(table.columns.size(), positions);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k) out += delimiter;
      if (order[k].first) {
        append_text(out, table.text[order[k].second].values[r], delimiter);
        continue;
      }
      const Array& a = table.columns[order[k].second].values;
      visit_dtype(a.dtype, [&](auto tag) { append_value(out, a.as<decltype(tag)>()[r]); });
    }
    out += '\n';
  }
}

std::string format_csv(const Dataset& table, char delimiter) {
  require(table.kind == DataKind::Table, ErrorCode::Internal, "format_csv on a field");
  std::string out = format_csv_header(all_column_names(table), delimiter);
  append_csv_rows(out, table, delimiter);
  return out;
}

void write_csv(const Dataset& data, const std::filesystem::path& path) {
  if (data.kind == DataKind::Field) {
    if (data.field.ndim() != 2)
      throw Error(ErrorCode::Unsupported, path.string() + ": a CSV holds a table or a 2-D field, not shape " +
                                              shape_string(data.field.shape) + "; write npy, npz or h5");
    write_csv(table_from_matrix(data.field, {}), path);
    return;
  }
  const std::string text = format_csv(data, csv_delimiter_for(path));
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace baler
