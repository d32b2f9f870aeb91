// compress_dataset: plans bounds per column, encodes chunks (with or without the model), writes the container.
#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "chunk_codec.hpp"
#include "codec_schema.hpp"
#include "model_predictor.hpp"

namespace baler {
namespace codec {
namespace {

bool integer_valued(const Array& a) {
  if (!is_float(a.dtype)) return true;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a.value(i);
    if (std::isfinite(x) && (x != std::trunc(x) || std::fabs(x) > 9007199254740992.0 || (x == 0 && std::signbit(x))))
      return false;
  }
  return true;
}

double finite_range(const Array& a) {
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a.value(i);
    if (!std::isfinite(x)) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  return hi >= lo ? hi - lo : 0.0;
}

ColumnSpec plan_column(const std::string& name, const Array& values, const CompressOptions& o) {
  ColumnSpec c;
  c.name = name;
  c.dtype = values.dtype;
  bool explicit_bound = false;
  c.bound = o.bound;
  for (const auto& [pattern, b] : o.column_bounds)
    if (glob_match(pattern, name)) {
      c.bound = b;
      explicit_bound = true;
    }
  if (!is_float(c.dtype) && c.bound.kind != BoundKind::None) c.bound = {BoundKind::Exact, 0.0};
  if (o.detect_integers && !explicit_bound && is_float(c.dtype) && c.bound.kind != BoundKind::Exact &&
      integer_valued(values)) {
    c.bound = {BoundKind::Exact, 0.0};
    c.integer_detected = true;
  }
  switch (c.bound.kind) {
    case BoundKind::Abs: c.abs_bound = c.bound.value; break;
    case BoundKind::Rel: c.abs_bound = c.bound.value * finite_range(values); break;
    case BoundKind::PwRel: c.abs_bound = c.bound.value; break;
    default: c.abs_bound = 0;
  }
  return c;
}

Schema plan_schema(const Dataset& d, const CompressOptions& o) {
  Schema s;
  s.kind = d.kind;
  s.from_matrix = d.table_from_matrix;
  s.rows = d.rows();
  s.source_format = o.source_format.substr(0, 64);
  s.source_name = o.source_name.substr(0, 4096);
  if (d.kind == DataKind::Table) {
    for (const auto& col : d.columns) {
      require(col.values.ndim() == 1 && col.values.size() == s.rows, ErrorCode::Malformed,
              "column " + col.name + " is not a 1-D column of " + std::to_string(s.rows) + " rows");
      s.columns.push_back(plan_column(col.name, col.values, o));
    }
    const std::uint64_t cols = std::max<std::size_t>(1, s.columns.size());
    s.chunk_rows = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max<std::int64_t>(1, o.chunk_rows)), 1,
                                             std::max<std::uint64_t>(1, kMaxChunkElements / cols));
  } else {
    require(!d.field.shape.empty(), ErrorCode::Unsupported, "a 0-d field cannot be compressed");
    s.field_shape = d.field.shape;
    s.columns.push_back(plan_column("data", d.field, o));
    const std::uint64_t per = std::max<std::uint64_t>(1, row_elements(s));
    require(per <= kMaxChunkElements, ErrorCode::Limit,
            "one frame of the field has " + std::to_string(per) + " values, more than a chunk may hold (" +
                std::to_string(kMaxChunkElements) + ")");
    s.chunk_rows = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max<std::int64_t>(1, o.chunk_rows)), 1,
                                             std::max<std::uint64_t>(1, kMaxChunkElements / per));
  }
  return s;
}

void check_bounds_need_model(const Schema& s, const Predictor* p) {
  for (std::size_t j = 0; j < s.columns.size(); ++j) {
    if (s.columns[j].bound.kind != BoundKind::None) continue;
    const bool covered = p && std::find(p->feature_column.begin(), p->feature_column.end(), j) != p->feature_column.end();
    require(covered, ErrorCode::Config,
            "column " + s.columns[j].name + " has bound 'none' (pure autoencoder) but no model predicts it");
  }
}

struct Encoded {
  std::vector<ChunkOut> chunks;
  std::uint64_t bytes = 0;
};

Encoded encode_all(const Dataset& d, const Schema& s, const Predictor* p, int zstd, int threads,
                   std::size_t limit_chunks) {
  const std::size_t n = std::min<std::size_t>(limit_chunks, (s.rows + s.chunk_rows - 1) / s.chunk_rows);
  Encoded e;
  e.chunks.resize(n);
  auto work = [&](std::size_t t, std::size_t nt) {
    for (std::size_t k = t; k < n; k += nt) {
      const std::size_t first = k * s.chunk_rows;
      const std::size_t rows = std::min<std::size_t>(s.chunk_rows, s.rows - first);
      // Fewer chunks than threads: the spare threads code each chunk's columns.
      const int inner = static_cast<int>(std::max<std::size_t>(1, nt / std::max<std::size_t>(n, 1)));
      e.chunks[k] = encode_chunk(d, s, first, rows, p, zstd, inner);
    }
  };
  const std::size_t nt = static_cast<std::size_t>(std::clamp(threads, 1, 64));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < nt; ++t) pool.emplace_back(work, t, nt);
  work(0, nt);
  for (auto& th : pool) th.join();
  for (const auto& c : e.chunks) e.bytes += c.bytes.size();
  return e;
}

container::TensorStorage storage_from(const std::string& s) {
  if (s == "f32") return container::TensorStorage::F32;
  if (s == "f16") return container::TensorStorage::F16;
  if (s == "int8") return container::TensorStorage::Int8;
  throw Error(ErrorCode::Config, "weight_precision '" + s + "' is not one of auto, f32, f16, int8");
}

