// RNTuple reader: anchor, envelopes (header, footer, page lists), pages and their encodings,
// and the mapping of fields onto TreeTables (see rntuple.hpp).
#include "rntuple.hpp"

#include "rntuple_format.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>

namespace baler::rootio {
namespace {

using namespace rnt;

std::optional<DType> fundamental_dtype(const std::string& type) {
  static const std::map<std::string, DType> types = {
      {"bool", DType::Bool},          {"char", DType::I8},           {"std::int8_t", DType::I8},
      {"std::uint8_t", DType::U8},    {"std::int16_t", DType::I16},  {"std::uint16_t", DType::U16},
      {"std::int32_t", DType::I32},   {"std::uint32_t", DType::U32}, {"std::int64_t", DType::I64},
      {"std::uint64_t", DType::U64},  {"float", DType::F32},         {"double", DType::F64}};
  const auto it = types.find(type);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// Page decoding.

// Element i of an array of `n` elements of `size` bytes, split ("byte planes") or not.
std::uint64_t element(const std::byte* p, std::size_t i, std::size_t n, std::size_t size, bool split) {
  if (!split) return load_le(p + i * size, size);
  std::uint64_t v = 0;
  for (std::size_t b = 0; b < size; ++b)
    v |= std::uint64_t{std::to_integer<std::uint8_t>(p[b * n + i])} << (8 * b);
  return v;
}

// `nbits` bits of item i of a tightly packed LSB-first bit stream.
std::uint32_t packed_bits(std::span<const std::byte> p, std::size_t i, unsigned nbits) {
  const std::uint64_t bit = std::uint64_t{i} * nbits;
  const std::size_t at = static_cast<std::size_t>(bit / 8);
  const std::size_t take = std::min<std::size_t>(8, p.size() - at);
  const std::uint64_t window = load_le(p.data() + at, take) >> (bit % 8);
  return static_cast<std::uint32_t>(window & ((std::uint64_t{1} << nbits) - 1));
}

// Storage of a bool value (std::vector<bool> has no data()).
struct Flag {
  std::uint8_t v = 0;
};

template <typename S>
S zigzag(std::make_unsigned_t<S> u) {
  return static_cast<S>((u >> 1) ^ (~(u & 1) + 1));
}

// Converts a decoded element to the field's type; integers out of the target's range fail.
template <typename T, typename S>
T convert(S v, const std::string& what) {
  if constexpr (std::is_same_v<T, char>) {
    return static_cast<char>(v);
  } else if constexpr (std::is_same_v<T, Flag>) {
    return Flag{static_cast<std::uint8_t>(v != 0 ? 1 : 0)};
  } else if constexpr (std::is_integral_v<T> && (std::is_integral_v<S>)) {
    if constexpr (std::is_same_v<S, bool>) {
      return static_cast<T>(v ? 1 : 0);
    } else {
      if (!std::in_range<T>(v))
        throw Error(ErrorCode::Malformed, what + ": value " + std::to_string(v) +
                                              " does not fit the field's type");
      return static_cast<T>(v);
    }
  } else if constexpr (std::is_floating_point_v<T> && std::is_floating_point_v<S>) {
    return static_cast<T>(v);
  } else {
    throw Error(ErrorCode::Internal, what + ": column type does not match the field type");
  }
}

// Decodes the `n` elements of one page of column `c` into out[0..n).
template <typename T>
void decode_page(const ColumnDesc& c, std::span<const std::byte> in, std::size_t n, T* out,
                 const std::string& what) {
  const int fixed = fixed_bits(c.type);
  const std::uint64_t bits = fixed > 0 ? static_cast<std::uint64_t>(fixed) : c.bits;
  require(bits > 0 && in.size() >= (std::uint64_t{n} * bits + 7) / 8, ErrorCode::Malformed,
          what + ": page of " + std::to_string(in.size()) + " bytes is too short for " +
              std::to_string(n) + " elements of " + column_type_name(c.type));
  const std::byte* p = in.data();
  auto unsigned_values = [&](std::size_t size, bool split, auto tag) {
    using U = decltype(tag);
    for (std::size_t i = 0; i < n; ++i) out[i] = convert<T>(static_cast<U>(element(p, i, n, size, split)), what);
  };
  auto signed_values = [&](std::size_t size, bool split, bool zz, auto tag) {
    using S = decltype(tag);
    using U = std::make_unsigned_t<S>;
    for (std::size_t i = 0; i < n; ++i) {
      const auto u = static_cast<U>(element(p, i, n, size, split));
      out[i] = convert<T>(zz ? zigzag<S>(u) : static_cast<S>(u), what);
    }
  };
  switch (c.type) {
    case kBit:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(((std::to_integer<unsigned>(p[i / 8]) >> (i % 8)) & 1u) != 0, what);
      return;
    case kChar:
      if constexpr (std::is_same_v<T, char>) {
        std::memcpy(out, p, n);
        return;
      } else {
        return signed_values(1, false, false, std::int8_t{});
      }
    case kByte: case kUInt8: return unsigned_values(1, false, std::uint8_t{});
    case kInt8: return signed_values(1, false, false, std::int8_t{});
    case kInt16: return signed_values(2, false, false, std::int16_t{});
    case kUInt16: return unsigned_values(2, false, std::uint16_t{});
    case kInt32: return signed_values(4, false, false, std::int32_t{});
    case kUInt32: case kIndex32: return unsigned_values(4, false, std::uint32_t{});
    case kInt64: return signed_values(8, false, false, std::int64_t{});
    case kUInt64: case kIndex64: return unsigned_values(8, false, std::uint64_t{});
    case kSplitInt16: return signed_values(2, true, true, std::int16_t{});
    case kSplitUInt16: return unsigned_values(2, true, std::uint16_t{});
    case kSplitInt32: return signed_values(4, true, true, std::int32_t{});
    case kSplitUInt32: return unsigned_values(4, true, std::uint32_t{});
    case kSplitInt64: return signed_values(8, true, true, std::int64_t{});
    case kSplitUInt64: return unsigned_values(8, true, std::uint64_t{});
    case kSplitIndex32: case kSplitIndex64: {
      // Delta encoded within the page: a running sum (unsigned, wrapping).
      const std::size_t size = c.type == kSplitIndex32 ? 4 : 8;
      std::uint64_t sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        sum += element(p, i, n, size, true);
        if (size == 4) sum &= 0xFFFFFFFFu;
        out[i] = convert<T>(sum, what);
      }
      return;
    }
    case kReal16: case kSplitReal16:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(half_to_float(Half{static_cast<std::uint16_t>(element(p, i, n, 2, c.type == kSplitReal16))}), what);
      return;
    case kReal32: case kSplitReal32:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(std::bit_cast<float>(static_cast<std::uint32_t>(element(p, i, n, 4, c.type == kSplitReal32))), what);
      return;
    case kReal64: case kSplitReal64:
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(std::bit_cast<double>(element(p, i, n, 8, c.type == kSplitReal64)), what);
      return;
    case kReal32Trunc:
      // The high `bits` bits of a float, packed; the dropped low mantissa bits are zero.
      for (std::size_t i = 0; i < n; ++i)
        out[i] = convert<T>(std::bit_cast<float>(packed_bits(in, i, c.bits) << (32 - c.bits)), what);
      return;
    case kReal32Quant: {
      // q in [0, 2^bits - 1] maps linearly onto [min, max].
      const double quant_max = static_cast<double>((std::uint64_t{1} << c.bits) - 1);
      const double scale = (c.max - c.min) / quant_max;
      for (std::size_t i = 0; i < n; ++i) {
        const double q = static_cast<double>(packed_bits(in, i, c.bits));
        out[i] = convert<T>(q * scale + c.min, what);
      }
      return;
    }
    default:
      throw Error(ErrorCode::Internal, what + ": no decoder for column " + column_type_name(c.type));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading columns.

class Reader {
 public:
  Reader(const RootFile& file, const Ntuple& nt) : file_(file), nt_(nt) {}

  std::uint32_t active_column(const FieldDesc& f, std::size_t k, std::size_t ci, const std::string& what) const {
    return rnt::active_column(nt_, f, k, ci, what);
  }

  // Values of logical column k of field f: counts[ci] elements from each cluster, as T.
  template <typename T>
  std::vector<T> read(const FieldDesc& f, std::size_t k, const std::vector<std::uint64_t>& counts,
                      const std::string& what) {
    std::uint64_t total = 0;
    std::vector<std::uint32_t> ids(counts.size());
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      ids[ci] = active_column(f, k, ci, what);
      const auto& cluster = nt_.clusters[ci];
      const std::uint64_t have = ids[ci] < cluster.columns.size() ? cluster.columns[ids[ci]].elements : 0;
      const auto& desc = nt_.columns[ids[ci]];
      check_column(nt_, desc, ids[ci]);
      const bool deferred = (desc.flags & kColumnDeferred) && have < counts[ci];
      require(have == counts[ci] || deferred, ErrorCode::Malformed,
              what + ": cluster " + std::to_string(ci) + " holds " + std::to_string(have) +
                  " elements of column " + std::to_string(ids[ci]) + " but " +
                  std::to_string(counts[ci]) + " are needed");
      require(counts[ci] <= kMaxElements - total, ErrorCode::Limit, what + ": too many elements");
      total += counts[ci];
    }
    const auto bytes = total * sizeof(T);
    require(bytes <= kMaxRNTupleBytes - std::min(used_, kMaxRNTupleBytes), ErrorCode::Limit,
            what + ": the RNTuple needs more than " + std::to_string(kMaxRNTupleBytes) +
                " bytes of decoded columns");
    used_ += bytes;
    std::vector<T> out(static_cast<std::size_t>(total));
    std::size_t at = 0;
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      const auto& cluster = nt_.clusters[ci];
      const auto id = ids[ci];
      const std::uint64_t have = id < cluster.columns.size() ? cluster.columns[id].elements : 0;
      at += static_cast<std::size_t>(counts[ci] - have);  // leading zeros of a deferred column
      if (id >= cluster.columns.size()) continue;
      const auto& desc = nt_.columns[id];
      for (std::size_t pi = 0; pi < cluster.columns[id].pages.size(); ++pi) {
        const auto& page = cluster.columns[id].pages[pi];
        const std::string pwhat = what + ": cluster " + std::to_string(ci) + ", column " +
                                  std::to_string(id) + ", page " + std::to_string(pi);
        const auto data = read_page(desc, page, pwhat);
        decode_page<T>(desc, data, page.elements, out.data() + at, pwhat);
        at += page.elements;
      }
    }
    return out;
  }

  // Reads index column 0 of collection-like field f (counts[ci] entries per cluster) and turns
  // the cluster-relative end offsets into per-item sizes; `totals` gets each cluster's sum.
  std::vector<std::uint64_t> sizes(const FieldDesc& f, const std::vector<std::uint64_t>& counts,
                                   std::vector<std::uint64_t>& totals, const std::string& what) {
    auto v = read<std::uint64_t>(f, 0, counts, what);
    totals.assign(counts.size(), 0);
    std::size_t at = 0;
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      std::uint64_t prev = 0;
      for (std::uint64_t i = 0; i < counts[ci]; ++i, ++at) {
        const auto end = v[at];
        require(end >= prev, ErrorCode::Malformed,
                what + ": collection offsets decrease in cluster " + std::to_string(ci) +
                    " (item " + std::to_string(i) + ")");
        v[at] = end - prev;
        prev = end;
      }
      require(prev <= kMaxElements, ErrorCode::Limit, what + ": collection too large");
      totals[ci] = prev;
    }
    return v;
  }

