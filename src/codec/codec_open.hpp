// An opened, checked data container: schema, chunk index, model (internal to the codec).
#pragma once

#include <optional>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "codec_schema.hpp"
#include "model_predictor.hpp"
#include "table_predictor.hpp"
#include "text_section.hpp"

namespace baler::codec {

struct OpenedContainer {
  container::ContainerReader reader;
  Schema schema;
  std::vector<ChunkRef> chunks;
  std::optional<Model> model;  // embedded decoder
  std::uint64_t model_ref = 0;
  bool has_ref = false;
  std::optional<TableModelSection> table;  // TABLE_MODEL (format 1.2)
  std::vector<TextColumnInfo> text;        // TEXT (format 1.3): the text columns, values not read
};

// Opens a data container and checks every section it needs (not the chunks' payloads).
// A bundle's member when ref names one; Error(Usage) naming the members for a bundle named
// without one.
OpenedContainer open_container(const ContainerRef& ref);
OpenedContainer open_container(container::ContainerReader reader);
// The predictor the chunks need: embedded model, or `external` checked against MODEL_REF.
std::optional<Predictor> predictor_for(const OpenedContainer& o, const Model* external);
// The table predictor the chunks need: the embedded table model, or `external` checked
// against the section's hash (the model must outlive the predictor).
std::optional<TablePredictor> table_predictor_for(const OpenedContainer& o, const TableModel* external);
// Layout of `rows` rows of the container's data, text columns included (decompress_into's
// sink is opened with it).
DataLayout layout_of_container(const OpenedContainer& o, std::uint64_t rows);
// What `info` says of an opened data container (read_container_description without the file).
ContainerDescription describe_opened(const OpenedContainer& o);
// Compares one column (or the field) with its bound.
ColumnCheck check_column(const ColumnSpec& spec, const Array& original, const Array& back);

}  // namespace baler::codec
