// .npy: bit-exact round trips of every dtype, byte orders, Fortran order, header versions and
// dict variants, and refusal of malformed or unsupported files with the right code and message.
#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/npy.hpp"
#include "io_test_support.hpp"

namespace baler::test {
namespace {

std::span<const std::byte> span_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// numpy's descr for a dtype in the given byte order ('<' or '>').
std::string descr(DType t, char order) {
  static const char* kCode[] = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"};
  return (dtype_size(t) == 1 ? std::string("|") : std::string(1, order)) + kCode[static_cast<int>(t)];
}

TEST(Npy, RoundTripEveryDtypeAndShape) {
  TempDir dir;
  for (DType t : kAllDTypes) {
    for (const std::vector<std::int64_t>& shape :
         {std::vector<std::int64_t>{9, 4}, {40}, {3, 4, 5}, {}, {0, 3}}) {
      const Array a = random_array(t, shape, 7 + static_cast<int>(t));
      const auto image = encode_npy(a);
      EXPECT_EQ(image.size() % 64, a.bytes.size() % 64);  // data start 64-byte aligned
      EXPECT_EQ(decode_npy(image, "mem"), a) << dtype_name(t) << " " << shape_string(shape);
      const auto path = dir / "a.npy";
      write_npy(a, path);
      EXPECT_EQ(read_npy(path), a);
    }
  }
}

TEST(Npy, ReadsBothByteOrdersAndNativeMarkers) {
  for (DType t : kAllDTypes) {
    const Array a = random_array(t, {6, 3}, 99);
    std::string le = bytes_as_string(a.bytes), be = le;
    byteswap_inplace(reinterpret_cast<std::byte*>(be.data()), a.size(), dtype_size(t));
    const std::string shape = "'shape': (6, 3), ";
    EXPECT_EQ(decode_npy(span_of(npy_image("{'descr': '" + descr(t, '<') + "', 'fortran_order': False, " + shape + "}", le)), "le"), a);
    EXPECT_EQ(decode_npy(span_of(npy_image("{'descr': '" + descr(t, '>') + "', 'fortran_order': False, " + shape + "}", be)), "be"), a)
        << dtype_name(t);
    std::string native = "=" + descr(t, '<').substr(1);
    EXPECT_EQ(decode_npy(span_of(npy_image("{'descr': '" + native + "', 'fortran_order': False, " + shape + "}", le)), "eq"), a);
  }
}

TEST(Npy, FortranOrderIsTransposedToCOrder) {
  for (DType t : {DType::I16, DType::F64, DType::U8}) {
    const Array c = random_array(t, {3, 4, 5}, 5);
    // Column-major image of c: element (i, j, k) at i + 3*(j + 4*k).
    const std::size_t es = dtype_size(t);
    std::string f(c.bytes.size(), '\0');
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 5; ++k)
          std::memcpy(f.data() + (i + 3 * (j + 4 * k)) * es, c.bytes.data() + ((i * 4 + j) * 5 + k) * es, es);
    const std::string dict = "{'descr': '" + descr(t, '<') + "', 'fortran_order': True, 'shape': (3, 4, 5), }";
    EXPECT_EQ(decode_npy(span_of(npy_image(dict, f)), "f"), c) << dtype_name(t);
  }
  // 2-D, big-endian and Fortran at once.
  const Array c = random_array(DType::F32, {4, 7}, 6);
  std::string f(c.bytes.size(), '\0');
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 7; ++j) std::memcpy(f.data() + (i + 4 * j) * 4, c.bytes.data() + (i * 7 + j) * 4, 4);
  byteswap_inplace(reinterpret_cast<std::byte*>(f.data()), 28, 4);
  EXPECT_EQ(decode_npy(span_of(npy_image("{'descr': '>f4', 'fortran_order': True, 'shape': (4, 7)}", f)), "f"), c);
}