 private:
  std::vector<std::byte> read_page(const ColumnDesc& c, const PageDesc& page, const std::string& what) {
    return unpack_page(nt_, c, page, read_stored_page(file_, nt_, page, what), what);
  }

  const RootFile& file_;
  const Ntuple& nt_;
  std::uint64_t used_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Plan: how each top-level field maps.

// One output value stream: a numeric field (maybe a std::array of N), or a string.
struct Leaf {
  std::uint32_t field = 0;  // the field whose columns hold the values
  std::string name;
  bool text = false;
  DType dtype = DType::F64;
  std::uint64_t repeat = 0;  // std::array size; 0 for a scalar
};

enum class Kind { Flat, Collection, Counter, Skipped };

struct TopPlan {
  std::uint32_t field = 0;
  Kind kind = Kind::Skipped;
  std::vector<Leaf> leaves;
  std::vector<std::string> skipped;  // members not read ("name (reason)")
  std::string reason;                // Skipped
  std::string counter;               // Collection: the counter column; Counter: its collection
  DType counter_dtype = DType::U32;
  std::uint32_t collection = 0;      // Counter: the collection field it counts (when read)
  bool counts_read_collection = false;
};

class Planner {
 public:
  explicit Planner(const Ntuple& nt) : nt_(nt) {}

