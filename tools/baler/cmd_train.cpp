// `baler train` / `--mode train`: trains the configured autoencoder, with a live progress bar
// on a terminal, plain lines otherwise, nothing with --quiet.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "baler/codec.hpp"
#include "baler/hdf5_io.hpp"
#include "baler/io_stream.hpp"
#include "baler/table_model.hpp"

#include "batch.hpp"
#include "mode.hpp"
#if BALER_WITH_TRAINING
#include "baler/train.hpp"
#endif

namespace baler::cli {
namespace {

// The conditional table model: learned by measuring code sizes at the configured bounds, in
// seconds and without LibTorch; written as out_dir/model.balermodel.
int run_table_train(const Config& config, const Dataset& data, const std::filesystem::path& out_dir) {
  require(data.kind == DataKind::Table, ErrorCode::Config,
          "model.model_name = TableModel learns relations between table columns; the input is a field");
  const bool quiet = global_options().quiet;
  CompressOptions o = compress_options_from_config(config.compression);
  LearnOptions lo;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  lo.threads = config.training.threads > 0 ? config.training.threads : static_cast<int>(hw);
  if (!quiet)
    std::fprintf(stderr, "train: table model of %zu columns, %zu rows (learning on the first %llu), bound %s, %d thread%s\n",
                 data.columns.size(), data.rows(),
                 static_cast<unsigned long long>(std::min<std::uint64_t>(data.rows(), lo.sample_rows)),
                 config.compression.error_bound.c_str(), lo.threads, lo.threads == 1 ? "" : "s");
  MemorySource src(data);
  LearnReport rep;
  const TableModel m = learn_table_model(src, o, lo, &rep);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  const auto path = out_dir / "model.balermodel";
  save_table_model_file(path, m);
  std::size_t used = 0;
  for (const auto& r : m.relations) used += r.kind != RelationKind::None;
  if (!quiet) {
    for (const auto& c : rep.columns)
      std::fprintf(stderr, "train:   %-28s %6.2f -> %6.2f bits/value  %s\n", c.name.c_str(), c.plain_bits, c.model_bits,
                   c.model_bits < c.plain_bits ? c.relation.c_str() : "(plain codec)");
  }
  std::printf("learned a table model in %.2f s: %zu of %zu columns predicted from others; the lossy columns "
              "take an estimated %.0f bytes without it and %.0f with it, plus %llu bytes of model embedded\n",
              rep.seconds, used, data.columns.size(), rep.plain_bytes, rep.model_bytes_est,
              static_cast<unsigned long long>(used ? rep.model_bytes : 0));
  if (used == 0) std::printf("no relation between the columns pays at this bound: compress uses the plain codec\n");
  if (!quiet) std::cout << "wrote " << path.string() << "\n";
  return 0;
}

// Bytes of the data compressed at the project's bounds, with `model` (embedded) or without one
// (what a model must beat); 0 if that cannot be measured. `storage` receives the model's fate.
std::uint64_t plain_size(const Dataset& data, const Config& config, const Model* model = nullptr,
                         std::string* storage = nullptr) {
  const auto tmp = std::filesystem::temp_directory_path() /
                   ("baler-train-estimate-" + std::to_string(::getpid()) + ".baler");
  try {
    CompressOptions o = compress_options_from_config(config.compression);
    if (o.bound.kind == BoundKind::None) o.bound = {BoundKind::Rel, 1e-3};
    for (auto& [name, b] : o.column_bounds)
      if (b.kind == BoundKind::None) b = {BoundKind::Rel, 1e-3};
    o.model = model;
    const auto s = compress_dataset(data, tmp, o);
    std::filesystem::remove(tmp);
    if (storage) *storage = s.model_storage;
    return s.file_bytes;
  } catch (const Error&) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return 0;
  }
}

#if BALER_WITH_TRAINING

std::string sci(double v) {
  if (std::isnan(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

std::string rate_text(double v) {
  if (!std::isfinite(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", v);
  return b;
}

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) o += (i ? "x" : "") + std::to_string(s[i]);
  return o;
}

// Progress on stderr: a redrawn bar on a terminal, one line an epoch otherwise.
class ConsoleProgress : public ProgressSink {
 public:
  explicit ConsoleProgress(bool live) : live_(live) {}

  void on_start(const TrainStart& s) override {
    std::fprintf(stderr, "train: %s, %lld parameters, samples %s → latent %lld; %lld training rows, %lld validation\n",
                 s.model_name.c_str(), static_cast<long long>(s.parameters), shape_text(s.sample_shape).c_str(),
                 static_cast<long long>(s.latent), static_cast<long long>(s.train_rows),
                 static_cast<long long>(s.val_rows));
    std::fprintf(stderr, "train: %d thread%s, BLAS: %s\n", s.threads, s.threads == 1 ? "" : "s", s.blas.c_str());
    for (const auto& w : s.warnings) std::fprintf(stderr, "train: warning: %s\n", w.c_str());
    if (plain_bytes_ > 0) {
      // The embedded decoder is about half the parameters, stored as f16 or int8 (1-2 bytes).
      const double decoder = static_cast<double>(s.parameters) / 2.0;
      std::fprintf(stderr,
                   "train: without a model the data compress to %llu bytes at %s; the embedded decoder takes "
                   "about %.0f-%.0f bytes (int8-f16), so the model pays only if it saves more than that\n",
                   static_cast<unsigned long long>(plain_bytes_), bound_.c_str(), decoder, 2 * decoder);
      if (decoder >= static_cast<double>(plain_bytes_))
        std::fprintf(stderr,
                     "train: warning: the decoder alone is larger than the whole compressed file without it: it "
                     "cannot pay on this data when embedded (model.model_name = \"TableModel\" learns relations "
                     "between columns in seconds; or store the model externally, compression.model_storage)\n");
    }
    cpu_start_ = cpu_seconds();
    threads_ = s.threads;
    if (s.first_epoch > 1) std::fprintf(stderr, "train: resuming at epoch %lld\n", static_cast<long long>(s.first_epoch));
    first_epoch_ = s.first_epoch;
    last_.lr = s.lr;
    start_ = epoch_start_ = std::chrono::steady_clock::now();
  }

  void on_batch(std::int64_t epoch, std::int64_t done, std::int64_t total, double loss) override {
    if (!live_) return;
    const double in_epoch = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
    const double rate = in_epoch > 0 ? static_cast<double>(done) / in_epoch : NAN;
    const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    const double elapsed = seconds_since_start();
    const double epochs_done = static_cast<double>(epoch - first_epoch_) + frac;
    const double eta = epochs_done > 0 ? elapsed / epochs_done * (static_cast<double>(total_epochs_ - epoch) + 1 - frac) : NAN;
    const int width = 20, filled = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s] loss %s  val %s  lr %s  %s rows/s  ETA %s",
                 static_cast<long long>(epoch), static_cast<long long>(total_epochs_), bar.c_str(), sci(loss).c_str(),
                 sci(last_.val_loss).c_str(), sci(last_.lr).c_str(), rate_text(rate).c_str(), duration_text(eta).c_str());
  }

  void on_epoch(const EpochStats& e, std::int64_t total) override {
    total_epochs_ = total;
    last_ = e;
    if (e.epoch == first_epoch_) check_first_epoch();
    epoch_start_ = std::chrono::steady_clock::now();
    if (live_) std::fprintf(stderr, "\r\033[K");
    const double eta = seconds_since_start() / static_cast<double>(e.epoch - first_epoch_ + 1) *
                       static_cast<double>(total - e.epoch);
    std::fprintf(stderr, "epoch %lld/%lld  loss %s  val %s  lr %s  %.2fs  %s rows/s  ETA %s\n",
                 static_cast<long long>(e.epoch), static_cast<long long>(total), sci(e.train_loss).c_str(),
                 sci(e.val_loss).c_str(), sci(e.lr).c_str(), e.seconds, rate_text(e.rows_per_second).c_str(),
                 duration_text(eta).c_str());
  }

  void on_message(const std::string& m) override {
    if (live_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "train: %s\n", m.c_str());
  }

  void set_total(std::int64_t t) { total_epochs_ = t; }
  void set_plain(std::uint64_t bytes, std::string bound) {
    plain_bytes_ = bytes;
    bound_ = std::move(bound);
  }

 private:
  static double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  }
  // A first epoch whose threads got under 40 % of their cores' time ran on a busy machine.
  void check_first_epoch() {
    const double wall = seconds_since_start(), cpu = cpu_seconds() - cpu_start_;
    const double share = wall > 0.5 ? cpu / (wall * std::max(1, threads_)) : 1.0;
    if (share >= 0.4) return;
    if (live_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr,
                 "train: warning: the first epoch took %.1f s but its %d thread%s got only %.0f %% of their cores: "
                 "other processes compete for the CPU; epochs will be slower than on a quiet machine "
                 "(training.threads = 1 may help)\n",
                 wall, threads_, threads_ == 1 ? "" : "s", 100 * share);
  }
  std::uint64_t plain_bytes_ = 0;
  std::string bound_;
  double cpu_start_ = 0;
  int threads_ = 1;
  double seconds_since_start() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  bool live_;
  std::int64_t first_epoch_ = 1, total_epochs_ = 0;
  EpochStats last_{0, NAN, NAN, NAN, 0, NAN};
  std::chrono::steady_clock::time_point start_, epoch_start_;
};

// The data set to train on: `input`, or for an HDF5 file of several datasets (which compress
// turns into a bundle) its largest, with a note: the model serves the data sets it fits.
DataSpec training_spec(const std::string& input, const ReadOptions& options) {
  DataSpec spec = parse_data_spec(input);
  if (spec.format != FileFormat::Hdf5 || !spec.object.empty()) return spec;
  const auto all = list_hdf5_datasets(spec.path);
  if (all.size() < 2) return spec;
  std::uint64_t best = 0;
  for (const auto& obj : all) {
    std::uint64_t values = 0;
    try {
      const auto l = open_data_source(DataSpec{spec.path, obj, FileFormat::Hdf5}, options)->layout();
      values = l.rows * (l.kind == DataKind::Field ? l.row_elements() : l.names.size());
    } catch (const Error&) {  // a dataset baler cannot read is not a candidate
      continue;
    }
    if (values > best) best = values, spec.object = obj;
  }
  require(best > 0, ErrorCode::Unsupported, spec.path.string() + ": no dataset to train on");
  if (!global_options().quiet)
    std::fprintf(stderr, "baler: note: %s holds %zu datasets; training on the largest, %s (data.input_path = %s:/path "
                         "picks another); compress uses the model for the datasets it fits\n",
                 spec.path.c_str(), all.size(), spec.object.c_str(), spec.path.c_str());
  return spec;
}

int run_train(const Config& given, const std::string& input, const std::filesystem::path& out_dir) {
  require(!input.empty(), ErrorCode::Config,
          "no input data: set data.input_path in the configuration or give --input FILE");
  const ReadOptions options = cli_read_options(given.data);
  const Dataset data = read_dataset(training_spec(input, options), options);
  Config config = given;
  if (config.model.model_name == "auto")
    config.model.model_name = data.kind == DataKind::Table ? "TableModel" : "AE";
  if (config.model.model_name == "TableModel") return run_table_train(config, data, out_dir);
  const bool quiet = global_options().quiet;
  std::unique_ptr<ConsoleProgress> progress;
  if (!quiet) {
    progress = std::make_unique<ConsoleProgress>(isatty(STDERR_FILENO) != 0);
    progress->set_total(config.training.epochs);
    if (data.kind == DataKind::Table || is_float(data.field.dtype))
      progress->set_plain(plain_size(data, config), config.compression.error_bound);
  }
  const TrainResult r = train(data, config, TrainOutputs{out_dir, true}, progress.get());
  std::cout << "trained " << r.model.architecture << " for " << r.history.size() << " epochs (" << r.stop_reason
            << "): best loss " << sci(r.best_loss) << " at epoch " << r.best_epoch << ", evaluation-mode loss "
            << sci(r.final_loss) << " (untrained " << sci(r.untrained_val_loss) << ")\n";
  if (!quiet) {
    std::string fate;
    const std::uint64_t with = plain_size(data, config, &r.model, &fate);
    if (with > 0)
      std::cout << "compressed at " << config.compression.error_bound << " with the trained model embedded: " << with
                << " bytes (model " << fate << ")\n";
    for (const auto& f : r.files) std::cout << "wrote " << f.string() << "\n";
  }
  return 0;
}

#else
int run_train(const Config&, const std::string&, const std::filesystem::path&) {
  throw Error(ErrorCode::NotImplemented, "this baler was built without LibTorch (BALER_WITH_TORCH=OFF)");
}
#endif

struct TrainArgs {
  ConfigSource source;
  std::string input;
  std::string output = "output/training";
  std::int64_t epochs = 0;
};

const ModeRegistrar reg{Mode{
    "train",
    "derive the configured model from a data set: a table model (relations between columns) or an autoencoder",
    20,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<TrainArgs>();
      add_config_options(sub, a->source);
      sub.add_option("--input,-i", a->input, "data to train on (else data.input_path)");
      sub.add_option("--output,-o", a->output, "folder for the model, loss.csv and config.toml");
      sub.add_option("--epochs", a->epochs, "override training.epochs")->check(CLI::PositiveNumber);
      return [a] {
        Config c = a->source.load();
        if (a->epochs > 0) c.training.epochs = a->epochs;
        return run_train(c, a->input.empty() ? c.data.input_path : a->input, a->output);
      };
    },
    [](const Project& p) { return run_train(p.config, p.config.data.input_path, p.paths.training); },
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
