// MODEL_META and TENSORS sections (FORMAT.md §2.1, §2.2): a Model as bytes and back.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "baler/container.hpp"
#include "wire.hpp"

namespace baler::container {
namespace {

using codec::get_count;
using codec::get_shape;
using codec::get_string;
using codec::put_shape;
using codec::put_string;

constexpr std::uint32_t kMaxTensors = 4096;
constexpr std::uint32_t kMaxLayers = 1024;
constexpr std::uint32_t kMaxFeatures = 1u << 20;
constexpr std::uint64_t kMaxTensorElements = std::uint64_t{1} << 32;
constexpr int kLastLayerKind = static_cast<int>(LayerKind::Unflatten);

struct TensorRec {
  std::string name;
  TensorStorage storage;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> data;
};

// Per-row int8 quantisation: scale = max|w| / 127 per row (dim 0).
std::vector<std::byte> quantize_int8(const Array& a) {
  const auto w = a.as<float>();
  const std::size_t rows = a.shape.empty() ? 1 : static_cast<std::size_t>(a.shape[0]);
  const std::size_t per = rows ? w.size() / rows : 0;
  ByteWriter out;
  std::vector<float> scales(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    float m = 0.0f;
    for (std::size_t i = 0; i < per; ++i)
      if (std::isfinite(w[r * per + i])) m = std::max(m, std::fabs(w[r * per + i]));
    scales[r] = m > 0.0f ? m / 127.0f : 1.0f;
    out.le<float>(scales[r]);
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < per; ++i) {
      float q = std::nearbyint(w[r * per + i] / scales[r]);
      if (!std::isfinite(q)) q = 0.0f;
      out.le<std::int8_t>(static_cast<std::int8_t>(std::clamp(q, -127.0f, 127.0f)));
    }
  return std::move(out.buffer());
}

TensorRec make_tensor(const std::string& name, const Array& a, TensorStorage storage) {
  require(a.dtype == DType::F32, ErrorCode::Internal, "model tensor " + name + " is not float32");
  TensorRec t{name, storage, a.shape, {}};
  const auto w = a.as<float>();
  ByteWriter out;
  if (storage == TensorStorage::F32) {
    for (float v : w) out.le<float>(v);
  } else if (storage == TensorStorage::F16) {
    for (float v : w) out.le<std::uint16_t>(float_to_half(v).bits);
  } else {
    return {name, storage, a.shape, quantize_int8(a)};
  }
  t.data = std::move(out.buffer());
  return t;
}

void put_layers(ByteWriter& w, std::vector<TensorRec>& tensors, const std::vector<Layer>& layers,
                const std::string& prefix, TensorStorage storage) {
  w.le<std::uint32_t>(static_cast<std::uint32_t>(layers.size()));
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    w.le<std::uint8_t>(static_cast<std::uint8_t>(l.kind));
    w.le<float>(l.alpha);
    w.le<std::uint8_t>(static_cast<std::uint8_t>(l.params.size()));
    for (auto p : l.params) w.le<std::int64_t>(p);
    const std::string base = prefix + "." + std::to_string(i);
    for (const auto* arr : {&l.weight, &l.bias}) {
      if (arr->bytes.empty() && arr->shape.empty()) {
        w.le<std::int32_t>(-1);
        continue;
      }
      w.le<std::int32_t>(static_cast<std::int32_t>(tensors.size()));
      // Biases are tiny: always f32 so int8 never hurts them.
      const bool is_bias = arr == &l.bias;
      tensors.push_back(make_tensor(base + (is_bias ? ".bias" : ".weight"), *arr,
                                    is_bias && storage == TensorStorage::Int8 ? TensorStorage::F16 : storage));
    }
  }
}

std::uint64_t expected_bytes(TensorStorage s, const std::vector<std::int64_t>& shape, std::uint64_t n) {
  switch (s) {
    case TensorStorage::F32: return 4 * n;
    case TensorStorage::F16: return 2 * n;
    case TensorStorage::Int8: return 4 * static_cast<std::uint64_t>(shape.empty() ? 1 : shape[0]) + n;
  }
  return 0;
}

Array tensor_to_array(const TensorRec& t) {
  Array a(DType::F32, t.shape);
  auto out = a.as<float>();
  ByteReader r(t.data, "tensor " + t.name);
  if (t.storage == TensorStorage::F32) {
    for (auto& v : out) v = r.le<float>("value");
  } else if (t.storage == TensorStorage::F16) {
    for (auto& v : out) v = half_to_float(Half{r.le<std::uint16_t>("value")});
  } else {
    const std::size_t rows = t.shape.empty() ? 1 : static_cast<std::size_t>(t.shape[0]);
    const std::size_t per = rows ? out.size() / rows : 0;
    std::vector<float> scales(rows);
    for (auto& s : scales) s = r.le<float>("scale");
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = scales[i / per] * static_cast<float>(r.le<std::int8_t>("value"));
  }
  return a;
}

std::vector<TensorRec> read_tensor_table(std::span<const std::byte> bytes, const std::string& what) {
  ByteReader r(bytes, what + " TENSORS");
  const auto count = get_count(r, r.le<std::uint32_t>("tensor count"), kMaxTensors, 30, "tensor count");
  std::vector<TensorRec> recs(count);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto& t = recs[i];
    t.name = get_string(r, 256, "tensor name");
    const auto st = r.le<std::uint8_t>("tensor storage");
    if (st > 2) r.fail("tensor " + t.name + " has unknown storage code " + std::to_string(st));
    t.storage = static_cast<TensorStorage>(st);
    const auto ndim = get_count(r, r.le<std::uint8_t>("tensor ndim"), 8, 8, "tensor ndim");
    if (r.le<std::uint16_t>("tensor reserved") != 0) r.fail("tensor " + t.name + ": reserved bytes not zero");
    t.shape.resize(ndim);
    for (auto& d : t.shape) d = r.le<std::int64_t>("tensor dim");
    const auto n = checked_element_count(t.shape, what + ": tensor " + t.name);
    require(n <= kMaxTensorElements, ErrorCode::Limit, what + ": tensor " + t.name + " is too large");
    ranges[i].first = r.le<std::uint64_t>("tensor offset");
    ranges[i].second = r.le<std::uint64_t>("tensor size");
    if (ranges[i].second != expected_bytes(t.storage, t.shape, n))
      r.fail("tensor " + t.name + " declares " + std::to_string(ranges[i].second) +
             " data bytes, its shape needs " + std::to_string(expected_bytes(t.storage, t.shape, n)));
  }
  const auto area = bytes.subspan(r.pos());
  for (std::size_t i = 0; i < count; ++i) {
    const auto [off, size] = ranges[i];
    if (off > area.size() || size > area.size() - off)
      r.fail("tensor " + recs[i].name + " data lies outside the data area");
    recs[i].data.assign(area.begin() + off, area.begin() + off + size);
  }
  return recs;
}