  // Appends the leaves of field `id` (named `name`) to `out`. Returns "" or the reason it is
  // not readable; members of records that are not readable go to `skipped`.
  std::string leaf(std::uint32_t id, const std::string& name, std::vector<Leaf>& out,
                   std::vector<std::string>& skipped, int depth, bool typed_prefix = true) {
    const auto& f = nt_.fields[id];
    if (depth > kMaxDepth) return "nested deeper than " + std::to_string(kMaxDepth);
    if (f.projected()) return "projected field";
    switch (f.role) {
      case kCollection: return "nested collection";
      case kVariant: return "std::variant";
      case kStreamer: return "ROOT-streamed (unsplit) class " + f.type;
      case kRecord: {
        std::size_t before = out.size();
        for (auto c : f.children) {
          const auto& m = nt_.fields[c];
          const std::string mname = typed_prefix ? name + "." + m.name : m.name;
          const auto why = leaf(c, mname, out, skipped, depth + 1);
          if (!why.empty()) skipped.push_back(mname + " (" + why + ")");
        }
        if (out.size() == before) return "record with no readable members";
        return "";
      }
      case kLeaf: break;
      default: return "unknown structural role " + std::to_string(f.role);
    }
    if (f.flags & kFieldRepetitive) {
      if (!f.columns.empty()) return "std::bitset (" + f.type + ")";
      if (f.children.size() != 1) return "fixed-size array without one item field";
      if (f.array_size == 0 || f.array_size > kMaxArraySize)
        return "std::array of " + std::to_string(f.array_size) + " items";
      const auto& item = nt_.fields[f.children[0]];
      if (item.role != kLeaf || (item.flags & kFieldRepetitive) || !item.children.empty())
        return "array of " + item.type;
      const auto dt = fundamental_dtype(item.type);
      if (!dt) return "array of " + item.type;
      const auto why = check_columns(item, 1, *dt);
      if (!why.empty()) return why;
      out.push_back({f.children[0], name, false, *dt, f.array_size});
      return "";
    }
    if (f.columns.empty()) {
      if (f.children.size() == 1) return leaf(f.children[0], name, out, skipped, depth + 1);  // enum, atomic
      return "type " + f.type + " without columns";
    }
    if (!f.children.empty()) return "type " + f.type;
    if (f.type == "std::string") {
      const auto why = check_columns(f, 2, std::nullopt);
      if (!why.empty()) return why;
      out.push_back({id, name, true, DType::U8, 0});
      return "";
    }
    const auto dt = fundamental_dtype(f.type);
    if (!dt) return "type " + f.type;
    const auto why = check_columns(f, 1, *dt);
    if (!why.empty()) return why;
    out.push_back({id, name, false, *dt, 0});
    return "";
  }

