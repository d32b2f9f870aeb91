// .npy arrays and string arrays: decoding (checked, any byte order, Fortran order) and encoding.
#include <algorithm>
#include <bit>
#include <cstring>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/npy.hpp"
#include "npy_internal.hpp"
#include "raw_data.hpp"

namespace baler {
namespace {

// The data bytes after the header, checked against the size the header implies.
std::span<const std::byte> data_span(std::span<const std::byte> bytes, const NpyHeader& h,
                                     std::uint64_t count, const std::string& what) {
  const std::uint64_t need = npy_data_bytes(h, count, bytes.size() - h.data_offset, what);
  return bytes.subspan(h.data_offset, static_cast<std::size_t>(need));
}

// Fortran (column-major) element order to C order, for any number of dimensions.
void fortran_to_c(const std::byte* src, std::byte* dst, const std::vector<std::int64_t>& shape,
                  std::size_t count, std::size_t es) {
  const std::size_t n = shape.size();
  std::vector<std::size_t> stride(n), idx(n, 0);
  std::size_t s = 1;
  for (std::size_t k = 0; k < n; ++k) {
    stride[k] = s;
    s *= static_cast<std::size_t>(shape[k]);
  }
  std::size_t f = 0;
  for (std::size_t out = 0; out < count; ++out) {
    std::memcpy(dst + out * es, src + f * es, es);
    for (std::size_t k = n; k-- > 0;) {
      if (++idx[k] < static_cast<std::size_t>(shape[k])) {
        f += stride[k];
        break;
      }
      f -= stride[k] * (idx[k] - 1);
      idx[k] = 0;
    }
  }
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Decodes UTF-8 into code points. Throws Error(Unsupported) on invalid input.
std::vector<std::uint32_t> utf8_to_utf32(const std::string& s) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      ok = (c >> 6) == 2;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    if (!ok) throw Error(ErrorCode::Unsupported, "name '" + s + "' is not valid UTF-8");
    out.push_back(cp);
    i += len;
  }
  return out;
}

constexpr const char* kDescr[kDTypeCount] = {"|b1", "|i1", "<i2", "<i4", "<i8", "|u1",
                                             "<u2", "<u4", "<u8", "<f2", "<f4", "<f8"};

// `name` as a Python string literal.
std::string py_string(const std::string& name) {
  std::string out = "'";
  for (char c : name) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::vector<std::byte> encode_with_descr(const std::string& descr, const std::vector<std::int64_t>& shape,
                                         std::span<const std::byte> data, std::size_t unit) {
  ByteWriter w;
  w.append(npy_header_bytes(descr, shape));
  const std::size_t start = w.size();
  w.append(data);
  if (std::endian::native != std::endian::little)
    byteswap_inplace(w.buffer().data() + start, data.size() / unit, unit);
  return std::move(w.buffer());
}

}  // namespace

std::vector<std::byte> npy_header_bytes(const std::string& descr, const std::vector<std::int64_t>& shape) {
  std::string dict = "{'descr': " + descr + ", 'fortran_order': False, 'shape': " +
                     shape_string(shape) + ", }";
  // Pad with spaces so that the data start at a multiple of 64 bytes, ending with '\n'.
  // Version 2.0 for headers over 64 KiB, 3.0 (UTF-8) for non-ASCII field names.
  const bool ascii = std::all_of(dict.begin(), dict.end(), [](char c) { return (c & 0x80) == 0; });
  std::size_t preamble = 10;
  if (dict.size() + 1 + preamble > 65535 + 10 || !ascii) preamble = 12;
  const std::size_t total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - preamble - dict.size() - 1, ' ');
  dict += '\n';
  ByteWriter w;
  w.append("\x93NUMPY", 6);
  w.le<std::uint8_t>(preamble == 10 ? 1 : ascii ? 2 : 3);
  w.le<std::uint8_t>(0);
  if (preamble == 10) w.le<std::uint16_t>(static_cast<std::uint16_t>(dict.size()));
  else w.le<std::uint32_t>(static_cast<std::uint32_t>(dict.size()));
  w.append(dict.data(), dict.size());
  return std::move(w.buffer());
}

