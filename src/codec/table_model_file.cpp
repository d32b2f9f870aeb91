// The conditional table model as bytes (FORMAT.md §2.9), its checks and model files.
#include <cmath>
#include <cstdio>
#include <numeric>

#include "baler/container.hpp"
#include "baler/table_model.hpp"
#include "wire.hpp"

namespace baler {
namespace {

constexpr std::uint32_t kMaxColumns = 1u << 20;
constexpr std::size_t kMaxInputs = 8;
constexpr std::size_t kMaxParams = 16;

// Inputs and params a kind takes: {min inputs, max inputs, min params, max params}; params of
// Linear are inputs + 1.
struct Arity {
  std::size_t in_lo, in_hi, p_lo, p_hi;
};
Arity arity(RelationKind k) {
  switch (k) {
    case RelationKind::None: return {0, 0, 0, 0};
    case RelationKind::Linear: return {1, kMaxInputs, 2, kMaxInputs + 1};
    case RelationKind::Hypot:
    case RelationKind::Atan2:
    case RelationKind::AsinhRatio:
    case RelationKind::Ratio:
    case RelationKind::Product: return {2, 2, 2, 2};
    case RelationKind::Eta: return {3, 3, 2, 2};
    case RelationKind::Energy: return {3, 3, 3, 3};
    case RelationKind::PairMass: return {8, 8, 2, 2};
    case RelationKind::AutoReg: return {0, 0, 2, 5};
  }
  return {1, 0, 1, 0};  // unknown: nothing fits
}

const char* kind_name(RelationKind k) {
  static const char* names[] = {"plain", "linear", "hypot", "atan2", "asinh-ratio", "eta", "energy",
                                "pair-mass", "ratio", "product", "autoregression"};
  const int i = static_cast<int>(k);
  return i >= 0 && i <= kLastRelationKind ? names[i] : "?";
}

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

}  // namespace

void check_table_model(const TableModel& m, const std::string& what) {
  const std::size_t n = m.names.size();
  require(n >= 1 && n <= kMaxColumns, ErrorCode::Malformed, what + ": table model has " + std::to_string(n) + " columns");
  require(m.dtypes.size() == n && m.relations.size() == n && m.order.size() == n, ErrorCode::Malformed,
          what + ": table model column lists differ in length");
  std::vector<std::size_t> pos(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    require(m.order[i] < n && pos[m.order[i]] == n, ErrorCode::Malformed,
            what + ": table model column order is not a permutation (entry " + std::to_string(i) + ")");
    pos[m.order[i]] = i;
  }
  for (std::size_t j = 0; j < n; ++j) {
    const auto& r = m.relations[j];
    const std::string col = what + ": table model column " + std::to_string(j) + " (" + m.names[j] + ")";
    require(static_cast<int>(r.kind) <= kLastRelationKind, ErrorCode::Malformed,
            col + ": unknown relation kind " + std::to_string(static_cast<int>(r.kind)));
    const Arity a = arity(r.kind);
    const bool params_ok = r.kind == RelationKind::Linear ? r.params.size() == r.inputs.size() + 1
                                                          : r.params.size() >= a.p_lo && r.params.size() <= a.p_hi;
    require(r.inputs.size() >= a.in_lo && r.inputs.size() <= a.in_hi && params_ok, ErrorCode::Malformed,
            col + ": relation " + kind_name(r.kind) + " with " + std::to_string(r.inputs.size()) + " inputs and " +
                std::to_string(r.params.size()) + " parameters");
    for (double p : r.params) require(std::isfinite(p), ErrorCode::Malformed, col + ": a parameter is not finite");
    for (auto in : r.inputs) {
      require(in < n && in != j, ErrorCode::Malformed,
              col + ": input column " + std::to_string(in) + " is out of range or the column itself");
      require(pos[in] < pos[j], ErrorCode::Malformed,
              col + ": input column " + m.names[in] + " is decoded after it (a cycle in the column order)");
    }
  }
}

std::string describe_relation(const TableModel& m, std::size_t j) {
  const auto& r = m.relations[j];
  auto in = [&](std::size_t k) { return m.names[r.inputs[k]]; };
  const std::string& y = m.names[j];
  std::string g;
  switch (r.kind) {
    case RelationKind::None: return y + ": plain";
    case RelationKind::Linear: {
      std::string s = y + " ≈ " + num(r.params[0]);
      for (std::size_t k = 0; k < r.inputs.size(); ++k) s += " + " + num(r.params[k + 1]) + "·" + in(k);
      return s;
    }
    case RelationKind::AutoReg: {
      std::string s = y + " ≈ autoregression on its previous " + std::to_string(r.params.size() - 1) + " rows (";
      for (std::size_t k = 1; k < r.params.size(); ++k) s += (k > 1 ? ", " : "") + num(r.params[k]);
      return s + ")";
    }
    case RelationKind::Hypot: g = "hypot(" + in(0) + ", " + in(1) + ")"; break;
    case RelationKind::Atan2: g = "atan2(" + in(1) + ", " + in(0) + ")"; break;
    case RelationKind::AsinhRatio: g = "asinh(" + in(0) + " / " + in(1) + ")"; break;
    case RelationKind::Eta: g = "asinh(" + in(2) + " / hypot(" + in(0) + ", " + in(1) + "))"; break;
    case RelationKind::Energy:
      g = "sqrt(" + in(0) + "² + " + in(1) + "² + " + in(2) + "² + " + num(r.params[2]) + ")";
      break;
    case RelationKind::PairMass:
      g = "mass((" + in(0) + ", " + in(1) + ", " + in(2) + ", " + in(3) + ") + (" + in(4) + ", " + in(5) + ", " +
          in(6) + ", " + in(7) + "))";
      break;
    case RelationKind::Ratio: g = in(0) + " / " + in(1); break;
    case RelationKind::Product: g = in(0) + " · " + in(1); break;
  }
  return y + " ≈ " + num(r.params[1]) + "·" + g + " + " + num(r.params[0]);
}

std::vector<std::byte> encode_table_model(const TableModel& m) {
  check_table_model(m, "table model");
  ByteWriter w;
  w.le<std::uint32_t>(static_cast<std::uint32_t>(m.names.size()));
  for (std::size_t j = 0; j < m.names.size(); ++j) {
    codec::put_string(w, m.names[j]);
    w.le<std::uint8_t>(static_cast<std::uint8_t>(m.dtypes[j]));
  }
  for (const auto& r : m.relations) {
    w.le<std::uint8_t>(static_cast<std::uint8_t>(r.kind));
    w.le<std::uint8_t>(static_cast<std::uint8_t>(r.inputs.size()));
    for (auto in : r.inputs) w.le<std::uint32_t>(in);
    w.le<std::uint8_t>(static_cast<std::uint8_t>(r.params.size()));
    for (double p : r.params) w.le<double>(p);
  }
  for (auto o : m.order) w.le<std::uint32_t>(o);
  return std::move(w.buffer());
}

TableModel decode_table_model(std::span<const std::byte> bytes, const std::string& what) {
  ByteReader r(bytes, what + " table model");
  TableModel m;
  const auto n = codec::get_count(r, r.le<std::uint32_t>("column count"), kMaxColumns, 6, "column count");
  if (n == 0) r.fail("table model has no columns");
  for (std::uint64_t j = 0; j < n; ++j) {
    m.names.push_back(codec::get_string(r, 4096, "column name"));
    m.dtypes.push_back(dtype_from_code(r.le<std::uint8_t>("column dtype"), r.what() + " column dtype"));
  }
  for (std::uint64_t j = 0; j < n; ++j) {
    ColumnRelation rel;
    const auto kind = r.le<std::uint8_t>("relation kind");
    if (kind > kLastRelationKind) r.fail("unknown relation kind " + std::to_string(kind) + " for column " + m.names[j]);
    rel.kind = static_cast<RelationKind>(kind);
    const auto ni = codec::get_count(r, r.le<std::uint8_t>("input count"), kMaxInputs, 4, "input count");
    for (std::uint64_t k = 0; k < ni; ++k) rel.inputs.push_back(r.le<std::uint32_t>("input column"));
    const auto np = codec::get_count(r, r.le<std::uint8_t>("parameter count"), kMaxParams, 8, "parameter count");
    for (std::uint64_t k = 0; k < np; ++k) rel.params.push_back(r.le<double>("parameter"));
    m.relations.push_back(std::move(rel));
  }
  codec::get_count(r, n, kMaxColumns, 4, "column order");
  for (std::uint64_t j = 0; j < n; ++j) m.order.push_back(r.le<std::uint32_t>("column order"));
  codec::expect_end(r, "table model");
  check_table_model(m, what);
  return m;
}

std::uint64_t table_model_hash(const TableModel& m) { return container::xxh64(encode_table_model(m)); }

std::vector<std::byte> encode_table_model_section(const TableModel& m, bool embedded) {
  ByteWriter w;
  w.le<std::uint8_t>(embedded ? 0 : 1);
  const auto bytes = encode_table_model(m);
  w.le<std::uint64_t>(container::xxh64(bytes));
  if (embedded) w.append(bytes);
  return std::move(w.buffer());
}

TableModelSection decode_table_model_section(std::span<const std::byte> payload, const std::string& what) {
  ByteReader r(payload, what + " TABLE_MODEL");
  const auto storage = r.le<std::uint8_t>("table model storage");
  if (storage > 1) r.fail("unknown table model storage " + std::to_string(storage));
  TableModelSection s;
  s.hash = r.le<std::uint64_t>("table model hash");
  if (storage == 1) {
    codec::expect_end(r, "TABLE_MODEL");
    return s;
  }
  const auto bytes = r.bytes(r.remaining(), "table model");
  require(container::xxh64(bytes) == s.hash, ErrorCode::Corrupt, r.what() + ": table model hash does not match its bytes");
  s.model = decode_table_model(bytes, what);
  return s;
}

void save_table_model_file(const std::filesystem::path& path, const TableModel& m) {
  using namespace container;
  ContainerWriter cw(path, FileKind::Model);
  cw.add(SectionId::TableModel, true, encode_table_model_section(m, true));
  cw.finish();
}

bool is_table_model_file(const std::filesystem::path& path) {
  container::ContainerReader r(path);
  return r.kind() == container::FileKind::Model && r.find(container::SectionId::TableModel) >= 0;
}

TableModel load_table_model_file(const std::filesystem::path& path) {
  container::ContainerReader r(path);
  require(r.kind() == container::FileKind::Model, ErrorCode::Malformed,
          r.what() + ": is a data container, not a model file");
  require(r.find(container::SectionId::TableModel) >= 0, ErrorCode::ModelMismatch,
          r.what() + ": holds an autoencoder, not a table model");
  const auto payload = r.section(container::SectionId::TableModel);
  const auto ref = decode_table_model_section(payload, r.what());
  require(ref.model.has_value(), ErrorCode::Malformed, r.what() + ": model file refers to an external table model");
  return *ref.model;
}

}  // namespace baler
