// `baler info FILE` / `--mode info`: what a data file holds (per-column statistics), what a
// ROOT file holds, and in project form the project's paths, input and outputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "baler/hdf5_io.hpp"
#include "baler/hdf5_tree.hpp"
#include "baler/root.hpp"
#include "baler/io_stream.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace fs = std::filesystem;
namespace {

struct ValueStats {
  double min = INFINITY, max = -INFINITY;
  std::size_t nan = 0, inf = 0, finite = 0;
  bool integer_valued = true;  // every finite value is a whole number
};

// Adds a's values to the statistics.
void add_stats(ValueStats& s, const Array& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double x = a.value(i);
    if (std::isnan(x)) {
      ++s.nan;
    } else if (std::isinf(x)) {
      ++s.inf;
    } else {
      ++s.finite;
      s.min = std::min(s.min, x);
      s.max = std::max(s.max, x);
      if (s.integer_valued && (x != std::trunc(x) || std::fabs(x) > 0x1p53)) s.integer_valued = false;
    }
  }
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", x);
  return buf;
}

std::string stats_row(const std::string& index, const std::string& name, DType dtype, const ValueStats& s) {
  const bool any = s.finite > 0;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%4s  %-24s %-8s %15s %15s  %-7s %6zu %6zu\n", index.c_str(),
                name.c_str(), std::string(dtype_name(dtype)).c_str(),
                any ? number(s.min).c_str() : "-", any ? number(s.max).c_str() : "-",
                any ? (s.integer_valued ? "yes" : "no") : "-", s.nan, s.inf);
  return buf;
}

std::string stats_header() {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%4s  %-24s %-8s %15s %15s  %-7s %6s %6s\n", "#", "column",
                "dtype", "min", "max", "integer", "nan", "inf");
  return buf;
}

// Statistics through the streaming reader, a block of rows at a time (about 2^22 values), so
// memory stays bounded whatever the data set's size (sources that can only be read whole, such
// as jagged ROOT selections, still are).
void print_dataset_info(const DataSpec& spec, std::ostream& out) {
  const auto objects = list_objects(spec.path);
  const auto src = open_data_source(spec, cli_read_options());
  const DataLayout& l = src->layout();
  out << "format:  " << format_name(spec.format);
  if (!objects.empty()) {
    out << " (objects:";
    for (const auto& o : objects) out << " " << o;
    out << ")";
  }
  out << "\n";
  const bool table = l.kind == DataKind::Table;
  std::uint64_t per_row = table ? std::max<std::size_t>(1, l.names.size()) : 1;
  if (!table)
    for (std::size_t i = 1; i < l.field_shape.size(); ++i) per_row *= static_cast<std::uint64_t>(std::max<std::int64_t>(1, l.field_shape[i]));
  const std::uint64_t block = std::max<std::uint64_t>(1, (std::uint64_t{1} << 22) / per_row);
  std::vector<ValueStats> st(table ? l.names.size() : 1);
  for (std::uint64_t a = 0; a < l.rows; a += block) {
    const Dataset part = src->read_rows(a, std::min(l.rows, a + block));
    if (table)
      for (std::size_t j = 0; j < st.size(); ++j) add_stats(st[j], part.columns[j].values);
    else
      add_stats(st[0], part.field);
  }
  if (table) {
    out << "kind:    table\nshape:   " << l.rows << " rows x " << l.names.size() + l.text_names.size()
        << " columns\n" << stats_header();
    for (std::size_t i = 0; i < st.size(); ++i) out << stats_row(std::to_string(i), l.names[i], l.dtypes[i], st[i]);
    for (std::size_t t = 0; t < l.text_names.size(); ++t)
      out << "  " << l.text_names[t] << ": text (column " << l.text_positions[t] << "), kept exactly\n";
  } else {
    out << "kind:    field\nshape:   " << shape_string(l.field_shape) << "\n"
        << stats_header() << stats_row("-", "(all values)", l.field_dtype, st[0]);
  }
}

