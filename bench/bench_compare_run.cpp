// Comparison benchmark runner: times every codec, decodes its output and checks it independently.
#include "bench_compare_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "baler/atomic_file.hpp"
#include "baler/codec.hpp"
#include "baler/table_model.hpp"
#include "baler/error.hpp"
#include "baselines_codecs.hpp"
#include "baselines_pca.hpp"
#ifdef BALER_WITH_TRAINING
#include "baler/train.hpp"
#endif

namespace baler::bench {

bool training_built() {
#ifdef BALER_WITH_TRAINING
  return true;
#else
  return false;
#endif
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The arrays a codec sees: table columns, or the whole field.
struct Unit {
  std::string name;
  const Array* values = nullptr;
  double range = 0;  // max - min of the finite values
};

double finite_range(const Array& a) {
  double lo = kInf, hi = -kInf;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (const double v = a.value(i); std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  return lo <= hi ? hi - lo : 0.0;
}

std::vector<Unit> units_of(const Dataset& d) {
  std::vector<Unit> u;
  if (d.kind == DataKind::Field) u.push_back({"field", &d.field, finite_range(d.field)});
  else
    for (const auto& c : d.columns) u.push_back({c.name, &c.values, finite_range(c.values)});
  return u;
}

// The independent checker: every codec's decoded arrays go through here.
struct Checker {
  double worst = 0, worst_range = 0, sq = 0;
  std::string worst_column;
  std::uint64_t violations = 0, count = 0;
  bool exact = true;

  void add(const Unit& u, const Array& dec, double bound) {
    const Array& a = *u.values;
    require(dec.dtype == a.dtype && dec.shape == a.shape, ErrorCode::Internal,
            "checker: decoded " + u.name + " has another dtype or shape");
    exact = exact && dec.bytes == a.bytes;
    double col_max = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double x = a.value(i), y = dec.value(i);
      if (!std::isfinite(x)) {
        violations += std::isnan(x) ? !std::isnan(y) : x != y;
        continue;
      }
      const double e = std::fabs(x - y);
      if (!(e <= bound)) ++violations;  // NaN decodes count too
      col_max = std::max(col_max, std::isnan(e) ? kInf : e);
      const double en = u.range > 0 ? e / u.range : e;
      sq += en * en;
      ++count;
    }
    const double ratio = bound > 0 && std::isfinite(bound) ? col_max / bound : (col_max > 0 ? kInf : 0.0);
    if (std::isfinite(bound) && (ratio > worst || worst_column.empty())) worst = ratio, worst_column = u.name;
    worst_range = std::max(worst_range, u.range > 0 ? col_max / u.range : col_max);
  }

  void into(ResultRow& r) const {
    r.worst_err_over_bound = worst;
    r.worst_column = worst_column;
    r.max_err_over_range = worst_range;
    r.violations = violations;
    r.exact = exact;
    const double mse = count ? sq / static_cast<double>(count) : 0.0;
    r.psnr = mse > 0 ? -10.0 * std::log10(mse) : kInf;
  }
};

Speed speed_of(std::vector<double> seconds, std::uint64_t bytes) {
  std::sort(seconds.begin(), seconds.end());
  const double mb = static_cast<double>(bytes) / 1e6;
  auto rate = [&](double s) { return s > 0 ? mb / s : kInf; };
  return {rate(seconds[seconds.size() / 2]), rate(seconds.back()), rate(seconds.front())};
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string rel_label(double rel) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "rel=%g", rel);
  return buf;
}

ResultRow base_row(const DatasetReport& rep, const Dataset& d, std::string codec, double rel, bool lossy) {
  ResultRow r;
  r.dataset = rep.name;
  r.kind = rep.kind;
  r.codec = std::move(codec);
  r.rel = rel;
  r.lossy = lossy;
  r.bound = !lossy ? "lossless" : rel > 0 ? rel_label(rel) : "none";
  for (const auto& u : units_of(d)) {
    r.native_bytes += u.values->bytes.size();
    r.f32_bytes += 4 * u.values->size();
  }
  return r;
}

void set_ratios(ResultRow& r) {
  r.ratio_f32 = static_cast<double>(r.f32_bytes) / static_cast<double>(r.bytes);
  r.ratio_native = static_cast<double>(r.native_bytes) / static_cast<double>(r.bytes);
  r.ratio_f32_external = r.bytes_external ? static_cast<double>(r.f32_bytes) / static_cast<double>(r.bytes_external) : 0;
}

// One baseline at one bound (rel 0 = lossless): encode and decode every unit `reps` times.
ResultRow run_baseline(const DatasetReport& rep, const Dataset& d, const Baseline& b, double rel, int reps) {
  ResultRow row = base_row(rep, d, b.name, rel, b.lossy);
  row.guaranteed = b.guaranteed;
  const auto units = units_of(d);
  std::vector<double> tc, td;
  std::vector<Bytes> enc(units.size());
  std::vector<Array> dec(units.size());
  for (int k = 0; k < reps; ++k) {
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < units.size(); ++i) enc[i] = b.encode(*units[i].values, rel * units[i].range);
    tc.push_back(seconds_since(t0));
    t0 = Clock::now();
    for (std::size_t i = 0; i < units.size(); ++i)
      dec[i] = b.decode(enc[i], units[i].values->dtype, units[i].values->shape, rel * units[i].range);
    td.push_back(seconds_since(t0));
  }
  Checker chk;
  for (std::size_t i = 0; i < units.size(); ++i) {
    row.bytes += enc[i].size() + kArrayHeaderBytes;
    chk.add(units[i], dec[i], b.lossy ? rel * units[i].range : 0.0);
  }
  chk.into(row);
  set_ratios(row);
  row.compress = speed_of(tc, row.native_bytes);
  row.decompress = speed_of(td, row.native_bytes);
  return row;
}

