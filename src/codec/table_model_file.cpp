// The conditional table model as bytes (FORMAT.md §2.9), its checks and model files.
#include <algorithm>
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
constexpr std::size_t kMaxParams = 512;
constexpr std::size_t kMaxHidden = 32;

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
    case RelationKind::Mlp: return {1, kMaxInputs, 4, kMaxParams};
  }
  return {1, 0, 1, 0};  // unknown: nothing fits
}

const char* kind_name(RelationKind k) {
  static const char* names[] = {"plain", "linear", "hypot", "atan2", "asinh-ratio", "eta", "energy",
                                "pair-mass", "ratio", "product", "autoregression", "mlp"};
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
    bool params_ok = r.kind == RelationKind::Linear ? r.params.size() == r.inputs.size() + 1
                                                    : r.params.size() >= a.p_lo && r.params.size() <= a.p_hi;
    if (r.kind == RelationKind::Mlp) {  // h units of (inputs weights, bias), h output weights, constant
      const std::size_t per = r.inputs.size() + 2;
      params_ok = params_ok && (r.params.size() - 1) % per == 0 && (r.params.size() - 1) / per <= kMaxHidden;
    }
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

std::vector<std::uint32_t> table_decode_order(const std::vector<ColumnRelation>& rel) {
  std::vector<std::uint32_t> order;
  std::vector<bool> placed(rel.size(), false);
  while (order.size() < rel.size()) {
    std::size_t before = order.size();
    for (std::uint32_t j = 0; j < rel.size(); ++j) {
      if (placed[j]) continue;
      if (std::all_of(rel[j].inputs.begin(), rel[j].inputs.end(), [&](std::uint32_t k) { return k < rel.size() && placed[k]; })) {
        placed[j] = true;
        order.push_back(j);
        break;
      }
    }
    require(order.size() > before, ErrorCode::Internal, "table model relations form a cycle");
  }
  return order;
}

TableModel prune_table_model(const TableModel& m, const std::vector<std::uint8_t>& keep) {
  TableModel out = m;
  for (std::size_t j = 0; j < out.relations.size(); ++j)
    if (j >= keep.size() || !keep[j]) out.relations[j] = {};
  out.order = table_decode_order(out.relations);
  return out;
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
    case RelationKind::Mlp: {
      std::string s = y + " ≈ MLP(";
      for (std::size_t k = 0; k < r.inputs.size(); ++k) s += (k ? ", " : "") + in(k);
      return s + "; " + std::to_string((r.params.size() - 1) / (r.inputs.size() + 2)) + " ReLU units)";
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

// flags: bit 0 = names and dtypes present (canonical; else the schema's), bit 1 = explicit
// column order (else table_decode_order of the relations).
std::vector<std::byte> encode_table_model(const TableModel& m, bool with_names) {
  check_table_model(m, "table model");
  const bool explicit_order = m.order != table_decode_order(m.relations);
  ByteWriter w;
  w.le<std::uint8_t>(static_cast<std::uint8_t>((with_names ? 1 : 0) | (explicit_order ? 2 : 0)));
  codec::put_varint(w, m.names.size());
  if (with_names) {
    for (const auto& name : m.names) codec::put_string(w, name);
    for (auto t : m.dtypes) w.le<std::uint8_t>(static_cast<std::uint8_t>(t));
  }
  for (const auto& r : m.relations) {
    w.le<std::uint8_t>(static_cast<std::uint8_t>(r.kind));
    if (r.kind == RelationKind::None) continue;
    w.le<std::uint8_t>(static_cast<std::uint8_t>(r.inputs.size()));
    for (auto in : r.inputs) codec::put_varint(w, in);
    codec::put_varint(w, r.params.size());
    for (double p : r.params) w.le<double>(p);
  }
  if (explicit_order)
    for (auto o : m.order) codec::put_varint(w, o);
  return std::move(w.buffer());
}

TableModel decode_table_model(std::span<const std::byte> bytes, const std::string& what,
                              const std::vector<std::string>* names, const std::vector<DType>* dtypes) {
  ByteReader r(bytes, what + " table model");
  TableModel m;
  const auto flags = r.le<std::uint8_t>("table model flags");
  if (flags > 3) r.fail("reserved table model flag bits are set");
  const auto n = codec::get_count(r, codec::get_varint(r, "column count"), kMaxColumns, 1, "column count");
  if (n == 0) r.fail("table model has no columns");
  if (flags & 1) {
    for (std::uint64_t j = 0; j < n; ++j) m.names.push_back(codec::get_string(r, 4096, "column name"));
    for (std::uint64_t j = 0; j < n; ++j)
      m.dtypes.push_back(dtype_from_code(r.le<std::uint8_t>("column dtype"), r.what() + " column dtype"));
  } else {
    if (!names || !dtypes || names->size() != n || dtypes->size() != n)
      r.fail("table model of " + std::to_string(n) + " columns has no names and the data has " +
             std::to_string(names ? names->size() : 0) + " columns");
    m.names = *names;
    m.dtypes = *dtypes;
  }
  for (std::uint64_t j = 0; j < n; ++j) {
    ColumnRelation rel;
    const auto kind = r.le<std::uint8_t>("relation kind");
    if (kind > kLastRelationKind) r.fail("unknown relation kind " + std::to_string(kind) + " for column " + m.names[j]);
    rel.kind = static_cast<RelationKind>(kind);
    if (rel.kind != RelationKind::None) {
      const auto ni = codec::get_count(r, r.le<std::uint8_t>("input count"), kMaxInputs, 1, "input count");
      for (std::uint64_t k = 0; k < ni; ++k) {
        const auto in = codec::get_varint(r, "input column");
        if (in >= n) r.fail("input column " + std::to_string(in) + " of column " + m.names[j] + " is out of range");
        rel.inputs.push_back(static_cast<std::uint32_t>(in));
      }
      const auto np = codec::get_count(r, codec::get_varint(r, "parameter count"), kMaxParams, 8, "parameter count");
      for (std::uint64_t k = 0; k < np; ++k) rel.params.push_back(r.le<double>("parameter"));
    }
    m.relations.push_back(std::move(rel));
  }
  if (flags & 2) {
    codec::get_count(r, n, kMaxColumns, 1, "column order");
    for (std::uint64_t j = 0; j < n; ++j) {
      const auto o = codec::get_varint(r, "column order");
      if (o >= n) r.fail("column order entry " + std::to_string(o) + " is out of range");
      m.order.push_back(static_cast<std::uint32_t>(o));
    }
  } else {
    try {
      m.order = table_decode_order(m.relations);
    } catch (const Error&) {
      r.fail("the relations' inputs form a cycle");
    }
  }
  codec::expect_end(r, "table model");
  check_table_model(m, what);
  return m;
}

std::uint64_t table_model_hash(const TableModel& m) { return container::xxh64(encode_table_model(m, true)); }

std::vector<std::byte> encode_table_model_section(const TableModel& m, bool embedded, bool with_names) {
  ByteWriter w;
  w.le<std::uint8_t>(embedded ? 0 : 1);
  w.le<std::uint64_t>(table_model_hash(m));
  if (embedded) w.append(encode_table_model(m, with_names));
  return std::move(w.buffer());
}

std::uint64_t embedded_table_model_bytes(const TableModel& m) {
  std::uint64_t gain = 1;  // MODEL_GAIN: varint count, ~3 bytes per relation (column, bytes)
  for (const auto& r : m.relations) gain += r.kind == RelationKind::None ? 0 : 3;
  return encode_table_model_section(m, true).size() + gain + 2 * container::kEntrySize;
}

std::vector<double> embedded_relation_costs(const TableModel& m) {
  double rel_bytes = 0, count = 0;
  for (const auto& r : m.relations)
    if (r.kind != RelationKind::None) rel_bytes += relation_wire_bytes(r), count += 1;
  std::vector<double> cost(m.relations.size(), 0.0);
  if (count == 0) return cost;
  const double share = (static_cast<double>(embedded_table_model_bytes(m)) - rel_bytes) / count;
  for (std::size_t j = 0; j < cost.size(); ++j)
    if (m.relations[j].kind != RelationKind::None) cost[j] = relation_wire_bytes(m.relations[j]) + share;
  return cost;
}

TableModelSection decode_table_model_section(std::span<const std::byte> payload, const std::string& what,
                                             const std::vector<std::string>* names, const std::vector<DType>* dtypes) {
  ByteReader r(payload, what + " TABLE_MODEL");
  const auto storage = r.le<std::uint8_t>("table model storage");
  if (storage > 1) r.fail("unknown table model storage " + std::to_string(storage));
  TableModelSection s;
  s.hash = r.le<std::uint64_t>("table model hash");
  if (storage == 1) {
    codec::expect_end(r, "TABLE_MODEL");
    return s;
  }
  s.model = decode_table_model(r.bytes(r.remaining(), "table model"), what, names, dtypes);
  require(table_model_hash(*s.model) == s.hash, ErrorCode::Corrupt,
          r.what() + ": the table model does not have the hash recorded with it");
  return s;
}

void save_table_model_file(const std::filesystem::path& path, const TableModel& m) {
  using namespace container;
  ContainerWriter cw(path, FileKind::Model);
  cw.add(SectionId::TableModel, true, encode_table_model_section(m, true, true));
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
