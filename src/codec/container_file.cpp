// Container framing (FORMAT.md §1): header, section payloads, section table, footer.
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/container.hpp"
#include "baler/error.hpp"

namespace baler::container {
namespace {

constexpr unsigned char kMagic[8] = {0x89, 'B', 'A', 'L', 'E', 'R', '\r', '\n'};
constexpr unsigned char kEndMagic[8] = {'B', 'A', 'L', 'E', 'R', 'E', 'N', 'D'};

std::vector<std::byte> header_bytes(FileKind kind) {
  ByteWriter w;
  w.append(kMagic, 8);
  w.le<std::uint16_t>(kFormatMajor);
  w.le<std::uint16_t>(kFormatMinor);
  w.le<std::uint8_t>(static_cast<std::uint8_t>(kind));
  w.le<std::uint8_t>(0);
  w.le<std::uint16_t>(0);
  return std::move(w.buffer());
}

std::vector<std::byte> table_bytes(const std::vector<SectionEntry>& entries) {
  ByteWriter w;
  for (const auto& e : entries) {
    w.le<std::uint32_t>(e.id);
    w.le<std::uint16_t>(e.required ? 1 : 0);
    w.le<std::uint16_t>(0);
    w.le<std::uint64_t>(e.offset);
    w.le<std::uint64_t>(e.size);
    w.le<std::uint64_t>(e.checksum);
  }
  return std::move(w.buffer());
}

std::vector<std::byte> footer_bytes(std::uint64_t table_offset, const std::vector<std::byte>& header,
                                    const std::vector<std::byte>& table, std::size_t count) {
  const std::uint64_t h = xxh64(header, table);
  ByteWriter w;
  w.le<std::uint64_t>(table_offset);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(count));
  w.le<std::uint32_t>(0);
  w.le<std::uint64_t>(h);
  w.append(kEndMagic, 8);
  return std::move(w.buffer());
}

}  // namespace

std::uint64_t xxh64(std::span<const std::byte> data) noexcept {
  return XXH64(data.data(), data.size(), 0);
}

std::uint64_t xxh64(std::span<const std::byte> a, std::span<const std::byte> b) {
  XXH64_state_t* st = XXH64_createState();
  if (!st) throw Error(ErrorCode::Internal, "XXH64_createState failed");
  XXH64_reset(st, 0);
  XXH64_update(st, a.data(), a.size());
  XXH64_update(st, b.data(), b.size());
  const std::uint64_t h = XXH64_digest(st);
  XXH64_freeState(st);
  return h;
}

// ---- writer ----

struct ContainerWriter::Impl {
  std::optional<AtomicFile> file;
  std::vector<std::byte>* memory = nullptr;
  std::vector<std::byte> header;
  void write(std::span<const std::byte> b) {
    if (memory) memory->insert(memory->end(), b.begin(), b.end());
    else file->write(b);
  }
};

ContainerWriter::ContainerWriter(const std::filesystem::path& path, FileKind kind) : impl_(std::make_unique<Impl>()) {
  impl_->file.emplace(path);
  impl_->header = header_bytes(kind);
  impl_->write(impl_->header);
  pos_ = impl_->header.size();
}

ContainerWriter::ContainerWriter(std::vector<std::byte>* out, FileKind kind) : impl_(std::make_unique<Impl>()) {
  impl_->memory = out;
  impl_->header = header_bytes(kind);
  impl_->write(impl_->header);
  pos_ = impl_->header.size();
}

ContainerWriter::~ContainerWriter() = default;
ContainerWriter::ContainerWriter(ContainerWriter&&) noexcept = default;

void ContainerWriter::add(SectionId id, bool required, std::span<const std::byte> payload) {
  require(entries_.size() < kMaxSections, ErrorCode::Limit, "too many sections in a container");
  entries_.push_back({static_cast<std::uint32_t>(id), required, pos_, payload.size(), xxh64(payload)});
  impl_->write(payload);
  pos_ += payload.size();
}

void ContainerWriter::add_file(SectionId id, bool required, const std::filesystem::path& file) {
  require(entries_.size() < kMaxSections, ErrorCode::Limit, "too many sections in a container");
  std::ifstream in(file, std::ios::binary);
  require(in.good(), ErrorCode::Io, "cannot read " + file.string());
  std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> state(XXH64_createState(), XXH64_freeState);
  if (!state || XXH64_reset(state.get(), 0) != XXH_OK) throw Error(ErrorCode::Internal, "XXH64_createState failed");
  std::vector<char> piece(std::size_t{1} << 20);
  std::uint64_t size = 0;
  while (in.read(piece.data(), static_cast<std::streamsize>(piece.size())) || in.gcount() > 0) {
    const auto bytes = std::as_bytes(std::span(piece.data(), static_cast<std::size_t>(in.gcount())));
    XXH64_update(state.get(), bytes.data(), bytes.size());
    impl_->write(bytes);
    size += bytes.size();
  }
  require(!in.bad(), ErrorCode::Io, "cannot read " + file.string());
  entries_.push_back({static_cast<std::uint32_t>(id), required, pos_, size, XXH64_digest(state.get())});
  pos_ += size;
}

