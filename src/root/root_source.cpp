// A ROOT tree as a DataSource: entry ranges of flat branches, decoded basket by basket.
#include "baler/root.hpp"
#include "root_tree_tables.hpp"

namespace baler {
namespace {

class RootSource final : public DataSource {
 public:
  explicit RootSource(std::unique_ptr<rootio::PlannedTree> t)
      : tree_(std::move(t)), reader_(tree_->file, tree_->tree, tree_->plans) {
    layout_.kind = DataKind::Table;
    layout_.rows = static_cast<std::uint64_t>(tree_->tree.entries);
    for (const auto& c : reader_.columns()) {
      layout_.names.push_back(c.name);
      layout_.dtypes.push_back(c.dtype);
    }
  }
  const DataLayout& layout() const override { return layout_; }
  Dataset read_rows(std::uint64_t a, std::uint64_t b) override {
    require(a <= b && b <= layout_.rows, ErrorCode::Internal,
            tree_->what + ": rows " + std::to_string(a) + ":" + std::to_string(b) + " of " +
                std::to_string(layout_.rows));
    return reader_.read(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b));
  }

 private:
  std::unique_ptr<rootio::PlannedTree> tree_;  // owns what reader_ points to
  rootio::FlatTableReader reader_;
  DataLayout layout_;
};

}  // namespace

std::unique_ptr<DataSource> open_root_source(const DataSpec& spec, const ReadOptions& options,
                                             std::vector<std::string>* notes) {
  if (auto table = read_whole_tree_table(spec, options, notes))  // an RNTuple, a tree's table: read whole
    return std::make_unique<MemorySource>(std::move(*table), "read whole");
  auto t = rootio::plan_tree(spec, options, notes);
  require(t->tree.entries >= 0, ErrorCode::Malformed,
          t->what + ": negative entry count " + std::to_string(t->tree.entries));
  if (t->per_object()) return nullptr;
  return std::make_unique<RootSource>(std::move(t));
}

}  // namespace baler
