// HDF5 trees: read_hdf5_tree on a file written with the C API (groups, datasets, every kept
// attribute kind, skipped ones with notes), Hdf5TreeWriter rebuilding it, the byte encoding's
// round trip and its refusals of hostile bytes.
#include <hdf5.h>

#include <cstring>
#include <ostream>

#include "baler/hdf5_io.hpp"
#include "baler/hdf5_tree.hpp"
#include "baler/io.hpp"
#include "hdf5_tree_section.hpp"
#include "wire.hpp"
#include "io_test_support.hpp"

namespace baler {

// gtest output for a tree that differs: one line per object and attribute.
void PrintTo(const Hdf5Tree& t, std::ostream* os) {
  for (const auto& o : t.objects) {
    *os << "\n  " << o.path << (o.is_dataset ? " (dataset)" : " (group)");
    for (const auto& a : o.attributes) {
      *os << "\n    " << a.name << " " << shape_string(a.shape) << " ";
      if (!a.is_string) {
        *os << dtype_name(a.dtype) << " " << a.bytes.size() << " bytes:";
        for (auto b : a.bytes) *os << " " << static_cast<int>(b);
        continue;
      }
      *os << (a.variable_length ? "vlen" : "fixed " + std::to_string(a.fixed_size)) << (a.utf8 ? " utf8" : " ascii");
      for (const auto& s : a.strings) *os << " '" << s << "'";
    }
  }
}

}  // namespace baler

namespace baler::test {
namespace {

using codec::decode_hdf5_tree;
using codec::encode_hdf5_tree;

template <typename T>
Hdf5Attribute numeric(std::string name, std::vector<std::int64_t> shape, const std::vector<T>& values,
                      DType dtype = dtype_of<T>::value) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

Hdf5Attribute strings(std::string name, std::vector<std::int64_t> shape, std::vector<std::string> values,
                      bool utf8, std::uint32_t fixed_size = 0) {
  Hdf5Attribute a;
  a.name = std::move(name);
  a.is_string = true;
  a.shape = std::move(shape);
  a.strings = std::move(values);
  a.variable_length = fixed_size == 0;
  a.fixed_size = fixed_size;
  a.utf8 = utf8;
  return a;
}

// Attribute `name` of `type` and shape `dims` (none: scalar) on `loc`, holding `data`.
void put(hid_t loc, const char* name, hid_t type, std::vector<hsize_t> dims, const void* data) {
  hid_t space = dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(a, 0) << name;
  ASSERT_GE(H5Awrite(a, type, data), 0) << name;
  H5Aclose(a);
  H5Sclose(space);
}

hid_t string_type(std::size_t size, H5T_cset_t cset) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, size);
  H5Tset_cset(t, cset);
  return t;
}

const char* const kTitle = "Jets — φ, η ✓";