void ContainerWriter::finish() {
  const auto table = table_bytes(entries_);
  const auto footer = footer_bytes(pos_, impl_->header, table, entries_.size());
  impl_->write(table);
  impl_->write(footer);
  pos_ += table.size() + footer.size();
  if (impl_->file) impl_->file->commit();
}

std::vector<std::byte> build_container(
    FileKind kind, const std::vector<std::pair<SectionEntry, std::vector<std::byte>>>& sections) {
  std::vector<std::byte> out = header_bytes(kind);
  const auto header = out;
  std::vector<SectionEntry> entries;
  for (const auto& [e, payload] : sections) {
    entries.push_back({e.id, e.required, out.size(), payload.size(), xxh64(payload)});
    out.insert(out.end(), payload.begin(), payload.end());
  }
  const auto table = table_bytes(entries);
  const auto footer = footer_bytes(out.size(), header, table, entries.size());
  out.insert(out.end(), table.begin(), table.end());
  out.insert(out.end(), footer.begin(), footer.end());
  return out;
}

// ---- reader ----

ContainerReader::ContainerReader(const std::filesystem::path& path) : ContainerReader(path, 0, ~std::uint64_t{0}, path.string()) {}

ContainerReader::ContainerReader(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t size,
                                 std::string what)
    : what_(std::move(what)), base_(offset), file_size_(size) {
  std::error_code ec;
  const auto total = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::Io, what_ + ": cannot get the file size: " + ec.message());
  if (size == ~std::uint64_t{0}) file_size_ = total;  // the whole file
  require(offset <= total && file_size_ <= total - offset, ErrorCode::Corrupt,
          what_ + ": lies past the end of " + path.string());
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw Error(ErrorCode::Io, what_ + ": cannot open for reading");
  try {
    parse();
  } catch (...) {
    std::fclose(file_);
    file_ = nullptr;
    throw;
  }
}

ContainerReader::ContainerReader(std::vector<std::byte> bytes, std::string what)
    : what_(std::move(what)), memory_(std::move(bytes)) {
  file_size_ = memory_.size();
  parse();
}

ContainerReader::ContainerReader(ContainerReader&& o) noexcept
    : what_(std::move(o.what_)), memory_(std::move(o.memory_)), file_(o.file_), base_(o.base_),
      file_size_(o.file_size_), kind_(o.kind_), minor_(o.minor_), entries_(std::move(o.entries_)) {
  o.file_ = nullptr;
}

ContainerReader::~ContainerReader() {
  if (file_) std::fclose(file_);
}

void ContainerReader::read_at(std::uint64_t offset, std::span<std::byte> out) const {
  if (offset > file_size_ || out.size() > file_size_ - offset)
    throw Error(ErrorCode::Corrupt, what_ + ": read of " + std::to_string(out.size()) +
                                        " bytes at offset " + std::to_string(offset) +
                                        " is past the end of the file (" +
                                        std::to_string(file_size_) + " bytes)");
  if (!file_) {
    if (!out.empty()) std::memcpy(out.data(), memory_.data() + offset, out.size());
    return;
  }
  if (std::fseek(file_, static_cast<long>(base_ + offset), SEEK_SET) != 0 ||
      std::fread(out.data(), 1, out.size(), file_) != out.size())
    throw Error(ErrorCode::Io, what_ + ": cannot read " + std::to_string(out.size()) +
                                   " bytes at offset " + std::to_string(offset));
}