const char* storage_name(container::TensorStorage s) {
  return s == container::TensorStorage::F32 ? "f32" : s == container::TensorStorage::F16 ? "f16" : "int8";
}

CompressSummary write_container(const std::filesystem::path& path, Schema s, const std::vector<ChunkOut>& chunks,
                                bool model_used, bool external, const container::ModelSections& sections,
                                std::uint64_t hash, const std::string& storage_label, const Predictor* p) {
  using container::SectionId;
  if (model_used && p)
    for (auto j : p->feature_column) s.columns[j].uses_model = true;
  container::ContainerWriter w(path, container::FileKind::Data);
  w.add(SectionId::Schema, true, encode_schema(s));
  CompressSummary sum;
  if (model_used && external) {
    ByteWriter ref;
    ref.le<std::uint64_t>(hash);
    ref.le<std::uint32_t>(static_cast<std::uint32_t>(p->model->decoder.size()));
    w.add(SectionId::ModelRef, true, ref.buffer());
  } else if (model_used) {
    w.add(SectionId::ModelMeta, true, sections.meta);
    w.add(SectionId::Tensors, true, sections.tensors);
    sum.model_bytes = sections.meta.size() + sections.tensors.size();
  }
  std::vector<ChunkRef> refs;
  Stats st;
  st.columns.resize(s.columns.size());
  std::vector<std::set<std::string>> methods(s.columns.size());
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    const std::uint64_t first = k * s.chunk_rows;
    refs.push_back({first, std::min<std::uint64_t>(s.chunk_rows, s.rows - first),
                    static_cast<std::uint32_t>(w.entries().size())});
    w.add(SectionId::Chunk, true, chunks[k].bytes);
    for (std::size_t j = 0; j < s.columns.size(); ++j) {
      const auto& c = chunks[k].cols[j];
      st.columns[j].bytes += c.bytes;
      st.columns[j].outliers += c.outliers;
      st.columns[j].max_error = std::max(st.columns[j].max_error, c.max_error);
      methods[j].insert(c.methods);
    }
  }
  for (std::size_t j = 0; j < s.columns.size(); ++j)
    for (const auto& m : methods[j]) st.columns[j].methods += (st.columns[j].methods.empty() ? "" : "+") + m;
  st.model_bytes = sum.model_bytes;
  st.model_storage = model_used ? storage_label : (storage_label == "none" ? "none" : "not used (did not pay)");
  w.add(SectionId::ChunkIndex, true, encode_chunk_index(refs));
  w.add(SectionId::Stats, false, encode_stats(st));
  w.finish();
  sum.file_bytes = w.bytes_written();
  sum.raw_f32_bytes = s.rows * row_elements(s) * s.columns.size() * 4;
  sum.chunks = chunks.size();
  sum.model_hash = model_used ? hash : 0;
  sum.model_storage = st.model_storage;
  for (std::size_t j = 0; j < s.columns.size(); ++j) {
    const auto& c = s.columns[j];
    sum.columns.push_back({c.name, std::string(dtype_name(c.dtype)), c.bound, c.abs_bound, st.columns[j].methods,
                           st.columns[j].bytes, st.columns[j].outliers, st.columns[j].max_error});
  }
  return sum;
}

}  // namespace
}  // namespace codec

CompressSummary compress_dataset(const Dataset& data, const std::filesystem::path& out, const CompressOptions& o) {
  using namespace codec;
  using container::TensorStorage;
  const Schema s = plan_schema(data, o);
  std::optional<Predictor> pred;
  Model used;  // the model with the weights the decoder will see
  container::ModelSections sections;
  std::string storage_label = "none";
  if (o.model) {
    pred = make_predictor(*o.model, s, true, "model");
    if (o.external_model) {
      used = *o.model;
      storage_label = "external";
    } else {
      std::vector<TensorStorage> cands;
      if (o.weight_precision == "auto") cands = {TensorStorage::F16, TensorStorage::Int8};
      else cands = {storage_from(o.weight_precision)};
      std::uint64_t best = UINT64_MAX;
      for (auto st : cands) {
        Model q = container::quantize_weights(*o.model, st);
        auto sec = container::encode_model(q, st, false);
        Predictor qp = make_predictor(q, s, true, "model");
        const auto trial = encode_all(data, s, &qp, o.zstd_level, o.threads, 1);
        const std::uint64_t total = sec.meta.size() + sec.tensors.size() + trial.bytes;
        if (total < best) {
          best = total;
          used = std::move(q);
          sections = container::encode_model(*o.model, st, false);
          storage_label = std::string("embedded(") + storage_name(st) + ")";
        }
      }
    }
    pred = make_predictor(used, s, true, "model");
  }
  check_bounds_need_model(s, pred ? &*pred : nullptr);
  Encoded enc = encode_all(data, s, pred ? &*pred : nullptr, o.zstd_level, o.threads, SIZE_MAX);
  const std::uint64_t model_bytes = sections.meta.size() + sections.tensors.size();
  bool model_used = std::any_of(enc.chunks.begin(), enc.chunks.end(), [](const ChunkOut& c) { return c.model_used; });
  if (model_used && !o.external_model) {
    // The embedded decoder must pay for itself; otherwise encode without it.
    Encoded plain = encode_all(data, s, nullptr, o.zstd_level, o.threads, SIZE_MAX);
    bool needs = false;
    for (const auto& c : s.columns) needs |= c.bound.kind == BoundKind::None;
    if (!needs && plain.bytes <= enc.bytes + model_bytes) {
      enc = std::move(plain);
      model_used = false;
      storage_label = "not used (did not pay)";
    }
  }
  return write_container(out, s, enc.chunks, model_used, o.external_model, sections,
                         o.model ? model_hash(*o.model) : 0, storage_label, pred ? &*pred : nullptr);
}

}  // namespace baler