DType npy_numeric_dtype(const NpyDescr& d, const std::string& what) {
  if (d.kind == 'V')
    throw Error(ErrorCode::Unsupported, what + ": a structured (record) array is a table, not one array");
  if (d.kind == 'U' || d.kind == 'S')
    throw Error(ErrorCode::Unsupported, what + ": dtype '" + d.text +
                                            "' is a string array; baler reads numeric arrays");
  return d.dtype();
}

std::uint64_t npy_data_bytes(const NpyHeader& h, std::uint64_t count, std::uint64_t avail, const std::string& what) {
  if (h.descr.itemsize != 0 && count > std::numeric_limits<std::uint64_t>::max() / h.descr.itemsize)
    throw Error(ErrorCode::Limit, what + ": shape " + shape_string(h.shape) + " of '" +
                                      h.descr.text + "' overflows");
  const std::uint64_t need = count * h.descr.itemsize;
  if (need > avail)
    throw Error(ErrorCode::Malformed, what + ": header claims " + std::to_string(need) +
                                          " bytes of data (shape " + shape_string(h.shape) + ", '" +
                                          h.descr.text + "') but file holds " + std::to_string(avail));
  return need;
}

std::string npy_descr(DType t) { return "'" + std::string(kDescr[static_cast<int>(t)]) + "'"; }

namespace {
// [('name', 'type'), ...] of a record array, refusing names a .npy field cannot have.
std::string records_descr(const std::vector<std::string>& names, const std::vector<std::string>& types) {
  std::string descr = "[";
  for (std::size_t c = 0; c < names.size(); ++c) {
    bool bad = names[c].empty() || names[c].find_first_of("\r\n") != std::string::npos;
    for (std::size_t o = 0; o < names.size(); ++o) bad = bad || (o != c && names[o] == names[c]);
    if (bad)
      throw Error(ErrorCode::Unsupported, "column name '" + names[c] +
                                              "' cannot be a .npy field name (empty, repeated or multi-line)");
    descr += (c ? ", (" : "(") + py_string(names[c]) + ", '" + types[c] + "')";
  }
  return descr + "]";
}
}  // namespace

std::string npy_records_descr(const std::vector<std::string>& names, const std::vector<DType>& dtypes) {
  std::vector<std::string> types;
  for (auto t : dtypes) types.push_back(kDescr[static_cast<int>(t)]);
  return records_descr(names, types);
}

void npy_to_native(std::byte* data, std::size_t count, const NpyDescr& d) {
  if (d.swap()) byteswap_inplace(data, count, d.itemsize);
  if (d.kind == 'b')
    for (std::size_t i = 0; i < count; ++i) data[i] = data[i] != std::byte{0} ? std::byte{1} : std::byte{0};
}

