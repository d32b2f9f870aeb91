// Streaming compress and decompress: a file source gives the bytes the in-memory path gives;
// row ranges decode only their chunks and equal the slice of the whole; a failure part-way
// leaves no output file; `baler decompress --rows A:B` writes the slice.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "chunk_codec.hpp"
#include "codec_open.hpp"
#include "codec_test_util.hpp"

namespace baler::test {
namespace {

Dataset smooth_table(std::int64_t rows) {
  auto g = rng(5);
  std::normal_distribution<double> nd;
  Array m(DType::F32, {rows, 4});
  auto v = m.as<float>();
  double level = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    level += 0.01 * nd(g);
    v[r * 4 + 0] = static_cast<float>(level);
    v[r * 4 + 1] = static_cast<float>(level + 0.1 * nd(g));
    v[r * 4 + 2] = static_cast<float>(r % 17);  // integer-valued: stored exactly
    v[r * 4 + 3] = r % 101 == 0 ? NAN : static_cast<float>(nd(g));
  }
  return table_from_matrix(m, {"a", "b", "n", "x"});
}

Dataset smooth_field(std::int64_t frames) {
  Dataset d;
  d.kind = DataKind::Field;
  d.field = Array(DType::F64, {frames, 6, 5});
  auto v = d.field.as<double>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.01 * static_cast<double>(i)) + 1e-4 * static_cast<double>(i % 7);
  return d;
}

CompressOptions options(std::int64_t chunk_rows, int threads) {
  CompressOptions o;
  o.bound = {BoundKind::Rel, 1e-3};
  o.chunk_rows = chunk_rows;
  o.threads = threads;
  o.zstd_level = 3;
  return o;
}

TEST(CodecStream, FileSourceGivesTheInMemoryBytes) {
  TempDir dir;
  const Dataset t = smooth_table(1003), f = smooth_field(13);
  write_dataset(t, parse_data_spec((dir / "t.npy").string()));
  write_dataset(f, parse_data_spec((dir / "f.h5").string()));
  for (auto [chunk, threads] : {std::pair{100, 1}, {100, 2}, {333, 3}, {5000, 2}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk) + " threads " + std::to_string(threads));
    const auto o = options(chunk, threads);
    compress_dataset(t, dir / "mem.baler", o);
    auto src = open_data_source(parse_data_spec((dir / "t.npy").string()));
    const auto sum = compress_source(*src, dir / "file.baler", o);
    EXPECT_EQ(read_file_bytes(dir / "mem.baler"), read_file_bytes(dir / "file.baler"));
    EXPECT_EQ(sum.chunks, (1003 + static_cast<std::uint64_t>(chunk) - 1) / static_cast<std::uint64_t>(chunk));
    auto fo = options(chunk / 100 + 1, threads);
    compress_dataset(f, dir / "fmem.baler", fo);
    auto fsrc = open_data_source(parse_data_spec((dir / "f.h5").string()));
    compress_source(*fsrc, dir / "ffile.baler", fo);
    EXPECT_EQ(read_file_bytes(dir / "fmem.baler"), read_file_bytes(dir / "ffile.baler"));
  }
  auto src = open_data_source(parse_data_spec((dir / "t.npy").string()));
  const auto rep = verify_container(dir / "file.baler", *src);
  EXPECT_EQ(rep.violations, 0u);
  EXPECT_EQ(rep.columns.size(), 4u);
}

// Without chunk_rows a table's chunk holds 32768 rows (the last one the rest), the same bytes
// at 1 and 2 threads.
TEST(CodecStream, AutomaticTableChunksHold32768Rows) {
  const Dataset t = smooth_table(70000);
  CompressSummary s1, s2;
  const auto one = compress_to_memory(t, options(0, 1), &s1);
  EXPECT_EQ(s1.chunks, 3u);  // 32768 + 32768 + 4464
  EXPECT_TRUE(one == compress_to_memory(t, options(0, 2), &s2));
  EXPECT_EQ(decompress_memory(one, "t").rows(), 70000u);
}

TEST(CodecStream, RowRangesEqualTheSliceOfTheWhole) {
  TempDir dir;
  const Dataset t = smooth_table(1000);
  compress_dataset(t, dir / "t.baler", options(128, 1));
  const Dataset all = decompress_file(dir / "t.baler");
  for (auto [a, b] : {std::pair{0, 1000}, {0, 1}, {127, 129}, {128, 256}, {999, 1000}, {500, 500}, {3, 997}}) {
    DecompressOptions o;
    o.row_begin = a;
    o.row_end = b;
    o.threads = 2;
    EXPECT_EQ(decompress_file(dir / "t.baler", o), slice_rows(all, a, b)) << a << ":" << b;
    EXPECT_EQ(container_layout(dir / "t.baler", o).rows, static_cast<std::uint64_t>(b - a));
  }
  const Dataset f = smooth_field(11);
  compress_dataset(f, dir / "f.baler", options(3, 1));
  const Dataset fall = decompress_file(dir / "f.baler");
  for (auto [a, b] : {std::pair{0, 11}, {2, 7}, {10, 11}, {3, 6}}) {
    DecompressOptions o;
    o.row_begin = a;
    o.row_end = b;
    EXPECT_EQ(decompress_file(dir / "f.baler", o), slice_rows(fall, a, b)) << "frames " << a << ":" << b;
  }
  DecompressOptions bad;
  bad.row_begin = 10;
  bad.row_end = 1001;
  EXPECT_EQ(code_of([&] { decompress_file(dir / "t.baler", bad); }), ErrorCode::Usage);
}

