// compress_source / compress_dataset: pass 1 plans the bounds, pass 2 encodes chunks (several at
// once, each with or without the model) and streams them into the container in order.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "baler/data_stream.hpp"
#include "baler/hints.hpp"
#include "baler/table_model.hpp"
#include "chunk_codec.hpp"
#include "codec_schema.hpp"
#include "model_predictor.hpp"
#include "parallel_for.hpp"
#include "text_section.hpp"
#include "wire.hpp"

namespace baler {
namespace codec {
namespace {

// What pass 1 learns of a column: its finite range and whether every finite value is an integer.
struct ColumnScan {
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  bool integer_valued = true;
  void add(const Array& a) {
    if (a.dtype == DType::F32) add_values(a.as<float>());
    else if (a.dtype == DType::F64) add_values(a.as<double>());
    else if (is_float(a.dtype)) {  // float16: widened once
      std::vector<double> v(a.size());
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = a.value(i);
      add_values(std::span<const double>(v));
    }
  }
  void merge(const ColumnScan& o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
    integer_valued = integer_valued && o.integer_valued;
  }
  double range() const { return hi >= lo ? hi - lo : 0.0; }

 private:
  // Integers are tested only until the first value that is not one; then only the range.
  template <typename T>
  void add_values(std::span<const T> v) {
    const std::size_t n = v.size();
    T l = static_cast<T>(lo), h = static_cast<T>(hi);
    std::size_t i = 0;
    for (; i < n && integer_valued; ++i) {
      const T x = v[i];
      if (!std::isfinite(x)) continue;
      l = std::min(l, x);
      h = std::max(h, x);
      if (x != std::trunc(x) || std::fabs(x) > T(9007199254740992.0) || (x == 0 && std::signbit(x))) integer_valued = false;
    }
    for (; i < n; ++i) {
      const T x = v[i];
      const bool finite = x - x == 0;  // false for NaN and infinities
      l = finite && x < l ? x : l;
      h = finite && x > h ? x : h;
    }
    lo = std::min(lo, static_cast<double>(l));
    hi = std::max(hi, static_cast<double>(h));
  }
};

// The bound a column gets before its values are known; `explicit_bound` says a config or
// --column-bound named it.
ColumnSpec initial_column(const std::string& name, DType dtype, const CompressOptions& o, bool& explicit_bound) {
  ColumnSpec c;
  c.name = name;
  c.dtype = dtype;
  explicit_bound = false;
  c.bound = o.bound;
  for (const auto& [pattern, b] : o.column_bounds)
    if (glob_match(pattern, name)) {
      c.bound = b;
      explicit_bound = true;
    }
  if (!is_float(c.dtype) && c.bound.kind != BoundKind::None) c.bound = {BoundKind::Exact, 0.0};
  return c;
}

bool detects_integers(const ColumnSpec& c, bool explicit_bound, const CompressOptions& o) {
  return o.detect_integers && !explicit_bound && is_float(c.dtype) && c.bound.kind != BoundKind::Exact;
}

// True if the plan needs pass 1 over the values (a rel bound or integer detection).
bool needs_scan(const ColumnSpec& c, bool explicit_bound, const CompressOptions& o) {
  return is_float(c.dtype) && (c.bound.kind == BoundKind::Rel || detects_integers(c, explicit_bound, o));
}

void resolve_column(ColumnSpec& c, bool explicit_bound, const ColumnScan& scan, const CompressOptions& o) {
  if (detects_integers(c, explicit_bound, o) && scan.integer_valued) {
    c.bound = {BoundKind::Exact, 0.0};
    c.integer_detected = true;
  }
  switch (c.bound.kind) {
    case BoundKind::Abs: c.abs_bound = c.bound.value; break;
    case BoundKind::Rel: c.abs_bound = c.bound.value * scan.range(); break;
    case BoundKind::PwRel: c.abs_bound = c.bound.value; break;
    default: c.abs_bound = 0;
  }
}

std::uint64_t clamp_chunk_rows(std::int64_t wanted, std::uint64_t values_per_row) {
  return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max<std::int64_t>(1, wanted)), 1,
                                   std::max<std::uint64_t>(1, kMaxChunkElements / std::max<std::uint64_t>(1, values_per_row)));
}

// Schema of the source's layout with bounds unresolved (chunk_rows set), and each column's
// explicit-bound flag.
Schema initial_schema(const DataLayout& l, const CompressOptions& o, std::vector<bool>& explicit_bounds) {
  Schema s;
  s.kind = l.kind;
  s.from_matrix = l.table_from_matrix;
  s.rows = l.rows;
  s.source_format = o.source_format.substr(0, 64);
  s.source_name = o.source_name.substr(0, 4096);
  auto add = [&](const std::string& name, DType t) {
    bool ex = false;
    s.columns.push_back(initial_column(name, t, o, ex));
    explicit_bounds.push_back(ex);
  };
  if (l.kind == DataKind::Table) {
    for (std::size_t j = 0; j < l.names.size(); ++j) add(l.names[j], l.dtypes[j]);
    s.chunk_rows = clamp_chunk_rows(o.chunk_rows > 0 ? o.chunk_rows : kDefaultTableChunkRows, std::max<std::size_t>(1, s.columns.size()));
  } else {
    require(!l.field_shape.empty(), ErrorCode::Unsupported, "a 0-d field cannot be compressed");
    s.field_shape = l.field_shape;
    add("data", l.field_dtype);
    const std::uint64_t per = std::max<std::uint64_t>(1, row_elements(s));
    require(per <= kMaxChunkElements, ErrorCode::Limit,
            "one frame of the field has " + std::to_string(per) + " values, more than a chunk may hold (" +
                std::to_string(kMaxChunkElements) + ")");
    s.chunk_rows = clamp_chunk_rows(
        o.chunk_rows > 0 ? o.chunk_rows : static_cast<std::int64_t>(std::max<std::uint64_t>(1, kFieldChunkValues / per)), per);
  }
  require(s.rows == 0 || (l.kind == DataKind::Field ? row_elements(s) : s.columns.size() + l.text_names.size()) > 0,
          ErrorCode::Unsupported,
          std::to_string(s.rows) + " rows that hold no values");
  // A bound for a column that does not exist is a typo, not a wish: refuse it, naming the
  // nearest column.
  std::vector<std::string> names;
  for (const auto& c : s.columns) names.push_back(c.name);
  for (const auto& entry : o.column_bounds) {
    const std::string& pattern = entry.first;  // a named variable: clang 14 cannot capture a structured binding
    if (std::any_of(names.begin(), names.end(), [&](const std::string& n) { return glob_match(pattern, n); }))
      continue;
    for (const auto& t : l.text_names)
      require(!glob_match(pattern, t), ErrorCode::Usage,
              "the column bound '" + pattern + "' names column '" + t + "', which holds text: text is kept exactly");
    const bool glob = pattern.find_first_of("*?[") != std::string::npos;
    const std::string near = glob ? "" : nearest_name(pattern, names);
    std::string listed;
    for (std::size_t j = 0; j < names.size() && j < 12; ++j) listed += (j ? ", " : "") + names[j];
    if (names.size() > 12) listed += ", ... (" + std::to_string(names.size()) + " columns)";
    throw Error(ErrorCode::Usage, "the column bound '" + pattern + "' matches no column" +
                                      (near.empty() ? "" : "; did you mean '" + near + "'?") + " (columns: " + listed + ")");
  }
  return s;
}

// Chunks of the source: chunk_rows rows each, the last one shorter.
std::uint64_t chunk_count(const Schema& s) { return s.rows == 0 ? 0 : (s.rows - 1) / s.chunk_rows + 1; }

// Rows [first, end) of chunk i.
std::pair<std::uint64_t, std::uint64_t> chunk_rows_of(const Schema& s, std::size_t i) {
  const std::uint64_t a = static_cast<std::uint64_t>(i) * s.chunk_rows;
  return {a, std::min(s.rows, a + s.chunk_rows)};
}

// The chunks of `src` through ordered_pipeline on `threads` threads, pipeline_window(threads) held
// at once: each read in order (by its own worker when the source allows concurrent reads; chunk
// 0 taken from `first` when that holds it), work(i, part) on any thread, write(i, part) in
// order, then the part dropped. Pass 1 and pass 2 both read their source this way.
template <typename Work, typename Write>
void for_each_source_chunk(DataSource& src, const Schema& s, int threads, std::optional<Dataset> first, Work&& work,
                           Write&& write) {
  const std::uint64_t n = chunk_count(s);
  const std::size_t window = pipeline_window(threads);
  std::vector<Dataset> parts(window);
  const bool have_first = first && first->rows() == chunk_rows_of(s, 0).second;
  const bool concurrent = src.concurrent_reads();
  auto read = [&](std::size_t i) {
    const auto [a, b] = chunk_rows_of(s, i);
    parts[i % window] = i == 0 && have_first ? std::move(*first) : src.read_rows(a, b);
  };
  ordered_pipeline(
      static_cast<std::size_t>(n), std::clamp(threads, 1, 64), window,
      [&](std::size_t i) {
        if (!concurrent) read(i);
      },
      [&](std::size_t i) {
        if (concurrent) read(i);
        work(i, parts[i % window]);
      },
      [&](std::size_t i) {
        write(i, parts[i % window]);
        parts[i % window] = {};
      });
}

}  // namespace

