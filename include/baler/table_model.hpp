// The conditional table model: per column, a predictor from columns decoded before it (or
// from the column's own previous rows), and the order in which columns are decoded. Learned
// from the data by measuring code sizes (never from column names); no LibTorch.
// docs/FORMAT.md §2.9 stores it; src/infer/ runs its predictions bit for bit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baler/codec.hpp"
#include "baler/dtype.hpp"

namespace baler {

// Relation kinds. Stored in files: never renumber, add at the end. Every kind but None,
// Linear and AutoReg is an affine map of one feature g: prediction = p0 + p1 · g.
enum class RelationKind : std::uint8_t {
  None = 0,      // no prediction: the plain codec
  Linear = 1,    // p0 + Σ p(k+1) · in[k]                       (1..8 inputs)
  Hypot = 2,     // g = sqrt(a² + b²)                           (a, b)
  Atan2 = 3,     // g = atan2(b, a)                             (a, b)
  AsinhRatio = 4,// g = asinh(a / b)                            (a, b)
  Eta = 5,       // g = asinh(c / sqrt(a² + b²))                (a, b, c)
  Energy = 6,    // g = sqrt(max(0, a² + b² + c² + p2))         (a, b, c); params p0, p1, k
  PairMass = 7,  // g = sqrt(max(0, (E1+E2)² − (x1+x2)² − (y1+y2)² − (z1+z2)²))  (E1, x1, y1, z1, E2, x2, y2, z2)
  Ratio = 8,     // g = a / b                                   (a, b)
  Product = 9,   // g = a · b                                   (a, b)
  AutoReg = 10,  // the column's own previous decoded rows: mean + Σ a_k (x̃[i−k] − mean); params mean, a1..ap (p ≤ 4)
  Mlp = 11,      // one hidden ReLU layer of h units (1..32) on k inputs: params per unit w[k], b, then v[h], c
};
inline constexpr int kLastRelationKind = static_cast<int>(RelationKind::Mlp);

struct ColumnRelation {
  RelationKind kind = RelationKind::None;
  std::vector<std::uint32_t> inputs;  // indices into TableModel::names
  std::vector<double> params;
  friend bool operator==(const ColumnRelation&, const ColumnRelation&) = default;
};

struct TableModel {
  std::vector<std::string> names;       // the columns the model was derived on, in their order
  std::vector<DType> dtypes;            // their dtypes
  std::vector<std::uint32_t> order;     // decode order: a permutation of 0..n-1, inputs first
  std::vector<ColumnRelation> relations;  // one per column
  friend bool operator==(const TableModel&, const TableModel&) = default;
};

// Inputs and parameters each kind takes (Linear: 1..8 inputs, params = inputs + 1; AutoReg:
// no inputs, 2..5 params; Mlp: 1..8 inputs, h·(inputs + 2) + 1 params, 1 ≤ h ≤ 32). Throws Error(Malformed) naming `what` for anything else, for an
// input out of range or the column itself, non-finite params, an order that is not a
// permutation or that decodes a column before one of its inputs.
void check_table_model(const TableModel& m, const std::string& what);

// Decode order of relations: repeatedly the lowest-numbered column whose inputs are placed.
// Throws Error(Internal) if they form a cycle.
std::vector<std::uint32_t> table_decode_order(const std::vector<ColumnRelation>& relations);

// The model with the relations of columns whose `keep` entry is 0 removed (order recomputed:
// repeatedly the lowest-numbered column whose inputs are placed).
TableModel prune_table_model(const TableModel& m, const std::vector<std::uint8_t>& keep);

// Bytes one relation takes in the model (kind, counts, inputs, params).
inline double relation_wire_bytes(const ColumnRelation& r) {
  return 3.0 + 4.0 * static_cast<double>(r.inputs.size()) + 8.0 * static_cast<double>(r.params.size());
}

// "pt1 ≈ 1·hypot(px1, py1) + 0", "E1 ≈ sqrt(px1² + py1² + pz1² + 0.01116)", "x: plain".
std::string describe_relation(const TableModel& m, std::size_t column);

// Model bytes (FORMAT.md §2.9). `with_names` false leaves the column names and dtypes out (a
// model embedded in a container: its columns are the schema's, in order); the canonical
// encoding has them. decode_table_model takes them from `names`/`dtypes` when the bytes have
// none (Malformed if the counts differ or there are none to take).
std::vector<std::byte> encode_table_model(const TableModel& m, bool with_names = true);
TableModel decode_table_model(std::span<const std::byte> bytes, const std::string& what,
                              const std::vector<std::string>* names = nullptr,
                              const std::vector<DType>* dtypes = nullptr);
// Identity: XXH64 of the canonical encoding.
std::uint64_t table_model_hash(const TableModel& m);

// The TABLE_MODEL section: u8 storage (0 = embedded, 1 = external) | u64 hash | model bytes
// (embedded only; in containers without names, in model files with them). `names`: the
// schema's column names, for a model embedded without its own.
struct TableModelSection {
  std::uint64_t hash = 0;
  std::optional<TableModel> model;  // empty when external
};
std::vector<std::byte> encode_table_model_section(const TableModel& m, bool embedded, bool with_names = false);
TableModelSection decode_table_model_section(std::span<const std::byte> payload, const std::string& what,
                                             const std::vector<std::string>* names = nullptr,
                                             const std::vector<DType>* dtypes = nullptr);
// Bytes a container spends on an embedded model beyond its chunks: the TABLE_MODEL and
// MODEL_GAIN sections and their two section-table entries.
std::uint64_t embedded_table_model_bytes(const TableModel& m);
// What each column's relation costs when the model is embedded: its own bytes plus an equal
// share of the rest of those sections (0 for a column without a relation). The learner keeps a
// relation, and the writer uses it in a chunk, only when it saves more than this.
std::vector<double> embedded_relation_costs(const TableModel& m);

// A .balermodel file holding a table model (TABLE_MODEL section). load_table_model_file throws
// Error(ModelMismatch) for a model file of another kind (an autoencoder).
void save_table_model_file(const std::filesystem::path& path, const TableModel& m);
TableModel load_table_model_file(const std::filesystem::path& path);
// True if `path` is a model file holding a table model (reads the section table only).
bool is_table_model_file(const std::filesystem::path& path);

// A model file of either kind, an autoencoder or a table model, held while compress or
// decompress options point at it (attach).
struct AnyModel {
  std::optional<Model> ae;
  std::optional<TableModel> table;
  template <typename Options>
  void attach(Options& o) const {
    o.model = ae ? &*ae : nullptr;
    o.table_model = table ? &*table : nullptr;
  }
};

// The model in FILE, either kind, or none when the path is empty. Throws as the loaders do.
inline AnyModel load_optional_model(const std::string& path) {
  AnyModel m;
  if (path.empty()) return m;
  if (is_table_model_file(path)) m.table = load_table_model_file(path);
  else m.ae = load_model_file(path);
  return m;
}

// What learning found, for `train` and `compress --learn` to print.
struct LearnedColumn {
  std::string name;
  std::string relation;        // describe_relation
  double plain_bits = 0;       // per value on the learning sample, plain codec (estimated)
  double model_bits = 0;       // per value with the relation (measured block bytes)
};
struct LearnReport {
  std::uint64_t sample_rows = 0, rows = 0;
  std::uint64_t model_bytes = 0;         // embedded_table_model_bytes
  double plain_bytes = 0, model_bytes_est = 0;  // whole data set, estimated from the sample
  double seconds = 0;
  std::vector<LearnedColumn> columns;
};

struct LearnOptions {
  std::uint64_t sample_rows = 32768;  // first rows used for learning (row order kept)
  bool autoregression = true;         // try the columns' own previous rows
  int threads = 1;                    // the model never depends on this
};

// Derives a conditional model of `source`'s table at the bounds of `o` (rel bounds resolved
// over the whole source). Throws Error(Config) for a field. The model never depends on
// column names or on `threads`.
TableModel learn_table_model(DataSource& source, const CompressOptions& o, const LearnOptions& lo,
                             LearnReport* report = nullptr);

}  // namespace baler
