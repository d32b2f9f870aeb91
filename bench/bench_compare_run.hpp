// Comparison benchmark: baler (plain, PCA, AE) against standard compressors on the same arrays.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "baler/array.hpp"
#include "baselines_codecs.hpp"

namespace baler::bench {

struct CompareOptions {
  std::vector<double> rels = {1e-2, 1e-3, 1e-4, 1e-5};  // bound = rel × (max - min) per column / field
  int repetitions = 5;       // timed runs per codec and bound (median, min, max)
  int threads = 2;           // baler's codec and training threads; baselines run on one
  bool baselines = true;     // zstd, xz, truncation, zfp
  bool pca = true;           // baler with the PCA model (tables)
  bool ae = true;            // baler with a trained AE (tables; needs training built in)
  bool table_model = true;   // baler with the learned table model (tables; learned at each bound)
  std::int64_t epochs = 30;  // AE training epochs (early stopping may end sooner)
  double latent_ratio = 1.6; // latent = ceil(columns / latent_ratio), for both AE and PCA
  std::int64_t field_latent = 64;  // latent of the Conv_AE trained on a field's frames
  // .baler scratch files: tmpfs when there is one, so that the figures are the codec's and not
  // the disk's (compress fsyncs its output; on a disk that adds ~1-10 ms a file).
  std::filesystem::path tmp_dir =
      std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
  std::function<void(const std::string&)> log;  // progress lines (may be empty)
  std::vector<Baseline> extra_baselines;  // run after the standard ones (tests use a cheating one)
};

// True when this build can train autoencoders (baler_nn linked in).
bool training_built();

struct Speed {  // MB/s (1e6 bytes of native input per second) over the repetitions
  double median = 0, min = 0, max = 0;
};

// One codec at one bound on one data set.
struct ResultRow {
  std::string dataset, kind;  // kind: table | field
  std::string codec;          // zstd-19 … zfp-accuracy, baler, baler+table model, baler+PCA, baler+AE
  std::string bound;          // "lossless", "rel=0.001", "none"
  double rel = 0;             // 0 for lossless and none
  bool lossy = false, guaranteed = false;  // guaranteed: the bound must hold for every value
  std::uint64_t native_bytes = 0, f32_bytes = 0;
  std::uint64_t bytes = 0;           // compressed, model inside
  std::uint64_t bytes_external = 0;  // compressed, model referenced by hash (0 = no model)
  std::uint64_t model_bytes = 0;     // embedded decoder bytes
  double ratio_f32 = 0, ratio_native = 0, ratio_f32_external = 0;
  double worst_err_over_bound = 0;   // max over columns of max|x - x~| / bound (0 when bound 0 and exact)
  std::string worst_column;
  double max_err_over_range = 0;     // max over columns of max|x - x~| / (max - min)
  std::uint64_t violations = 0;      // values outside the bound (NaN/Inf must match exactly)
  bool exact = false;                // decoded bytes identical to the input
  double psnr = 0;                   // dB over range-normalised values; +inf when exact
  Speed compress, decompress;
  double train_seconds = 0;          // AE only
  std::string note;                  // e.g. "model not used (did not pay)"
};

struct DatasetReport {
  std::string name, kind;
  std::vector<std::int64_t> shape;  // field shape, or {rows, columns}
  std::string dtypes;               // e.g. "float64"
  std::vector<ResultRow> rows;
  std::vector<std::string> notes;   // e.g. "AE: training not built"
};

// Runs every codec on `data` at every bound of `options`. Each codec's output is decoded and
// checked by the same independent checker. Throws baler::Error from the codecs.
DatasetReport compare_dataset(const std::string& name, const Dataset& data, const CompareOptions& options);

}  // namespace baler::bench