// Pass 1 (only when a column needs it): finite ranges and integer detection, chunk by chunk.
Schema plan_schema(DataSource& src, const CompressOptions& o, std::optional<Dataset>* whole) {
  std::vector<bool> ex;
  Schema s = initial_schema(src.layout(), o, ex);
  std::vector<ColumnScan> scans(s.columns.size());
  bool scan = false;
  for (std::size_t j = 0; j < s.columns.size(); ++j) scan |= needs_scan(s.columns[j], ex[j], o);
  // Parts are scanned on up to o.threads threads; the scans merge in order.
  std::vector<std::vector<ColumnScan>> part_scans(pipeline_window(o.threads));
  if (scan)
    for_each_source_chunk(
        src, s, o.threads, {},
        [&](std::size_t i, Dataset& part) {
          auto& sc = part_scans[i % part_scans.size()];
          sc.assign(s.columns.size(), ColumnScan{});
          for (std::size_t j = 0; j < s.columns.size(); ++j)
            if (needs_scan(s.columns[j], ex[j], o)) sc[j].add(s.kind == DataKind::Field ? part.field : part.columns[j].values);
          if (whole && chunk_count(s) == 1) *whole = std::move(part);
          part = {};  // free it before the write stage
        },
        [&](std::size_t i, Dataset&) {
          for (std::size_t j = 0; j < s.columns.size(); ++j) scans[j].merge(part_scans[i % part_scans.size()][j]);
          if (o.on_progress) o.on_progress("scanning", chunk_rows_of(s, i).second, s.rows);
        });
  for (std::size_t j = 0; j < s.columns.size(); ++j) resolve_column(s.columns[j], ex[j], scans[j], o);
  return s;
}

