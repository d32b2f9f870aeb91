// Internal: how each branch of a tree maps to table columns, and reading them into a table.
#pragma once

#include "baler/array.hpp"
#include "root_internal.hpp"

namespace baler::rootio {

enum class BranchKind {
  Flat,         // fixed bytes per entry: scalars, fixed arrays, leaf lists
  Jagged,       // one variable-size leaf counted by another leaf (fLeafCount)
  Container,    // no leaves of its own (holds sub-branches)
  Unsupported,  // strings, objects, ...
};

struct BranchPlan {
  const Branch* branch = nullptr;
  BranchKind kind = BranchKind::Flat;
  std::string reason;      // Unsupported: what the branch holds
  std::string count_name;  // Jagged: the counter leaf
  std::size_t entry_size = 0;  // Flat: bytes per entry; Jagged: bytes per object
};

// Elements per entry of one leaf (fixed array) we accept: each becomes a column.
inline constexpr std::int32_t kMaxLeafElements = 100000;

// How a branch maps to columns; `what` names the file and tree in errors. Throws Error(Limit) for a leaf beyond kMaxLeafElements.
BranchPlan classify(const Tree& tree, const Branch& b, const std::string& what);

// Reads the planned branches (all Flat, or all Jagged with one counter) into a table.
// Jagged: the first column is `event_index` (int64), then one row per object.
Dataset build_table(const RootFile& file, const Tree& tree, const std::vector<BranchPlan>& plans);

}  // namespace baler::rootio