  // A collection field's index column is present and valid.
  std::string index_ok(const FieldDesc& f) {
    if (f.children.size() != 1) return "collection with " + std::to_string(f.children.size()) + " item fields";
    return check_columns(f, 1, std::nullopt, true);
  }

 private:
  // Checks that every representation of f has `per_rep` columns of types a field of dtype
  // `dt` can read (a string: index + char; `index`: one index column).
  std::string check_columns(const FieldDesc& f, std::size_t per_rep, std::optional<DType> dt,
                            bool index = false) {
    std::map<std::uint16_t, std::vector<std::uint32_t>> reps;
    for (auto id : f.columns) reps[nt_.columns[id].repr].push_back(id);
    if (reps.empty()) return "no columns";
    for (const auto& [rep, ids] : reps) {
      if (ids.size() != per_rep)
        return "representation " + std::to_string(rep) + " has " + std::to_string(ids.size()) +
               " columns, expected " + std::to_string(per_rep);
      for (std::size_t k = 0; k < ids.size(); ++k) {
        const auto& c = nt_.columns[ids[k]];
        if (fixed_bits(c.type) < 0) return "unknown column type " + hex(c.type);
        check_column(nt_, c, ids[k]);
        bool ok;
        if (index || (!dt && k == 0)) ok = is_index_type(c.type);
        else if (!dt) ok = c.type == kChar || c.type == kByte || c.type == kInt8 || c.type == kUInt8;
        else if (is_float(*dt)) ok = is_real_type(c.type);
        else ok = is_integer_type(c.type);
        if (!ok) return "column type " + column_type_name(c.type) + " for " + f.type;
      }
    }
    return "";
  }

