// decompress_file and verify_container: open and check a container, decode the chunks needed.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <thread>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "chunk_codec.hpp"
#include "codec_open.hpp"

namespace baler {
namespace codec {

OpenedContainer open_container(const std::filesystem::path& path) {
  return open_container(container::ContainerReader(path));
}

OpenedContainer open_container(container::ContainerReader reader) {
  using container::SectionId;
  OpenedContainer o{std::move(reader), {}, {}, std::nullopt, 0, false};
  auto& r = o.reader;
  require(r.kind() == container::FileKind::Data, ErrorCode::Malformed,
          r.what() + ": is a model file (.balermodel), not a compressed data container");
  const std::set<std::uint32_t> known{1, 2, 3, 4, 5, 6, 16};
  std::set<std::uint32_t> seen;
  for (const auto& e : r.entries()) {
    require(known.count(e.id) || !e.required, ErrorCode::Unsupported,
            r.what() + ": unknown required section id " + std::to_string(e.id) + " (written by a newer baler?)");
    require(e.id == 16 || !known.count(e.id) || seen.insert(e.id).second, ErrorCode::Malformed,
            r.what() + ": section id " + std::to_string(e.id) + " appears twice");
  }
  o.schema = decode_schema(r.section(SectionId::Schema), r.what());
  o.chunks = decode_chunk_index(r.section(SectionId::ChunkIndex), o.schema, r.what());
  for (const auto& c : o.chunks)
    require(c.section < r.entries().size() && r.entries()[c.section].id == static_cast<std::uint32_t>(SectionId::Chunk),
            ErrorCode::Malformed, r.what() + ": chunk index points at section " + std::to_string(c.section) +
                                      ", which is not a CHUNK section");
  if (r.find(SectionId::ModelMeta) >= 0 || r.find(SectionId::Tensors) >= 0)
    o.model = container::decode_model(r.section(SectionId::ModelMeta), r.section(SectionId::Tensors), r.what());
  if (r.find(SectionId::ModelRef) >= 0) {
    const auto b = r.section(SectionId::ModelRef);
    ByteReader br(b, r.what() + " MODEL_REF");
    o.model_ref = br.le<std::uint64_t>("model hash");
    br.le<std::uint32_t>("decoder layers");
    o.has_ref = true;
    require(!o.model, ErrorCode::Malformed, r.what() + ": both an embedded and an external model");
  }
  return o;
}

std::optional<Predictor> predictor_for(const OpenedContainer& o, const Model* external) {
  if (o.model) return make_predictor(*o.model, o.schema, false, o.reader.what() + " embedded model");
  if (!o.has_ref) return std::nullopt;
  char hex[32];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(o.model_ref));
  require(external != nullptr, ErrorCode::ModelMismatch,
          o.reader.what() + ": needs the external model " + hex + "; pass it with --model FILE");
  const std::uint64_t h = model_hash(*external);
  char hex2[32];
  std::snprintf(hex2, sizeof hex2, "%016llx", static_cast<unsigned long long>(h));
  require(h == o.model_ref, ErrorCode::ModelMismatch,
          o.reader.what() + ": was compressed with model " + hex + " but the model given is " + hex2);
  return make_predictor(*external, o.schema, false, "model");
}

Dataset assemble_rows(const Schema& s, const std::vector<ChunkRef>& chunks,
                      const std::vector<std::size_t>& need, std::vector<std::vector<Array>>& parts,
                      std::uint64_t a, std::uint64_t b) {
  const std::uint64_t per = row_elements(s);
  Dataset d;
  d.kind = s.kind;
  d.table_from_matrix = s.from_matrix;
  for (std::size_t j = 0; j < s.columns.size(); ++j) {
    std::vector<std::int64_t> shape{static_cast<std::int64_t>(b - a)};
    if (s.kind == DataKind::Field) shape.insert(shape.end(), s.field_shape.begin() + 1, s.field_shape.end());
    Array out(s.columns[j].dtype, shape);
    const std::size_t row_bytes = per * dtype_size(out.dtype);
    for (std::size_t i = 0; i < need.size(); ++i) {
      const auto& ref = chunks[need[i]];
      const std::uint64_t lo = std::max(a, ref.first), hi = std::min(b, ref.first + ref.count);
      std::memcpy(out.bytes.data() + (lo - a) * row_bytes, parts[i][j].bytes.data() + (lo - ref.first) * row_bytes,
                  (hi - lo) * row_bytes);
    }
    if (s.kind == DataKind::Field) d.field = std::move(out);
    else d.columns.push_back({s.columns[j].name, std::move(out)});
  }
  return d;
}

}  // namespace codec