// One baler compression (and decompression) setting, `reps` times; returns bytes and checks.
struct BalerRun {
  std::uint64_t bytes = 0, model_bytes = 0;
  std::string model_storage;
  Checker check;
  std::vector<double> tc, td;
};

BalerRun run_baler_once(const Dataset& d, const CompressOptions& co, const DecompressOptions& dopt,
                        const std::filesystem::path& tmp, double rel, int reps) {
  BalerRun r;
  Dataset back;
  for (int k = 0; k < reps; ++k) {
    auto t0 = Clock::now();
    const CompressSummary s = compress_dataset(d, tmp, co);
    r.tc.push_back(seconds_since(t0));
    r.bytes = s.file_bytes;
    r.model_bytes = s.model_bytes;
    r.model_storage = s.model_storage;
    std::vector<std::byte> bytes = read_file_bytes(tmp);
    require(bytes.size() == s.file_bytes, ErrorCode::Internal, "container size differs from the summary");
    t0 = Clock::now();
    back = decompress_memory(std::move(bytes), tmp.string(), dopt);
    r.td.push_back(seconds_since(t0));
  }
  std::filesystem::remove(tmp);
  const auto units = units_of(d), got = units_of(back);
  require(units.size() == got.size(), ErrorCode::Internal, "decoded data set has another column count");
  for (std::size_t i = 0; i < units.size(); ++i)
    r.check.add(units[i], *got[i].values, rel > 0 ? rel * units[i].range : kInf);
  return r;
}

// baler at one bound (rel 0 = "none"), with `model` (may be null) embedded, then external.
ResultRow run_baler(const DatasetReport& rep, const Dataset& d, const std::string& codec, const Model* model,
                    double rel, const CompareOptions& o, const TableModel* table_model = nullptr) {
  ResultRow row = base_row(rep, d, codec, rel, true);
  row.guaranteed = rel > 0;
  CompressOptions co;
  co.bound = rel > 0 ? ErrorBound{BoundKind::Rel, rel} : ErrorBound{BoundKind::None, 0};
  co.model = model;
  co.table_model = table_model;
  co.threads = o.threads;
  DecompressOptions dopt;
  dopt.threads = o.threads;
  const auto tmp = o.tmp_dir / ("bench_compare_" + std::to_string(::getpid()) + ".baler");
  BalerRun in = run_baler_once(d, co, dopt, tmp, rel, o.repetitions);
  row.bytes = in.bytes;
  row.model_bytes = in.model_bytes;
  in.check.into(row);
  row.compress = speed_of(in.tc, row.native_bytes);
  row.decompress = speed_of(in.td, row.native_bytes);
  row.note = "model: " + in.model_storage;
  if (model || table_model) {
    co.external_model = true;
    dopt.model = model;
    dopt.table_model = table_model;
    BalerRun ex = run_baler_once(d, co, dopt, tmp, rel, 1);
    row.bytes_external = ex.bytes;
    row.note += "; external: " + ex.model_storage;
    row.violations += ex.check.violations;  // the external decode must hold the bound too
    if (ex.check.violations) row.note += "; external decode out of bound";
  }
  set_ratios(row);
  return row;
}

std::int64_t latent_for(std::size_t columns, double ratio) {
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(static_cast<double>(columns) / ratio)), 1,
                                  static_cast<std::int64_t>(columns));
}