  const Ntuple& nt_;
};

bool is_cardinality(const FieldDesc& f) { return f.type.rfind("ROOT::RNTupleCardinality<", 0) == 0; }

std::string type_label(const FieldDesc& f) {
  if (!f.type.empty()) return f.type;
  return f.role == kCollection ? "untyped collection" : f.role == kRecord ? "untyped record" : "?";
}

std::string field_path(const Ntuple& nt, std::uint32_t id) {
  std::string p = nt.fields[id].name;
  for (int d = 0; d < kMaxDepth && nt.fields[id].parent != id; ++d) {
    id = nt.fields[id].parent;
    p = nt.fields[id].name + "." + p;
  }
  return p;
}

std::vector<TopPlan> make_plan(const Ntuple& nt) {
  Planner planner(nt);
  std::vector<TopPlan> plans;
  std::set<std::string> top_names;
  std::vector<std::uint32_t> tops;
  for (std::uint32_t i = 0; i < nt.fields.size(); ++i)
    if (nt.fields[i].parent == i) {
      tops.push_back(i);
      top_names.insert(nt.fields[i].name);
    }
  std::map<std::uint32_t, std::size_t> collection_plan;  // collection field -> plan index
  for (const auto id : tops) {
    const auto& f = nt.fields[id];
    TopPlan p;
    p.field = id;
    if (f.projected()) {
      if (is_cardinality(f)) {
        p.kind = Kind::Counter;
        p.counter_dtype = f.type == "ROOT::RNTupleCardinality<std::uint64_t>" ? DType::U64 : DType::U32;
      } else {
        p.reason = "projection of " + field_path(nt, f.source) + ", whose values are read there";
      }
      plans.push_back(std::move(p));
      continue;
    }
    if (f.role == kCollection) {
      p.reason = planner.index_ok(f);
      if (p.reason.empty()) {
        const auto child = f.children[0];
        const auto& item = nt.fields[child];
        std::string why;
        if (item.role == kRecord) {
          // Untyped collection of an untyped record (the importer): members keep their names.
          const bool untyped = f.type.empty() && item.type.empty();
          why = planner.leaf(child, f.name, p.leaves, p.skipped, 1, !untyped);
        } else {
          why = planner.leaf(child, f.name, p.leaves, p.skipped, 1);
        }
        if (why.empty()) {
          p.kind = Kind::Collection;
          collection_plan[id] = plans.size();
        } else {
          p.reason = why == "nested collection" ? "collection of collections" : "collection of " + why;
        }
      }
    } else {
      p.reason = planner.leaf(id, f.name, p.leaves, p.skipped, 0);
      if (p.reason.empty()) p.kind = Kind::Flat;
    }
    plans.push_back(std::move(p));
  }
  // Cardinality projections: the counter of the collection they count, if it is read.
  for (auto& p : plans) {
    if (p.kind != Kind::Counter) continue;
    const auto& f = nt.fields[p.field];
    std::uint32_t coll = f.source;
    if (!f.alias_columns.empty()) coll = nt.columns[f.alias_columns[0]].field;
    if (f.alias_columns.size() != 1 || !is_index_type(nt.columns[f.alias_columns[0]].type)) {
      p.kind = Kind::Skipped;
      p.reason = "cardinality without one index column";
      continue;
    }
    p.collection = coll;
    const auto it = collection_plan.find(coll);
    if (it != collection_plan.end() && plans[it->second].counter.empty()) {
      plans[it->second].counter = f.name;
      plans[it->second].counter_dtype = p.counter_dtype;
      p.counter = nt.fields[coll].name;
      p.counts_read_collection = true;
    }
  }
  for (auto& p : plans) {
    if (p.kind != Kind::Collection || !p.counter.empty()) continue;
    const auto& name = nt.fields[p.field].name;
    p.counter = top_names.count("n" + name) ? "#" + name : "n" + name;
    p.counter_dtype = DType::U32;
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Building the tables.

class TableBuilder {
 public:
  void add(std::string name, Array values) { ds_.columns.push_back({std::move(name), std::move(values)}); ++n_; }
  void add_text(std::string name, std::vector<std::string> values) {
    ds_.text.push_back({std::move(name), n_++, std::move(values)});
  }
  Dataset take() { return std::move(ds_); }

 private:
  Dataset ds_;
  std::size_t n_ = 0;
};

template <typename T, typename Store>
Array to_array(DType dt, const std::vector<Store>& v, std::size_t start, std::size_t stride, std::size_t n) {
  Array a(dt, {static_cast<std::int64_t>(n)});
  auto out = a.as<T>();
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<Store, Flag>) out[i] = v[start + i * stride].v != 0;
    else out[i] = v[start + i * stride];
  }
  return a;
}

// Reads one leaf (counts[ci] values per cluster) into `out`.
void read_leaf(Reader& rd, const Ntuple& nt, const Leaf& leaf, const std::vector<std::uint64_t>& counts,
               TableBuilder& out) {
  const auto& f = nt.fields[leaf.field];
  const std::string what = nt.what + ", field '" + leaf.name + "'";
  if (leaf.text) {
    std::vector<std::uint64_t> totals;
    const auto lengths = rd.sizes(f, counts, totals, what);
    const auto chars = rd.read<char>(f, 1, totals, what);
    std::vector<std::string> values;
    values.reserve(lengths.size());
    std::size_t at = 0;
    for (auto len : lengths) {
      values.emplace_back(chars.data() + at, static_cast<std::size_t>(len));
      at += static_cast<std::size_t>(len);
    }
    out.add_text(leaf.name, std::move(values));
    return;
  }
  std::uint64_t n = 0;
  for (auto c : counts) n += c;
  const std::uint64_t repeat = leaf.repeat ? leaf.repeat : 1;
  std::vector<std::uint64_t> item_counts(counts);
  for (auto& c : item_counts) {
    require(c <= kMaxElements / repeat, ErrorCode::Limit, what + ": too many array items");
    c *= repeat;
  }
  visit_dtype(leaf.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Half>) {
      throw Error(ErrorCode::Internal, what + ": half-precision field type");
    } else {
      using Store = std::conditional_t<std::is_same_v<T, bool>, Flag, T>;
      static_assert(sizeof(Store) == sizeof(T));
      const auto values = rd.read<Store>(f, 0, item_counts, what);
      if (!leaf.repeat) {
        Array a(leaf.dtype, {static_cast<std::int64_t>(values.size())});
        if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), values.size() * sizeof(Store));
        out.add(leaf.name, std::move(a));
        return;
      }
      for (std::uint64_t k = 0; k < leaf.repeat; ++k)
        out.add(leaf.name + "[" + std::to_string(k) + "]",
                to_array<T>(leaf.dtype, values, static_cast<std::size_t>(k),
                            static_cast<std::size_t>(leaf.repeat), static_cast<std::size_t>(n)));
    }
  });
}