namespace {
Dataset decode_all(const codec::OpenedContainer& o, const DecompressOptions& opt);
}  // namespace

Dataset decompress_file(const std::filesystem::path& path, const DecompressOptions& opt) {
  return decode_all(codec::open_container(path), opt);
}

Dataset decompress_memory(std::vector<std::byte> bytes, const std::string& what, const DecompressOptions& opt) {
  return decode_all(codec::open_container(container::ContainerReader(std::move(bytes), what)), opt);
}

namespace {
Dataset decode_all(const codec::OpenedContainer& o, const DecompressOptions& opt) {
  using namespace codec;
  const Schema& s = o.schema;
  const auto pred = predictor_for(o, opt.model);
  const std::uint64_t a = opt.row_begin.value_or(0);
  const std::uint64_t b = opt.row_end ? static_cast<std::uint64_t>(*opt.row_end) : s.rows;
  require(opt.row_begin.value_or(0) >= 0 && a <= b && b <= s.rows, ErrorCode::Usage,
          "rows " + std::to_string(a) + ":" + std::to_string(b) + " are not within 0:" + std::to_string(s.rows));
  std::vector<std::size_t> need;
  for (std::size_t k = 0; k < o.chunks.size(); ++k)
    if (o.chunks[k].first < b && o.chunks[k].first + o.chunks[k].count > a) need.push_back(k);
  std::vector<std::vector<Array>> parts(need.size());
  std::vector<std::exception_ptr> errors(need.size());
  auto work = [&](std::size_t t, std::size_t nt) {
    for (std::size_t i = t; i < need.size(); i += nt) try {
        const ChunkRef& ref = o.chunks[need[i]];
        const int inner = static_cast<int>(std::max<std::size_t>(1, nt / need.size()));  // columns in parallel too
        parts[i] = decode_chunk(o.reader.section(ref.section), s, ref, pred ? &*pred : nullptr, o.reader.what(), inner);
      } catch (...) {
        errors[i] = std::current_exception();
      }
  };
  const std::size_t nt = static_cast<std::size_t>(std::clamp(opt.threads, 1, 64));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < nt; ++t) pool.emplace_back(work, t, nt);
  work(0, nt);
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return assemble_rows(s, o.chunks, need, parts, a, b);
}
}  // namespace

VerifyReport verify_container(const std::filesystem::path& path, const Dataset& original,
                              const DecompressOptions& opt) {
  DecompressOptions all = opt;
  all.row_begin.reset();
  all.row_end.reset();
  const Dataset back = decompress_file(path, all);
  const auto o = codec::open_container(path);
  require(back.kind == original.kind, ErrorCode::Malformed, "verify: the original is a different kind of data");
  std::vector<const Array*> xs, ys;
  if (original.kind == DataKind::Field) {
    xs.push_back(&original.field);
    ys.push_back(&back.field);
  } else {
    require(original.columns.size() == back.columns.size(), ErrorCode::Malformed,
            "verify: the original has " + std::to_string(original.columns.size()) + " columns, the container " +
                std::to_string(back.columns.size()));
    for (std::size_t j = 0; j < back.columns.size(); ++j) {
      require(original.columns[j].name == back.columns[j].name, ErrorCode::Malformed,
              "verify: column " + std::to_string(j) + " is '" + original.columns[j].name + "' in the original, '" +
                  back.columns[j].name + "' in the container");
      xs.push_back(&original.columns[j].values);
      ys.push_back(&back.columns[j].values);
    }
  }
  VerifyReport rep;
  for (std::size_t j = 0; j < xs.size(); ++j) {
    const auto& spec = o.schema.columns[j];
    require(xs[j]->shape == ys[j]->shape, ErrorCode::Malformed,
            "verify: " + spec.name + " has shape " + shape_string(xs[j]->shape) + " in the original, " +
                shape_string(ys[j]->shape) + " in the container");
    rep.columns.push_back(codec::check_column(spec, *xs[j], *ys[j]));
    rep.violations += rep.columns.back().violations;
  }
  return rep;
}

}  // namespace baler