// /jets (run, calib) with /jets/pt (units, flags, a compound `meta`), /fields/sub/vol (axes),
// a title on the root, plus what the tree leaves out: a named datatype, a soft link and a
// second hard link. Attributes are created out of name order (HDF5 lists them by name).
void write_source_file(const std::filesystem::path& path) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  hid_t vlen_utf8 = string_type(H5T_VARIABLE, H5T_CSET_UTF8);
  put(f, "title", vlen_utf8, {}, &kTitle);

  hid_t jets = H5Gcreate2(f, "jets", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const std::int64_t run = -284500;
  put(jets, "run", H5T_STD_I64LE, {}, &run);
  const float calib[6] = {1.5f, -2.25f, 0.0f, 1e-7f, 3e38f, -0.0f};
  put(jets, "calib", H5T_NATIVE_FLOAT, {2, 3}, calib);
  const hsize_t n = 10;
  hid_t sp = H5Screate_simple(1, &n, nullptr);
  hid_t pt = H5Dcreate2(f, "jets/pt", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  double ptv[10];
  for (int i = 0; i < 10; ++i) ptv[i] = 20.0 + 3.5 * i;
  H5Dwrite(pt, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptv);
  hid_t fixed8 = string_type(8, H5T_CSET_ASCII);
  put(pt, "units", fixed8, {}, "GeV\0\0\0\0\0");
  hid_t boolean = H5Tenum_create(H5T_NATIVE_INT8);  // h5py's bool
  const std::int8_t no = 0, yes = 1;
  H5Tenum_insert(boolean, "FALSE", &no);
  H5Tenum_insert(boolean, "TRUE", &yes);
  const std::int8_t flags[3] = {1, 0, 1};
  put(pt, "flags", boolean, {3}, flags);
  struct Meta { std::int32_t a; double b; };
  hid_t compound = H5Tcreate(H5T_COMPOUND, sizeof(Meta));
  H5Tinsert(compound, "a", HOFFSET(Meta, a), H5T_NATIVE_INT32);
  H5Tinsert(compound, "b", HOFFSET(Meta, b), H5T_NATIVE_DOUBLE);
  const Meta meta{7, 0.5};
  put(pt, "meta", compound, {}, &meta);
  H5Lcreate_hard(f, "jets/pt", f, "jets/ptcopy", H5P_DEFAULT, H5P_DEFAULT);
  H5Lcreate_soft("/jets/pt", f, "jets/alias", H5P_DEFAULT, H5P_DEFAULT);

  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hsize_t dims[3] = {2, 3, 4};
  hid_t sp3 = H5Screate_simple(3, dims, nullptr);
  hid_t vol = H5Dcreate2(f, "fields/sub/vol", H5T_IEEE_F32LE, sp3, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  float volv[24];
  for (int i = 0; i < 24; ++i) volv[i] = 0.25f * static_cast<float>(i) - 1.0f;
  H5Dwrite(vol, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, volv);
  const char* axes[3] = {"x", "y", "zé"};
  put(vol, "axes", vlen_utf8, {3}, axes);

  hid_t named = H5Tcopy(H5T_STD_I32LE);
  H5Tcommit2(f, "dtype", named, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (hid_t t : {vlen_utf8, fixed8, boolean, compound, named}) H5Tclose(t);
  for (hid_t s : {sp, sp3}) H5Sclose(s);
  for (hid_t d : {pt, vol}) H5Dclose(d);
  H5Pclose(lcpl);
  H5Gclose(jets);
  H5Fclose(f);
}

Hdf5Tree source_tree() {
  const float calib[6] = {1.5f, -2.25f, 0.0f, 1e-7f, 3e38f, -0.0f};
  Hdf5Tree t;
  t.objects.push_back({"/", false, {strings("title", {}, {kTitle}, true)}});
  t.objects.push_back({"/fields", false, {}});
  t.objects.push_back({"/fields/sub", false, {}});
  t.objects.push_back({"/fields/sub/vol", true, {strings("axes", {3}, {"x", "y", "zé"}, true)}});
  t.objects.push_back({"/jets", false,
                       {numeric<float>("calib", {2, 3}, {calib, calib + 6}),
                        numeric<std::int64_t>("run", {}, {-284500})}});
  t.objects.push_back({"/jets/pt", true,
                       {numeric<std::uint8_t>("flags", {3}, {1, 0, 1}, DType::Bool),
                        strings("units", {}, {"GeV"}, false, 8)}});
  return t;
}

// A group with every kind of attribute the encoding holds, beyond those of the source file.
Hdf5Object every_kind_group() {
  Hdf5Object extra{"/extra", false, {}};
  std::uint64_t seed = 90;
  for (DType d : kAllDTypes) {
    Hdf5Attribute a;
    a.name = "v_" + std::string(dtype_name(d));
    a.dtype = d;
    a.shape = {2, 1, 3};
    a.bytes = random_array(d, a.shape, ++seed).bytes;
    extra.attributes.push_back(std::move(a));
  }
  extra.attributes.push_back(numeric<double>("empty", {0, 5}, {}));
  extra.attributes.push_back(strings("fixed_utf8", {2, 2}, {"ab", "", "ζ", "wxyz"}, true, 4));
  extra.attributes.push_back(strings("vlen_ascii", {}, {"plain"}, false));
  extra.attributes.push_back(strings("no_strings", {0}, {}, true));
  return extra;
}

Hdf5Tree every_kind_tree() {
  Hdf5Tree t = source_tree();
  t.objects.push_back(every_kind_group());
  return t;
}

// The root group and every_kind_group: a tree without datasets.
Hdf5Tree groups_tree() {
  Hdf5Tree t;
  t.objects.push_back({"/", false, {}});
  t.objects.push_back(every_kind_group());
  return t;
}

std::vector<std::string> read_notes(const std::filesystem::path& path, Hdf5Tree& tree) {
  std::vector<std::string> notes;
  tree = read_hdf5_tree(path, [&](const std::string& n) { notes.push_back(n); });
  return notes;
}

bool has_note(const std::vector<std::string>& notes, const std::vector<std::string>& needles) {
  for (const auto& n : notes) {
    bool all = true;
    for (const auto& k : needles) all = all && n.find(k) != std::string::npos;
    if (all) return true;
  }
  return false;
}

TEST(Hdf5Tree, ReadsGroupsDatasetsAndEveryKeptAttribute) {
  TempDir dir;
  const auto path = dir / "source.h5";
  write_source_file(path);
  Hdf5Tree tree;
  const auto notes = read_notes(path, tree);
  EXPECT_EQ(tree, source_tree());
  EXPECT_EQ(notes.size(), 4u) << ::testing::PrintToString(notes);
  EXPECT_TRUE(has_note(notes, {"source.h5:/jets/pt attribute 'meta'", "compound", "not kept"}));
  EXPECT_TRUE(has_note(notes, {"source.h5:/jets/alias", "soft link"}));
  EXPECT_TRUE(has_note(notes, {"source.h5:/jets/ptcopy", "second hard link to /jets/pt"}));
  EXPECT_TRUE(has_note(notes, {"source.h5:/dtype", "named datatype"}));
  EXPECT_NO_THROW(read_hdf5_tree(path, nullptr));  // no note receiver
}

TEST(Hdf5Tree, TrackedCreationOrderIsKept) {
  TempDir dir;
  const auto path = dir / "ordered.h5";
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  const std::int32_t z = 1, a = 2;
  put(f, "z", H5T_STD_I32LE, {}, &z);
  put(f, "a", H5T_STD_I32LE, {}, &a);
  // Tracked but not indexed, and more attributes than fit the object header (dense storage).
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED);
  hid_t g = H5Gcreate2(f, "g", H5P_DEFAULT, gcpl, H5P_DEFAULT);
  for (int i = 11; i >= 0; --i) put(g, ("a" + std::to_string(i)).c_str(), H5T_STD_I32LE, {}, &i);
  H5Gclose(g);
  H5Pclose(gcpl);
  H5Fclose(f);
  H5Pclose(fcpl);
  const Hdf5Tree tree = read_hdf5_tree(path, nullptr);
  ASSERT_EQ(tree.objects.size(), 2u);
  ASSERT_EQ(tree.objects[0].attributes.size(), 2u);
  EXPECT_EQ(tree.objects[0].attributes[0].name, "z");
  EXPECT_EQ(tree.objects[0].attributes[1].name, "a");
  ASSERT_EQ(tree.objects[1].attributes.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(tree.objects[1].attributes[i].name, "a" + std::to_string(11 - i));
}

// Writes `data` through a sink of `w` in two parts, as the decompressor will.
void write_in_parts(Hdf5TreeWriter& w, const std::string& object, const Dataset& data) {
  auto sink = w.dataset_sink(object, layout_of(data));
  const std::uint64_t half = data.rows() / 2;
  sink->write_rows(slice_rows(data, 0, half));
  sink->write_rows(slice_rows(data, half, data.rows()));
  sink->commit();
}

TEST(Hdf5Tree, WriterRebuildsTheTreeAndTheData) {
  TempDir dir;
  const auto source = dir / "source.h5", out = dir / "out.h5";
  write_source_file(source);
  const Hdf5Tree tree = read_hdf5_tree(source, nullptr);
  ReadOptions as_field;
  as_field.kind = "field";
  const Dataset pt = read_dataset(parse_data_spec(source.string() + ":/jets/pt"), as_field);
  const Dataset vol = read_dataset(parse_data_spec(source.string() + ":/fields/sub/vol"));
  ASSERT_EQ(vol.kind, DataKind::Field);
  {
    Hdf5TreeWriter w(out);
    write_in_parts(w, "/fields/sub/vol", vol);  // intermediate groups made by the sink
    write_in_parts(w, "/jets/pt", pt);
    w.write_attributes(tree);
    EXPECT_FALSE(std::filesystem::exists(out));
    w.commit();
  }
  EXPECT_EQ(read_hdf5_tree(out, nullptr), tree);
  EXPECT_EQ(list_objects(out), (std::vector<std::string>{"/fields/sub/vol", "/jets/pt"}));
  for (const std::string object : {"/jets/pt", "/fields/sub/vol"})
    EXPECT_EQ(read_dataset(parse_data_spec(out.string() + ":" + object)),
              read_dataset(parse_data_spec(source.string() + ":" + object)))
        << object;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2);  // no temporary left
}

// A matrix layout writes `names`; the tree decides whether it stays and where it stands.
TEST(Hdf5Tree, TreeDecidesTheNamesAttributeOfAMatrix) {
  TempDir dir;
  const Dataset m = table_from_matrix(random_array(DType::F32, {6, 2}, 5), {"pt", "eta"});
  const Hdf5Attribute note = strings("note", {}, {"first"}, false);
  const Hdf5Attribute names = strings("names", {2}, {"pt", "eta"}, true);
  for (const bool keep_names : {true, false}) {
    const auto out = dir / (keep_names ? "with.h5" : "without.h5");
    Hdf5Tree tree;
    tree.objects.push_back({"/", false, {}});
    tree.objects.push_back({"/m", true, keep_names ? std::vector{note, names} : std::vector{note}});
    Hdf5TreeWriter w(out);
    write_in_parts(w, "/m", m);
    w.write_attributes(tree);
    w.commit();
    EXPECT_EQ(read_hdf5_tree(out, nullptr), tree) << keep_names;
  }
  EXPECT_EQ(read_dataset(parse_data_spec((dir / "with.h5").string())), m);
}

TEST(Hdf5Tree, WriterLeavesNoFileWithoutCommit) {
  TempDir dir;
  const auto out = dir / "never.h5";
  const Dataset vol = [] {
    Dataset d;
    d.kind = DataKind::Field;
    d.field = random_array(DType::F64, {4, 3}, 8);
    return d;
  }();
  {
    Hdf5TreeWriter w(out);
    write_in_parts(w, "/a/vol", vol);
    w.write_attributes(groups_tree());
  }
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 0);
  {  // a sink destroyed unfinished: commit refuses, and nothing appears
    Hdf5TreeWriter w(out);
    {
      auto sink = w.dataset_sink("/vol", layout_of(vol));
      expect_error([&] { w.dataset_sink("/other", layout_of(vol)); }, ErrorCode::Internal, {"never.h5", "sink is open"});
      sink->write_rows(slice_rows(vol, 0, 1));
    }
    expect_error([&] { w.commit(); }, ErrorCode::Internal, {"never.h5", "'/vol' was not finished"});
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Hdf5Tree, WriterRefusesATreeThatDoesNotMatchTheDatasets) {
  TempDir dir;
  Hdf5TreeWriter w(dir / "x.h5");
  Hdf5Tree missing;
  missing.objects.push_back({"/ds", true, {}});
  expect_error([&] { w.write_attributes(missing); }, ErrorCode::Malformed, {"x.h5:/ds", "no dataset sink wrote"});
  Hdf5Tree short_values;
  short_values.objects.push_back({"/", false, {numeric<std::int32_t>("v", {3}, {1, 2})}});
  expect_error([&] { w.write_attributes(short_values); }, ErrorCode::Malformed, {"x.h5:/ attribute 'v'", "8 bytes"});
  Hdf5Tree long_string;
  long_string.objects.push_back({"/", false, {strings("s", {}, {"toolong"}, false, 3)}});
  expect_error([&] { w.write_attributes(long_string); }, ErrorCode::Malformed, {"attribute 's'", "7 bytes"});
  expect_error([&] { w.dataset_sink("relative", {}); }, ErrorCode::Usage, {"x.h5", "'relative'"});
}

TEST(Hdf5Tree, ReaderRefusesWhatItCannotOpen) {
  TempDir dir;
  expect_error([&] { read_hdf5_tree(dir / "none.h5", nullptr); }, ErrorCode::Io, {"none.h5"});
  write_bytes(dir / "fake.h5", "not hdf5 at all");
  expect_error([&] { read_hdf5_tree(dir / "fake.h5", nullptr); }, ErrorCode::Malformed, {"fake.h5", "not an HDF5 file"});
}

TEST(Hdf5Tree, ReaderRefusesAbsurdFixedStrings) {
  TempDir dir;
  const auto path = dir / "wide.h5";
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);  // attributes over 64 KiB
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  hid_t wide = string_type(70000, H5T_CSET_ASCII);
  const std::string value(70000, 'w');
  put(f, "wide", wide, {}, value.data());
  H5Tclose(wide);
  H5Fclose(f);
  H5Pclose(fapl);
  expect_error([&] { read_hdf5_tree(path, nullptr); }, ErrorCode::Limit,
               {"wide.h5:/ attribute 'wide'", "70000 bytes", "65536"});
}

TEST(Hdf5TreeSection, RoundTripsEveryKindOfAttribute) {
  const Hdf5Tree t = every_kind_tree();
  const auto bytes = encode_hdf5_tree(t);
  EXPECT_EQ(decode_hdf5_tree(bytes, "t.baler"), t);
  EXPECT_EQ(decode_hdf5_tree(encode_hdf5_tree({}), "empty"), Hdf5Tree{});
}

TEST(Hdf5TreeSection, WriterRoundTripsEveryKindOfAttribute) {
  TempDir dir;
  Hdf5Tree t = groups_tree();
  Hdf5Attribute big;  // 1 MiB: beyond what an object header holds (64 KiB)
  big.name = "big";
  big.shape = {1 << 17};
  big.bytes = random_array(DType::F64, big.shape, 3).bytes;
  t.objects[0].attributes.push_back(big);
  t.objects[1].attributes.push_back(big);
  Hdf5TreeWriter w(dir / "all.h5");
  w.write_attributes(decode_hdf5_tree(encode_hdf5_tree(t), "t"));
  w.commit();
  EXPECT_EQ(read_hdf5_tree(dir / "all.h5", nullptr), t);
}

TEST(Hdf5TreeSection, EveryTruncationIsAnError) {
  const auto bytes = encode_hdf5_tree(every_kind_tree());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    try {
      decode_hdf5_tree(std::span(bytes).first(n), "cut");
      ADD_FAILURE() << "no error for the first " << n << " of " << bytes.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::Malformed || e.code() == ErrorCode::Limit) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("cut: ", 0), 0u) << e.what();
    }
  }
  auto longer = bytes;
  longer.push_back(std::byte{0});
  expect_error([&] { decode_hdf5_tree(longer, "long"); }, ErrorCode::Malformed, {"long", "trailing"});
}

