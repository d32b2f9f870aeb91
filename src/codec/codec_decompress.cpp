// decompress_file / decompress_into and verify_container: open and check a container, decode the
// chunks needed a few at a time and hand their rows over in order.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "bundle.hpp"
#include "chunk_codec.hpp"
#include "codec_open.hpp"
#include "parallel_for.hpp"

namespace baler {
namespace codec {

OpenedContainer open_container(const ContainerRef& ref) {
  if (!ref.member.empty()) return open_container(open_member(ref));
  container::ContainerReader r(ref.path);
  if (r.kind() == container::FileKind::Data && r.find(container::SectionId::DataSets) >= 0) {
    const auto b = read_bundle_index(r);
    std::string names;
    for (std::size_t k = 0; k < b.members.size() && k < 8; ++k) names += (k ? ", " : "") + b.members[k].object;
    if (b.members.size() > 8) names += ", ...";
    throw Error(ErrorCode::Usage, ref.path.string() + " holds " + std::to_string(b.members.size()) + " data sets (" +
                                      names + "); name one as " + ref.path.string() + ":" + b.members[0].object);
  }
  return open_container(std::move(r));
}

OpenedContainer open_container(container::ContainerReader reader) {
  using container::SectionId;
  OpenedContainer o{std::move(reader), {}, {}, std::nullopt, 0, false, std::nullopt, {}};
  auto& r = o.reader;
  require(r.kind() == container::FileKind::Data, ErrorCode::Malformed,
          r.what() + ": is a model file (.balermodel), not a compressed data container");
  const std::set<std::uint32_t> known{1, 2, 3, 4, 5, 6, 7, 8, 9, 16};
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
  if (r.find(SectionId::Text) >= 0) {
    require(o.schema.kind == DataKind::Table, ErrorCode::Malformed, r.what() + ": text columns in a field");
    o.text = describe_text_section(r.section(SectionId::Text), o.schema.rows, o.schema.columns.size(), r.what());
  }
  if (r.find(SectionId::TableModel) >= 0) {
    require(!o.model && !o.has_ref, ErrorCode::Malformed, r.what() + ": both a table model and an autoencoder");
    std::vector<std::string> names;
    std::vector<DType> dtypes;
    for (const auto& c : o.schema.columns) names.push_back(c.name), dtypes.push_back(c.dtype);
    o.table = decode_table_model_section(r.section(SectionId::TableModel), r.what(), &names, &dtypes);
    if (o.table->model) make_table_predictor(*o.table->model, o.schema, r.what() + " table model");  // checked now
  }
  return o;
}

namespace {

std::string hex16(std::uint64_t h) {
  char b[32];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

// An external model must be given (`have` = its hash) and have the hash the container recorded.
void check_external(const OpenedContainer& o, const char* kind, std::uint64_t want, std::optional<std::uint64_t> have) {
  require(have.has_value(), ErrorCode::ModelMismatch,
          o.reader.what() + ": needs the external " + kind + " " + hex16(want) + "; pass it with --model FILE");
  require(*have == want, ErrorCode::ModelMismatch,
          o.reader.what() + ": was compressed with " + kind + " " + hex16(want) + " but the model given is " + hex16(*have));
}

}  // namespace

std::optional<TablePredictor> table_predictor_for(const OpenedContainer& o, const TableModel* external) {
  if (!o.table) return std::nullopt;
  if (o.table->model) return make_table_predictor(*o.table->model, o.schema, o.reader.what() + " table model");
  check_external(o, "table model", o.table->hash,
                 external ? std::optional(table_model_hash(*external)) : std::nullopt);
  return make_table_predictor(*external, o.schema, "table model");
}

std::optional<Predictor> predictor_for(const OpenedContainer& o, const Model* external) {
  if (o.model) return make_predictor(*o.model, o.schema, false, o.reader.what() + " embedded model");
  if (!o.has_ref) return std::nullopt;
  check_external(o, "model", o.model_ref, external ? std::optional(model_hash(*external)) : std::nullopt);
  return make_predictor(*external, o.schema, false, "model");
}

namespace {
DataLayout layout_of_schema(const Schema& s, std::uint64_t rows) {
  DataLayout l;
  l.kind = s.kind;
  l.table_from_matrix = s.from_matrix;
  l.rows = rows;
  if (s.kind == DataKind::Field) {
    l.field_dtype = s.columns.at(0).dtype;
    l.field_shape = s.field_shape;
    l.field_shape[0] = static_cast<std::int64_t>(rows);
  } else {
    for (const auto& c : s.columns) {
      l.names.push_back(c.name);
      l.dtypes.push_back(c.dtype);
    }
  }
  return l;
}
}  // namespace

DataLayout layout_of_container(const OpenedContainer& o, std::uint64_t rows) {
  DataLayout l = layout_of_schema(o.schema, rows);
  for (const auto& t : o.text) {
    l.text_names.push_back(t.name);
    l.text_positions.push_back(static_cast<std::size_t>(t.position));
  }
  return l;
}

namespace {

// Rows [a, b) checked against the container's row count.
std::pair<std::uint64_t, std::uint64_t> row_range(const Schema& s, const DecompressOptions& opt) {
  const std::uint64_t a = static_cast<std::uint64_t>(std::max<std::int64_t>(0, opt.row_begin.value_or(0)));
  const std::uint64_t b = opt.row_end ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, *opt.row_end)) : s.rows;
  require(opt.row_begin.value_or(0) >= 0 && opt.row_end.value_or(0) >= 0 && a <= b && b <= s.rows, ErrorCode::Usage,
          "rows " + std::to_string(a) + ":" + std::to_string(b) + " are not within 0:" + std::to_string(s.rows));
  return {a, b};
}

// The decoded rows [lo, hi) of one chunk as a data set of the container's kind.
Dataset part_of(const Schema& s, const ChunkRef& ref, std::vector<Array> cols, std::uint64_t lo, std::uint64_t hi,
                const std::vector<TextColumn>& text) {
  Dataset d;
  for (const auto& t : text) d.text.push_back(text_rows(t, lo, hi));
  d.kind = s.kind;
  d.table_from_matrix = s.from_matrix;
  for (std::size_t j = 0; j < cols.size(); ++j) {
    Array a = std::move(cols[j]);
    if (lo != ref.first || hi != ref.first + ref.count) {
      const std::size_t row_bytes = static_cast<std::size_t>(row_elements(s)) * dtype_size(a.dtype);
      a.bytes.erase(a.bytes.begin() + static_cast<std::ptrdiff_t>((hi - ref.first) * row_bytes), a.bytes.end());
      a.bytes.erase(a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>((lo - ref.first) * row_bytes));
      a.shape[0] = static_cast<std::int64_t>(hi - lo);
    }
    if (s.kind == DataKind::Field) d.field = std::move(a);
    else d.columns.push_back({s.columns[j].name, std::move(a)});
  }
  return d;
}

// Calls fn(part, first_row) for rows [a, b), chunk by chunk: the payloads are read in order
// (one file position), decoded on up to `threads` threads and handed over in order, the three
// overlapped (ordered_pipeline); at most threads + 1 chunks are held at once. With
// `any_order`, fn runs on the thread that decoded the chunk, as soon as it is decoded (several
// at once, in any order): for outputs that put rows at their place (DataSink::write_rows_at).
void for_each_part(const OpenedContainer& o, const DecompressOptions& opt, std::uint64_t a, std::uint64_t b,
                   const std::function<void(const Dataset&, std::uint64_t)>& fn,
                   std::string_view stage = "decompressing", bool any_order = false) {
  const Schema& s = o.schema;
  const auto pred = predictor_for(o, opt.model);
  const auto tpred = table_predictor_for(o, opt.table_model);
  // Text columns are decoded whole (their values are small next to the numbers).
  std::vector<TextColumn> text;
  if (!o.text.empty())
    text = decode_text_section(o.reader.section(container::SectionId::Text), s.rows, s.columns.size(), o.reader.what());
  std::vector<std::size_t> need;
  for (std::size_t k = 0; k < o.chunks.size(); ++k)
    if (o.chunks[k].first < b && o.chunks[k].first + o.chunks[k].count > a) need.push_back(k);
  const int inner = threads_per_item(opt.threads, need.size());
  const std::size_t window = pipeline_window(opt.threads);
  // A slot's payload buffer is read into again by the slot's next chunk, and the arrays of a
  // chunk handed over are decoded into by a later one: no chunk allocates (and on the virtual
  // machines measured here, faults in page by page) memory of its own once the window is full.
  std::vector<std::vector<std::byte>> payloads(window);
  std::vector<std::vector<Array>> cols(window);
  std::mutex spare_m;
  std::vector<std::vector<Array>> spare;
  auto hand_over = [&](std::size_t i) {
    const ChunkRef& ref = o.chunks[need[i]];
    const std::uint64_t lo = std::max(a, ref.first), hi = std::min(b, ref.first + ref.count);
    Dataset part = part_of(s, ref, std::move(cols[i % window]), lo, hi, text);
    fn(part, lo);
    std::vector<Array> done;
    if (s.kind == DataKind::Field) done.push_back(std::move(part.field));
    for (auto& c : part.columns) done.push_back(std::move(c.values));
    const std::lock_guard<std::mutex> lock(spare_m);
    spare.push_back(std::move(done));
  };
  ordered_pipeline(
      need.size(), std::clamp(opt.threads, 1, 64), window,
      [&](std::size_t i) { o.reader.section_into(o.chunks[need[i]].section, payloads[i % window]); },
      [&](std::size_t i) {
        std::vector<Array> reuse;
        {
          const std::lock_guard<std::mutex> lock(spare_m);
          if (!spare.empty()) {
            reuse = std::move(spare.back());
            spare.pop_back();
          }
        }
        cols[i % window] = decode_chunk(payloads[i % window], s, o.chunks[need[i]], pred ? &*pred : nullptr,
                                        o.reader.what(), inner, tpred ? &*tpred : nullptr, std::move(reuse));
        if (any_order) hand_over(i);
      },
      [&](std::size_t i) {
        if (!any_order) hand_over(i);
        const ChunkRef& ref = o.chunks[need[i]];
        if (opt.on_progress) opt.on_progress(stage, std::min(b, ref.first + ref.count) - a, b - a);
      });
}

void decode_into(const OpenedContainer& o, const DecompressOptions& opt, DataSink& sink) {
  const auto [a, b] = row_range(o.schema, opt);
  const std::uint64_t first_row = a;  // a named variable: clang 14 cannot capture a structured binding
  if (sink.writes_at_rows())
    for_each_part(
        o, opt, a, b, [&](const Dataset& part, std::uint64_t first) { sink.write_rows_at(part, first - first_row); },
        "decompressing", true);
  else
    for_each_part(o, opt, a, b, [&](const Dataset& part, std::uint64_t) { sink.write_rows(part); });
}

Dataset decode_all(const OpenedContainer& o, const DecompressOptions& opt) {
  const auto [a, b] = row_range(o.schema, opt);
  MemorySink sink(layout_of_container(o, b - a));
  decode_into(o, opt, sink);
  return std::move(sink.data());
}

}  // namespace
}  // namespace codec

