// The .npy header: magic, version, and the Python-literal dict {'descr', 'fortran_order', 'shape'}.
#include <bit>
#include <cctype>
#include <cstring>
#include <limits>

#include "baler/bytes.hpp"
#include "baler/npy.hpp"

namespace baler {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

// One value of the header dict. Only what numpy writes is accepted: strings, integers,
// True/False, tuples/lists of those. Lists/dicts appear in structured descrs, refused later.
struct PyValue {
  enum Kind { Str, Int, Bool, Seq, Other } kind = Other;
  std::string str;
  std::int64_t num = 0;
  bool flag = false;
  std::vector<PyValue> items;
};

class PyLiteralParser {
 public:
  PyLiteralParser(std::string_view text, const std::string& what) : s_(text), what_(what) {}

  // Parses the dict and checks that only padding follows it.
  std::vector<std::pair<std::string, PyValue>> dict() {
    std::vector<std::pair<std::string, PyValue>> out;
    expect('{');
    while (!peek_is('}')) {
      PyValue key = value(0);
      if (key.kind != PyValue::Str) fail("dict key is not a string");
      expect(':');
      for (const auto& kv : out)
        if (kv.first == key.str) fail("key '" + key.str + "' appears twice");
      out.emplace_back(key.str, value(0));
      if (!peek_is('}')) expect(',');
    }
    expect('}');
    for (; pos_ < s_.size(); ++pos_)
      if (!std::strchr(" \t\r\n", s_[pos_]) && s_[pos_] != '\0') fail("text after the dict");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorCode::Malformed, what_ + ": npy header dict: " + why + " at offset " +
                                          std::to_string(pos_) + " in " + std::string(s_));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::strchr(" \t\r\n", s_[pos_]) && s_[pos_] != '\0') ++pos_;
  }
  bool peek_is(char c) {
    skip_space();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek_is(c)) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  PyValue value(int depth) {
    if (depth > 16) fail("nesting too deep");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    const char c = s_[pos_];
    if (c == '\'' || c == '"') return string_value(c);
    if (c == '(' || c == '[') return sequence(c == '(' ? ')' : ']', depth);
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return integer();
    if (c == '{') fail("nested dict (structured dtype)");
    PyValue v;
    for (const char* word : {"True", "False", "None"}) {
      if (s_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        v.kind = word[0] == 'N' ? PyValue::Other : PyValue::Bool;
        v.flag = word[0] == 'T';
        return v;
      }
    }
    fail("unexpected character '" + std::string(1, c) + "'");
  }

  PyValue string_value(char quote) {
    PyValue v;
    v.kind = PyValue::Str;
    for (++pos_; pos_ < s_.size() && s_[pos_] != quote; ++pos_) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;  // \' \\ : keep the next char
      v.str += s_[pos_];
    }
    if (pos_ >= s_.size()) fail("unterminated string");
    ++pos_;
    return v;
  }

  PyValue sequence(char close, int depth) {
    PyValue v;
    v.kind = PyValue::Seq;
    ++pos_;
    while (!peek_is(close)) {
      v.items.push_back(value(depth + 1));
      if (!peek_is(close)) expect(',');
    }
    ++pos_;
    return v;
  }

  PyValue integer() {
    PyValue v;
    v.kind = PyValue::Int;
    const bool neg = s_[pos_] == '-';
    if (neg) ++pos_;
    if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) fail("bad number");
    std::uint64_t n = 0;
    for (; pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])); ++pos_) {
      const unsigned d = static_cast<unsigned>(s_[pos_] - '0');
      if (n > (std::uint64_t{std::numeric_limits<std::int64_t>::max()} - d) / 10)
        throw Error(ErrorCode::Limit, what_ + ": npy header: integer too large in " + std::string(s_));
      n = n * 10 + d;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'L' || s_[pos_] == 'l')) ++pos_;  // Python 2 long
    v.num = neg ? -static_cast<std::int64_t>(n) : static_cast<std::int64_t>(n);
    return v;
  }

  std::string_view s_;
  const std::string& what_;
  std::size_t pos_ = 0;
};