// Each byte set to values that reach other branches (0, 1, a varint continuation, 0xFF): the
// decoder either gives a tree or throws baler::Error, and a tree it gives encodes back to the
// same bytes (nothing is accepted that the encoder would not write).
TEST(Hdf5TreeSection, EveryChangedByteIsDecodedOrRefused) {
  const auto bytes = encode_hdf5_tree(every_kind_tree());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    for (const std::uint8_t v : {0x00, 0x01, 0x80, 0xFF}) {
      auto changed = bytes;
      changed[i] = std::byte{v};
      try {
        EXPECT_EQ(encode_hdf5_tree(decode_hdf5_tree(changed, "x")), changed) << "byte " << i << " = " << int{v};
      } catch (const Error& e) {
        ++refused;
        EXPECT_TRUE(e.code() == ErrorCode::Malformed || e.code() == ErrorCode::Limit) << e.what();
      }
    }
  EXPECT_GT(refused, bytes.size());  // most changes break the structure
}

Hdf5Tree root_with(const Hdf5Attribute& a) {
  Hdf5Tree t;
  t.objects.push_back({"/", false, {a}});
  return t;
}

// The encoding of a root group holding `a` alone.
std::vector<std::byte> one_attribute(const Hdf5Attribute& a) { return encode_hdf5_tree(root_with(a)); }