// A trained `arch` model for the data, or nothing (with a note saying why).
std::optional<Model> train_ae(const Dataset& d, const CompareOptions& o, const std::string& arch, std::int64_t latent,
                              double& seconds, std::vector<std::string>& notes) {
#ifdef BALER_WITH_TRAINING
  Config c;
  c.model.model_name = arch;
  c.model.latent_size = latent;
  c.training.epochs = o.epochs;
  c.training.threads = o.threads;
  const auto t0 = Clock::now();
  TrainResult r = train(d, c, TrainOutputs{}, nullptr);
  seconds = seconds_since(t0);
  notes.push_back(arch + ": " + std::to_string(r.history.size()) + " epochs (" + r.stop_reason + "), final loss " +
                  std::to_string(r.final_loss) + ", " + std::to_string(seconds) + " s at " +
                  std::to_string(r.threads) + " threads");
  return std::move(r.model);
#else
  (void)d, (void)o, (void)latent, (void)seconds;
  notes.push_back(arch + ": training not built");
  return std::nullopt;
#endif
}

void log(const CompareOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

// Tables: PCA and AE with latent = ceil(columns / latent_ratio). Fields: Baler's Conv_AE on
// frames with latent o.field_latent (PCA is a table baseline).
void run_models(DatasetReport& rep, const Dataset& d, const CompareOptions& o) {
  const bool table = d.kind == DataKind::Table;
  const std::int64_t k = table ? latent_for(d.columns.size(), o.latent_ratio) : o.field_latent;
  const std::string arch = table ? "AE" : "Conv_AE";
  auto run_all = [&](const std::string& codec, const Model& m, double train_s) {
    for (double rel : o.rels) {
      log(o, rep.name + ": " + codec + " " + rel_label(rel));
      rep.rows.push_back(run_baler(rep, d, codec, &m, rel, o));
      rep.rows.back().train_seconds = train_s;
    }
    log(o, rep.name + ": " + codec + " none");
    rep.rows.push_back(run_baler(rep, d, codec, &m, 0.0, o));
    rep.rows.back().train_seconds = train_s;
  };
  if (o.pca && !table) rep.notes.push_back("PCA: not run (a table baseline)");
  if (o.pca && table) {
    const auto t0 = Clock::now();
    const Model pca = pca_model(d, k);
    run_all("baler+PCA", pca, seconds_since(t0));
  }
  if (o.table_model && table) {  // learned at each bound: relations pay differently per bound
    for (double rel : o.rels) {
      log(o, rep.name + ": baler+table model " + rel_label(rel));
      CompressOptions co;
      co.bound = {BoundKind::Rel, rel};
      LearnOptions lo;
      lo.threads = o.threads;
      MemorySource src(d);
      const auto t0 = Clock::now();
      const TableModel tm = learn_table_model(src, co, lo);
      const double learn_s = seconds_since(t0);
      rep.rows.push_back(run_baler(rep, d, "baler+table model", nullptr, rel, o, &tm));
      rep.rows.back().train_seconds = learn_s;
    }
  }
  if (o.ae) {
    log(o, rep.name + ": training " + arch + " (" + std::to_string(o.epochs) + " epochs, latent " + std::to_string(k) + ")");
    double train_s = 0;
    if (auto ae = train_ae(d, o, arch, k, train_s, rep.notes)) run_all("baler+" + arch, *ae, train_s);
  }
}

}  // namespace

DatasetReport compare_dataset(const std::string& name, const Dataset& d, const CompareOptions& o) {
  require(o.repetitions >= 1, ErrorCode::Config, "repetitions must be >= 1");
  DatasetReport rep;
  rep.name = name;
  rep.kind = d.kind == DataKind::Table ? "table" : "field";
  rep.shape = d.kind == DataKind::Field ? d.field.shape
                                        : std::vector<std::int64_t>{static_cast<std::int64_t>(d.rows()),
                                                                    static_cast<std::int64_t>(d.columns.size())};
  for (const auto& u : units_of(d))
    if (rep.dtypes.find(dtype_name(u.values->dtype)) == std::string::npos)
      rep.dtypes += (rep.dtypes.empty() ? "" : ",") + std::string(dtype_name(u.values->dtype));
  std::vector<Baseline> baselines = o.baselines ? standard_baselines() : std::vector<Baseline>{};
  if (o.baselines) {
    std::string why_not;
    if (auto sz3 = sz3_baseline(&why_not))
      baselines.push_back(std::move(*sz3));
    else
      rep.notes.push_back(why_not);
  }
  baselines.insert(baselines.end(), o.extra_baselines.begin(), o.extra_baselines.end());
  for (const auto& b : baselines) {
      for (double rel : b.lossy ? o.rels : std::vector<double>{0.0}) {
        log(o, name + ": " + b.name + (b.lossy ? " " + rel_label(rel) : ""));
        rep.rows.push_back(run_baseline(rep, d, b, rel, o.repetitions));
      }
  }
  for (double rel : o.rels) {
    log(o, name + ": baler " + rel_label(rel));
    rep.rows.push_back(run_baler(rep, d, "baler", nullptr, rel, o));
  }
  run_models(rep, d, o);
  return rep;
}

}  // namespace baler::bench
