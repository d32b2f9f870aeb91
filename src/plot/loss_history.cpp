// Reads the training loss history (output/training/loss.csv) written by `baler --mode train`.
#include <charconv>
#include <cmath>
#include <string>

#include "baler/analysis.hpp"
#include "baler/atomic_file.hpp"

namespace baler {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

// A number, or NaN for an empty cell or "nan"; anything else throws.
double parse_cell(std::string_view cell, bool allow_missing, const std::string& where) {
  if (cell.empty() || cell == "nan" || cell == "NaN") {
    require(allow_missing, ErrorCode::Malformed, where + ": value missing");
    return kNaN;
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  require(ec == std::errc() && ptr == cell.data() + cell.size(), ErrorCode::Malformed,
          where + ": '" + std::string(cell) + "' is not a number");
  return v;
}

int find_column(const std::vector<std::string_view>& header, std::string_view name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

LossHistory parse_loss_csv(std::string_view text, const std::string& what) {
  LossHistory h;
  std::size_t pos = 0, line_no = 0;
  std::vector<std::string_view> header;
  int col_epoch = -1, col_train = -1, col_val = -1, col_lr = -1, col_sec = -1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const auto cells = split_commas(line);
    if (header.empty()) {
      header = cells;
      col_epoch = find_column(header, "epoch");
      col_train = find_column(header, "train");
      col_val = find_column(header, "val");
      col_lr = find_column(header, "lr");
      col_sec = find_column(header, "seconds");
      require(col_epoch >= 0 && col_train >= 0, ErrorCode::Malformed,
              what + ": the header line '" + std::string(line) + "' lacks 'epoch' or 'train'");
      continue;
    }
    const std::string where = what + ", line " + std::to_string(line_no);
    require(cells.size() == header.size(), ErrorCode::Malformed,
            where + ": " + std::to_string(cells.size()) + " fields, the header has " +
                std::to_string(header.size()));
    auto cell = [&](int col, const char* name, bool optional) {
      return col < 0 ? kNaN : parse_cell(cells[col], optional, where + ", field '" + name + "'");
    };
    h.epoch.push_back(cell(col_epoch, "epoch", false));
    h.train.push_back(cell(col_train, "train", false));
    h.val.push_back(cell(col_val, "val", true));
    h.lr.push_back(cell(col_lr, "lr", true));
    h.seconds.push_back(cell(col_sec, "seconds", true));
    h.has_val = h.has_val || std::isfinite(h.val.back());
    h.has_lr = h.has_lr || std::isfinite(h.lr.back());
  }
  require(!header.empty(), ErrorCode::Malformed, what + ": no header line (epoch,train,...)");
  return h;
}

LossHistory read_loss_csv(const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = read_file_bytes(path);
  return parse_loss_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                        path.string());
}

}  // namespace baler