TEST(Hdf5TreeSection, UnknownCodesAreMalformed) {
  // count (1) | path: u32 1 + "/" | kind at offset 6 | attribute count | name: u32 + "v" |
  // type at 13 | ndim | dtype or flags at 15
  auto kind = one_attribute(numeric<std::int32_t>("v", {}, {5}));
  ASSERT_EQ(kind[6], std::byte{0});
  kind[6] = std::byte{2};
  expect_error([&] { decode_hdf5_tree(kind, "k.baler"); }, ErrorCode::Malformed, {"k.baler", "object '/'", "unknown kind 2"});
  auto type = one_attribute(numeric<std::int32_t>("v", {}, {5}));
  type[13] = std::byte{7};
  expect_error([&] { decode_hdf5_tree(type, "t"); }, ErrorCode::Malformed, {"attribute 'v'", "unknown type 7"});
  auto dtype = one_attribute(numeric<std::int32_t>("v", {}, {5}));
  ASSERT_EQ(dtype[15], std::byte{static_cast<std::uint8_t>(DType::I32)});
  dtype[15] = std::byte{kDTypeCount};
  expect_error([&] { decode_hdf5_tree(dtype, "d"); }, ErrorCode::Malformed, {"attribute 'v' dtype"});
  auto flags = one_attribute(strings("v", {}, {"s"}, true));
  ASSERT_EQ(flags[15], std::byte{3});
  flags[15] = std::byte{7};
  expect_error([&] { decode_hdf5_tree(flags, "f"); }, ErrorCode::Malformed, {"attribute 'v'", "unknown flag bits"});
  auto root = one_attribute(numeric<std::int32_t>("v", {}, {5}));
  root[6] = std::byte{1};
  expect_error([&] { decode_hdf5_tree(root, "r"); }, ErrorCode::Malformed, {"root group"});
  auto boolean = one_attribute(numeric<std::uint8_t>("v", {}, {1}, DType::Bool));
  boolean.back() = std::byte{2};
  expect_error([&] { decode_hdf5_tree(boolean, "b"); }, ErrorCode::Malformed, {"bool value 2"});
}