TEST(Npy, HeaderVersionsAndDictVariants) {
  const Array a = random_array(DType::I32, {3}, 1);
  const std::string data = bytes_as_string(a.bytes);
  for (const std::string& dict :
       {std::string("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"),
        std::string("{'shape':(3,),'fortran_order':False,'descr':'<i4'}"),
        std::string("{ \"descr\" : \"<i4\" , 'fortran_order' : False , 'shape' : ( 3L , ) , }"),
        std::string("{'descr': '<i4', 'fortran_order': False, 'shape': [3]}")}) {
    for (int version : {1, 2, 3}) EXPECT_EQ(decode_npy(span_of(npy_image(dict, data, version)), "v"), a) << dict;
  }
  const auto h = parse_npy_header(span_of(npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (3,)}", data, 3)), "v3");
  EXPECT_EQ(h.major, 3);
  EXPECT_EQ(h.data_offset % 64, 0u);
}

TEST(Npy, StringArraysRoundTripAsUtf8) {
  const std::vector<std::string> names = {"B_FlightDistance", "H1_PX", "", "Δφ", "𝜒²", "x"};
  EXPECT_EQ(decode_npy_strings(encode_npy_strings(names), "n"), names);
  EXPECT_TRUE(decode_npy_strings(encode_npy_strings({}), "n").empty());
  // Empty array of any dtype (Baler's fields store names as float64 of shape (0,)).
  EXPECT_TRUE(decode_npy_strings(encode_npy(Array(DType::F64, {0})), "n").empty());
  // Big-endian UTF-32 and byte strings.
  std::string be("\0\0\0a\0\0\0b\0\0\0c\0\0\0\0", 16);
  EXPECT_EQ(decode_npy_strings(span_of(npy_image("{'descr': '>U2', 'fortran_order': False, 'shape': (2,)}", be)), "be"),
            (std::vector<std::string>{"ab", "c"}));
  std::string s("pt\0\0eta\0", 8);
  EXPECT_EQ(decode_npy_strings(span_of(npy_image("{'descr': '|S4', 'fortran_order': False, 'shape': (2,)}", s)), "s"),
            (std::vector<std::string>{"pt", "eta"}));
  expect_error([] { encode_npy_strings({"bad\xff"}); }, ErrorCode::Unsupported, {"UTF-8"});
}

TEST(Npy, BoolBytesOtherThanZeroOrOneReadAsTrue) {
  const std::string img = npy_image("{'descr': '|b1', 'fortran_order': False, 'shape': (4,)}", std::string("\0\1\2\xff", 4));
  const Array a = decode_npy(span_of(img), "b.npy");
  EXPECT_EQ(bytes_as_string(a.bytes), std::string("\0\1\1\1", 4));
}

TEST(Npy, StructuredArraysReadAsTables) {
  // Records of (x: big-endian int32, 2 pad bytes, y: little float64, flag: bool).
  std::string data;
  const std::int32_t xs[3] = {1, -7, 2147483647};
  const double ys[3] = {0.5, -0.0, 1e300};
  for (int r = 0; r < 3; ++r) {
    std::int32_t x = byteswap_value(xs[r]);
    data.append(reinterpret_cast<const char*>(&x), 4);
    data.append("\xAA\xBB", 2);
    data.append(reinterpret_cast<const char*>(&ys[r]), 8);
    data += static_cast<char>(r == 1);
  }
  const std::string img = npy_image(
      "{'descr': [('x', '>i4'), ('', '|V2'), ('y', '<f8'), ('flag', '|b1')], 'fortran_order': False, 'shape': (3,), }", data);
  const Dataset t = decode_npy_records(span_of(img), "rec.npy");
  ASSERT_EQ(column_names(t), (std::vector<std::string>{"x", "y", "flag"}));
  EXPECT_EQ(t.columns[0].values.as<std::int32_t>()[1], -7);
  EXPECT_EQ(t.columns[0].values.as<std::int32_t>()[2], 2147483647);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(t.columns[1].values.as<double>()[1]), std::bit_cast<std::uint64_t>(-0.0));
  EXPECT_EQ(t.columns[2].values.as<bool>()[1], true);
  EXPECT_EQ(decode_npy_records(encode_npy_records(t), "again"), t);
  for (const std::string& d : {std::string("[('a', '<f8', (2,))]"), std::string("[(('title', 'a'), '<f8')]")}) {
    const std::string bad = npy_image("{'descr': " + d + ", 'fortran_order': False, 'shape': (1,)}", std::string(24, '\0'));
    expect_error([&] { decode_npy_records(span_of(bad), "sub.npy"); }, ErrorCode::Unsupported, {"sub.npy"});
  }
  // A string field is a text column ('>U' big-endian code points included); a code point
  // beyond Unicode is malformed.
  std::string text_data("\0\0\0a\0\0\0b\0\0\0\0", 12);
  const std::string text = npy_image("{'descr': [('s', '>U3')], 'fortran_order': False, 'shape': (1,)}", text_data);
  const Dataset st = decode_npy_records(span_of(text), "s.npy");
  ASSERT_EQ(st.text.size(), 1u);
  EXPECT_EQ(st.text[0].values, std::vector<std::string>{"ab"});
  text_data[1] = '\x7f';
  const std::string bad_cp = npy_image("{'descr': [('s', '>U3')], 'fortran_order': False, 'shape': (1,)}", text_data);
  expect_error([&] { decode_npy_records(span_of(bad_cp), "cp.npy"); }, ErrorCode::Malformed, {"not Unicode"});
  const std::string two_d = npy_image("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1, 1)}", std::string(8, '\0'));
  expect_error([&] { decode_npy_records(span_of(two_d), "2d.npy"); }, ErrorCode::Unsupported, {"2d.npy", "(1, 1)"});
  const std::string short_data = npy_image("{'descr': [('a', '<f8'), ('b', '<i2')], 'fortran_order': False, 'shape': (2,)}", std::string(19, '\0'));
  expect_error([&] { decode_npy_records(span_of(short_data), "short.npy"); }, ErrorCode::Malformed,
               {"short.npy", "header claims 20 bytes", "holds 19"});
}

