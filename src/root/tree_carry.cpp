// A TTree carried for a rewrite in place (tree_carry.hpp): its payload, the frame of every free
// basket, and the bytes of the baskets the tables cannot give back.
#include "tree_carry.hpp"

#include "root_writer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <set>

namespace baler::rootio {
namespace {

struct Decoded {
  BasketLayout layout = BasketLayout::Fixed;
  std::size_t record = 0;  // Fixed: bytes per entry; Objects: bytes per object; Vector: per element (0: strings)
  bool bools = false;      // Vector: of bool
};

void put_be32(std::vector<std::byte>& out, std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::byte>((u >> s) & 0xFF));
}

std::int32_t be32(const std::byte* p) {
  return static_cast<std::int32_t>((std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
                                   (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]));
}

// Whether every bool of the records in `data` is 0 or 1 (the tables keep bools as 0/1).
bool bools_are_bits(const Tree& tree, const Branch& b, std::span<const std::byte> data, std::size_t record) {
  std::size_t at = 0;
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // bool bytes within a record
  for (const int id : b.leaves) {
    const Leaf& l = tree.leaves[static_cast<std::size_t>(id)];
    const std::size_t n = static_cast<std::size_t>(l.len) * l.element_bytes();
    if (*l.dtype == DType::Bool) runs.push_back({at, n});
    at += n;
  }
  if (runs.empty() || record == 0) return true;
  for (std::size_t r = 0; r + record <= data.size(); r += record)
    for (const auto& [from, n] : runs)
      for (std::size_t i = 0; i < n; ++i)
        if (std::to_integer<unsigned>(data[r + from + i]) > 1) return false;
  return true;
}

// Whether `data` is exactly n strings as BasketBuilder::append_text writes them (a length byte,
// or 255 and a 4-byte length of 255 or more, then the characters).
bool canonical_strings(std::span<const std::byte> data, std::uint64_t n) {
  std::size_t at = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    if (at >= data.size()) return false;
    std::size_t len = std::to_integer<std::size_t>(data[at]), head = 1;
    if (len == 255) {
      if (data.size() - at < 5) return false;
      len = static_cast<std::uint32_t>(be32(data.data() + at + 1)), head = 5;
      if (len < 255) return false;
    }
    if (len > data.size() - at - head) return false;
    at += head + len;
  }
  return at == data.size();
}

// Whether BasketBuilder gives `payload` back from the values it holds (`version`: the std::vector
// header version its entries share).
bool rebuilds(const Tree& tree, const Branch& b, const Decoded& d, const BasketFrame& f,
              std::span<const std::byte> payload, std::uint16_t& version) {
  const auto border = static_cast<std::size_t>(f.last - f.key.keylen);
  const auto n = static_cast<std::size_t>(f.nevbuf);
  const auto data = payload.first(border);
  if (d.layout == BasketLayout::Fixed)
    return payload.size() == border && border == n * d.record && bools_are_bits(tree, b, data, d.record);
  // Objects without an offset table (kGenerateOffsetMap): the counter's values place them again.
  if ((f.io_bits & kGenerateOffsetMap) && payload.size() == border)
    return d.layout == BasketLayout::Objects && border % d.record == 0 && bools_are_bits(tree, b, data, d.record);
  // Variable entries: the offset table must be exactly what BasketBuilder writes.
  if (payload.size() != border + 4 * (n + 2)) return false;
  const std::byte* t = payload.data() + border;
  if (be32(t) != static_cast<std::int32_t>(n + 1) || be32(t + 4 * (n + 1)) != 0) return false;
  std::vector<std::size_t> starts(n + 1, border);
  for (std::size_t e = 0; e < n; ++e) {
    const std::int64_t s = std::int64_t{be32(t + 4 * (e + 1))} - f.key.keylen;
    if (s < 0 || static_cast<std::size_t>(s) > border || (e > 0 && static_cast<std::size_t>(s) < starts[e - 1])) return false;
    starts[e] = static_cast<std::size_t>(s);
  }
  if (n > 0 && starts[0] != 0) return false;
  for (std::size_t e = 0; e < n; ++e) {
    const std::size_t lo = starts[e], hi = starts[e + 1];
    if (d.layout == BasketLayout::Vector) {
      if (hi - lo < kVectorHeader) return false;
      const std::byte* p = data.data() + lo;
      const auto count = static_cast<std::uint32_t>(be32(p));
      const auto v = static_cast<std::uint16_t>((std::to_integer<unsigned>(p[4]) << 8) | std::to_integer<unsigned>(p[5]));
      const auto n = static_cast<std::uint32_t>(be32(p + 6));
      if (e == 0) version = v;
      if (v != version || v == 0 || count != (kByteCountMask | static_cast<std::uint32_t>(hi - lo - 4)) ||
          (d.record > 0 && std::uint64_t{n} * d.record != hi - lo - kVectorHeader) ||
          (d.record == 0 && !canonical_strings(data.subspan(lo + kVectorHeader, hi - lo - kVectorHeader), n)))
        return false;
      if (d.bools)
        for (std::size_t k = kVectorHeader; k < hi - lo; ++k)
          if (std::to_integer<unsigned>(p[k]) > 1) return false;
      continue;
    }
    if (d.layout == BasketLayout::Objects) {
      if ((hi - lo) % d.record != 0 || !bools_are_bits(tree, b, data.subspan(lo, hi - lo), d.record)) return false;
      continue;
    }
    if (!canonical_strings(data.subspan(lo, hi - lo), 1)) return false;  // Text: one string
  }
  return true;
}