TEST(Hdf5TreeSection, DeclaredSizesBeyondTheLimitsAreRefused) {
  ByteWriter objects;
  codec::put_varint(objects, kMaxHdf5Objects + 1);
  expect_error([&] { decode_hdf5_tree(objects.buffer(), "o"); }, ErrorCode::Limit, {"o: object count", "1048577"});
  // Bytes 0..14 hold the count, "/", its kind, one attribute, its name, type and ndim = 1: a
  // first dimension of 2^26 + 1 is refused before any value is read.
  const auto one_dim = one_attribute(numeric<std::int32_t>("v", {1}, {5}));
  ByteWriter dim;
  dim.append(std::span<const std::byte>(one_dim).first(15));
  codec::put_varint(dim, kMaxHdf5AttributeBytes + 1);
  expect_error([&] { decode_hdf5_tree(dim.buffer(), "dim"); }, ErrorCode::Limit, {"dim: ", "attribute 'v' dimension 0"});
  Hdf5Attribute wide = strings("v", {2}, {"a", "b"}, true);
  wide.shape = {std::int64_t{1} << 26, 2};
  expect_error([&] { encode_hdf5_tree(root_with(wide)); }, ErrorCode::Limit, {"attribute 'v'", "(67108864, 2)"});
  wide.shape = {0, std::int64_t{1} << 27};  // no values, but an absurd dimension
  expect_error([&] { encode_hdf5_tree(root_with(wide)); }, ErrorCode::Limit, {"attribute 'v'"});
  Hdf5Tree relative;
  relative.objects.push_back({"g", false, {}});
  expect_error([&] { encode_hdf5_tree(relative); }, ErrorCode::Internal, {"object 'g'", "absolute"});
}

}  // namespace
}  // namespace baler::test

namespace baler::test {
namespace {

// A table of text columns only (an RNTuple collection of strings) is a compound dataset of
// strings, read back the same.
TEST(Hdf5Tree, ATableOfTextOnlyRoundTrips) {
  TempDir dir;
  Dataset d;
  d.kind = DataKind::Table;
  d.text.push_back({"name", 0, {"a", "", "xyz"}});
  d.text.push_back({"tag", 1, {"1", "2", "3"}});
  const auto out = dir / "text.h5";
  write_hdf5(d, out, "/t");
  EXPECT_EQ(read_dataset(parse_data_spec(out.string() + ":/t")), d);
}

}  // namespace
}  // namespace baler::test
