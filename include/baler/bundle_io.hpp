// Whole files of several data sets (an HDF5 file's datasets, a ROOT file's trees) compressed
// into one bundle (format 1.3, docs/FORMAT.md §2.12) and written back as one file: what `baler
// compress` / `decompress` and the Python module do with such files.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baler/codec.hpp"
#include "baler/data_stream.hpp"
#include "baler/hdf5_tree.hpp"
#include "baler/io.hpp"

namespace baler {

// An HDF5 input that becomes a bundle: the datasets an object glob ("f.h5:/fields/*") matches,
// or with no object every dataset of a file that holds more than one, or whose tree an
// ordinary container would lose (groups, attributes, a dataset other than /data). Empty: an
// ordinary container of one data set. `tree` receives the file's tree (notes: skipped parts).
std::vector<std::string> hdf5_bundle_objects(const DataSpec& spec, Hdf5Tree& tree,
                                             const std::function<void(const std::string&)>& on_note);

// An input that becomes a bundle: an HDF5 file of several datasets (above), or a ROOT file's
// trees read whole (no column selection: every tree, or the one named, as open_root_bundle
// lays them out). Its data sets, the index, and a way to open each.
// The bundle index's "/" attribute naming what the source held that the bundle does not.
inline constexpr std::string_view kLeftOutAttribute = "baler.left_out";

struct BundleInput {
  std::string format;                // "hdf5" | "root" (recorded in the members)
  Hdf5Tree tree;
  std::vector<std::string> objects;  // object paths, in the order stored
  // Opens data set `k` (HDF5: Error(Unsupported) for a dataset baler cannot read).
  std::function<std::unique_ptr<DataSource>(std::size_t k)> open;
  // What the source holds that the bundle will not: the left-out notes' text (io.hpp), kept in
  // the bundle's "/" attribute baler.left_out so that `info` names it too.
  std::vector<std::string> left_out;
};
// nullopt: `spec` is one data set (an ordinary container).
std::optional<BundleInput> bundle_input(const DataSpec& spec, const ReadOptions& ro);

// A progress function for one data set of a bundle ("file.h5:/path"), or an empty one.
using BundleProgress = std::function<ProgressFn(const std::string& label, const DataLayout& layout)>;

// Each data set of `in` compressed into a member of its own (bounds that name none of its
// columns left out; a model in `o` that does not fit it left out with a note through
// ro.on_note), one at a time, then the members and the index written together (atomically).
// The summary adds up the members; its columns are named "/path:column". Throws Error(Usage)
// for a column selection (ro.columns) or a bound that matches no column of any data set.
CompressSummary compress_bundle(const DataSpec& spec, BundleInput in, const std::filesystem::path& out,
                                const CompressOptions& o, const ReadOptions& ro, const BundleProgress& progress = {});

// A whole bundle back into one file of `out`'s format (atomically): HDF5 (every member at its
// path, then the groups and attributes), npz (every member under its path as a key prefix:
// "events/NJet/Jet_Px"), or ROOT (the trees of a bundle made from a ROOT file). Throws
// Error(Usage) naming the data sets for another format, an object in `out` or a row range.
void decompress_bundle(const std::filesystem::path& in, const BundleContents& b, const DecompressOptions& o,
                       const DataSpec& out, const BundleProgress& progress = {});

}  // namespace baler