Array counter_array(DType dt, const std::vector<std::uint64_t>& sizes, const std::string& what) {
  Array a(dt, {static_cast<std::int64_t>(sizes.size())});
  if (dt == DType::U64) {
    std::memcpy(a.bytes.data(), sizes.data(), sizes.size() * 8);
    return a;
  }
  auto out = a.as<std::uint32_t>();
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    require(sizes[i] <= 0xFFFFFFFFu, ErrorCode::Limit,
            what + ": entry " + std::to_string(i) + " has " + std::to_string(sizes[i]) + " items");
    out[i] = static_cast<std::uint32_t>(sizes[i]);
  }
  return a;
}

std::string strip_path(const std::string& path) {
  std::string p = path;
  const auto semi = p.rfind(';');
  if (semi != std::string::npos) p.erase(semi);
  if (!p.empty() && p.front() == '/') p.erase(0, 1);
  return p;
}


Entry find_rntuple(const RootFile& file, const std::string& path) {
  const auto want = strip_path(path);
  std::string names;
  for (const auto& e : file.entries()) {
    if (!is_rntuple_class(e.key.class_name)) continue;
    if (e.path == want) return e;
    names += (names.empty() ? "" : ", ") + e.path;
  }
  throw Error(ErrorCode::Usage, file.name() + ": no RNTuple '" + path + "' (RNTuples: " +
                                    (names.empty() ? std::string("none") : names) + ")");
}

std::string dtype_str(DType t) { return std::string(dtype_name(t)); }


// ---------------------------------------------------------------------------------------------
// The tables' values as column streams (for a rewrite, rntuple_carry.cpp).

const Array& table_column(const Dataset& d, const std::string& name, const std::string& what) {
  for (const auto& c : d.columns)
    if (c.name == name) return c.values;
  throw Error(ErrorCode::Malformed, what + ": no column '" + name + "'");
}

// Appends the values of `a` to s (integers as int64, reals as double).
void append_column(ColumnStream& s, const Array& a) {
  visit_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Half>) {
      throw Error(ErrorCode::Internal, "half-precision RNTuple column");
    } else {
      const auto v = a.template as<T>();
      if constexpr (std::is_floating_point_v<T>) s.reals.insert(s.reals.end(), v.begin(), v.end());
      else for (const auto x : v) s.ints.push_back(static_cast<std::int64_t>(x));
    }
  });
}

