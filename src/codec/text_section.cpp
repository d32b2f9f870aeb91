// TEXT section: per text column, its name, its position among the table's columns and blocks of
// values (varint length | UTF-8 bytes each), zstd-compressed (FORMAT.md §2.11).
#include "text_section.hpp"

#include <algorithm>

#include "column_codec.hpp"
#include "wire.hpp"

namespace baler::codec {

namespace {
constexpr std::uint64_t kMaxTextColumns = std::uint64_t{1} << 20;
constexpr std::uint32_t kMaxName = 4096;
}  // namespace

TextSectionWriter::TextSectionWriter(const DataLayout& l, int zstd_level) : level_(zstd_level) {
  for (std::size_t t = 0; t < l.text_names.size(); ++t) {
    Col c;
    c.name = l.text_names[t];
    c.position = l.text_positions[t];
    cols_.push_back(std::move(c));
  }
}

void TextSectionWriter::close_block(Col& c) {
  if (c.open_rows == 0) return;
  ByteWriter w;
  put_varint(w, c.open_rows);
  put_varint(w, c.open.size());
  const auto z = zstd_compress(c.open, level_);
  put_varint(w, z.size());
  w.append(z);
  c.stored += z.size();
  c.blocks.insert(c.blocks.end(), w.buffer().begin(), w.buffer().end());
  ++c.block_count;
  c.open.clear();
  c.open_rows = 0;
}

void TextSectionWriter::add(const Dataset& part) {
  require(part.text.size() == cols_.size(), ErrorCode::Internal, "text columns differ from the layout");
  for (std::size_t t = 0; t < cols_.size(); ++t) {
    Col& c = cols_[t];
    for (const auto& v : part.text[t].values) {
      require(v.size() < kMaxTextBlockBytes / 2, ErrorCode::Limit,
              "text column '" + c.name + "' holds a value of " + std::to_string(v.size()) + " bytes (limit 32 MiB)");
      ByteWriter w;
      put_varint(w, v.size());
      if (c.open.size() + w.size() + v.size() > kTextBlockBytes) close_block(c);
      c.open.insert(c.open.end(), w.buffer().begin(), w.buffer().end());
      const auto* p = reinterpret_cast<const std::byte*>(v.data());
      c.open.insert(c.open.end(), p, p + v.size());
      ++c.open_rows;
    }
  }
}

std::vector<TextColumnInfo> TextSectionWriter::columns() const {
  std::vector<TextColumnInfo> out;
  for (const auto& c : cols_) out.push_back({c.name, c.position, c.stored});
  return out;
}

std::vector<std::byte> TextSectionWriter::finish() {
  ByteWriter w;
  put_varint(w, cols_.size());
  for (auto& c : cols_) {
    close_block(c);
    put_string(w, c.name);
    put_varint(w, c.position);
    put_varint(w, c.block_count);
    w.append(c.blocks);
    c.blocks = {};
  }
  return std::move(w.buffer());
}

namespace {

// Walks the payload; for each column calls on_column(name, position) then, per block,
// on_block(rows, unpacked size, stored bytes). Checks every count and the positions.
template <typename OnColumn, typename OnBlock>
void walk_text(std::span<const std::byte> payload, std::uint64_t rows, std::size_t numeric, const std::string& what,
               OnColumn on_column, OnBlock on_block) {
  ByteReader r(payload, what + " TEXT");
  // A column takes at least 6 bytes: name length (4), position and block count (1 each).
  const auto n = get_count(r, get_varint(r, "text column count"), kMaxTextColumns, 6, "text column count");
  require(n > 0, ErrorCode::Malformed, what + " TEXT: no text columns");
  std::uint64_t prev = 0;
  for (std::uint64_t t = 0; t < n; ++t) {
    const std::string name = get_string(r, kMaxName, "text column name");
    const std::uint64_t pos = get_varint(r, "text column position");
    if (pos >= numeric + n || (t > 0 && pos <= prev))
      r.fail("text column '" + name + "' has position " + std::to_string(pos) +
             " (positions must increase and lie below " + std::to_string(numeric + n) + ")");
    prev = pos;
    on_column(name, pos);
    const auto blocks = get_count(r, get_varint(r, "text block count"), rows + 1, 3, "text block count");
    std::uint64_t got = 0;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      const std::uint64_t brows = get_varint(r, "text block rows");
      const std::uint64_t raw = get_varint(r, "text block size");
      const std::uint64_t stored = get_varint(r, "text block stored size");
      if (brows == 0 || brows > rows - got) r.fail("text column '" + name + "' has more values than the table's rows");
      if (raw > kMaxTextBlockBytes)
        throw Error(ErrorCode::Limit, what + " TEXT: a block of text column '" + name + "' unpacks to " +
                                          std::to_string(raw) + " bytes (limit 2^26)");
      if (raw < brows) r.fail("text block of '" + name + "' is too small for its values");
      on_block(brows, raw, r.bytes(stored, "text block"));
      got += brows;
    }
    if (got != rows)
      r.fail("text column '" + name + "' has " + std::to_string(got) + " values for " + std::to_string(rows) + " rows");
  }
  expect_end(r, "TEXT");
}

}  // namespace

std::vector<TextColumn> decode_text_section(std::span<const std::byte> payload, std::uint64_t rows,
                                            std::size_t numeric, const std::string& what) {
  std::vector<TextColumn> cols;
  walk_text(payload, rows, numeric, what,
            [&](const std::string& name, std::uint64_t pos) { cols.push_back({name, static_cast<std::size_t>(pos), {}}); },
            [&](std::uint64_t brows, std::uint64_t raw, std::span<const std::byte> stored) {
              const auto bytes = zstd_decompress(stored, static_cast<std::size_t>(raw));
              ByteReader br(bytes, what + " TEXT block of '" + cols.back().name + "'");
              auto& out = cols.back().values;
              for (std::uint64_t i = 0; i < brows; ++i) {
                const auto len = get_varint(br, "text value length");
                const auto b = br.bytes(len, "text value");
                out.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
              }
              expect_end(br, "text block");
            });
  return cols;
}

std::vector<TextColumnInfo> describe_text_section(std::span<const std::byte> payload, std::uint64_t rows,
                                                  std::size_t numeric, const std::string& what) {
  std::vector<TextColumnInfo> cols;
  walk_text(payload, rows, numeric, what,
            [&](const std::string& name, std::uint64_t pos) { cols.push_back({name, pos, 0}); },
            [&](std::uint64_t, std::uint64_t, std::span<const std::byte> stored) { cols.back().stored_bytes += stored.size(); });
  return cols;
}

}  // namespace baler::codec
