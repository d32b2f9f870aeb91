// Chunk encoding (choice of block per column, model or not) and decoding.
#include "chunk_codec.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "column_codec.hpp"
#include "parallel_for.hpp"
#include "wire.hpp"

namespace baler::codec {
namespace {

struct Block {
  std::vector<std::byte> bytes;
  BlockStats st;
  std::vector<double> decoded;  // Quant blocks coded for a table model: the values decoded
};

void keep_smaller(Block& best, Block cand) {
  if (!cand.bytes.empty() && (best.bytes.empty() || cand.bytes.size() < best.bytes.size())) best = std::move(cand);
}

ColumnSlice slice_of(const Dataset& d, const Schema& s, std::size_t j, std::size_t first, std::size_t rows) {
  const Array& a = d.kind == DataKind::Table ? d.columns[j].values : d.field;
  const std::size_t per = static_cast<std::size_t>(row_elements(s));
  const std::size_t es = dtype_size(a.dtype);
  return {a.dtype, a.bytes.data() + first * per * es, rows * per};
}

std::vector<std::byte> encode_field_with(FieldPredictor p, const ColumnSlice& c, std::array<std::size_t, 3> dims,
                                         double bound, BlockStats& st) {
  return p == FieldPredictor::Interp ? encode_interp_block(c, dims, bound, st) : encode_field_block(c, dims, bound, p, st);
}

// The field predictors worth coding a chunk with, in the order ties are broken (Lorenzo3,
// Lorenzo2, interpolation; Lorenzo2 is Lorenzo3 on a single frame). A chunk of at least 2^20
// values and 32 frames codes four sample boxes of 8 frames with each predictor (the middle rows,
// about 1/256 of the chunk each, centred at 1/8, 3/8, 5/8 and 7/8 of its frames) and returns
// the one whose boxes were smallest in total; so does a chunk of at least 2^16 values and 48
// frames of more than one row, with two boxes of 8 whole frames (at 1/4 and 3/4). A smaller
// chunk tries them all in full. (Two boxes of 1/128 picked wrongly in 256-frame chunks of the
// vorticity field tiled 40 times, whose tile seams every 41 frames they could miss.)
std::vector<FieldPredictor> field_predictors(const ColumnSlice& c, std::array<std::size_t, 3> dims, double bound,
                                             int threads) {
  std::vector<FieldPredictor> all{FieldPredictor::Lorenzo3, FieldPredictor::Lorenzo2, FieldPredictor::Interp};
  if (dims[0] == 1) all.erase(all.begin() + 1);
  constexpr std::size_t kBoxFrames = 8;
  const auto [F, H, W] = dims;
  const bool large = c.n >= (std::size_t{1} << 20) && F >= 4 * kBoxFrames;
  const bool medium = c.n >= (std::size_t{1} << 16) && F >= 6 * kBoxFrames && H > 1;
  if (!large && !medium) return all;
  const std::size_t es = dtype_size(c.dtype);
  const std::size_t nb = large ? 4 : 2;
  const std::size_t rows =
      large ? std::min(H, std::max<std::size_t>(4, (c.n / 256 + kBoxFrames * W - 1) / (kBoxFrames * W))) : H;
  const std::array<std::size_t, 3> box{kBoxFrames, rows, W};
  std::vector<std::vector<std::byte>> boxes(nb);
  for (std::size_t k = 0; k < nb; ++k) {
    const std::size_t f0 = F * (2 * k + 1) / (2 * nb) - kBoxFrames / 2, h0 = (H - rows) / 2;
    auto& b = boxes[k];
    b.resize(kBoxFrames * rows * W * es);
    for (std::size_t f = 0; f < kBoxFrames; ++f)
      std::memcpy(b.data() + f * rows * W * es, c.data + ((f0 + f) * H + h0) * W * es, rows * W * es);
  }
  std::vector<std::size_t> bytes(all.size() * nb);
  parallel_for(bytes.size(), threads, [&](std::size_t i) {
    BlockStats st;
    const auto& b = boxes[i % nb];
    bytes[i] = encode_field_with(all[i / nb], {c.dtype, b.data(), b.size() / es}, box, bound, st).size();
  });
  std::size_t best = 0;
  auto total = [&](std::size_t k) {
    std::size_t t = 0;
    for (std::size_t j = 0; j < nb; ++j) t += bytes[k * nb + j];
    return t;
  };
  for (std::size_t k = 1; k < all.size(); ++k)
    if (total(k) < total(best)) best = k;
  return {all[best]};
}

// `threads` > 1 tries the field predictors in parallel (kept in the same order: same bytes).
Block plain_block(const ColumnSlice& c, const ColumnSpec& spec, const Schema& s, std::size_t rows, int zstd,
                  int threads = 1, bool want_decoded = false) {
  Block best;
  const bool exact = spec.bound.kind == BoundKind::Exact || spec.abs_bound <= 0;
  if (spec.bound.kind == BoundKind::None) return best;
  if (spec.bound.kind == BoundKind::PwRel) {
    BlockStats st;
    best = {encode_pwrel_block(c, spec.abs_bound, st), st};
  } else if (exact) {
    best.bytes = encode_int_block(c);
  } else if (s.kind == DataKind::Field) {
    const auto dims = field_dims(s, rows);
    const auto order = field_predictors(c, dims, spec.abs_bound, threads);
    std::vector<Block> tried(order.size());
    parallel_for(order.size(), threads, [&](std::size_t k) {
      tried[k].bytes = encode_field_with(order[k], c, dims, spec.abs_bound, tried[k].st);
    });
    for (auto& b : tried) keep_smaller(best, std::move(b));
  } else {
    best.bytes = encode_quant_block(c, spec.abs_bound, {}, best.st, want_decoded ? &best.decoded : nullptr);
  }
  const std::size_t raw = c.n * dtype_size(c.dtype);
  if (best.bytes.empty() || best.bytes.size() > raw / 6) {
    // A fast trial first: the slow high-level pass only when lossless storage may win. A large
    // block tries a sixteenth of its values first (its middle) and goes on only when that
    // sample, scaled up, comes within an eighth of the lossy block.
    constexpr std::size_t kSampled = std::size_t{1} << 20;
    if (!best.bytes.empty() && c.n >= kSampled) {
      const std::size_t m = c.n / 16, es = dtype_size(c.dtype);
      const auto part = encode_raw_block({c.dtype, c.data + (c.n - m) / 2 * es, m}, 1);
      if (static_cast<double>(part.size()) * 16 >= static_cast<double>(best.bytes.size()) * 9 / 8) return best;
    }
    auto quick = encode_raw_block(c, zstd > 3 ? 1 : zstd);
    if (best.bytes.empty() || quick.size() < best.bytes.size() + best.bytes.size() / 8)
      keep_smaller(best, {zstd > 3 ? encode_raw_block(c, zstd) : std::move(quick), {}});
  }
  return best;
}

ChunkOut assemble(std::size_t first, std::size_t rows, const std::vector<std::byte>* latent,
                  const std::vector<Block>& blocks) {
  ChunkOut out;
  ByteWriter w;
  put_varint(w, first);
  put_varint(w, rows);
  w.le<std::uint8_t>(latent ? 1 : 0);
  if (latent) w.append(*latent);
  for (const auto& b : blocks) {
    put_varint(w, b.bytes.size());
    w.append(b.bytes);
    out.cols.push_back({b.bytes.size(), b.st.outliers, b.st.max_error, block_method_name(b.bytes)});
  }
  out.bytes = std::move(w.buffer());
  out.model_used = latent != nullptr;
  return out;
}

Block pred_only_block(const ColumnSlice& c, const std::vector<double>& pred) {
  Block b{{static_cast<std::byte>(Method::PredOnly)}, {}};
  std::vector<std::byte> tmp(8);
  for (std::size_t i = 0; i < c.n; ++i) {
    const double x = load_value(c.dtype, c.data, i);
    const double e = std::fabs(x - store_value(c.dtype, tmp.data(), 0, pred[i]));
    if (std::isfinite(e)) b.st.max_error = std::max(b.st.max_error, e);
  }
  return b;
}

double latent_rms(const std::vector<float>& z) {
  double s = 0;
  std::size_t n = 0;
  for (float v : z)
    if (std::isfinite(v)) s += static_cast<double>(v) * v, ++n;
  const double r = n ? std::sqrt(s / static_cast<double>(n)) : 1.0;
  return r > 0 && std::isfinite(r) ? r : 1.0;
}

// Latent steps tried, as fractions of the latent's rms. With a `none` column the prediction is
// the value itself: keep the latent fine rather than save its few bytes at the cost of fidelity.
std::vector<double> latent_fractions(const Schema& s, const Predictor& p) {
  for (auto j : p.feature_column)
    if (s.columns[j].bound.kind == BoundKind::None) return {1.0 / 256};
  return {1.0 / 8, 1.0 / 32, 1.0 / 128};
}

// A chosen block's values as the decoder will have them, in binary64 (what relations read):
// Quant blocks give the values their encoder recorded, others block_values.
std::vector<double> decoded_values(Block& b, const ColumnSlice& c, std::span<const double> pred,
                                   std::span<const double> ar, const std::string& what) {
  if (static_cast<Method>(b.bytes.at(0)) == Method::Quant && b.decoded.size() == c.n) return std::move(b.decoded);
  return block_values(b.bytes, c, pred, ar, what);
}

// The table model's pass over the plain blocks (see encode_chunk).
void apply_table_model(const Dataset& d, const Schema& s, std::size_t first, std::size_t rows,
                       const TablePredictor& tp, std::vector<Block>& blocks, int threads) {
  std::vector<std::vector<double>> decoded(s.columns.size());
  for (const auto& level : tp.levels)
    parallel_for(level.size(), threads, [&](std::size_t i) {
      const std::size_t j = level[i];
      const ColumnSpec& spec = s.columns[j];
      const ColumnRelation* r = tp.relation(j);
      const ColumnSlice c = slice_of(d, s, j, first, rows);
      std::vector<double> pred;
      std::span<const double> ar;
      if (r && r->kind != RelationKind::None && quantised(spec)) {
        Block cand;
        auto* keep = tp.is_input[j] ? &cand.decoded : nullptr;
        if (r->kind == RelationKind::AutoReg) {
          ar = r->params;
          cand.bytes = encode_quant_ar_block(c, spec.abs_bound, ar, cand.st, keep);
        } else {
          pred = predict_column(tp, j, decoded, rows);
          cand.bytes = encode_quant_block(c, spec.abs_bound, pred, cand.st, keep);
        }
        const double margin = tp.bytes_per_row[j] * static_cast<double>(rows);
        if (static_cast<double>(cand.bytes.size()) + margin < static_cast<double>(blocks[j].bytes.size()))
          blocks[j] = std::move(cand);
      }
      if (tp.is_input[j]) decoded[j] = decoded_values(blocks[j], c, pred, ar, "encoded column " + spec.name);
    });
}

}  // namespace

std::vector<std::byte> plain_table_block(const ColumnSlice& c, const ColumnSpec& spec, const Schema& s, int zstd) {
  return plain_block(c, spec, s, c.n, zstd).bytes;
}

ChunkOut encode_chunk(const Dataset& d, const Schema& s, std::size_t first, std::size_t rows,
                      const Predictor* p, int zstd, int threads, const TablePredictor* tp) {
  const std::size_t ncol = s.columns.size();
  std::vector<Block> plain(ncol);
  parallel_for(ncol, threads, [&](std::size_t j) {
    plain[j] = plain_block(slice_of(d, s, j, first, rows), s.columns[j], s, rows, zstd, ncol == 1 ? threads : 1,
                           tp && tp->is_input[j]);
  });
  const bool plain_ok = std::all_of(plain.begin(), plain.end(), [](const Block& b) { return !b.bytes.empty(); });
  ChunkOut best;
  if (tp && plain_ok) {
    std::vector<std::uint64_t> plain_bytes;
    for (const auto& b : plain) plain_bytes.push_back(b.bytes.size());
    apply_table_model(d, s, first, rows, *tp, plain, threads);
    best = assemble(first, rows, nullptr, plain);
    best.plain_bytes = std::move(plain_bytes);
    for (std::size_t j = 0; j < ncol; ++j) {
      best.column_model.push_back(block_needs(plain[j].bytes) != 0);
      best.model_used |= best.column_model.back() != 0;
    }
    return best;
  }
  if (plain_ok) best = assemble(first, rows, nullptr, plain);
  if (!p) return best;
  const auto latent = encode_latent(*p, d, first, rows);
  const double rms = latent_rms(latent);
  for (double frac : latent_fractions(s, *p)) {
    ByteWriter lw;
    const auto deq = put_latent(lw, latent, rms * frac, p->latent);
    const auto preds = predict_rows(*p, deq, rows);
    // Each feature's block in parallel, merged in feature order (a column could be named twice).
    std::vector<Block> fb(p->feature_column.size());
    parallel_for(fb.size(), threads, [&](std::size_t f) {
      const std::size_t j = p->feature_column[f];
      const ColumnSpec& spec = s.columns[j];
      const ColumnSlice c = slice_of(d, s, j, first, rows);
      if (spec.bound.kind == BoundKind::None) {
        fb[f] = pred_only_block(c, preds[f]);
      } else if (quantised(spec)) {
        fb[f].bytes = encode_quant_block(c, spec.abs_bound, preds[f], fb[f].st);
      }
    });
    std::vector<Block> blocks = plain;
    for (std::size_t f = 0; f < fb.size(); ++f) {
      const std::size_t j = p->feature_column[f];
      if (s.columns[j].bound.kind == BoundKind::None) blocks[j] = std::move(fb[f]);
      else keep_smaller(blocks[j], std::move(fb[f]));
    }
    ChunkOut cand = assemble(first, rows, &lw.buffer(), blocks);
    if (best.bytes.empty() || cand.bytes.size() < best.bytes.size()) best = std::move(cand);
  }
  return best;
}

namespace {
// An array of `shape` for a decoder to fill: `old`'s memory when it has any (contents left as
// they are), else a fresh zeroed one.
Array array_for_decoding(DType t, std::vector<std::int64_t> shape, Array& old) {
  if (old.bytes.capacity() == 0) return Array(t, std::move(shape));
  Array a;
  a.dtype = t;
  a.bytes = std::move(old.bytes);
  a.bytes.resize(checked_element_count(shape, "array") * dtype_size(t));
  a.shape = std::move(shape);
  return a;
}
}  // namespace

std::vector<Array> decode_chunk(std::span<const std::byte> payload, const Schema& s, const ChunkRef& ref,
                                const Predictor* p, const std::string& what, int threads, const TablePredictor* tp,
                                std::vector<Array> reuse) {
  reuse.resize(s.columns.size());
  ByteReader r(payload, what + " chunk at row " + std::to_string(ref.first));
  if (get_varint(r, "first row") != ref.first || get_varint(r, "row count") != ref.count)
    r.fail("rows differ from the chunk index");
  const auto flags = r.le<std::uint8_t>("chunk flags");
  if (flags > 1) r.fail("reserved chunk flag bits are set");
  const std::size_t rows = static_cast<std::size_t>(ref.count);
  const std::uint64_t per = row_elements(s);
  const std::uint64_t n = ref.count * per;
  require(n * s.columns.size() <= kMaxChunkElements, ErrorCode::Limit,
          r.what() + ": chunk of " + std::to_string(n * s.columns.size()) + " values exceeds the limit");
  std::vector<std::vector<double>> preds;
  if (flags & 1) {
    require(p != nullptr, ErrorCode::Malformed, r.what() + ": chunk uses a model the container does not provide");
    preds = predict_rows(*p, get_latent(r, p->latent, chunk_samples(*p, rows, r.what())), rows);
  }
  // The blocks' extents first (in order), then the blocks themselves, column-parallel.
  std::vector<std::span<const std::byte>> blocks;
  for (std::size_t j = 0; j < s.columns.size(); ++j) blocks.push_back(r.bytes(get_varint(r, "block size"), "block"));
  expect_end(r, "chunk");
  std::vector<Array> out(s.columns.size());
  if (tp) {  // level by level: a column's inputs are decoded before it
    std::vector<std::vector<double>> decoded(s.columns.size());
    for (const auto& level : tp->levels)
      parallel_for(level.size(), threads, [&](std::size_t i) {
        const std::size_t j = level[i];
        const ColumnSpec& spec = s.columns[j];
        const ColumnRelation* rel = tp->relation(j);
        const int needs = block_needs(blocks[j]);
        const std::string col = r.what() + " column " + spec.name;
        std::vector<double> pred;
        std::span<const double> ar;
        if (needs == 1) {
          require(rel && rel->kind != RelationKind::None && rel->kind != RelationKind::AutoReg && is_float(spec.dtype),
                  ErrorCode::Malformed, col + ": block needs a prediction the table model does not give");
          pred = predict_column(*tp, j, decoded, rows);
        } else if (needs == 2) {
          require(rel && rel->kind == RelationKind::AutoReg, ErrorCode::Malformed,
                  col + ": block needs an autoregression the table model does not give");
          ar = rel->params;
        }
        Array a = array_for_decoding(spec.dtype, {static_cast<std::int64_t>(rows)}, reuse[j]);
        ByteReader br(blocks[j], col);
        decode_block(br, a.dtype, rows, pred, {rows, 1, 1}, a.bytes.data(), ar);
        expect_end(br, "block");
        if (tp->is_input[j]) decoded[j] = load_values(a.dtype, a.bytes.data(), rows);
        out[j] = std::move(a);
      });
    return out;
  }
  parallel_for(s.columns.size(), threads, [&](std::size_t j) {
    std::vector<std::int64_t> shape{static_cast<std::int64_t>(rows)};
    if (s.kind == DataKind::Field) shape.insert(shape.end(), s.field_shape.begin() + 1, s.field_shape.end());
    Array a = array_for_decoding(s.columns[j].dtype, std::move(shape), reuse[j]);
    ByteReader br(blocks[j], r.what() + " column " + s.columns[j].name);
    std::span<const double> pc;
    if (!preds.empty())
      for (std::size_t f = 0; f < p->feature_column.size(); ++f)
        if (p->feature_column[f] == j) pc = preds[f];
    decode_block(br, a.dtype, static_cast<std::size_t>(n), pc, field_dims(s, rows), a.bytes.data());
    expect_end(br, "block");
    out[j] = std::move(a);
  });
  return out;
}

std::string block_method_name(std::span<const std::byte> b) {
  if (b.empty()) return "?";
  const int m = static_cast<int>(b[0]);
  const int sub = b.size() > 1 ? static_cast<int>(b[1]) : 0;
  switch (static_cast<Method>(m)) {
    case Method::Raw: return "lossless(zstd)";
    case Method::Int: return sub ? "int(delta)" : "int";
    case Method::Quant: return sub == 2 ? "quant(autoreg)" : sub ? "quant(model)" : "quant";
    case Method::PredOnly: return "model-only";
    case Method::Field: return sub == 0 ? "lorenzo3d" : sub == 1 ? "lorenzo2d" : sub == 3 ? "interpolation" : "quant";
    case Method::PwRel: return "pw_rel(log)";
  }
  return "?";
}

}  // namespace baler::codec