// The streams of one leaf: `counts` entries (or objects) per cluster, values from `table`.
void leaf_streams(const Leaf& leaf, const std::vector<std::uint64_t>& counts, const Dataset& table,
                  const std::string& what, std::vector<ColumnStream>& out) {
  if (leaf.text) {
    const TextColumn* t = nullptr;
    for (const auto& c : table.text)
      if (c.name == leaf.name) t = &c;
    require(t != nullptr, ErrorCode::Malformed, what + ": no text column '" + leaf.name + "'");
    ColumnStream index{leaf.field, 0, counts, false, DType::U64, {}, {}};
    ColumnStream chars{leaf.field, 1, {}, false, DType::U8, {}, {}};
    std::size_t row = 0;
    for (const auto n : counts) {
      std::uint64_t end = 0;
      for (std::uint64_t i = 0; i < n; ++i, ++row) {
        require(row < t->values.size(), ErrorCode::Malformed, what + ": text column '" + leaf.name + "' is short");
        for (const char ch : t->values[row]) chars.ints.push_back(static_cast<unsigned char>(ch));
        end += t->values[row].size();
        index.ints.push_back(static_cast<std::int64_t>(end));
      }
      chars.counts.push_back(end);
    }
    require(row == t->values.size(), ErrorCode::Malformed, what + ": text column '" + leaf.name + "' has extra rows");
    out.push_back(std::move(index));
    out.push_back(std::move(chars));
    return;
  }
  ColumnStream s{leaf.field, 0, counts, is_float(leaf.dtype), leaf.dtype, {}, {}};
  std::uint64_t rows = 0;
  for (const auto n : counts) rows += n;
  if (!leaf.repeat) {
    const Array& a = table_column(table, leaf.name, what);
    require(a.dtype == leaf.dtype && a.bytes.size() == rows * dtype_size(a.dtype), ErrorCode::Malformed,
            what + ": column '" + leaf.name + "' is not " + std::to_string(rows) + " values of " + dtype_str(leaf.dtype));
    append_column(s, a);
  } else {
    for (auto& c : s.counts) c *= leaf.repeat;
    std::vector<ColumnStream> parts(leaf.repeat);
    for (std::uint64_t k = 0; k < leaf.repeat; ++k) {
      const std::string name = leaf.name + "[" + std::to_string(k) + "]";
      const Array& a = table_column(table, name, what);
      require(a.dtype == leaf.dtype && a.bytes.size() == rows * dtype_size(a.dtype), ErrorCode::Malformed,
              what + ": column '" + name + "' is not " + std::to_string(rows) + " values of " + dtype_str(leaf.dtype));
      append_column(parts[k], a);
    }
    for (std::uint64_t r = 0; r < rows; ++r)
      for (const auto& part : parts) {
        if (s.real) s.reals.push_back(part.reals[r]);
        else s.ints.push_back(part.ints[r]);
      }
  }
  out.push_back(std::move(s));
}

}  // namespace

namespace rnt {

std::vector<ColumnStream> table_streams(const Ntuple& nt, const Dataset& flat, const std::vector<const Dataset*>& collections) {
  const auto plans = make_plan(nt);
  std::vector<std::uint64_t> entries;
  for (const auto& c : nt.clusters) entries.push_back(c.entries);
  std::vector<ColumnStream> out;
  std::size_t next = 0;
  for (const auto& p : plans) {
    const std::string what = nt.what + ", field '" + nt.fields[p.field].name + "'";
    if (p.kind == Kind::Flat) {
      for (const auto& leaf : p.leaves) leaf_streams(leaf, entries, flat, what, out);
    } else if (p.kind == Kind::Collection) {
      require(next < collections.size(), ErrorCode::Malformed, what + ": no table for the collection");
      const Dataset& objects = *collections[next++];
      const Array& counter = table_column(flat, p.counter, what);
      require(counter.dtype == p.counter_dtype && counter.bytes.size() == nt.entries * dtype_size(counter.dtype),
              ErrorCode::Malformed, what + ": counter '" + p.counter + "' is not " + std::to_string(nt.entries) +
                                        " values of " + dtype_str(p.counter_dtype));
      ColumnStream index{p.field, 0, entries, false, DType::U64, {}, {}};
      std::vector<std::uint64_t> totals;
      std::size_t row = 0;
      for (const auto n : entries) {
        std::uint64_t end = 0;
        for (std::uint64_t i = 0; i < n; ++i, ++row) {
          end += p.counter_dtype == DType::U64 ? counter.as<std::uint64_t>()[row] : counter.as<std::uint32_t>()[row];
          require(end <= kMaxElements, ErrorCode::Malformed, what + ": collection too large");
          index.ints.push_back(static_cast<std::int64_t>(end));
        }
        totals.push_back(end);
      }
      std::uint64_t items = 0;
      for (const auto t : totals) items += t;
      require(items == objects.rows(), ErrorCode::Malformed,
              what + ": counter '" + p.counter + "' adds up to " + std::to_string(items) + " but the collection has " +
                  std::to_string(objects.rows()) + " rows");
      out.push_back(std::move(index));
      for (const auto& leaf : p.leaves) leaf_streams(leaf, totals, objects, what, out);
    }
  }
  require(next == collections.size(), ErrorCode::Malformed, nt.what + ": more collection tables than collections");
  return out;
}

}  // namespace rnt