// Decompress decodes a chunk into the arrays of one handed over before (decode_chunk's
// `reuse`), their old bytes left in place: every decoder writes each of its values, so the
// arrays equal fresh ones whatever the memory held, whether it is too small or too large.
// Every block method is here: lossless, int, int(delta), quant, pw_rel, the table model's
// relations and autoregression, Lorenzo and interpolation fields.
TEST(CodecStream, ChunksDecodedIntoUsedMemoryEqualFreshOnes) {
  std::vector<std::vector<std::byte>> containers;
  std::set<std::string> methods;
  auto add = [&](const Dataset& d, CompressOptions o) {
    CompressSummary sum;
    containers.push_back(compress_to_memory(d, o, &sum));
    for (const auto& c : sum.columns)
      for (std::size_t a = 0, b; a < c.methods.size(); a = b + 1) {
        b = std::min(c.methods.find('+', a), c.methods.size());
        methods.insert(c.methods.substr(a, b - a));
      }
  };
  ReadOptions table;
  table.kind = "table";
  const Dataset lhcb = read_dataset(parse_data_spec(data_file("lhcb/LHCb_B2HHH.npz").string()), table);
  CompressOptions o = options(1500, 1);
  add(lhcb, o);
  o.column_bounds["H1_P*"] = {BoundKind::PwRel, 1e-3};
  o.column_bounds["B_FlightDistance"] = {BoundKind::Exact, 0};
  add(lhcb, o);
  o.column_bounds.clear();
  o.learn = true;
  add(lhcb, o);
  o.learn = false;
  Dataset sorted;  // integers that grow: int(delta)
  sorted.columns.push_back({"id", Array(DType::I64, {3000})});
  for (std::size_t i = 0; i < 3000; ++i) sorted.columns[0].values.as<std::int64_t>()[i] = 1000 + 3 * static_cast<std::int64_t>(i);
  add(sorted, o);
  ReadOptions field;
  field.kind = "field";
  const Dataset v = read_dataset(parse_data_spec(data_file("fields/vorticity.128_128_41.npy").string()), field);
  add(v, options(16, 1));
  for (const char* b : {"abs=1e-2", "rel=1e-2"}) {
    CompressOptions fo = options(0, 1);
    fo.bound = parse_error_bound(b);
    add(read_dataset(parse_data_spec(data_file("cfd/CFD_animation.npz").string()), field), fo);
  }
  for (const char* m : {"lossless(zstd)", "int", "int(delta)", "quant", "quant(model)", "quant(autoreg)", "pw_rel(log)",
                        "lorenzo3d", "interpolation"})
    EXPECT_TRUE(methods.count(m)) << m << " is not among the methods tried";
  std::size_t chunks = 0;
  for (const auto& bytes : containers) {
    const auto c = codec::open_container(container::ContainerReader(bytes, "case"));
    const auto tp = codec::table_predictor_for(c, nullptr);
    for (const auto& ref : c.chunks) {
      const auto payload = c.reader.section(ref.section);
      const auto fresh = codec::decode_chunk(payload, c.schema, ref, nullptr, "case", 1, tp ? &*tp : nullptr);
      for (double size : {1.0, 0.5, 2.0}) {
        std::vector<Array> used;
        for (const auto& a : fresh) {
          Array u;
          u.bytes.assign(static_cast<std::size_t>(static_cast<double>(a.bytes.size()) * size) + 1, std::byte{0xa5});
          used.push_back(std::move(u));
        }
        EXPECT_EQ(codec::decode_chunk(payload, c.schema, ref, nullptr, "case", 2, tp ? &*tp : nullptr, std::move(used)),
                  fresh);
      }
      ++chunks;
    }
  }
  EXPECT_GT(chunks, containers.size());  // several chunks in some
}

// Damages the payload of the k-th CHUNK section (its checksum then fails).
void damage_chunk(const std::filesystem::path& path, int k) {
  container::ContainerReader r(path);
  std::uint64_t offset = 0;
  int seen = 0;
  for (const auto& e : r.entries())
    if (e.id == static_cast<std::uint32_t>(container::SectionId::Chunk) && seen++ == k) offset = e.offset + e.size / 2;
  ASSERT_GT(offset, 0u);
  auto bytes = read_file_bytes(path);
  bytes[offset] ^= std::byte{0x5a};
  write_file_atomic(path, bytes);
}