Dataset decompress_file(const ContainerRef& ref, const DecompressOptions& opt) {
  return codec::decode_all(codec::open_container(ref), opt);
}

Dataset decompress_memory(std::vector<std::byte> bytes, const std::string& what, const DecompressOptions& opt,
                          ContainerDescription* description) {
  const auto o = codec::open_container(container::ContainerReader(std::move(bytes), what));
  if (description) *description = codec::describe_opened(o);
  return codec::decode_all(o, opt);
}

DataLayout container_layout(const ContainerRef& ref, const DecompressOptions& opt) {
  const auto o = codec::open_container(ref);
  const auto [a, b] = codec::row_range(o.schema, opt);
  return codec::layout_of_container(o, b - a);
}

void decompress_into(const ContainerRef& ref, DataSink& sink, const DecompressOptions& opt) {
  codec::decode_into(codec::open_container(ref), opt, sink);
}

namespace {

// The original must have the container's kind, columns and shape.
void check_same_layout(const codec::Schema& s, const std::vector<codec::TextColumnInfo>& text, const DataLayout& l) {
  std::vector<std::string> names;
  for (const auto& t : text) names.push_back(t.name);
  require(names == l.text_names, ErrorCode::Malformed,
          "verify: the original has " + std::to_string(l.text_names.size()) + " text columns, the container " +
              std::to_string(names.size()) + (names.empty() ? "" : " ('" + names.front() + "', ...)"));
  require(l.kind == s.kind, ErrorCode::Malformed, "verify: the original is a different kind of data");
  if (s.kind == DataKind::Field) {
    require(l.field_shape == s.field_shape, ErrorCode::Malformed,
            "verify: data has shape " + shape_string(l.field_shape) + " in the original, " +
                shape_string(s.field_shape) + " in the container");
    return;
  }
  require(l.names.size() == s.columns.size(), ErrorCode::Malformed,
          "verify: the original has " + std::to_string(l.names.size()) + " columns, the container " +
              std::to_string(s.columns.size()));
  for (std::size_t j = 0; j < l.names.size(); ++j)
    require(l.names[j] == s.columns[j].name, ErrorCode::Malformed,
            "verify: column " + std::to_string(j) + " is '" + l.names[j] + "' in the original, '" +
                s.columns[j].name + "' in the container");
  require(l.rows == s.rows, ErrorCode::Malformed,
          "verify: the original has " + std::to_string(l.rows) + " rows, the container " + std::to_string(s.rows));
}

}  // namespace