TEST(Npy, MalformedFilesAreRefusedNamingTheFile) {
  TempDir dir;
  const std::string good = npy_image("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", std::string(32, '\0'));
  const auto path = dir / "broken.npy";
  // Truncated inside the header.
  write_bytes(path, good.substr(0, 40));
  expect_error([&] { read_npy(path); }, ErrorCode::Malformed, {"broken.npy", "npy header"});
  // Truncated inside the magic / length.
  write_bytes(path, good.substr(0, 7));
  expect_error([&] { read_npy(path); }, ErrorCode::Malformed, {"broken.npy"});
  // Header claims more data than present.
  write_bytes(path, good.substr(0, good.size() - 8));
  expect_error([&] { read_npy(path); }, ErrorCode::Malformed, {"broken.npy", "header claims 32 bytes of data", "holds 24"});
  // Not npy at all.
  write_bytes(path, "PK\x03\x04 this is a zip");
  expect_error([&] { read_npy(path); }, ErrorCode::Malformed, {"broken.npy", "magic"});
  // Absurd shape: refused with Limit before allocating anything.
  write_bytes(path, npy_image("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", ""));
  expect_error([&] { read_npy(path); }, ErrorCode::Limit, {"broken.npy", "(4000000000, 4000000000)"});
  write_bytes(path, npy_image("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", ""));
  expect_error([&] { read_npy(path); }, ErrorCode::Limit, {"broken.npy"});
  const std::vector<std::pair<std::string, std::string>> bad_dicts = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", "shape"},
      {"{'descr': '<f8', 'shape': (2,), }", "'fortran_order'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "'extra'"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", "fortran_order"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,) garbage", "npy header dict"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", "twice"},
  };
  for (const auto& [dict, needle] : bad_dicts) {
    write_bytes(path, npy_image(dict, std::string(16, '\0')));
    expect_error([&] { read_npy(path); }, ErrorCode::Malformed, {"broken.npy", needle});
  }
  expect_error([&] { read_npy(dir / "missing.npy"); }, ErrorCode::Io, {"missing.npy"});
}

TEST(Npy, UnsupportedDtypesAndVersionsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"'<c16'", "'<c16'"}, {"'|O'", "re-save"}, {"'<U8'", "'<U8'"}, {"'<f16'", "'<f16'"},
      {"'<M8[ns]'", "'<M8[ns]'"}, {"[('a', '<f8'), ('b', '<i4')]", "structured"}};
  for (const auto& [d, needle] : cases) {
    const std::string img = npy_image("{'descr': " + d + ", 'fortran_order': False, 'shape': (1,)}", std::string(16, '\0'));
    expect_error([&] { decode_npy(span_of(img), "odd.npy"); }, ErrorCode::Unsupported, {"odd.npy", needle});
  }
  std::string v4 = npy_image("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", std::string(8, '\0'));
  v4[6] = 4;
  expect_error([&] { decode_npy(span_of(v4), "v4.npy"); }, ErrorCode::Unsupported, {"v4.npy", "version 4.0"});
}

TEST(Npy, EveryTruncationAndHeaderBitFlipIsAnErrorNotACrash) {
  const auto image = encode_npy(random_array(DType::F32, {3, 5}, 2));
  for (std::size_t n = 0; n < image.size(); ++n)
    expect_error([&] { decode_npy(std::span(image).first(n), "cut.npy"); }, ErrorCode::Malformed, {"cut.npy"});
  for (std::size_t i = 0; i < 128; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = image;
      flipped[i] ^= static_cast<std::byte>(1 << bit);
      try {
        const Array a = decode_npy(flipped, "flip.npy");
        EXPECT_LE(a.bytes.size(), image.size());
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("flip.npy"), std::string::npos) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace baler::test
