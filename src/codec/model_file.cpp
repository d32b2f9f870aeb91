// Model files (.balermodel, FORMAT.md §2.1–2.3): a container holding MODEL_META + TENSORS.
#include "baler/container.hpp"
#include "baler/model.hpp"

namespace baler {
void save_model_file(const std::filesystem::path& path, const Model& model) {
  using namespace container;
  const auto s = encode_model(model, TensorStorage::F32, true);
  ContainerWriter w(path, FileKind::Model);
  w.add(SectionId::ModelMeta, true, s.meta);
  w.add(SectionId::Tensors, true, s.tensors);
  w.finish();
}

std::uint64_t model_hash(const Model& model) {
  const auto s = container::encode_model(model, container::TensorStorage::F32, true);
  return container::xxh64(s.meta, s.tensors);
}

namespace container {

LoadedModel load_model_with_hash(const std::filesystem::path& path) {
  ContainerReader r(path);
  require(r.kind() == FileKind::Model, ErrorCode::Malformed,
          r.what() + ": is a data container, not a model file");
  require(r.find(SectionId::TableModel) < 0, ErrorCode::ModelMismatch,
          r.what() + ": holds a table model, not an autoencoder");
  for (const auto& e : r.entries()) {
    const bool known = e.id == static_cast<std::uint32_t>(SectionId::ModelMeta) ||
                       e.id == static_cast<std::uint32_t>(SectionId::Tensors);
    require(known || !e.required, ErrorCode::Unsupported,
            r.what() + ": unknown required section id " + std::to_string(e.id));
  }
  const auto meta = r.section(SectionId::ModelMeta);
  const auto tensors = r.section(SectionId::Tensors);
  LoadedModel out{decode_model(meta, tensors, r.what()), 0};
  // Identity of the model = hash of its canonical encoding; re-encode so that a file written
  // with a non-canonical layout still hashes like the model it holds.
  out.hash = model_hash(out.model);
  return out;
}

}  // namespace container

Model load_model_file(const std::filesystem::path& path) {
  return container::load_model_with_hash(path).model;
}

}  // namespace baler