NpyDescr parse_simple_descr(const PyValue& v, const std::string& what);

// True if data of `size`-byte units in byte order `order` must be swapped on this machine.
bool order_differs(char order, std::size_t size) noexcept {
  if (size <= 1 || order == '|' || order == '=') return false;
  return (order == '<') != (std::endian::native == std::endian::little);
}

}  // namespace

DType NpyDescr::dtype() const {
  const NpyDescr& d = *this;
  switch (d.kind) {
    case 'b': return DType::Bool;
    case 'i': return d.itemsize == 1 ? DType::I8 : d.itemsize == 2 ? DType::I16
                   : d.itemsize == 4 ? DType::I32 : DType::I64;
    case 'u': return d.itemsize == 1 ? DType::U8 : d.itemsize == 2 ? DType::U16
                   : d.itemsize == 4 ? DType::U32 : DType::U64;
    case 'f': return d.itemsize == 2 ? DType::F16 : d.itemsize == 4 ? DType::F32 : DType::F64;
    default: break;
  }
  throw Error(ErrorCode::Internal, "npy dtype '" + text + "' is not numeric");
}

bool NpyField::swap() const noexcept {
  return order_differs(order, kind == 'U' ? 4 : kind == 'S' ? 1 : dtype_size(dtype));
}

namespace {

// [('name', '<f8'), ('', '|V4'), ...]: packed fields in order; ('', '|Vn') is padding.
NpyDescr parse_record_descr(const PyValue& v, const std::string& what) {
  NpyDescr d;
  d.kind = 'V';
  d.order = '|';
  d.text = "structured dtype";
  for (const auto& item : v.items) {
    const bool pair = item.kind == PyValue::Seq && item.items.size() == 2 &&
                      item.items[0].kind == PyValue::Str && item.items[1].kind == PyValue::Str;
    if (!pair)
      throw Error(ErrorCode::Unsupported, what + ": structured dtype with titles, sub-arrays or nested "
                                                 "records is not supported");
    const std::string& name = item.items[0].str;
    const std::string& type = item.items[1].str;
    if (name.empty() && type.size() > 2 && type.substr(0, 2) == "|V") {
      std::size_t pad = 0;
      for (char c : type.substr(2)) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || pad > (std::size_t{1} << 20))
          throw Error(ErrorCode::Malformed, what + ": bad padding '" + type + "' in structured dtype");
        pad = pad * 10 + static_cast<std::size_t>(c - '0');
      }
      d.itemsize += pad;
      continue;
    }
    const NpyDescr f = parse_simple_descr(item.items[1], what + " field '" + name + "'");
    const bool text = f.kind == 'U' || f.kind == 'S';
    d.fields.push_back({name, f.order, text ? DType::U8 : f.dtype(), d.itemsize, f.kind, f.itemsize});
    d.itemsize += f.itemsize;
  }
  if (d.fields.empty()) throw Error(ErrorCode::Unsupported, what + ": structured dtype without fields");
  return d;
}

NpyDescr parse_descr(const PyValue& v, const std::string& what) {
  if (v.kind == PyValue::Seq) return parse_record_descr(v, what);
  return parse_simple_descr(v, what);
}