namespace {

void check_bounds_need_model(const Schema& s, const Predictor* p) {
  for (std::size_t j = 0; j < s.columns.size(); ++j) {
    if (s.columns[j].bound.kind != BoundKind::None) continue;
    const bool covered = p && std::find(p->feature_column.begin(), p->feature_column.end(), j) != p->feature_column.end();
    require(covered, ErrorCode::Config,
            "column " + s.columns[j].name + " has bound 'none' (pure autoencoder) but no model predicts it");
  }
}

// encode_chunk on a part holding only the chunk's rows writes "first row 0"; the chunk's
// real first row replaces it (the rest of a chunk does not depend on where it starts).
void rebase_chunk(ChunkOut& c, std::uint64_t first) {
  if (c.bytes.empty() || first == 0) return;
  ByteReader r(c.bytes, "encoded chunk", ErrorCode::Internal);
  require(get_varint(r, "first row") == 0, ErrorCode::Internal, "chunk part does not start at row 0");
  ByteWriter w;
  put_varint(w, first);
  w.append(std::span<const std::byte>(c.bytes).subspan(r.pos()));
  c.bytes = std::move(w.buffer());
}

// How chunks use the model. An embedded decoder is charged to the chunks by rows: a chunk
// uses the model only if its bytes with the model plus its share of the decoder's bytes are
// fewer than its bytes without; an external model costs nothing; bound 'none' forces it.
struct ModelUse {
  const Predictor* p = nullptr;
  const TablePredictor* tp = nullptr;
  double bytes_per_row = 0;  // embedded decoder bytes / total rows
  bool forced = false;
};

ChunkOut encode_part(const Dataset& part, const Schema& s, std::uint64_t first, const ModelUse& m, int zstd,
                     int threads) {
  const std::size_t rows = static_cast<std::size_t>(part.rows());
  ChunkOut c = encode_chunk(part, s, 0, rows, m.p, zstd, threads, m.tp);
  if (m.p && c.model_used && !m.forced && m.bytes_per_row > 0) {
    ChunkOut plain = encode_chunk(part, s, 0, rows, nullptr, zstd, threads);
    if (!plain.bytes.empty() &&
        static_cast<double>(plain.bytes.size()) <= static_cast<double>(c.bytes.size()) + m.bytes_per_row * static_cast<double>(rows))
      c = std::move(plain);
  }
  rebase_chunk(c, first);
  return c;
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

// The model as the decoder will see it, its sections and the label for the summary.
struct ModelChoice {
  Model used;
  container::ModelSections sections;
  std::string label = "none";
};

// Embedded: tries each weight precision on the first chunk and keeps the smallest total.
ModelChoice choose_model(DataSource& src, const Schema& s, const CompressOptions& o) {
  using container::TensorStorage;
  ModelChoice mc;
  if (o.external_model) {
    mc.used = *o.model;
    mc.label = "external";
    return mc;
  }
  std::vector<TensorStorage> cands;
  if (o.weight_precision == "auto") cands = {TensorStorage::F16, TensorStorage::Int8};
  else cands = {storage_from(o.weight_precision)};
  const Dataset first = src.read_rows(0, std::min<std::uint64_t>(s.rows, s.chunk_rows));
  std::uint64_t best = UINT64_MAX;
  for (auto st : cands) {
    Model q = container::quantize_weights(*o.model, st);
    auto sec = container::encode_model(q, st, false);
    Predictor qp = make_predictor(q, s, true, "model");
    const auto trial = encode_chunk(first, s, 0, static_cast<std::size_t>(first.rows()), &qp, o.zstd_level, o.threads);
    const std::uint64_t total = sec.meta.size() + sec.tensors.size() + trial.bytes.size();
    if (total < best) {
      best = total;
      mc.used = std::move(q);
      mc.sections = container::encode_model(*o.model, st, false);
      mc.label = std::string("embedded(") + storage_name(st) + ")";
    }
  }
  return mc;
}

// Writes the container as chunks arrive (FORMAT.md §1: section order). Without a model the
// SCHEMA goes first; with one it follows the chunks, since which columns use the model is
// known only when every chunk has chosen.
class StreamWriter {
 public:
  StreamWriter(container::ContainerWriter w, Schema s, bool schema_first, const DataLayout& layout, int zstd_level)
      : w_(std::move(w)), s_(std::move(s)), schema_first_(schema_first),
        methods_(s_.columns.size()), text_(layout, zstd_level) {
    st_.columns.resize(s_.columns.size());
    if (schema_first_) w_.add(container::SectionId::Schema, true, encode_schema(s_));
  }

  void add_chunk(const ChunkOut& c, std::uint64_t first, std::uint64_t rows) {
    if (!c.plain_bytes.empty()) {
      plain_bytes_.resize(s_.columns.size());
      model_cols_.resize(s_.columns.size());
      for (std::size_t j = 0; j < s_.columns.size(); ++j) {
        plain_bytes_[j] += c.plain_bytes[j];
        model_cols_[j] |= c.column_model[j];
      }
    }
    refs_.push_back({first, rows, static_cast<std::uint32_t>(w_.entries().size())});
    w_.add(container::SectionId::Chunk, true, c.bytes);
    model_chunks_ += c.model_used ? 1 : 0;
    for (std::size_t j = 0; j < s_.columns.size(); ++j) {
      const auto& col = c.cols[j];
      st_.columns[j].bytes += col.bytes;
      st_.columns[j].outliers += col.outliers;
      st_.columns[j].max_error = std::max(st_.columns[j].max_error, col.max_error);
      methods_[j].insert(col.methods);
    }
  }
  bool model_used() const { return model_chunks_ > 0; }
  void add_text(const Dataset& part) {
    if (!text_.empty()) text_.add(part);
  }

  CompressSummary finish(const CompressOptions& o, const ModelChoice& mc, const Predictor* p, std::uint64_t hash);
  // With a table model: its section (embedded unless `external`) and the per-column gains.
  CompressSummary finish_table(const TableModel& given, bool external);

 private:
  // CHUNK_INDEX, STATS and the footer; the summary's sizes and columns.
  void close(CompressSummary& sum, const std::string& storage, std::uint64_t hash);
  std::vector<std::uint64_t> plain_bytes_;
  std::vector<std::uint8_t> model_cols_;  // per column: some chunk's block uses the table model
  container::ContainerWriter w_;
  Schema s_;
  bool schema_first_;
  std::vector<ChunkRef> refs_;
  Stats st_;
  std::vector<std::set<std::string>> methods_;
  std::uint64_t model_chunks_ = 0;
  TextSectionWriter text_;
};

CompressSummary StreamWriter::finish(const CompressOptions& o, const ModelChoice& mc, const Predictor* p,
                                     std::uint64_t hash) {
  using container::SectionId;
  const bool used = model_used();
  CompressSummary sum;
  if (used && p)
    for (auto j : p->feature_column) s_.columns[j].uses_model = true;
  if (!schema_first_) w_.add(SectionId::Schema, true, encode_schema(s_));
  if (used && o.external_model) {
    ByteWriter ref;
    ref.le<std::uint64_t>(hash);
    ref.le<std::uint32_t>(static_cast<std::uint32_t>(p->model->decoder.size()));
    w_.add(SectionId::ModelRef, true, ref.buffer());
  } else if (used) {
    w_.add(SectionId::ModelMeta, true, mc.sections.meta);
    w_.add(SectionId::Tensors, true, mc.sections.tensors);
    sum.model_bytes = mc.sections.meta.size() + mc.sections.tensors.size();
  }
  close(sum, used ? mc.label : (mc.label == "none" ? "none" : "not used (did not pay)"), used ? hash : 0);
  if (used) sum.model_kind = mc.used.architecture;
  return sum;
}

void StreamWriter::close(CompressSummary& sum, const std::string& storage, std::uint64_t hash) {
  using container::SectionId;
  for (std::size_t j = 0; j < s_.columns.size(); ++j)
    for (const auto& m : methods_[j]) st_.columns[j].methods += (st_.columns[j].methods.empty() ? "" : "+") + m;
  st_.model_bytes = sum.model_bytes;
  st_.model_storage = storage;
  std::vector<ColumnCoding> text_cols;
  if (!text_.empty()) {
    w_.add(SectionId::Text, true, text_.finish());
    for (const auto& t : text_.columns())
      text_cols.push_back({t.name, "text", {BoundKind::Exact, 0}, 0, "text+zstd", t.stored_bytes, 0, 0, 0, {}});
  }
  w_.add(SectionId::ChunkIndex, true, encode_chunk_index(refs_));
  w_.add(SectionId::Stats, false, encode_stats(st_));
  w_.finish();
  sum.file_bytes = w_.bytes_written();
  sum.raw_f32_bytes = raw_f32_bytes(s_);
  sum.chunks = refs_.size();
  sum.model_hash = hash;
  sum.model_storage = st_.model_storage;
  for (std::size_t j = 0; j < s_.columns.size(); ++j) {
    const auto& c = s_.columns[j];
    sum.columns.push_back({c.name, std::string(dtype_name(c.dtype)), c.bound, c.abs_bound, st_.columns[j].methods,
                           st_.columns[j].bytes, st_.columns[j].outliers, st_.columns[j].max_error, 0, {}});
  }
  sum.columns.insert(sum.columns.end(), text_cols.begin(), text_cols.end());
}

CompressSummary StreamWriter::finish_table(const TableModel& given, bool external) {
  using container::SectionId;
  const bool used = model_used();
  // An embedded model keeps only the relations some chunk used.
  TableModel m = given;
  if (!external && used) m = prune_table_model(given, model_cols_);
  CompressSummary sum;
  if (!schema_first_) w_.add(SectionId::Schema, true, encode_schema(s_));
  if (used) {
    const auto sec = encode_table_model_section(m, !external);
    w_.add(SectionId::TableModel, true, sec);
    if (!external) sum.model_bytes = sec.size();
    ByteWriter g;
    // Per column that used the model, in column order: its index and its bytes without it.
    std::vector<std::size_t> cols;
    for (std::size_t j = 0; j < model_cols_.size(); ++j)
      if (model_cols_[j]) cols.push_back(j);
    put_varint(g, cols.size());
    for (auto j : cols) {
      put_varint(g, j);
      put_varint(g, plain_bytes_[j]);
    }
    w_.add(SectionId::ModelGain, false, g.buffer());
  }
  close(sum, !used ? "not used (did not pay)" : external ? "external table model" : "embedded table model",
        used ? table_model_hash(m) : 0);
  sum.model_kind = used ? "table model" : "";
  for (std::size_t j = 0; j < s_.columns.size() && used; ++j) {
    auto& cc = sum.columns[j];
    if (!plain_bytes_.empty())
      cc.model_saved = static_cast<std::int64_t>(plain_bytes_[j]) - static_cast<std::int64_t>(cc.bytes);
    for (std::size_t k = 0; k < m.names.size(); ++k)
      if (m.names[k] == cc.name && m.relations[k].kind != RelationKind::None) cc.relation = describe_relation(m, k);
  }
  return sum;
}


// Pass 2: chunks read in order, encoded on up to `threads` threads and written in order, the
// three overlapped (ordered_pipeline); at most threads + 1 chunks are held at once. A chunk
// gets threads / chunks more threads for its columns when there are fewer chunks than threads.
// `first_part` (if set) holds the rows of chunk 0, already read by pass 1.
void encode_all(DataSource& src, const Schema& s, const ModelUse& use, const CompressOptions& o, StreamWriter& w,
                std::optional<Dataset> first_part = {}) {
  const int inner = threads_per_item(o.threads, static_cast<std::size_t>(chunk_count(s)));
  std::vector<ChunkOut> chunks(pipeline_window(o.threads));
  for_each_source_chunk(
      src, s, o.threads, std::move(first_part),
      [&](std::size_t i, const Dataset& part) {
        chunks[i % chunks.size()] = encode_part(part, s, chunk_rows_of(s, i).first, use, o.zstd_level, inner);
      },
      [&](std::size_t i, const Dataset& part) {
        const auto [a, b] = chunk_rows_of(s, i);
        w.add_chunk(chunks[i % chunks.size()], a, part.rows());
        w.add_text(part);
        chunks[i % chunks.size()] = {};
        if (o.on_progress) o.on_progress("compressing", b, s.rows);
      });
}

}  // namespace
}  // namespace codec