VerifyReport verify_container(const ContainerRef& ref, DataSource& original, const DecompressOptions& opt) {
  if (!ref.member.empty()) {  // the member's own checksum in the bundle: a damaged bundle never verifies
    const container::ContainerReader outer(ref.path);
    for (const auto& m : codec::read_bundle_index(outer).members)
      if (m.object == ref.member) (void)outer.section(m.section);
  }
  const auto o = codec::open_container(ref);
  // Every section's checksum, the optional ones (STATS, MODEL_GAIN) included: a damaged file
  // never verifies.
  for (std::size_t i = 0; i < o.reader.entries().size(); ++i)
    if (o.reader.entries()[i].id != static_cast<std::uint32_t>(container::SectionId::Chunk)) (void)o.reader.section(i);
  const auto& s = o.schema;
  check_same_layout(s, o.text, original.layout());
  VerifyReport rep;
  for (const auto& c : s.columns) rep.columns.push_back({c.name, c.bound, c.abs_bound, 0, 0});
  for (const auto& t : o.text) rep.columns.push_back({t.name, {BoundKind::Exact, 0}, 0, 0, 0});
  DecompressOptions all = opt;
  all.row_begin.reset();
  all.row_end.reset();
  codec::for_each_part(o, all, 0, s.rows, [&](const Dataset& back, std::uint64_t first) {
    const Dataset x = original.read_rows(first, first + back.rows());
    for (std::size_t j = 0; j < s.columns.size(); ++j) {
      const bool field = s.kind == DataKind::Field;
      const auto c = codec::check_column(s.columns[j], field ? x.field : x.columns[j].values,
                                         field ? back.field : back.columns[j].values);
      rep.columns[j].max_abs_error = std::max(rep.columns[j].max_abs_error, c.max_abs_error);
      rep.columns[j].violations += c.violations;
    }
    for (std::size_t t = 0; t < back.text.size(); ++t)  // text comes back exactly or counts as violated
      for (std::size_t i = 0; i < back.text[t].values.size(); ++i)
        rep.columns[s.columns.size() + t].violations += back.text[t].values[i] != x.text.at(t).values.at(i);
  }, "verifying");
  for (const auto& c : rep.columns) rep.violations += c.violations;
  return rep;
}

VerifyReport verify_container(const ContainerRef& ref, const Dataset& original, const DecompressOptions& opt) {
  if (original.kind == DataKind::Table)
    for (const auto& col : original.columns)
      require(col.values.ndim() == 1 && col.values.size() == original.rows(), ErrorCode::Malformed,
              "verify: column " + col.name + " of the original is not a 1-D column of " +
                  std::to_string(original.rows()) + " rows");
  MemorySource src(original);
  return verify_container(ref, src, opt);
}

}  // namespace baler
