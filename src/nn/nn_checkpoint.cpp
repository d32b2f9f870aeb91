// Training checkpoints (model.pt): architecture, preprocessing, weights and optimizer state in
// one LibTorch archive; loading checks every key and shape and names the file on failure.
#include <cstring>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/train.hpp"
#include "nn_module.hpp"

namespace baler::nn {
namespace {

constexpr const char* kFormat = "baler-train-checkpoint/1";

torch::Tensor doubles(const std::vector<double>& v) {
  return torch::tensor(at::ArrayRef<double>(v), torch::kFloat64);
}

std::vector<double> to_doubles(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// A fresh tensor each time: reading into a defined tensor would resize it in place.
torch::Tensor read_tensor(torch::serialize::InputArchive& ar, const std::string& key) {
  torch::Tensor t;
  ar.read(key, t, true);
  return t;
}

std::string read_string(torch::serialize::InputArchive& ar, const std::string& key) {
  c10::IValue v;
  ar.read(key, v);
  if (!v.isString()) throw c10::Error({__func__, __FILE__, __LINE__}, key + " is not a string");
  return v.toStringRef();
}

std::vector<std::int64_t> read_ints(torch::serialize::InputArchive& ar, const std::string& key) {
  c10::IValue v;
  ar.read(key, v);
  if (!v.isIntList()) throw c10::Error({__func__, __FILE__, __LINE__}, key + " is not a list of integers");
  return v.toIntVector();
}

}  // namespace

void write_meta(torch::serialize::OutputArchive& ar, const CheckpointMeta& m) {
  ar.write("format", c10::IValue(std::string(kFormat)));
  ar.write("meta.model_name", c10::IValue(m.model.model_name));
  ar.write("meta.activation", c10::IValue(m.model.activation));
  ar.write("meta.hidden", c10::IValue(m.model.hidden));
  ar.write("meta.widths", c10::IValue(m.model.widths));
  ar.write("meta.dropout", c10::IValue(m.model.dropout));
  ar.write("meta.latent", c10::IValue(m.model.latent_size));
  ar.write("meta.sample_shape", c10::IValue(m.sample_shape));
  ar.write("meta.float_dtype", c10::IValue(m.float_dtype));
  ar.write("pre.method", c10::IValue(m.preprocessing.method));
  ar.write("pre.offset", doubles(m.preprocessing.offset), true);
  ar.write("pre.scale", doubles(m.preprocessing.scale), true);
  std::vector<double> logs(m.preprocessing.log_feature.begin(), m.preprocessing.log_feature.end());
  ar.write("pre.log", doubles(logs), true);
  c10::List<std::string> names;
  for (const auto& n : m.feature_names) names.push_back(n);
  ar.write("features", c10::IValue(names));
  ar.write("config_toml", c10::IValue(m.config_toml));
}

CheckpointMeta read_meta(torch::serialize::InputArchive& ar, const std::filesystem::path& path) {
  CheckpointMeta m;
  try {
    require(read_string(ar, "format") == kFormat, ErrorCode::Unsupported,
            path.string() + ": not a " + kFormat + " file");
    m.model.model_name = read_string(ar, "meta.model_name");
    m.model.activation = read_string(ar, "meta.activation");
    m.model.hidden = read_ints(ar, "meta.hidden");
    m.model.widths = "baler";  // checkpoints written before model.widths existed used Baler's
    if (c10::IValue w; ar.try_read("meta.widths", w) && w.isString()) m.model.widths = w.toStringRef();
    c10::IValue v;
    ar.read("meta.dropout", v);
    m.model.dropout = v.toDouble();
    ar.read("meta.latent", v);
    m.model.latent_size = v.toInt();
    m.sample_shape = read_ints(ar, "meta.sample_shape");
    m.float_dtype = read_string(ar, "meta.float_dtype");
    m.preprocessing.method = read_string(ar, "pre.method");
    torch::Tensor t;
    t = read_tensor(ar, "pre.offset");
    m.preprocessing.offset = to_doubles(t);
    t = read_tensor(ar, "pre.scale");
    m.preprocessing.scale = to_doubles(t);
    t = read_tensor(ar, "pre.log");
    for (double d : to_doubles(t)) m.preprocessing.log_feature.push_back(d != 0 ? 1 : 0);
    ar.read("features", v);
    for (const auto& n : v.toListRef()) m.feature_names.push_back(n.toStringRef());
    m.config_toml = read_string(ar, "config_toml");
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": not a valid baler training checkpoint (" +
                                          e.what_without_backtrace() + ")");
  }
  const auto& p = m.preprocessing;
  require(p.offset.size() == p.scale.size() && p.log_feature.size() == p.offset.size() && !p.offset.empty(),
          ErrorCode::Malformed, path.string() + ": preprocessing arrays of different lengths");
  for (double s : p.scale)
    require(s != 0.0 && std::isfinite(s), ErrorCode::Malformed, path.string() + ": preprocessing scale 0 or not finite");
  require(m.float_dtype == "float32" || m.float_dtype == "float64", ErrorCode::Malformed,
          path.string() + ": meta.float_dtype \"" + m.float_dtype + "\"");
  return m;
}

Autoencoder load_module(torch::serialize::InputArchive& ar, const CheckpointMeta& meta,
                        const std::filesystem::path& path) {
  NetSpec spec;
  try {
    spec = build_net_spec(meta.model, meta.sample_shape);
  } catch (const Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": the stored architecture is invalid: " + e.what());
  }
  Autoencoder net(spec);
  net->to(torch_dtype(meta.float_dtype));
  std::vector<std::vector<std::int64_t>> expected;
  for (const auto& t : net->parameters()) expected.push_back(t.sizes().vec());
  for (const auto& t : net->buffers()) expected.push_back(t.sizes().vec());
  try {
    torch::serialize::InputArchive sub;
    ar.read("model", sub);
    net->load(sub);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": cannot load the model weights (" +
                                          e.what_without_backtrace() + ")");
  }
  std::size_t i = 0;
  auto check = [&](const torch::Tensor& t) {
    const auto& want = expected[i++];
    require(t.sizes().vec() == want, ErrorCode::Malformed,
            path.string() + ": a stored weight has shape " + shape_string(t.sizes().vec()) + ", the model needs " +
                shape_string(want));
  };
  for (const auto& t : net->parameters()) check(t);
  for (const auto& t : net->buffers()) check(t);
  net->to(torch_dtype(meta.float_dtype));
  net->eval();
  return net;
}