namespace {
// A field's bytes must match its shape; a table's columns must be 1-D and of one length (text
// columns included).
void check_table_columns(const Dataset& data) {
  if (data.kind != DataKind::Table) {
    require(data.field.bytes.size() == checked_element_count(data.field.shape, "the field") * dtype_size(data.field.dtype),
            ErrorCode::Malformed,
            "the field holds " + std::to_string(data.field.bytes.size()) + " bytes, not those of shape " +
                shape_string(data.field.shape));
    return;
  }
  for (const auto& col : data.columns)
    require(col.values.ndim() == 1 && col.values.size() == data.rows(), ErrorCode::Malformed,
            "column " + col.name + " is not a 1-D column of " + std::to_string(data.rows()) + " rows");
  for (const auto& t : data.text)
    require(t.values.size() == data.rows(), ErrorCode::Malformed,
            "text column " + t.name + " has " + std::to_string(t.values.size()) + " values, not " +
                std::to_string(data.rows()));
}
}  // namespace

namespace codec {
namespace {
// Where a container goes: a file (written atomically) or a buffer.
struct Target {
  std::filesystem::path path;
  std::vector<std::byte>* memory = nullptr;
  container::ContainerWriter writer() const {
    return memory ? container::ContainerWriter(memory, container::FileKind::Data)
                  : container::ContainerWriter(path, container::FileKind::Data);
  }
};

CompressSummary compress_to(DataSource& src, const Target& out, const CompressOptions& o);
}  // namespace
}  // namespace codec

