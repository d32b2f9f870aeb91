// TEXT (section 9, format 1.3): a table's text columns, kept exactly (FORMAT.md §2.11).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "baler/data_stream.hpp"

namespace baler::codec {

// Values a text block holds at most (bytes of its varint-prefixed values, before zstd).
inline constexpr std::uint64_t kTextBlockBytes = std::uint64_t{1} << 24;
inline constexpr std::uint64_t kMaxTextBlockBytes = std::uint64_t{1} << 26;

// A text column as the section records it: name, position and the bytes of its zstd frames.
struct TextColumnInfo {
  std::string name;
  std::uint64_t position = 0;
  std::uint64_t stored_bytes = 0;  // its blocks in the container
};

// Builds the TEXT payload as rows arrive: each column's values are cut into blocks of about
// kTextBlockBytes, each compressed once it is full, so memory holds the compressed text and
// one block per column.
class TextSectionWriter {
 public:
  TextSectionWriter(const DataLayout& layout, int zstd_level);
  bool empty() const { return cols_.empty(); }
  void add(const Dataset& part);  // part.text in the layout's order
  std::vector<std::byte> finish();
  // After finish(): each column's name, position and stored bytes (as describe_text_section
  // reads them back).
  std::vector<TextColumnInfo> columns() const;

 private:
  struct Col {
    std::string name;
    std::uint64_t position = 0;
    std::vector<std::byte> blocks;  // finished blocks, encoded
    std::uint64_t block_count = 0;
    std::vector<std::byte> open;    // the block being filled: varint length | bytes per value
    std::uint64_t open_rows = 0;
    std::uint64_t stored = 0;       // bytes of its zstd frames
  };
  void close_block(Col& c);
  std::vector<Col> cols_;
  int level_;
};

// The text columns of a TEXT payload. `rows` = the SCHEMA's rows (each column holds that many
// values); `numeric` = the SCHEMA's column count (positions must fit numeric + text columns).
// Throws Malformed/Limit/Corrupt naming `what` and the field.
std::vector<TextColumn> decode_text_section(std::span<const std::byte> payload, std::uint64_t rows,
                                            std::size_t numeric, const std::string& what);

std::vector<TextColumnInfo> describe_text_section(std::span<const std::byte> payload, std::uint64_t rows,
                                                  std::size_t numeric, const std::string& what);

}  // namespace baler::codec