void ContainerReader::parse() {
  require(file_size_ >= kHeaderSize + kFooterSize, ErrorCode::Corrupt,
          what_ + ": " + std::to_string(file_size_) + " bytes is too short for a baler container");
  std::vector<std::byte> header(kHeaderSize);
  read_at(0, header);
  require(std::memcmp(header.data(), kMagic, 8) == 0, ErrorCode::Malformed,
          what_ + ": not a baler container (bad magic number)");
  ByteReader h(header, what_);
  h.skip(8, "magic");
  const auto major = h.le<std::uint16_t>("major version");
  minor_ = h.le<std::uint16_t>("minor version");
  require(major == kFormatMajor, ErrorCode::Unsupported,
          what_ + ": container format version " + std::to_string(major) + "." +
              std::to_string(minor_) + " is not supported (this baler reads " +
              std::to_string(kFormatMajor) + ".x)");
  const auto kind = h.le<std::uint8_t>("file kind");
  require(kind <= 1, ErrorCode::Malformed, what_ + ": unknown file kind " + std::to_string(kind));
  kind_ = static_cast<FileKind>(kind);
  require(h.le<std::uint8_t>("reserved") == 0 && h.le<std::uint16_t>("reserved") == 0,
          ErrorCode::Malformed, what_ + ": reserved header bytes are not zero");

  std::vector<std::byte> footer(kFooterSize);
  read_at(file_size_ - kFooterSize, footer);
  require(std::memcmp(footer.data() + 24, kEndMagic, 8) == 0, ErrorCode::Corrupt,
          what_ + ": the end marker is missing (truncated or damaged file)");
  ByteReader f(footer, what_);
  const auto table_offset = f.le<std::uint64_t>("table offset");
  const auto count = f.le<std::uint32_t>("section count");
  const auto reserved = f.le<std::uint32_t>("reserved");
  const auto checksum = f.le<std::uint64_t>("table checksum");
  require(reserved == 0, ErrorCode::Corrupt, what_ + ": reserved footer bytes are not zero");
  require(count <= kMaxSections, ErrorCode::Limit,
          what_ + ": section count " + std::to_string(count) + " exceeds the limit " +
              std::to_string(kMaxSections));
  const std::uint64_t table_end = file_size_ - kFooterSize;
  require(table_offset >= kHeaderSize && table_offset <= table_end &&
              table_end - table_offset == std::uint64_t{count} * kEntrySize,
          ErrorCode::Corrupt,
          what_ + ": section table (offset " + std::to_string(table_offset) + ", " +
              std::to_string(count) + " entries) does not end where the footer starts");
  std::vector<std::byte> table(count * kEntrySize);
  read_at(table_offset, table);
  require(xxh64(header, table) == checksum, ErrorCode::Corrupt,
          what_ + ": header/section table checksum mismatch (damaged file)");

  ByteReader t(table, what_, ErrorCode::Corrupt);
  std::uint64_t next = kHeaderSize;
  entries_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    SectionEntry e;
    e.id = t.le<std::uint32_t>("section id");
    const auto flags = t.le<std::uint16_t>("section flags");
    const auto res = t.le<std::uint16_t>("section reserved");
    e.offset = t.le<std::uint64_t>("section offset");
    e.size = t.le<std::uint64_t>("section size");
    e.checksum = t.le<std::uint64_t>("section checksum");
    require((flags & ~1u) == 0 && res == 0, ErrorCode::Malformed,
            what_ + ": section " + std::to_string(i) + " has reserved flag bits set");
    e.required = (flags & 1u) != 0;
    require(e.offset >= next && e.offset <= table_offset && e.size <= table_offset - e.offset,
            ErrorCode::Corrupt,
            what_ + ": section " + std::to_string(i) + " (offset " + std::to_string(e.offset) +
                ", size " + std::to_string(e.size) + ") lies outside the payload area or overlaps");
    next = e.offset + e.size;
    entries_.push_back(e);
  }
}

int ContainerReader::find(SectionId id) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].id == static_cast<std::uint32_t>(id)) return static_cast<int>(i);
  return -1;
}

std::vector<std::byte> ContainerReader::section(std::size_t i) const {
  std::vector<std::byte> out;
  section_into(i, out);
  return out;
}

void ContainerReader::section_into(std::size_t i, std::vector<std::byte>& out) const {
  require(i < entries_.size(), ErrorCode::Internal, what_ + ": section index out of range");
  const auto& e = entries_[i];
  out.resize(e.size);  // size checked against the file size in parse()
  read_at(e.offset, out);
  require(xxh64(out) == e.checksum, ErrorCode::Corrupt,
          what_ + ": checksum mismatch in section " + std::to_string(i) + " (id " +
              std::to_string(e.id) + ", offset " + std::to_string(e.offset) + ")");
}

std::vector<std::byte> ContainerReader::section(SectionId id) const {
  const int i = find(id);
  require(i >= 0, ErrorCode::Malformed,
          what_ + ": required section id " + std::to_string(static_cast<std::uint32_t>(id)) +
              " is missing");
  return section(static_cast<std::size_t>(i));
}

}  // namespace baler::container
