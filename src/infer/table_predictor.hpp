// The conditional table model mapped onto a container's schema: which schema column each model
// column is, the levels in which columns can be decoded (every input on an earlier level),
// and the predictions of one column from the decoded columns of a chunk.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "baler/table_model.hpp"
#include "codec_schema.hpp"

namespace baler::codec {

struct TablePredictor {
  const TableModel* model = nullptr;
  std::vector<int> model_col;                    // per schema column: model column, or -1
  std::vector<std::size_t> schema_col;           // per model column
  std::vector<std::vector<std::size_t>> levels;  // schema columns; inputs always on an earlier level
  std::vector<bool> is_input;                    // per schema column: some relation reads it
  std::vector<double> bytes_per_row;             // per schema column: relation bytes / rows (embedded model)
  const ColumnRelation* relation(std::size_t j) const {
    return model_col[j] < 0 ? nullptr : &model->relations[static_cast<std::size_t>(model_col[j])];
  }
};

// Maps the model's columns to the schema's by name. Throws ModelMismatch naming the column when
// a model column is missing from the data or has another dtype (`what` names the model).
TablePredictor make_table_predictor(const TableModel& m, const Schema& s, const std::string& what);

// Prediction of schema column j (relation kind other than None/AutoReg) for `rows` rows from
// the decoded values of its inputs (`decoded[schema column]`, binary64).
std::vector<double> predict_column(const TablePredictor& tp, std::size_t j,
                                   const std::vector<std::vector<double>>& decoded, std::size_t rows);

}  // namespace baler::codec