struct IntColumn {
  std::string name;
  DType dtype;
  std::vector<std::int64_t> values;
};

Column to_column(const IntColumn& c) {
  Column out;
  out.name = c.name;
  out.values.dtype = c.dtype;
  out.values.shape = {static_cast<std::int64_t>(c.values.size())};
  const std::size_t size = dtype_size(c.dtype);
  out.values.bytes.resize(c.values.size() * size);
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    if (c.dtype == DType::I64) {
      std::memcpy(out.values.bytes.data() + i * 8, &c.values[i], 8);
    } else {
      const auto v = static_cast<std::int32_t>(c.values[i]);
      std::memcpy(out.values.bytes.data() + i * 4, &v, 4);
    }
  }
  return out;
}

}  // namespace

TreeCarry carry_tree(const TTreePlan& plan, const std::vector<Entry>& older) {
  // Double32_t and Float16_t leaves are stored packed: their baskets always travel as stored
  // (the tables hold their decoded values, which need not pack back to the same bytes).
  const auto packed = [&](const Branch* b) {
    return std::any_of(b->leaves.begin(), b->leaves.end(), [&](int id) {
      return plan.tree.leaves[static_cast<std::size_t>(id)].packed.kind != PackedReal::None;
    });
  };
  std::map<const Branch*, Decoded> decoded;
  for (const auto& p : plan.flat)
    if (p.kind == BranchKind::Flat && !packed(p.branch)) decoded[p.branch] = {BasketLayout::Fixed, p.entry_size};
  for (const Branch* b : plan.strings) decoded[b] = {BasketLayout::Text, 0};
  for (const auto& g : plan.collections)
    for (const auto& p : g.plans)
      if (!packed(p.branch))
        decoded[p.branch] = {p.kind == BranchKind::Vector ? BasketLayout::Vector : BasketLayout::Objects, p.entry_size,
                             p.kind == BranchKind::Vector && p.element == DType::Bool};

  TreeCarry out;
  out.bytes = plan.file.payload(plan.entry.key, "tree '" + plan.entry.path + "'");
  std::vector<IntColumn> ints;
  for (const char* name : {"branch", "cycle", "key_version", "keylen", "version", "buffer_size", "nevbuf_size", "nevbuf",
                           "last", "objlen"})
    ints.push_back({name, DType::I32, {}});
  ints.push_back({"vector_version", DType::I32, {}});
  ints.push_back({"raw_bytes", DType::I64, {}});
  ints.push_back({"seek", DType::I64, {}});
  ints.push_back({"io_bits", DType::I32, {}});
  TextColumn names{"name", ints.size(), {}}, titles{"title", ints.size() + 1, {}};

  const auto all = all_branches(plan.tree);
  for (std::size_t bi = 0; bi < all.size(); ++bi) {
    const Branch& b = *all[bi];
    require(!b.external, ErrorCode::Unsupported,
            plan.what + ": branch '" + b.name + "' keeps its baskets in another file");
    const auto it = decoded.find(&b);
    const std::size_t n = free_basket_count(b);
    for (std::size_t j = 0; j < n; ++j) {
      auto [f, payload] = read_basket_raw(plan.file, b, j, "branch '" + b.name + "' basket " + std::to_string(j));
      require(f.header_bytes == f.key.keylen, ErrorCode::Unsupported,
              plan.what + ": branch '" + b.name + "' basket " + std::to_string(j) + " has " +
                  std::to_string(f.key.keylen - f.header_bytes) + " bytes after its TBasket header");
      std::uint16_t version = 0;
      const bool rebuilt = it != decoded.end() && rebuilds(plan.tree, b, it->second, f, payload, version);
      const std::int64_t row[] = {static_cast<std::int64_t>(bi), f.key.cycle, f.key.version, f.key.keylen, f.version,
                                  f.buffer_size, f.nevbuf_size, f.nevbuf, f.last, f.key.objlen, rebuilt ? version : 0,
                                  rebuilt ? 0 : static_cast<std::int64_t>(payload.size()), b.basket_seek[j], f.io_bits};
      for (std::size_t c = 0; c < ints.size(); ++c) ints[c].values.push_back(row[c]);
      names.values.push_back(f.key.name);
      titles.values.push_back(f.key.title);
      if (!rebuilt) {
        out.bytes.insert(out.bytes.end(), payload.begin(), payload.end());
        ++out.raw_baskets;
      }
    }
  }
  // Older cycles: kept when each of their free baskets is one of the newest's.
  const auto& seek_column = std::find_if(ints.begin(), ints.end(), [](const IntColumn& c) { return c.name == "seek"; })->values;
  const std::set<std::int64_t> seeks(seek_column.begin(), seek_column.end());
  for (const Entry& e : older) {
    const std::string name = e.path + ";" + std::to_string(e.key.cycle);
    try {
      auto payload = plan.file.payload(e.key, "tree '" + name + "'");
      const Tree t = parse_tree(payload, e.key.keylen, plan.what + " cycle " + std::to_string(e.key.cycle));
      std::string missing;
      for (const Branch* b : all_branches(t))
        for (std::size_t j = 0; j < free_basket_count(*b) && missing.empty(); ++j)
          if (!seeks.count(b->basket_seek[j])) missing = b->name;
      if (!missing.empty()) {
        out.older_left_out.push_back(name + " (branch '" + missing + "' refers to a basket the newest cycle does not have)");
        continue;
      }
      out.bytes.insert(out.bytes.end(), payload.begin(), payload.end());
      out.older.push_back(e.key);
    } catch (const Error& err) {
      out.older_left_out.push_back(name + " (" + err.what() + ")");
    }
  }
  for (const auto& c : ints) out.baskets.columns.push_back(to_column(c));
  out.baskets.text.push_back(std::move(names));
  out.baskets.text.push_back(std::move(titles));
  return out;
}