std::vector<Layer> get_layers(ByteReader& r, const std::vector<TensorRec>& tensors, const std::string& what) {
  const auto n = get_count(r, r.le<std::uint32_t>("layer count"), kMaxLayers, 14, "layer count");
  std::vector<Layer> layers(n);
  for (auto& l : layers) {
    const auto kind = r.le<std::uint8_t>("layer kind");
    if (kind > kLastLayerKind) r.fail("unknown layer kind " + std::to_string(kind));
    l.kind = static_cast<LayerKind>(kind);
    l.alpha = r.le<float>("layer alpha");
    const auto np = get_count(r, r.le<std::uint8_t>("layer params"), 16, 8, "layer params");
    l.params.resize(np);
    for (auto& p : l.params) p = r.le<std::int64_t>("layer param");
    for (Array* arr : {&l.weight, &l.bias}) {
      const auto idx = r.le<std::int32_t>("tensor index");
      if (idx < -1 || idx >= static_cast<std::int32_t>(tensors.size()))
        r.fail("layer refers to tensor " + std::to_string(idx) + " of " + std::to_string(tensors.size()));
      if (idx >= 0) *arr = tensor_to_array(tensors[static_cast<std::size_t>(idx)]);
    }
  }
  (void)what;
  return layers;
}

std::vector<std::byte> tensor_table_bytes(const std::vector<TensorRec>& tensors) {
  ByteWriter w;
  w.le<std::uint32_t>(static_cast<std::uint32_t>(tensors.size()));
  std::uint64_t off = 0;
  for (const auto& t : tensors) {
    put_string(w, t.name);
    w.le<std::uint8_t>(static_cast<std::uint8_t>(t.storage));
    w.le<std::uint8_t>(static_cast<std::uint8_t>(t.shape.size()));
    w.le<std::uint16_t>(0);
    for (auto d : t.shape) w.le<std::int64_t>(d);
    w.le<std::uint64_t>(off);
    w.le<std::uint64_t>(t.data.size());
    off += t.data.size();
  }
  for (const auto& t : tensors) w.append(t.data);
  return std::move(w.buffer());
}

}  // namespace

