// Error-bounded compression of tables and fields into one .baler container, and back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baler/array.hpp"
#include "baler/config.hpp"
#include "baler/data_stream.hpp"
#include "baler/hdf5_tree.hpp"
#include "baler/model.hpp"
#include "baler/ratio.hpp"

namespace baler {

struct TableModel;  // baler/table_model.hpp

// One error bound, as written in configs and on the command line:
//   "abs=0.01"    |x - x~| <= 0.01
//   "rel=1e-3"    |x - x~| <= 1e-3 * (max - min) of the column's finite values
//   "pw_rel=1e-2" |x - x~| <= 1e-2 * |x|   (pointwise relative; sign and zeros kept)
//   "exact"       bit-identical
//   "none"        Baler's pure autoencoder: the model's output, no guarantee
// Stored in files (SCHEMA): never renumber.
enum class BoundKind : std::uint8_t { Abs = 0, Rel = 1, PwRel = 2, Exact = 3, None = 4 };

struct ErrorBound {
  BoundKind kind = BoundKind::Rel;
  double value = 1e-3;  // abs: absolute; rel: fraction of the range; pw_rel: fraction of |x|
  friend bool operator==(const ErrorBound&, const ErrorBound&) = default;
};

// Parses "abs=…", "rel=…", "pw_rel=…", "exact", "none". Throws Error(Config) naming the text.
ErrorBound parse_error_bound(std::string_view text);
std::string bound_string(const ErrorBound& b);

// Called after each chunk of a pass over the rows: the stage ("scanning" for the range pass,
// "learning", "compressing", "decompressing", "verifying"), rows done and rows in all of that
// stage. From the calling thread, in order; never changes what is written.
using ProgressFn = std::function<void(std::string_view stage, std::uint64_t done, std::uint64_t total)>;

struct CompressOptions {
  ErrorBound bound;                                  // default for every column / the field
  std::map<std::string, ErrorBound> column_bounds;   // per column; keys are names or globs (*, ?)
  bool detect_integers = true;  // integer-valued float columns without an explicit bound: exact
  const Model* model = nullptr; // predictor (dense or conv; tables or fields); null = no model
  bool external_model = false;  // record only the model's hash instead of embedding the decoder
  const TableModel* table_model = nullptr;  // conditional table model (tables; not with `model`)
  bool learn = false;  // derive a table model from this input first and embed it (compress --learn)
  std::string weight_precision = "auto";  // auto | f32 | f16 | int8 (embedded decoder weights)
  // Rows (tables) or frames (fields) per chunk; 0 = auto: 32768 rows of a table, as many frames
  // of a field as hold 2^20 values (at least one), so that a large field has enough chunks to
  // keep every thread busy.
  std::int64_t chunk_rows = 0;
  int zstd_level = 12;        // lossless blocks (19: ~0.5 % smaller on nanoAOD, 40 % slower)
  std::string source_format;  // recorded for decompress's default output ("npz", "csv", ...)
  std::string source_name;    // file name of the input, for info
  int threads = 1;            // worker threads (chunks in parallel); output is identical
  ProgressFn on_progress;     // empty = no reports
};

// What compress produced (also what `info` reports).
struct ColumnCoding {
  std::string name;
  std::string dtype;
  ErrorBound requested;
  double abs_bound = 0;        // resolved absolute bound (0 for exact; pw_rel: the fraction)
  std::string methods;         // methods used over the chunks, e.g. "quant(center)", "int(delta)"
  std::uint64_t bytes = 0;     // compressed bytes of this column over all chunks
  std::uint64_t outliers = 0;  // values stored exactly because the bound would break
  double max_error = 0;        // largest |x - x~| measured at compression
  std::int64_t model_saved = 0;  // table model: bytes the plain codec would have used minus `bytes`
  std::string relation;          // table model: the column's relation (describe_relation), or ""
};

struct CompressSummary {
  std::uint64_t file_bytes = 0;
  std::uint64_t model_bytes = 0;  // bytes of the embedded decoder sections (0 if none/external)
  std::uint64_t raw_f32_bytes = 0;  // element count x 4
  std::uint64_t chunks = 0;
  std::uint64_t model_hash = 0;     // 0 = no model
  std::string model_storage;        // none | embedded(f16) | external ...
  std::string model_kind;           // "" (none), the autoencoder's architecture, or "table model"
  std::vector<ColumnCoding> columns;
};

// Bounds, storage, chunking and zstd level from a project's [compression] section (model
// not set). Throws Error(Config) naming the option for a bad bound.
CompressOptions compress_options_from_config(const CompressionConfig& c);

// Compresses `data` into `out` (written atomically). Throws Error(Config) for bad bounds,
// Error(ModelMismatch) when the model's features do not match the columns (tables) or its
// sample shape the frames (fields), Error(Unsupported) for model layers the deterministic
// kernel does not run or samples larger than a chunk.
CompressSummary compress_dataset(const Dataset& data, const std::filesystem::path& out,
                                 const CompressOptions& options);
// The same from a source read in parts: pass 1 (only when a column has a rel bound or integer
// detection) reads it chunk by chunk for the finite ranges; pass 2 encodes chunks on `threads`
// threads while one reads the next and another writes each CHUNK section as soon as it and the
// ones before are done (at most threads + 1 chunks held). Memory: O(threads x chunk), whatever
// the source's size. The bytes
// equal compress_dataset's on the same data (compress_dataset is this on a MemorySource).
CompressSummary compress_source(DataSource& source, const std::filesystem::path& out,
                                const CompressOptions& options);
// The container's bytes in memory (the same bytes compress_dataset writes to a file).
std::vector<std::byte> compress_to_memory(const Dataset& data, const CompressOptions& options,
                                          CompressSummary* summary = nullptr);
std::vector<std::byte> compress_to_memory(DataSource& source, const CompressOptions& options,
                                          CompressSummary* summary = nullptr);

// A container: a file, or one data set of a bundle (format 1.3: one container holding several
// data sets, an HDF5 file's datasets), named by its object path ("/fields/u"). On the command
// line: FILE.baler:/fields/u.
struct ContainerRef {
  std::filesystem::path path;
  std::string member;  // empty: the file itself
  ContainerRef(std::filesystem::path p, std::string m = {}) : path(std::move(p)), member(std::move(m)) {}
  ContainerRef(const std::string& p) : path(p) {}
  ContainerRef(const char* p) : path(p) {}
  std::string what() const { return member.empty() ? path.string() : path.string() + ":" + member; }
};

// A bundle's contents: its members' object paths, in the order stored, and the source file's
// groups, datasets and attributes.
struct BundleContents {
  std::vector<std::string> members;
  Hdf5Tree tree;
};
// The contents of a bundle, or nullopt for a container of one data set. Throws as decompress.
std::optional<BundleContents> read_bundle(const std::filesystem::path& path);
// Writes a bundle (atomically): each member a finished container file, copied whole, under
// its object path. Throws Error(Io|Usage) (a repeated or relative object path).
void write_bundle(const std::filesystem::path& out,
                  const std::vector<std::pair<std::string, std::filesystem::path>>& members, const Hdf5Tree& tree);

struct DecompressOptions {
  std::optional<std::int64_t> row_begin, row_end;  // [begin, end) rows/frames; empty = all
  const Model* model = nullptr;  // required when the container references an external model
  const TableModel* table_model = nullptr;  // the same for an external table model
  int threads = 1;               // decoded bytes never depend on this
  ProgressFn on_progress;        // "decompressing" (verify: "verifying") rows; empty = none
  // A ROOT bundle written as .root: RNTuples as TTrees of their tables (RootWriteOptions).
  bool rntuples_as_ttrees = false;
  // Notes of the writer; one naming what the output will not hold starts with kLeftOutNote.
  std::function<void(const std::string&)> on_note;
};

// Decompresses a container: same kind, column names, dtypes and shape as the input. Throws
// Error(Io|Corrupt|Malformed|Limit|Unsupported|ModelMismatch); Error(Usage) for a bundle
// named without a member (naming its members).
Dataset decompress_file(const ContainerRef& ref, const DecompressOptions& options = {});
struct ContainerDescription;
// The same from a container held in memory (`what` names it in messages); `description`, when
// given, receives what read_container_description would say of it.
Dataset decompress_memory(std::vector<std::byte> bytes, const std::string& what,
                          const DecompressOptions& options = {}, ContainerDescription* description = nullptr);

// What decompress_into gives for `options`: the container's kind, names, dtypes and shape,
// with rows = the selected range. Throws as decompress_file.
DataLayout container_layout(const ContainerRef& ref, const DecompressOptions& options = {});
// Decodes the selected rows chunk by chunk into `sink` (rows in order; the caller commits the
// sink). Only the chunks that overlap the range are read; at most `threads` + 1 decoded
// chunks are held at a time.
void decompress_into(const ContainerRef& ref, DataSink& sink, const DecompressOptions& options = {});

// Facts about a container without decoding the data (for `baler info`).
struct ContainerDescription {
  std::string kind;               // table | field
  std::string source_format, source_name;
  std::vector<std::int64_t> shape;  // field shape, or {rows, columns}
  std::uint64_t file_bytes = 0, model_bytes = 0, raw_f32_bytes = 0;
  std::uint64_t model_hash = 0;
  std::string model_storage;
  std::string model_kind;           // "", an autoencoder's architecture, or "table model"
  std::shared_ptr<const TableModel> table_model;  // the table model, when embedded or a model file
  std::uint64_t chunks = 0;
  std::vector<std::pair<std::string, std::uint64_t>> sections;  // name, bytes
  std::vector<ColumnCoding> columns;  // from SCHEMA and STATS
  bool is_model_file = false;
};
ContainerDescription read_container_description(const ContainerRef& ref);
// Human-readable text of the above (sections, sizes, ratios with and without the model,
// bounds, model hash, fallbacks chosen).
std::string describe_container(const ContainerRef& ref);

// The bound of each column as stored in a container, checked against an original data set.
struct ColumnCheck {
  std::string name;
  ErrorBound requested;
  double abs_bound = 0;
  double max_abs_error = 0;
  std::uint64_t violations = 0;  // values outside the bound (NaN/Inf must match exactly)
};
struct VerifyReport {
  std::vector<ColumnCheck> columns;
  std::uint64_t violations = 0;
};
// Decompresses `path` and compares it with `original` value by value, each column against
// the bound recorded in the container. Throws Error(Malformed) if shapes or names differ.
VerifyReport verify_container(const ContainerRef& ref, const Dataset& original,
                              const DecompressOptions& options = {});
// The same against a source read chunk by chunk alongside the container's chunks.
VerifyReport verify_container(const ContainerRef& ref, DataSource& original,
                              const DecompressOptions& options = {});

}  // namespace baler