TEST(CodecStream, RangesReadOnlyTheirChunksAndFailuresLeaveNoOutput) {
  TempDir dir;
  const Dataset t = smooth_table(1000);
  compress_dataset(t, dir / "t.baler", options(100, 1));
  const Dataset all = decompress_file(dir / "t.baler");
  damage_chunk(dir / "t.baler", 7);  // rows 700..799
  DecompressOptions first;
  first.row_begin = 0;
  first.row_end = 700;
  EXPECT_EQ(decompress_file(dir / "t.baler", first), slice_rows(all, 0, 700));
  EXPECT_EQ(code_of([&] { decompress_file(dir / "t.baler"); }), ErrorCode::Corrupt);
  for (const char* ext : {"npy", "npz", "csv", "h5"}) {
    const auto out = dir / (std::string("out.") + ext);
    EXPECT_EQ(code_of([&] {
                auto sink = open_data_sink(parse_data_spec(out.string()), container_layout(dir / "t.baler"));
                decompress_into(dir / "t.baler", *sink);
                sink->commit();
              }),
              ErrorCode::Corrupt)
        << ext;
    EXPECT_FALSE(std::filesystem::exists(out)) << ext;
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);  // only t.baler
}

// A source whose second pass fails when it reaches row `fail_at`.
class FailingSource final : public DataSource {
 public:
  FailingSource(const Dataset& d, std::uint64_t fail_at) : inner_(d), fail_at_(fail_at) {}
  const DataLayout& layout() const override { return inner_.layout(); }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    passes_ += a == 0 ? 1 : 0;
    if (passes_ >= 2 && b > fail_at_) throw Error(ErrorCode::Io, "disk went away at row " + std::to_string(a));
    return inner_.read_rows(a, b);
  }

 private:
  MemorySource inner_;
  std::uint64_t fail_at_;
  int passes_ = 0;
};

TEST(CodecStream, CompressFailingPartWayLeavesNoContainer) {
  TempDir dir;
  const Dataset t = smooth_table(1000);
  FailingSource src(t, 600);  // pass 1 reads it once; pass 2 fails there
  EXPECT_EQ(code_of([&] { compress_source(src, dir / "x.baler", options(100, 2)); }), ErrorCode::Io);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// A model that predicts nothing useful: no chunk takes it, so no decoder is stored and the
// summary says so; the data decode without any model.
TEST(CodecStream, ModelThatNoChunkUsesIsNotStored) {
  TempDir dir;
  const Model m = dense_model(4, 2, 77);
  auto g = rng(8);
  std::normal_distribution<float> nd;
  Dataset t;
  for (int c = 0; c < 4; ++c) {
    Array a(DType::F32, {400});
    for (auto& v : a.as<float>()) v = 5.0f + nd(g);
    t.columns.push_back({"col" + std::to_string(c), std::move(a)});
  }
  auto o = options(100, 2);
  o.model = &m;
  const auto with = compress_dataset(t, dir / "m.baler", o);
  EXPECT_EQ(with.model_storage, "not used (did not pay)");
  EXPECT_EQ(with.model_bytes, 0u);
  EXPECT_EQ(with.model_hash, 0u);
  container::ContainerReader r(dir / "m.baler");
  EXPECT_LT(r.find(container::SectionId::ModelMeta), 0);
  EXPECT_LT(r.find(container::SectionId::Tensors), 0);
  EXPECT_EQ(r.entries().front().id, static_cast<std::uint32_t>(container::SectionId::Chunk));  // SCHEMA follows
  o.model = nullptr;
  compress_dataset(t, dir / "p.baler", o);
  EXPECT_EQ(decompress_file(dir / "m.baler"), decompress_file(dir / "p.baler"));
}

int run_baler(const std::string& args) {
  const int rc = std::system((baler_bin() + " --quiet " + args + " > /dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(CodecStream, CliRowsWriteTheSliceInEveryFormat) {
  TempDir dir;
  const Dataset t = smooth_table(1000);
  write_dataset(t, parse_data_spec((dir / "t.npy").string()));
  const std::string c = (dir / "t.baler").string();
  ASSERT_EQ(run_baler("compress " + (dir / "t.npy").string() + " -o " + c + " --chunk-rows 64 -j 2"), 0);
  ASSERT_EQ(run_baler("verify " + c + " " + (dir / "t.npy").string()), 0);
  const Dataset all = decompress_file(c);
  for (const char* ext : {"npy", "npz", "h5", "csv"}) {
    const auto out = dir / (std::string("part.") + ext);
    ASSERT_EQ(run_baler("decompress " + c + " -o " + out.string() + " --rows 100:333 -j 2"), 0) << ext;
    ReadOptions o;
    const bool csv = std::string(ext) == "csv";
    if (csv) o.csv_dtype = "float32";
    Dataset back = read_dataset(parse_data_spec(out.string()), o);
    if (csv) back.table_from_matrix = true;  // CSV has no matrix/columns distinction
    EXPECT_EQ(back, slice_rows(all, 100, 333)) << ext;
  }
}

}  // namespace
}  // namespace baler::test