ModelSections encode_model(const Model& m, TensorStorage storage, bool with_encoder) {
  require(m.encoder.size() <= kMaxLayers && m.decoder.size() <= kMaxLayers, ErrorCode::Limit,
          "model has too many layers");
  ByteWriter w;
  std::vector<TensorRec> tensors;
  put_string(w, m.architecture);
  put_shape(w, m.input_shape);
  put_shape(w, m.latent_shape);
  w.le<std::uint8_t>(with_encoder ? 1 : 0);
  put_layers(w, tensors, with_encoder ? m.encoder : std::vector<Layer>{}, "encoder", storage);
  put_layers(w, tensors, m.decoder, "decoder", storage);
  const auto& p = m.preprocessing;
  require(p.offset.size() == p.scale.size() &&
              (p.log_feature.empty() || p.log_feature.size() == p.offset.size()),
          ErrorCode::Internal, "model preprocessing vectors differ in length");
  put_string(w, p.method);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(p.offset.size()));
  for (double v : p.offset) w.le<double>(v);
  for (double v : p.scale) w.le<double>(v);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(p.log_feature.size()));
  for (auto f : p.log_feature) w.le<std::uint8_t>(f ? 1 : 0);
  w.le<std::uint32_t>(static_cast<std::uint32_t>(m.feature_names.size()));
  for (const auto& n : m.feature_names) put_string(w, n);
  put_string(w, m.config_toml);
  require(tensors.size() <= kMaxTensors, ErrorCode::Limit, "model has too many tensors");
  return {std::move(w.buffer()), tensor_table_bytes(tensors)};
}

Model decode_model(std::span<const std::byte> meta, std::span<const std::byte> tensor_bytes,
                   const std::string& what) {
  const auto tensors = read_tensor_table(tensor_bytes, what);
  ByteReader r(meta, what + " MODEL_META");
  Model m;
  m.architecture = get_string(r, 256, "architecture");
  m.input_shape = get_shape(r, 8, "input shape");
  m.latent_shape = get_shape(r, 8, "latent shape");
  const auto flags = r.le<std::uint8_t>("model flags");
  if (flags & ~1u) r.fail("reserved model flag bits are set");
  m.encoder = get_layers(r, tensors, what);
  if (!(flags & 1u) && !m.encoder.empty()) r.fail("encoder layers present but the encoder flag is clear");
  m.decoder = get_layers(r, tensors, what);
  auto& p = m.preprocessing;
  p.method = get_string(r, 64, "preprocessing method");
  const auto nf = get_count(r, r.le<std::uint32_t>("feature count"), kMaxFeatures, 17, "feature count");
  p.offset.resize(nf);
  p.scale.resize(nf);
  for (auto& v : p.offset) v = r.le<double>("offset");
  for (auto& v : p.scale) v = r.le<double>("scale");
  const auto nl = r.le<std::uint32_t>("log flag count");
  if (nl != 0 && nl != nf) r.fail("log flag count " + std::to_string(nl) + " is neither 0 nor " + std::to_string(nf));
  p.log_feature.resize(nl);
  for (auto& v : p.log_feature) {
    v = r.le<std::uint8_t>("log flag");
    if (v > 1) r.fail("log flag is not 0 or 1");
  }
  const auto nn = get_count(r, r.le<std::uint32_t>("feature names"), kMaxFeatures, 4, "feature names");
  m.feature_names.resize(nn);
  for (auto& n : m.feature_names) n = get_string(r, 4096, "feature name");
  m.config_toml = get_string(r, 1u << 20, "config_toml");
  codec::expect_end(r, "MODEL_META");
  return m;
}

Model quantize_weights(const Model& model, TensorStorage storage) {
  if (storage == TensorStorage::F32) return model;
  const auto s = encode_model(model, storage, true);
  Model q = decode_model(s.meta, s.tensors, "quantised model");
  return q;
}

}  // namespace baler::container