NpyDescr parse_simple_descr(const PyValue& v, const std::string& what) {
  if (v.kind != PyValue::Str)
    throw Error(ErrorCode::Malformed, what + ": npy header: 'descr' is not a string");
  NpyDescr d;
  d.text = v.str;
  std::string_view s = v.str;
  if (!s.empty() && std::strchr("<>|=", s[0])) {
    d.order = s[0];
    s.remove_prefix(1);
  } else {
    d.order = '=';
  }
  const auto unsupported = [&](const std::string& why) {
    return Error(ErrorCode::Unsupported, what + ": dtype '" + d.text + "' " + why);
  };
  if (s.empty()) throw unsupported("is not a numpy type string");
  d.kind = s[0];
  std::size_t size = 0;
  for (char c : s.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || size > (std::size_t{1} << 32))
      throw unsupported("is not supported (baler reads bool, int8..64, uint8..64, float16/32/64)");
    size = size * 10 + static_cast<std::size_t>(c - '0');
  }
  d.itemsize = d.kind == 'U' ? size * 4 : size;
  if (d.kind == '?' && size == 0) d.kind = 'b', d.itemsize = 1;
  if (d.kind == 'O')
    throw unsupported("is an object (pickled) array; re-save it with a numeric or str dtype");
  const bool ok = (d.kind == 'b' && size == 1) ||
                  ((d.kind == 'i' || d.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                  (d.kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
                  ((d.kind == 'U' || d.kind == 'S' || d.kind == 'a') && size >= 1);
  if (!ok)
    throw unsupported("is not supported (baler reads bool, int8..64, uint8..64, float16/32/64)");
  if (d.kind == 'a') d.kind = 'S';
  return d;
}

std::vector<std::int64_t> parse_shape(const PyValue& v, const std::string& what) {
  if (v.kind != PyValue::Seq)
    throw Error(ErrorCode::Malformed, what + ": npy header: 'shape' is not a tuple");
  std::vector<std::int64_t> shape;
  for (const auto& item : v.items) {
    if (item.kind != PyValue::Int || item.num < 0)
      throw Error(ErrorCode::Malformed, what + ": npy header: 'shape' holds a value that is not a "
                                               "non-negative integer");
    shape.push_back(item.num);
  }
  return shape;
}

}  // namespace

bool NpyDescr::swap() const noexcept { return kind != 'V' && order_differs(order, kind == 'U' ? 4 : itemsize); }

NpyHeader parse_npy_header(std::span<const std::byte> bytes, const std::string& what) {
  ByteReader r(bytes, what);
  const auto magic = r.bytes(kMagicSize, "npy magic");
  if (std::memcmp(magic.data(), kMagic, kMagicSize) != 0)
    r.fail("not a .npy file (the magic \\x93NUMPY is missing)");
  NpyHeader h;
  h.major = r.le<std::uint8_t>("npy version");
  h.minor = r.le<std::uint8_t>("npy version");
  if (h.major < 1 || h.major > 3 || h.minor != 0)
    throw Error(ErrorCode::Unsupported, what + ": npy version " + std::to_string(h.major) + "." +
                                            std::to_string(h.minor) + " (baler reads 1.0, 2.0, 3.0)");
  const std::uint32_t len = h.major == 1 ? r.le<std::uint16_t>("npy header length")
                                         : r.le<std::uint32_t>("npy header length");
  const auto text_bytes = r.bytes(len, "npy header (length " + std::to_string(len) + ")");
  const std::string_view text(reinterpret_cast<const char*>(text_bytes.data()), text_bytes.size());
  h.data_offset = r.pos();

  bool have_descr = false, have_order = false, have_shape = false;
  for (auto& [key, value] : PyLiteralParser(text, what).dict()) {
    if (key == "descr") {
      h.descr = parse_descr(value, what);
      have_descr = true;
    } else if (key == "fortran_order") {
      if (value.kind != PyValue::Bool)
        throw Error(ErrorCode::Malformed, what + ": npy header: 'fortran_order' is not True/False");
      h.fortran_order = value.flag;
      have_order = true;
    } else if (key == "shape") {
      h.shape = parse_shape(value, what);
      have_shape = true;
    } else {
      throw Error(ErrorCode::Malformed, what + ": npy header has an unknown key '" + key + "'");
    }
  }
  if (!have_descr || !have_order || !have_shape)
    throw Error(ErrorCode::Malformed, what + ": npy header lacks " +
                                          (!have_descr ? "'descr'" : !have_order ? "'fortran_order'" : "'shape'"));
  return h;
}

}  // namespace baler
