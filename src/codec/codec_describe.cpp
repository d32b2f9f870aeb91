// `info` and `verify` support: container description as data and text; per-column bound checks.
#include <cmath>
#include <cstring>
#include <sstream>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "baler/table_model.hpp"
#include "codec_open.hpp"
#include "wire.hpp"

namespace baler {
namespace codec {
namespace {

std::string section_name(std::uint32_t id) {
  switch (id) {
    case 1: return "SCHEMA";
    case 2: return "MODEL_META";
    case 3: return "TENSORS";
    case 4: return "MODEL_REF";
    case 5: return "CHUNK_INDEX";
    case 6: return "STATS";
    case 7: return "TABLE_MODEL";
    case 8: return "MODEL_GAIN";
    case 9: return "TEXT";
    case 10: return "DATA_SETS";
    case 17: return "MEMBER";
    case 16: return "CHUNK";
  }
  return "unknown(" + std::to_string(id) + ")";
}

std::string hex64(std::uint64_t h) {
  char b[32];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

}  // namespace

ColumnCheck check_column(const ColumnSpec& spec, const Array& x, const Array& y) {
  ColumnCheck c{spec.name, spec.bound, spec.abs_bound, 0, 0};
  const bool exact = spec.bound.kind == BoundKind::Exact ||
                     (spec.abs_bound <= 0 && spec.bound.kind != BoundKind::None);
  const bool same_type = x.dtype == y.dtype;
  const std::size_t es = dtype_size(x.dtype);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double a = x.value(i), b = y.value(i);
    const bool finite = std::isfinite(a);
    if (finite && std::isfinite(b)) c.max_abs_error = std::max(c.max_abs_error, std::fabs(a - b));
    if (spec.bound.kind == BoundKind::None) continue;
    bool ok;
    if (exact || !finite) {
      ok = same_type ? std::memcmp(x.bytes.data() + i * es, y.bytes.data() + i * es, es) == 0
                     : (a == b || (std::isnan(a) && std::isnan(b)));
    } else if (spec.bound.kind == BoundKind::PwRel) {
      ok = std::fabs(a - b) <= spec.abs_bound * std::fabs(a);
    } else {
      ok = std::fabs(a - b) <= spec.abs_bound;
    }
    c.violations += ok ? 0 : 1;
  }
  return c;
}


ContainerDescription describe_opened(const OpenedContainer& o) {
  ContainerDescription d;
  const auto& s = o.schema;
  d.kind = s.kind == DataKind::Table ? "table" : "field";
  d.source_format = s.source_format;
  d.source_name = s.source_name;
  d.shape = s.kind == DataKind::Field ? s.field_shape
                                      : std::vector<std::int64_t>{static_cast<std::int64_t>(s.rows),
                                                                  static_cast<std::int64_t>(s.columns.size() + o.text.size())};
  d.file_bytes = o.reader.file_size();
  d.raw_f32_bytes = codec::raw_f32_bytes(s);
  d.chunks = o.chunks.size();
  std::map<std::string, std::uint64_t> sizes;
  for (const auto& e : o.reader.entries()) {
    const auto name = codec::section_name(e.id);
    if (!sizes.count(name)) d.sections.push_back({name, 0});
    sizes[name] += e.size;
    if (e.id == 2 || e.id == 3 || (e.id == 7 && o.table && o.table->model)) d.model_bytes += e.size;
  }
  for (auto& [name, size] : d.sections) size = sizes[name];
  d.model_hash = o.model ? model_hash(*o.model) : o.model_ref;
  d.model_storage = o.model ? "embedded" : (o.has_ref ? "external" : "none");
  if (o.model) d.model_kind = o.model->architecture;
  std::vector<std::uint64_t> gain;
  if (o.table) {
    d.model_hash = o.table->hash;
    d.model_kind = "table model";
    d.model_storage = o.table->model ? "embedded table model" : "external table model";
    if (o.table->model) d.table_model = std::make_shared<TableModel>(*o.table->model);
    if (const int i = o.reader.find(container::SectionId::ModelGain); i >= 0) {
      const auto b = o.reader.section(static_cast<std::size_t>(i));
      ByteReader r(b, o.reader.what() + " MODEL_GAIN");
      const auto count = codec::get_count(r, codec::get_varint(r, "column count"), s.columns.size(), 2, "MODEL_GAIN count");
      gain.assign(s.columns.size(), 0);
      for (std::uint64_t k = 0; k < count; ++k) {
        const auto j = codec::get_varint(r, "column");
        if (j >= s.columns.size()) r.fail("column " + std::to_string(j) + " is out of range");
        gain[j] = codec::get_varint(r, "plain bytes");
      }
      codec::expect_end(r, "MODEL_GAIN");
    }
  }
  std::optional<codec::Stats> st;
  if (const int i = o.reader.find(container::SectionId::Stats); i >= 0)
    st = codec::decode_stats(o.reader.section(static_cast<std::size_t>(i)), s.columns.size(), o.reader.what());
  if (st && !st->model_storage.empty()) d.model_storage = st->model_storage;
  for (std::size_t j = 0; j < s.columns.size(); ++j) {
    const auto& c = s.columns[j];
    ColumnCoding cs{c.name, std::string(dtype_name(c.dtype)), c.bound, c.abs_bound, "", 0, 0, 0, 0, {}};
    if (st) {
      cs.methods = st->columns[j].methods;
      cs.bytes = st->columns[j].bytes;
      cs.outliers = st->columns[j].outliers;
      cs.max_error = st->columns[j].max_error;
      if (!gain.empty() && gain[j]) cs.model_saved = static_cast<std::int64_t>(gain[j]) - static_cast<std::int64_t>(cs.bytes);
    }
    if (d.table_model)
      for (std::size_t k = 0; k < d.table_model->names.size(); ++k)
        if (d.table_model->names[k] == c.name && d.table_model->relations[k].kind != RelationKind::None)
          cs.relation = describe_relation(*d.table_model, k);
    if (c.integer_detected) cs.methods += " [integer column kept exact]";
    d.columns.push_back(std::move(cs));
  }
  for (const auto& t : o.text)  // after the numeric columns, as compress reports them
    d.columns.push_back({t.name, "text", {BoundKind::Exact, 0}, 0, "text+zstd", t.stored_bytes, 0, 0, 0, {}});
  return d;
}
}  // namespace codec

ContainerDescription read_container_description(const ContainerRef& ref) {
  ContainerDescription d;
  const std::filesystem::path& path = ref.path;
  if (ref.member.empty()) {
    container::ContainerReader probe(path);
    if (probe.kind() == container::FileKind::Model) {
      d.is_model_file = true;
      d.file_bytes = probe.file_size();
      for (const auto& e : probe.entries()) d.sections.push_back({codec::section_name(e.id), e.size});
      if (probe.find(container::SectionId::TableModel) >= 0) {
        d.table_model = std::make_shared<TableModel>(load_table_model_file(path));
        d.model_hash = table_model_hash(*d.table_model);
        d.model_kind = "table model";
      } else {
        d.model_hash = container::load_model_with_hash(path).hash;
      }
      d.model_bytes = d.file_bytes;
      return d;
    }
  }
  return codec::describe_opened(codec::open_container(ref));
}

std::string describe_container(const ContainerRef& ref) {
  std::ostringstream os;
  if (ref.member.empty())
    if (const auto bundle = read_bundle(ref.path)) {  // the bundle, then each member
      std::error_code ec;
      os << ref.path.string() << ": baler bundle, format " << container::kFormatMajor << ".x, "
         << std::filesystem::file_size(ref.path, ec) << " bytes, " << bundle->members.size() << (bundle->members.size() == 1 ? " data set (" : " data sets (")
         << bundle->tree.objects.size() << " groups and datasets with their attributes)\n";
      for (const auto& o : bundle->tree.objects)  // what the source held that the bundle does not
        for (const auto& a : o.attributes)
          if (o.path == "/" && a.name == "baler.left_out" && a.is_string)
            for (const auto& s : a.strings) os << "left out: " << s << "\n";
      for (const auto& m : bundle->members) os << "\n" << describe_container(ContainerRef(ref.path, m));
      return os.str();
    }
  const auto d = read_container_description(ref);
  os << ref.what() << ": " << (d.is_model_file ? "baler model file" : "baler container") << ", format "
     << container::kFormatMajor << ".x, " << d.file_bytes << " bytes\n";
  if (d.is_model_file) {
    os << "model: " << (d.model_kind.empty() ? "autoencoder" : d.model_kind) << ", hash " << codec::hex64(d.model_hash) << "\n";
    if (d.table_model)
      for (std::size_t k = 0; k < d.table_model->names.size(); ++k)
        os << "  " << describe_relation(*d.table_model, k) << "\n";
    for (const auto& [n, b] : d.sections) os << "  section " << n << ": " << b << " bytes\n";
    return os.str();
  }
  os << "data: " << d.kind << " " << shape_string(d.shape) << " from '" << d.source_name << "' ("
     << d.source_format << "), " << d.chunks << " chunk(s)\n";
  os << "sections:\n";
  for (const auto& [n, b] : d.sections) os << "  " << n << ": " << b << " bytes\n";
  const double data_bytes = static_cast<double>(d.file_bytes - d.model_bytes);
  os << "ratio (" << kRatioDefinition << "): " << compression_ratio(d.raw_f32_bytes, d.file_bytes)
     << "; without the model's bytes: " << static_cast<double>(d.raw_f32_bytes) / std::max(1.0, data_bytes) << "\n";
  os << "model: " << d.model_storage;
  if (!d.model_kind.empty() && d.model_kind != "table model") os << " (" << d.model_kind << ")";
  if (d.model_hash) os << ", hash " << codec::hex64(d.model_hash) << ", " << d.model_bytes << " bytes";
  os << "\ncolumns (name, dtype, bound, absolute bound, method, bytes, exact-stored values, max error):\n";
  for (const auto& c : d.columns)
  {
    os << "  " << c.name << "  " << c.dtype << "  " << bound_string(c.requested) << "  ";
    if (c.requested.kind == BoundKind::None)
      os << "-";  // no bound: the autoencoder's values as they come
    else
      os << c.abs_bound;
    os << "  " << c.methods << "  " << c.bytes << "  " << c.outliers << "  " << c.max_error;
    if (!c.relation.empty()) os << "  [" << c.relation << "; saved " << c.model_saved << " bytes]";
    os << "\n";
  }
  return os.str();
}

}  // namespace baler