// One fixed-width numpy string: 'S' bytes, or 'U' UTF-32 code points (in `swap`ped order) as
// UTF-8; trailing NULs are padding, as numpy reads them.
std::string npy_string_value(const std::byte* p, std::size_t width, char kind, bool swap, const std::string& what) {
  std::string s;
  if (kind == 'S') {
    s.assign(reinterpret_cast<const char*>(p), width);
  } else {
    for (std::size_t k = 0; k < width / 4; ++k) {
      std::uint32_t cp;
      std::memcpy(&cp, p + 4 * k, 4);
      if (swap) cp = byteswap_value(cp);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        throw Error(ErrorCode::Malformed, what + " holds code point " + std::to_string(cp) + ", which is not Unicode");
      if (cp == 0) s += '\0';
      else append_utf8(s, cp);
    }
  }
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

Dataset npy_records_to_table(const std::byte* records, std::size_t count, const NpyDescr& d) {
  Dataset ds;
  ds.kind = DataKind::Table;
  for (std::size_t k = 0; k < d.fields.size(); ++k) {
    const NpyField& f = d.fields[k];
    if (f.kind == 'U' || f.kind == 'S') {  // a text column, in its place among the fields
      TextColumn t{f.name, k, {}};
      for (std::size_t r = 0; r < count; ++r)
        t.values.push_back(npy_string_value(records + r * d.itemsize + f.offset, f.size, f.kind, f.swap(),
                                            "field '" + f.name + "' row " + std::to_string(r)));
      ds.text.push_back(std::move(t));
      continue;
    }
    Array col(f.dtype, {static_cast<std::int64_t>(count)});
    const std::size_t es = dtype_size(f.dtype);
    for (std::size_t r = 0; r < count; ++r)
      std::memcpy(col.bytes.data() + r * es, records + r * d.itemsize + f.offset, es);
    if (f.swap()) byteswap_inplace(col.bytes.data(), count, es);
    normalize_bools(col);
    ds.columns.push_back({f.name, std::move(col)});
  }
  return ds;
}

Array decode_npy(std::span<const std::byte> bytes, const std::string& what) {
  const NpyHeader h = parse_npy_header(bytes, what);
  const DType t = npy_numeric_dtype(h.descr, what);
  const std::uint64_t count = checked_element_count(h.shape, what + " (shape)");
  const auto data = data_span(bytes, h, count, what);
  Array a;
  a.dtype = t;
  a.shape = h.shape;
  if (h.fortran_order && h.shape.size() > 1) {
    a.bytes.resize(data.size());
    fortran_to_c(data.data(), a.bytes.data(), h.shape, static_cast<std::size_t>(count), h.descr.itemsize);
  } else {
    a.bytes.assign(data.begin(), data.end());
  }
  npy_to_native(a.bytes.data(), static_cast<std::size_t>(count), h.descr);
  return a;
}

Dataset decode_npy_records(std::span<const std::byte> bytes, const std::string& what) {
  const NpyHeader h = parse_npy_header(bytes, what);
  require(h.descr.kind == 'V', ErrorCode::Internal, what + ": not a structured array");
  if (h.shape.size() != 1)
    throw Error(ErrorCode::Unsupported, what + ": structured array of shape " + shape_string(h.shape) +
                                            " (baler reads 1-D record arrays as tables)");
  const std::uint64_t count = checked_element_count(h.shape, what + " (shape)");
  const auto data = data_span(bytes, h, count, what);
  return npy_records_to_table(data.data(), static_cast<std::size_t>(count), h.descr);
}

std::vector<std::byte> pack_rows(const Dataset& table, bool little_endian) {
  return pack_rows(table, little_endian, {}, {});
}

std::vector<std::byte> pack_rows(const Dataset& table, bool little_endian, std::span<const std::size_t> text_widths,
                                 const PutText& put_text) {
  std::vector<std::size_t> positions;  // no widths: the numeric columns only
  if (!text_widths.empty())
    for (const auto& t : table.text) positions.push_back(t.position);
  const auto order = column_order(table.columns.size(), positions);
  auto width = [&](std::pair<bool, std::size_t> c) {
    return c.first ? text_widths[c.second] : dtype_size(table.columns[c.second].values.dtype);
  };
  std::size_t record = 0;
  for (auto c : order) record += width(c);
  const std::size_t rows = table.rows();
  std::vector<std::byte> data(rows * record);
  std::size_t offset = 0;
  for (auto c : order) {
    const std::size_t es = width(c);
    for (std::size_t r = 0; r < rows; ++r) {
      std::byte* out = data.data() + r * record + offset;
      if (c.first) {
        put_text(c.second, r, out);
        continue;
      }
      std::memcpy(out, table.columns[c.second].values.bytes.data() + r * es, es);
      if (little_endian && std::endian::native != std::endian::little) byteswap_inplace(out, 1, es);
    }
    offset += es;
  }
  return data;
}

std::vector<std::byte> encode_npy_records(const Dataset& table) {
  std::vector<DType> dtypes;
  for (const auto& c : table.columns) dtypes.push_back(c.values.dtype);
  // Text columns as '<Un' fields (n: the longest value's code points), in their places.
  std::vector<std::size_t> positions, widths;
  std::vector<std::vector<std::vector<std::uint32_t>>> cps(table.text.size());
  for (std::size_t t = 0; t < table.text.size(); ++t) {
    positions.push_back(table.text[t].position);
    std::size_t w = 1;
    for (const auto& v : table.text[t].values) {
      cps[t].push_back(utf8_to_utf32(v));
      w = std::max(w, cps[t].back().size());
    }
    widths.push_back(4 * w);
  }
  std::vector<std::string> types;
  for (auto [is_text, i] : column_order(table.columns.size(), positions))
    types.push_back(is_text ? "<U" + std::to_string(widths[i] / 4) : kDescr[static_cast<int>(dtypes[i])]);
  const auto data = pack_rows(table, true, widths, [&](std::size_t t, std::size_t r, std::byte* out) {
    for (std::size_t k = 0; k < cps[t][r].size(); ++k) {  // the rest stays zero: numpy's padding
      const std::uint32_t le = std::endian::native == std::endian::little ? cps[t][r][k] : byteswap_value(cps[t][r][k]);
      std::memcpy(out + 4 * k, &le, 4);
    }
  });
  return encode_with_descr(records_descr(all_column_names(table), types), {static_cast<std::int64_t>(table.rows())},
                           data, 1);
}

std::vector<std::string> decode_npy_strings(std::span<const std::byte> bytes, const std::string& what) {
  const NpyHeader h = parse_npy_header(bytes, what);
  const std::uint64_t count = checked_element_count(h.shape, what + " (shape)");
  if (count == 0) return {};
  if (h.descr.kind != 'U' && h.descr.kind != 'S')
    throw Error(ErrorCode::Unsupported, what + ": names have dtype '" + h.descr.text +
                                            "'; expected a str array ('<U..')");
  if (h.shape.size() != 1)
    throw Error(ErrorCode::Malformed, what + ": names have shape " + shape_string(h.shape) +
                                          "; expected a 1-D array");
  const auto data = data_span(bytes, h, count, what);
  std::vector<std::string> out;
  const std::size_t width = h.descr.itemsize;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(npy_string_value(data.data() + i * width, width, h.descr.kind, h.descr.swap(),
                                   what + ": value " + std::to_string(i)));
  return out;
}

std::vector<std::byte> encode_npy(const Array& array) {
  return encode_with_descr(npy_descr(array.dtype), array.shape, array.bytes, dtype_size(array.dtype));
}

std::vector<std::byte> encode_npy_strings(const std::vector<std::string>& strings) {
  std::vector<std::vector<std::uint32_t>> cps;
  std::size_t width = 1;
  for (const auto& s : strings) {
    cps.push_back(utf8_to_utf32(s));
    width = std::max(width, cps.back().size());
  }
  std::vector<std::byte> data(strings.size() * width * 4, std::byte{0});
  for (std::size_t i = 0; i < cps.size(); ++i)
    if (!cps[i].empty()) std::memcpy(data.data() + i * width * 4, cps[i].data(), cps[i].size() * 4);  // "" has no data()
  return encode_with_descr("'<U" + std::to_string(width) + "'", {static_cast<std::int64_t>(strings.size())},
                           data, 4);
}

Array read_npy(const std::filesystem::path& path) {
  return decode_npy(read_file_bytes(path), path.string());
}

void write_npy(const Array& array, const std::filesystem::path& path) {
  write_file_atomic(path, encode_npy(array));
}

}  // namespace baler
