// Mapping a table model onto a schema, and one column's predictions.
#include "table_predictor.hpp"

#include <algorithm>

#include "table_predict.hpp"

namespace baler::codec {

TablePredictor make_table_predictor(const TableModel& m, const Schema& s, const std::string& what) {
  require(s.kind == DataKind::Table, ErrorCode::ModelMismatch, what + ": a table model cannot predict a field");
  check_table_model(m, what);
  TablePredictor tp;
  tp.model = &m;
  tp.model_col.assign(s.columns.size(), -1);
  tp.is_input.assign(s.columns.size(), false);
  tp.bytes_per_row.assign(s.columns.size(), 0.0);
  for (std::size_t k = 0; k < m.names.size(); ++k) {
    std::size_t j = 0;
    while (j < s.columns.size() && s.columns[j].name != m.names[k]) ++j;
    if (j == s.columns.size()) {
      std::string have;
      for (std::size_t i = 0; i < s.columns.size() && i < 12; ++i) have += (i ? ", " : "") + s.columns[i].name;
      throw Error(ErrorCode::ModelMismatch, what + ": model column '" + m.names[k] +
                                                "' is not a column of the data (columns: " + have +
                                                (s.columns.size() > 12 ? ", ..." : "") + ")");
    }
    require(s.columns[j].dtype == m.dtypes[k], ErrorCode::ModelMismatch,
            what + ": column '" + m.names[k] + "' is " + std::string(dtype_name(s.columns[j].dtype)) +
                " in the data but " + std::string(dtype_name(m.dtypes[k])) + " in the model");
    require(tp.model_col[j] < 0, ErrorCode::ModelMismatch, what + ": column '" + m.names[k] + "' appears twice");
    tp.model_col[j] = static_cast<int>(k);
    tp.schema_col.push_back(j);
  }
  // Levels along the model's order: a column's level is one more than its inputs' highest.
  std::vector<std::size_t> level(s.columns.size(), 0);
  std::size_t top = 0;
  for (auto k : m.order) {
    const std::size_t j = tp.schema_col[k];
    for (auto in : m.relations[k].inputs) {
      const std::size_t ji = tp.schema_col[in];
      tp.is_input[ji] = true;
      level[j] = std::max(level[j], level[ji] + 1);
    }
    top = std::max(top, level[j]);
  }
  tp.levels.resize(top + 1);
  for (std::size_t j = 0; j < s.columns.size(); ++j) tp.levels[level[j]].push_back(j);
  return tp;
}

std::vector<double> predict_column(const TablePredictor& tp, std::size_t j,
                                   const std::vector<std::vector<double>>& decoded, std::size_t rows) {
  const ColumnRelation& r = *tp.relation(j);
  std::vector<const double*> in;
  for (auto k : r.inputs) {
    const auto& d = decoded[tp.schema_col[k]];
    require(d.size() == rows, ErrorCode::Internal, "predict_column: an input column is not decoded");
    in.push_back(d.data());
  }
  std::vector<double> out(rows);
  predict_relation(r, in, rows, out.data());
  return out;
}

}  // namespace baler::codec