void write_state(torch::serialize::OutputArchive& ar, const TrainState& s) {
  ar.write("state.scalars",
           doubles({static_cast<double>(s.epoch), s.lr, s.best, static_cast<double>(s.best_epoch),
                    static_cast<double>(s.wait), s.plateau_best, static_cast<double>(s.plateau_wait), s.untrained}),
           true);
  std::vector<double> h;
  for (const auto& e : s.history)
    h.insert(h.end(), {static_cast<double>(e.epoch), e.train_loss, e.val_loss, e.lr, e.seconds, e.rows_per_second});
  ar.write("state.history", doubles(h), true);
  torch::serialize::OutputArchive best;
  for (std::size_t i = 0; i < s.best_state.size(); ++i) best.write(std::to_string(i), s.best_state[i], true);
  ar.write("state.best", best);
  ar.write("state.best_count", c10::IValue(static_cast<std::int64_t>(s.best_state.size())));
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  ar.write("state.rng", gen.get_state(), true);
}

TrainState read_state(torch::serialize::InputArchive& ar, const std::filesystem::path& path, Autoencoder& net) {
  TrainState s;
  try {
    torch::Tensor t;
    t = read_tensor(ar, "state.scalars");
    const auto v = to_doubles(t);
    require(v.size() == 8, ErrorCode::Malformed, path.string() + ": state.scalars has " + std::to_string(v.size()) +
                                                     " values, expected 8");
    s.epoch = static_cast<std::int64_t>(v[0]);
    s.lr = v[1];
    s.best = v[2];
    s.best_epoch = static_cast<std::int64_t>(v[3]);
    s.wait = static_cast<std::int64_t>(v[4]);
    s.plateau_best = v[5];
    s.plateau_wait = static_cast<std::int64_t>(v[6]);
    s.untrained = v[7];
    require(s.epoch >= 0 && s.lr > 0, ErrorCode::Malformed, path.string() + ": bad epoch or learning rate");
    t = read_tensor(ar, "state.history");
    const auto h = to_doubles(t);
    require(h.size() == static_cast<std::size_t>(s.epoch) * 6, ErrorCode::Malformed,
            path.string() + ": state.history does not match the epoch count");
    for (std::size_t i = 0; i + 6 <= h.size(); i += 6)
      s.history.push_back({static_cast<std::int64_t>(h[i]), h[i + 1], h[i + 2], h[i + 3], h[i + 4], h[i + 5]});
    c10::IValue count;
    ar.read("state.best_count", count);
    torch::serialize::InputArchive best;
    ar.read("state.best", best);
    const auto current = snapshot_state(net);
    if (count.toInt() > 0) {
      require(count.toInt() == static_cast<std::int64_t>(current.size()), ErrorCode::Malformed,
              path.string() + ": the best-weights snapshot does not match the model");
      for (std::size_t i = 0; i < current.size(); ++i) {
        torch::Tensor b = read_tensor(best, std::to_string(i));
        require(b.sizes() == current[i].sizes() && b.scalar_type() == current[i].scalar_type(), ErrorCode::Malformed,
                path.string() + ": a best-weights tensor has the wrong shape or type");
        s.best_state.push_back(b);
      }
    }
    t = read_tensor(ar, "state.rng");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(t);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": cannot read the training state (" +
                                          e.what_without_backtrace() + ")");
  }
  return s;
}

void open_archive(torch::serialize::InputArchive& ar, const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = read_file_bytes(path);
  try {
    ar.load_from(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Malformed, path.string() + ": not a LibTorch archive (" + e.what_without_backtrace() + ")");
  }
}

void save_archive(torch::serialize::OutputArchive& ar, const std::filesystem::path& path) {
  AtomicFile file(path);
  ar.save_to([&file](const void* data, std::size_t size) {
    file.write(data, size);
    return size;
  });
  file.commit();
}

}  // namespace baler::nn

namespace baler {

Model load_trained_model(const std::filesystem::path& path) {
  if (path.extension() == ".balermodel") return load_model_file(path);
  torch::serialize::InputArchive ar;
  nn::open_archive(ar, path);
  const nn::CheckpointMeta meta = nn::read_meta(ar, path);
  nn::Autoencoder net = nn::load_module(ar, meta, path);
  return nn::export_model(net, meta);
}

}  // namespace baler