CompressSummary compress_source(DataSource& src, const std::filesystem::path& out, const CompressOptions& o) {
  return codec::compress_to(src, codec::Target{out, nullptr}, o);
}

std::vector<std::byte> compress_to_memory(DataSource& src, const CompressOptions& o, CompressSummary* summary) {
  std::vector<std::byte> bytes;
  const CompressSummary s = codec::compress_to(src, codec::Target{{}, &bytes}, o);
  if (summary) *summary = s;
  return bytes;
}

std::vector<std::byte> compress_to_memory(const Dataset& data, const CompressOptions& o, CompressSummary* summary) {
  check_table_columns(data);
  MemorySource src(data);
  return compress_to_memory(src, o, summary);
}

namespace codec {
namespace {
CompressSummary compress_to(DataSource& src, const Target& out, const CompressOptions& o) {
  std::optional<Dataset> whole;  // the source, when it is one chunk that pass 1 read
  Schema s = plan_schema(src, o, &whole);
  std::optional<TableModel> learned;
  const TableModel* tm = o.table_model;
  if (o.learn) {
    require(!o.model && !o.table_model, ErrorCode::Usage, "--learn derives a model: give no --model with it");
    LearnOptions lo;
    lo.threads = o.threads;
    learned = learn_table_model(src, o, lo);
    const bool any = std::any_of(learned->relations.begin(), learned->relations.end(),
                                 [](const ColumnRelation& r) { return r.kind != RelationKind::None; });
    tm = any ? &*learned : nullptr;  // no relation pays: the plain codec, as without --learn
  }
  if (tm) {
    require(!o.model, ErrorCode::Usage, "a table model and an autoencoder cannot be used together");
    const bool external = o.external_model && !learned;
    TablePredictor tp = make_table_predictor(*tm, s, "table model");
    // An embedded model's bytes are charged to the columns that use it, by their rows.
    const std::vector<double> cost = embedded_relation_costs(*tm);
    for (std::size_t j = 0; j < s.columns.size() && !external && s.rows > 0; ++j)
      if (tp.model_col[j] >= 0) tp.bytes_per_row[j] = cost[static_cast<std::size_t>(tp.model_col[j])] / static_cast<double>(s.rows);
    check_bounds_need_model(s, nullptr);
    ModelUse use;
    use.tp = &tp;
    StreamWriter w(out.writer(), s, false, src.layout(), o.zstd_level);
    encode_all(src, s, use, o, w, std::move(whole));
    return w.finish_table(*tm, external);
  }
  if (o.model) s.chunk_rows = chunk_rows_for_model(*o.model, s);  // whole samples per chunk
  std::optional<ModelChoice> mc;
  std::optional<Predictor> pred;
  if (o.model) {
    make_predictor(*o.model, s, true, "model");  // refuses a mismatched model before any work
    mc = choose_model(src, s, o);
    pred = make_predictor(mc->used, s, true, "model");
  }
  check_bounds_need_model(s, pred ? &*pred : nullptr);
  ModelUse use;
  use.p = pred ? &*pred : nullptr;
  for (const auto& c : s.columns) use.forced |= c.bound.kind == BoundKind::None;
  if (mc && s.rows > 0)
    use.bytes_per_row = static_cast<double>(mc->sections.meta.size() + mc->sections.tensors.size()) /
                        static_cast<double>(s.rows);
  StreamWriter w(out.writer(), s, !o.model, src.layout(), o.zstd_level);
  encode_all(src, s, use, o, w, std::move(whole));
  return w.finish(o, mc ? *mc : ModelChoice{}, use.p, o.model ? model_hash(*o.model) : 0);
}

}  // namespace
}  // namespace codec

CompressSummary compress_dataset(const Dataset& data, const std::filesystem::path& out, const CompressOptions& o) {
  check_table_columns(data);
  MemorySource src(data);
  return compress_source(src, out, o);
}

}  // namespace baler
