// The .baler / .balermodel container: header, section table, footer, tensor table (docs/FORMAT.md).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "baler/model.hpp"

namespace baler::container {

inline constexpr std::uint16_t kFormatMajor = 1;
inline constexpr std::uint16_t kFormatMinor = 4;  // 1.4: token trees (1.3: text columns, several data sets; 1.2: the table model)
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kEntrySize = 32;
inline constexpr std::size_t kFooterSize = 32;
inline constexpr std::uint32_t kMaxSections = 1u << 20;

enum class FileKind : std::uint8_t { Data = 0, Model = 1 };

// Section ids (FORMAT.md §2). Stored in files: never renumber.
enum class SectionId : std::uint32_t {
  Schema = 1,
  ModelMeta = 2,
  Tensors = 3,
  ModelRef = 4,
  ChunkIndex = 5,
  Stats = 6,
  TableModel = 7,  // format 1.2: the conditional table model, embedded or referenced by hash
  ModelGain = 8,   // format 1.2, optional: per column, bytes the plain codec would have used
  Text = 9,        // format 1.3: a table's text columns, kept exactly
  DataSets = 10,   // format 1.3: a bundle's members (object paths) and the source's tree
  Chunk = 16,
  Member = 17,     // format 1.3: one data set of a bundle, a complete container
};

struct SectionEntry {
  std::uint32_t id = 0;
  bool required = true;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t checksum = 0;
};

std::uint64_t xxh64(std::span<const std::byte> data) noexcept;
// XXH64 of a ‖ b (two buffers hashed as one).
std::uint64_t xxh64(std::span<const std::byte> a, std::span<const std::byte> b);

// Builds a container section by section. Sections are streamed to `path` through an
// AtomicFile (or appended to a buffer) as they are added; finish() writes the table and footer
// and commits.
class ContainerWriter {
 public:
  ContainerWriter(const std::filesystem::path& path, FileKind kind);
  // Into memory: the container's bytes are appended to *out (which must outlive the writer).
  ContainerWriter(std::vector<std::byte>* out, FileKind kind);
  ~ContainerWriter();
  ContainerWriter(ContainerWriter&&) noexcept;
  void add(SectionId id, bool required, std::span<const std::byte> payload);
  // The same with the payload read from `file` in pieces of 1 MiB (a bundle's member, a whole
  // container): memory stays O(1 MiB) whatever its size. Throws Error(Io).
  void add_file(SectionId id, bool required, const std::filesystem::path& file);
  void finish();
  std::uint64_t bytes_written() const { return pos_; }
  const std::vector<SectionEntry>& entries() const { return entries_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<SectionEntry> entries_;
  std::uint64_t pos_ = 0;
};

// Serialises a whole container in memory (tests, model hashing).
std::vector<std::byte> build_container(FileKind kind,
                                       const std::vector<std::pair<SectionEntry, std::vector<std::byte>>>& sections);

// Reads a container from a file (sections on demand) or from memory. The constructor checks
// magic, versions, reserved bits, footer, table checksum and the layout of every entry;
// section() verifies the payload's checksum. Errors: Io, Corrupt, Malformed, Unsupported,
// Limit, each naming `what` (the file) and the field.
class ContainerReader {
 public:
  explicit ContainerReader(const std::filesystem::path& path);
  ContainerReader(std::vector<std::byte> bytes, std::string what);
  // The container stored in bytes [offset, offset + size) of a file (a bundle's member; size
  // ~0: to the end of the file).
  ContainerReader(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t size, std::string what);
  ~ContainerReader();
  ContainerReader(ContainerReader&&) noexcept;

  FileKind kind() const { return kind_; }
  std::uint16_t minor_version() const { return minor_; }
  std::uint64_t file_size() const { return file_size_; }
  const std::string& what() const { return what_; }
  const std::vector<SectionEntry>& entries() const { return entries_; }
  // Index of the first section with this id, or -1.
  int find(SectionId id) const;
  // Payload of entry i, checksum verified.
  std::vector<std::byte> section(std::size_t i) const;
  // The same into `out` (resized; its memory is reused when it has room).
  void section_into(std::size_t i, std::vector<std::byte>& out) const;
  // Payload of the one section with this id; throws Malformed if absent.
  std::vector<std::byte> section(SectionId id) const;

 private:
  void read_at(std::uint64_t offset, std::span<std::byte> out) const;
  void parse();
  std::string what_;
  std::vector<std::byte> memory_;
  std::FILE* file_ = nullptr;
  std::uint64_t base_ = 0;  // where the container starts in file_
  std::uint64_t file_size_ = 0;
  FileKind kind_ = FileKind::Data;
  std::uint16_t minor_ = 0;
  std::vector<SectionEntry> entries_;
};

// Weight storage in the tensor table (FORMAT.md §2.2).
enum class TensorStorage : std::uint8_t { F32 = 0, F16 = 1, Int8 = 2 };

// MODEL_META + TENSORS payloads of a model. `with_encoder` false leaves the encoder out
// (embedded decoders); weights are stored with `storage` (F32 is the canonical form).
struct ModelSections {
  std::vector<std::byte> meta;
  std::vector<std::byte> tensors;
};
ModelSections encode_model(const Model& model, TensorStorage storage, bool with_encoder);
// Inverse of encode_model. Weights come back as float32 (dequantised). Throws Malformed/Limit.
Model decode_model(std::span<const std::byte> meta, std::span<const std::byte> tensors,
                   const std::string& what);
// Model with every weight rounded through `storage` (what a decoder reading it will see).
Model quantize_weights(const Model& model, TensorStorage storage);

// Model file helpers that also report the hash stored implicitly in the file.
struct LoadedModel {
  Model model;
  std::uint64_t hash = 0;
};
LoadedModel load_model_with_hash(const std::filesystem::path& path);

}  // namespace baler::container
