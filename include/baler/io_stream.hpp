// Data files read and written in parts (rows of a table, frames of a field), so that memory
// stays bounded for files larger than RAM. The interfaces are in data_stream.hpp.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "baler/data_stream.hpp"
#include "baler/io.hpp"

namespace baler {

// Opens a data file for reading in row ranges. The layout (kind, names, dtypes, shape) follows
// read_dataset's rules, and read_rows(0, rows) equals read_dataset(spec, options).
//   npy   seeks to the rows (C order; Fortran order for 1-D and 2-D arrays); record arrays too
//   npz   stored members seek; deflated members are read forward (a backward read re-opens the
//         member); Baler's column layout reads one member per column
//   HDF5  hyperslabs of the rows (numeric arrays and compound tables)
//   ROOT  flat (per-entry) branches: only the baskets overlapping the rows are decoded
//   CSV, per-object (jagged) ROOT selections, Fortran-order arrays of 3+ dims, tables forced
//         to a field: read whole at open (access() says "read whole")
// Throws what read_dataset throws for the same file.
std::unique_ptr<DataSource> open_data_source(const DataSpec& spec, const ReadOptions& options = {});

// Opens an output file to be written in row order with `layout` (all rows of the layout must
// be written before commit()). The layouts are write_dataset's; the file appears only on
// commit() (temporary file + rename); a sink destroyed before leaves nothing.
//   npy   header first, then the rows (2-D array + .names.txt, record array, or the field)
//   npz   each member streamed to a temporary file beside the output, zipped (stored) on commit
//   CSV   header line, then the rows as text
//   HDF5  the dataset created at full size, each part written as a hyperslab
// Throws Error(Usage|Unsupported|Io) as write_dataset does, before writing anything when the
// layout cannot be written in that format.
std::unique_ptr<DataSink> open_data_sink(const DataSpec& spec, const DataLayout& layout);

struct NpzCollector;
// Several data sets into one .npz, each under its own key prefix (a bundle member "/events/NJet"
// as "events/NJet"): a table as `PREFIX/names` + one member per column (`events/NJet/Jet_Px`),
// a field as `PREFIX/data`. Each member sink is committed in turn; the file appears on commit()
// (a writer destroyed before leaves nothing).
class NpzBundleWriter {
 public:
  explicit NpzBundleWriter(std::filesystem::path path);
  ~NpzBundleWriter();
  NpzBundleWriter(const NpzBundleWriter&) = delete;
  NpzBundleWriter& operator=(const NpzBundleWriter&) = delete;
  std::unique_ptr<DataSink> member_sink(const std::string& prefix, const DataLayout& layout);
  void commit();

 private:
  std::filesystem::path path_;
  std::unique_ptr<NpzCollector> collected_;
};

}  // namespace baler