namespace {
}  // namespace

std::vector<std::string> list_rntuples(const RootFile& file) {
  std::vector<std::string> out;
  for (const auto& e : file.entries())
    if (is_rntuple_class(e.key.class_name)) out.push_back(e.path);
  return out;
}

TreeTables read_rntuple(const RootFile& file, const std::string& path) {
  const auto entry = find_rntuple(file, path);
  const auto nt = open_ntuple(file, entry);
  const auto plans = make_plan(nt);
  TreeTables t;
  t.path = entry.path;
  t.class_name = "ROOT::RNTuple";
  t.title = nt.description;
  t.entries = static_cast<std::int64_t>(nt.entries);
  Reader rd(file, nt);
  TableBuilder flat;
  std::vector<std::uint64_t> entries;
  for (const auto& c : nt.clusters) entries.push_back(c.entries);
  for (const auto& p : plans) {
    const auto& f = nt.fields[p.field];
    switch (p.kind) {
      case Kind::Skipped: (f.projected() ? t.views : t.skipped).push_back(f.name + " (" + p.reason + ")"); break;
      case Kind::Flat:
        for (const auto& leaf : p.leaves) read_leaf(rd, nt, leaf, entries, flat);
        for (const auto& s : p.skipped) t.skipped.push_back(s);
        break;
      case Kind::Counter:
        if (p.counts_read_collection) break;  // the collection's own counter column
        {
          // A cardinality whose collection is not read: a flat column of counts.
          const std::string what = nt.what + ", field '" + f.name + "'";
          FieldDesc view;
          view.columns = f.alias_columns;
          std::vector<std::uint64_t> totals;
          const auto sizes = rd.sizes(view, entries, totals, what);
          flat.add(f.name, counter_array(p.counter_dtype, sizes, what));
        }
        break;
      case Kind::Collection: {
        const std::string what = nt.what + ", field '" + f.name + "'";
        std::vector<std::uint64_t> totals;
        const auto sizes = rd.sizes(f, entries, totals, what);
        flat.add(p.counter, counter_array(p.counter_dtype, sizes, what));
        TableBuilder objects;
        for (const auto& leaf : p.leaves) read_leaf(rd, nt, leaf, totals, objects);
        t.collections.push_back({f.name, p.counter, objects.take()});
        for (const auto& s : p.skipped) t.skipped.push_back(s);
        break;
      }
    }
  }
  t.flat = flat.take();
  return t;
}

std::vector<std::string> describe_rntuple(const RootFile& file, const std::string& path) {
  const auto entry = find_rntuple(file, path);
  const auto nt = open_ntuple(file, entry);
  const auto plans = make_plan(nt);
  std::vector<std::string> out;
  auto leaves = [&](const TopPlan& p) {
    std::string s;
    for (const auto& l : p.leaves) {
      s += (s.empty() ? "" : ", ") + l.name;
      if (l.repeat) s += "[0.." + std::to_string(l.repeat - 1) + "]";
      s += " " + (l.text ? std::string("text") : dtype_str(l.dtype));
    }
    for (const auto& k : p.skipped) s += "; skipped " + k;
    return s;
  };
  for (const auto& p : plans) {
    const auto& f = nt.fields[p.field];
    std::string line = f.name + " (" + type_label(f) + "): ";
    switch (p.kind) {
      case Kind::Skipped: line += "skipped (" + p.reason + ")"; break;
      case Kind::Flat: line += "flat " + leaves(p); break;
      case Kind::Counter:
        line += p.counts_read_collection
                    ? "counter (" + dtype_str(p.counter_dtype) + ") of collection '" + p.counter + "'"
                    : "flat column of the item counts of '" + field_path(nt, p.collection) + "' (" +
                          dtype_str(p.counter_dtype) + ")";
        break;
      case Kind::Collection:
        line += "collection, counter '" + p.counter + "' (" + dtype_str(p.counter_dtype) +
                "), object columns " + leaves(p);
        break;
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace baler::rootio
