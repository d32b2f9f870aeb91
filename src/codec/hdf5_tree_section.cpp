// The HDF5 tree as bytes (docs/FORMAT.md, "HDF5 tree"): objects in order, each with its
// attributes; numeric values little-endian, strings as varint length + bytes.
#include "hdf5_tree_section.hpp"

#include <bit>
#include <unordered_set>

#include "wire.hpp"

namespace baler::codec {
namespace {

enum : std::uint8_t { kGroup = 0, kDataset = 1 };
enum : std::uint8_t { kNumeric = 0, kString = 1 };
enum : std::uint8_t { kVariableLength = 1, kUtf8 = 2 };

// Smallest encodings, for checking counts against the bytes left: an object is a path of at
// least one byte (4 + 1), a kind and an attribute count; an attribute is a name (4), a type,
// an ndim and a dtype (numeric) or flags and a fixed size (string).
constexpr std::uint64_t kMinObjectBytes = 4 + 1 + 1 + 1;
constexpr std::uint64_t kMinAttributeBytes = 4 + 1 + 1 + 1;

std::string limit_text(std::uint64_t n, std::uint64_t limit) {
  return std::to_string(n) + " (limit " + std::to_string(limit) + ")";
}

void check_limit(std::uint64_t n, std::uint64_t limit, const std::string& field) {
  if (n > limit) throw Error(ErrorCode::Limit, "HDF5 tree: " + field + " " + limit_text(n, limit));
}

// Values as stored: little-endian whatever the machine.
std::vector<std::byte> little_endian(std::vector<std::byte> values, DType t) {
  if constexpr (std::endian::native != std::endian::little)
    byteswap_inplace(values.data(), values.size() / dtype_size(t), dtype_size(t));
  return values;
}

void put_attribute(ByteWriter& w, const Hdf5Attribute& a, const std::string& of) {
  const std::string field = of + " attribute '" + a.name + "'";
  check_limit(a.name.size(), kMaxHdf5NameBytes, of + " attribute name bytes");
  check_limit(a.shape.size(), kMaxDims, field + " ndim");
  const std::uint64_t count = hdf5_attribute_elements(a.shape, "HDF5 tree: " + field);
  put_string(w, a.name);
  w.le<std::uint8_t>(a.is_string ? kString : kNumeric);
  w.le<std::uint8_t>(static_cast<std::uint8_t>(a.shape.size()));
  for (const auto d : a.shape) put_varint(w, static_cast<std::uint64_t>(d));
  if (!a.is_string) {
    require(a.bytes.size() == count * dtype_size(a.dtype), ErrorCode::Internal,
            "HDF5 tree: " + field + " holds " + std::to_string(a.bytes.size()) + " bytes for " +
                std::to_string(count) + " values");
    check_limit(a.bytes.size(), kMaxHdf5AttributeBytes, field + " value bytes");
    w.le<std::uint8_t>(static_cast<std::uint8_t>(a.dtype));
    w.append(std::span<const std::byte>(little_endian(a.bytes, a.dtype)));
    return;
  }
  require(a.strings.size() == count, ErrorCode::Internal,
          "HDF5 tree: " + field + " holds " + std::to_string(a.strings.size()) + " strings for " +
              std::to_string(count) + " values");
  require(a.variable_length || a.fixed_size > 0, ErrorCode::Internal,
          "HDF5 tree: " + field + " has fixed-size strings of 0 bytes");
  if (!a.variable_length) check_limit(a.fixed_size, kMaxHdf5FixedString, field + " fixed size");
  w.le<std::uint8_t>(static_cast<std::uint8_t>((a.variable_length ? kVariableLength : 0) | (a.utf8 ? kUtf8 : 0)));
  put_varint(w, a.variable_length ? 0 : a.fixed_size);
  std::uint64_t total = 0;
  for (const auto& s : a.strings) {
    require(a.variable_length || s.size() <= a.fixed_size, ErrorCode::Internal,
            "HDF5 tree: " + field + " has a string of " + std::to_string(s.size()) + " bytes in fixed-size strings of " +
                std::to_string(a.fixed_size));
    check_limit(total += s.size(), kMaxHdf5AttributeBytes, field + " string bytes");
    put_varint(w, s.size());
    w.append(s.data(), s.size());
  }
}

Hdf5Attribute get_attribute(ByteReader& r, const std::string& of) {
  Hdf5Attribute a;
  a.name = get_string(r, kMaxHdf5NameBytes, of + " attribute name");
  const std::string field = of + " attribute '" + a.name + "'";
  const auto type = r.le<std::uint8_t>(field + " type");
  if (type != kNumeric && type != kString)
    r.fail(field + " has the unknown type " + std::to_string(type) + " (0 numeric, 1 string)");
  a.is_string = type == kString;
  const auto ndim = get_count(r, r.le<std::uint8_t>(field + " ndim"), kMaxDims, 1, field + " ndim");
  for (std::uint64_t k = 0; k < ndim; ++k) {
    const std::string dim = field + " dimension " + std::to_string(k);
    a.shape.push_back(static_cast<std::int64_t>(get_count(r, get_varint(r, dim), kMaxHdf5AttributeBytes, 0, dim)));
  }
  const std::uint64_t count = hdf5_attribute_elements(a.shape, r.what() + ": " + field);
  if (!a.is_string) {
    a.dtype = dtype_from_code(r.le<std::uint8_t>(field + " dtype"), r.what() + ": " + field + " dtype");
    const auto n = get_count(r, count * dtype_size(a.dtype), kMaxHdf5AttributeBytes, 1, field + " value bytes");
    const auto values = r.bytes(n, field + " values");
    a.bytes = little_endian({values.begin(), values.end()}, a.dtype);  // the swap is its own inverse
    if (a.dtype == DType::Bool)
      for (const auto b : a.bytes)
        if (b > std::byte{1}) r.fail(field + " holds a bool value " + std::to_string(static_cast<int>(b)));
    return a;
  }
  const auto flags = r.le<std::uint8_t>(field + " flags");
  if (flags & ~(kVariableLength | kUtf8)) r.fail(field + " has unknown flag bits " + std::to_string(flags));
  a.variable_length = flags & kVariableLength;
  a.utf8 = flags & kUtf8;
  const auto fixed = get_varint(r, field + " fixed size");
  if (a.variable_length && fixed != 0) r.fail(field + " has variable-length strings but a fixed size " + std::to_string(fixed));
  if (!a.variable_length && fixed == 0) r.fail(field + " has fixed-size strings of 0 bytes");
  a.fixed_size = static_cast<std::uint32_t>(get_count(r, fixed, kMaxHdf5FixedString, 0, field + " fixed size"));
  a.strings.reserve(get_count(r, count, kMaxHdf5AttributeBytes, 1, field + " strings"));
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string element = field + " string " + std::to_string(i);
    const auto n = get_varint(r, element + " length");
    if (n > kMaxHdf5AttributeBytes - total)
      throw Error(ErrorCode::Limit, r.what() + ": " + field + " holds more than " +
                                        std::to_string(kMaxHdf5AttributeBytes) + " bytes of strings");
    if (!a.variable_length && n > a.fixed_size)
      r.fail(element + " of " + std::to_string(n) + " bytes exceeds the fixed size " + std::to_string(a.fixed_size));
    total += n;
    const auto b = r.bytes(n, element);
    a.strings.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return a;
}

}  // namespace

std::vector<std::byte> encode_hdf5_tree(const Hdf5Tree& t) {
  check_limit(t.objects.size(), kMaxHdf5Objects, "object count");
  ByteWriter w;
  put_varint(w, t.objects.size());
  for (const auto& o : t.objects) {
    const std::string of = "object '" + o.path + "'";
    check_limit(o.path.size(), kMaxHdf5NameBytes, of + " path bytes");
    require(!o.path.empty() && o.path.front() == '/', ErrorCode::Internal, "HDF5 tree: " + of + " is not an absolute path");
    check_limit(o.attributes.size(), kMaxHdf5Attributes, of + " attribute count");
    put_string(w, o.path);
    w.le<std::uint8_t>(o.is_dataset ? kDataset : kGroup);
    put_varint(w, o.attributes.size());
    for (const auto& a : o.attributes) put_attribute(w, a, of);
  }
  return std::move(w.buffer());
}

Hdf5Tree decode_hdf5_tree(std::span<const std::byte> bytes, const std::string& what) {
  ByteReader r(bytes, what);
  Hdf5Tree t;
  const auto n = get_count(r, get_varint(r, "object count"), kMaxHdf5Objects, kMinObjectBytes, "object count");
  t.objects.reserve(n);
  std::unordered_set<std::string> paths;
  for (std::uint64_t i = 0; i < n; ++i) {
    Hdf5Object o;
    const std::string field = "object " + std::to_string(i);
    o.path = get_string(r, kMaxHdf5NameBytes, field + " path");
    if (o.path.empty() || o.path.front() != '/') r.fail(field + " path '" + o.path + "' does not start with '/'");
    if (!paths.insert(o.path).second) r.fail(field + " path '" + o.path + "' appears twice");
    const std::string of = "object '" + o.path + "'";
    const auto kind = r.le<std::uint8_t>(of + " kind");
    if (kind != kGroup && kind != kDataset)
      r.fail(of + " has the unknown kind " + std::to_string(kind) + " (0 group, 1 dataset)");
    o.is_dataset = kind == kDataset;
    if (o.is_dataset && o.path == "/") r.fail("the root group '/' is marked as a dataset");
    const auto count = get_count(r, get_varint(r, of + " attribute count"), kMaxHdf5Attributes, kMinAttributeBytes,
                                 of + " attribute count");
    o.attributes.reserve(count);
    std::unordered_set<std::string> names;
    for (std::uint64_t k = 0; k < count; ++k) {
      o.attributes.push_back(get_attribute(r, of));
      if (!names.insert(o.attributes.back().name).second)
        r.fail(of + " has attribute '" + o.attributes.back().name + "' twice");
    }
    t.objects.push_back(std::move(o));
  }
  expect_end(r, "HDF5 tree");
  return t;
}

}  // namespace baler::codec