bool leaf_lists_rebuild(const TTreePlan& plan) {
  const Tree& t = plan.tree;
  if (!plan.skipped.empty() || !is_ttree_class(plan.entry.key.class_name) || plan.entry.key.title != t.title) return false;
  if (plan.flat.empty() && plan.strings.empty()) return false;  // no entries table to write it from
  const auto writable = [](const std::string& s) { return !s.empty() && s.find_first_of("[]:/ \t\n") == std::string::npos; };
  std::set<std::string> names;
  if (plan.kept.size() != t.branches.size()) return false;
  for (std::size_t i = 0; i < t.branches.size(); ++i) {
    const Branch& b = t.branches[i];
    if (plan.kept[i] != &b || b.class_name != "TBranch" || !b.branches.empty() || b.external || b.leaves.empty() ||
        !writable(b.name) || !names.insert(b.name).second)
      return false;
    const std::string descriptor = branch_descriptor(t, b);
    if (b.title != descriptor) return false;
    std::set<std::string> leaf_names;
    std::size_t from = 0;
    for (const int id : b.leaves) {
      const Leaf& l = t.leaves[static_cast<std::size_t>(id)];
      const auto colon = descriptor.find(':', from);
      const std::string part = descriptor.substr(from, colon - from);  // "name[count][dims]/T"
      from = colon + 1;
      if (!writable(l.name) || !leaf_names.insert(l.name).second || l.title != part.substr(0, part.rfind('/'))) return false;
      RootLeafSpec written;  // the class the writer would write for it (TLeafG comes back TLeafL)
      written.text = part.back() == 'C';
      if (!written.text) written.dtype = *l.dtype;
      if (l.class_name != root_leaf_class(written)) return false;
    }
  }
  return true;
}

void BasketBuilder::append_values(const std::vector<const Array*>& columns, std::size_t row, std::size_t rows) {
  for (std::size_t r = row; r < row + rows; ++r)
    for (const Array* c : columns) {
      const std::size_t size = dtype_size(c->dtype);
      const std::byte* p = c->bytes.data() + r * size;
      for (std::size_t i = 0; i < size; ++i)
        bytes.push_back(std::endian::native == std::endian::little ? p[size - 1 - i] : p[i]);
    }
}

void BasketBuilder::append_vector_header(std::size_t n, std::size_t value_bytes, std::uint16_t version) {
  put_be32(bytes, static_cast<std::int32_t>(kByteCountMask | static_cast<std::uint32_t>(6 + value_bytes)));
  bytes.push_back(static_cast<std::byte>(version >> 8));
  bytes.push_back(static_cast<std::byte>(version & 0xFF));
  put_be32(bytes, static_cast<std::int32_t>(n));
}

void BasketBuilder::append_text_vector(std::span<const std::string> strings, std::uint16_t version) {
  const std::size_t at = bytes.size();
  append_vector_header(strings.size(), 0, version);
  for (const auto& s : strings) append_text(s);
  put_be_at(bytes, at, kByteCountMask | static_cast<std::uint32_t>(bytes.size() - at - 4), "a std::vector entry");
}

void BasketBuilder::append_text(const std::string& s) {
  if (s.size() < 255) {
    bytes.push_back(static_cast<std::byte>(s.size()));
  } else {
    bytes.push_back(std::byte{255});
    put_be32(bytes, static_cast<std::int32_t>(s.size()));
  }
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  bytes.insert(bytes.end(), p, p + s.size());
}

std::vector<std::byte> BasketBuilder::finish(std::int32_t offsets_at) {
  if (offsets_at >= 0) {
    put_be32(bytes, static_cast<std::int32_t>(starts.size() + 1));
    for (const auto s : starts) put_be32(bytes, s + offsets_at);
    put_be32(bytes, 0);
  }
  starts.clear();
  return std::move(bytes);
}

}  // namespace baler::rootio