void print_outputs(const ProjectPaths& p, std::ostream& out) {
  out << "outputs:\n";
  for (const auto& dir : {p.training, p.compressed, p.decompressed, p.plotting}) {
    out << "  " << dir.filename().string() << ":";
    std::size_t count = 0;
    std::error_code ec;
    std::vector<fs::path> files;  // subfolders too: the plots of a bundle's data sets
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      out << "\n    " << f.lexically_relative(dir).string() << " (" << fs::file_size(f, ec) << " bytes)";
      ++count;
    }
    out << (count ? "\n" : (ec ? " (missing)\n" : " (empty)\n"));
  }
}

int project_info(const Project& p) {
  std::cout << "project: " << p.workspace << "/" << p.name << "\n"
            << "folder:  " << p.paths.root.string() << "\n"
            << "config:  " << p.paths.config_file.string() << "\n";
  print_outputs(p.paths, std::cout);
  if (p.config.data.input_path.empty()) {
    std::cout << "input:   (not set: set data.input_path in the config)\n";
    return 0;
  }
  std::cout << "input:   " << p.config.data.input_path << "\n";
  print_file_info(p.config.data.input_path, std::cout);
  return 0;
}

const ModeRegistrar reg{Mode{
    "info",
    "describe a data file (npy, npz, csv, h5, root, baler) or, in project form, a project",
    60,
    [](CLI::App& sub) -> std::function<int()> {
      auto file = std::make_shared<std::string>();
      sub.add_option("FILE", *file, "data file; \"file.h5:/dataset\" or \"file.npz:key\" picks "
                                    "one object")
          ->required();
      return [file] {
        print_file_info(*file, std::cout);
        return 0;
      };
    },
    project_info,
    nullptr,
}};

}  // namespace

void print_file_info(const std::string& spec_text, std::ostream& out) {
  DataSpec spec = parse_data_spec(spec_text);
  // Model files share the container's layout and its printer.
  if (spec.format == FileFormat::Unknown && spec.path.extension() == ".balermodel")
    spec.format = FileFormat::Baler;
  std::error_code ec;
  if (!fs::is_regular_file(spec.path, ec))
    throw Error(ErrorCode::Io, "cannot open " + spec.path.string() + ": no such file");
  out << "file:    " << spec.path.string() << " (" << fs::file_size(spec.path, ec) << " bytes)\n";
  if (auto it = info_printers().find(spec.format); it != info_printers().end()) {
    it->second(spec_text, out);
    return;
  }
  switch (spec.format) {
    case FileFormat::Root:  // the file's layout; with ":tree" also the tree's columns
      if (spec.object.empty()) out << describe_root_file(spec.path);
      else print_dataset_info(spec, out);
      return;
    case FileFormat::Baler:
      throw Error(ErrorCode::NotImplemented,
                  "info on .baler containers is not built yet (it comes with compress)");
    case FileFormat::Unknown:
      throw Error(ErrorCode::Unsupported, "cannot tell the format of " + spec.path.string() +
                                              " from its name: expected .npy .npz .csv .h5 "
                                              ".hdf5 .root or .baler");
    case FileFormat::Hdf5:  // a file of several datasets: its tree, then each dataset
      if (spec.object.empty())
        if (const auto all = list_hdf5_datasets(spec.path); all.size() > 1) {
          const Hdf5Tree tree = read_hdf5_tree(spec.path, nullptr);
          out << "hdf5:    " << all.size() << " datasets; groups and datasets with their attributes:\n";
          for (const auto& o : tree.objects) {
            out << "  " << o.path << (o.is_dataset ? " (dataset)" : "");
            for (const auto& a : o.attributes) out << (&a == &o.attributes.front() ? ": " : ", ") << a.name;
            out << "\n";
          }
          for (const auto& obj : all) {
            out << "\n" << spec.path.string() << ":" << obj << "\n";
            print_dataset_info(DataSpec{spec.path, obj, FileFormat::Hdf5}, out);
          }
          return;
        }
      print_dataset_info(spec, out);
      return;
    default: print_dataset_info(spec, out);
  }
}

}  // namespace baler::cli
