// `baler convert IN -o OUT`: reads a data set in one format and writes it in another.
#include <iostream>
#include <memory>

#include "codec_cli.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace {

struct ConvertArgs {
  std::string input, output, format, kind = "auto";
  std::vector<std::string> columns;
};

int convert(const ConvertArgs& a) {
  ReadOptions options = cli_read_options();
  options.kind = a.kind;
  options.columns = a.columns;
  DataSpec out = parse_data_spec(a.output);
  if (!a.format.empty()) out.format = parse_format(a.format);
  if (out.format == FileFormat::Unknown)
    throw Error(ErrorCode::Usage, "cannot tell the output format from '" + a.output +
                                      "': use a .npy .npz .csv .h5 name or --format");
  check_output(parse_data_spec(a.input).path, out.path, out.format);
  const Dataset data = read_dataset(parse_data_spec(a.input), options);
  write_dataset(data, out);  // atomic: a failure leaves no file and keeps an existing one
  if (!global_options().quiet)
    std::cout << "wrote " << out.path.string() << " (" << format_name(out.format) << ", "
              << (data.kind == DataKind::Table ? std::to_string(data.columns.size()) + " columns x " +
                                                     std::to_string(data.rows()) + " rows"
                                               : "field " + shape_string(data.field.shape))
              << ")\n";
  return 0;
}

const ModeRegistrar reg{Mode{
    "convert",
    "convert a data file between npy, npz, csv and h5 (root is read-only)",
    70,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<ConvertArgs>();
      sub.add_option("IN", a->input, "input data file (\"file.h5:/dataset\" picks one object)")
          ->required();
      sub.add_option("-o,--output", a->output, "output file (\"file.h5:/dataset\" names it)")
          ->required();
      sub.add_option("--format", a->format, "output format if the name does not say: npy, npz, "
                                            "csv, h5");
      sub.add_option("--kind", a->kind, "read the input as: auto, table, field")
          ->check(CLI::IsMember({"auto", "table", "field"}));
      sub.add_option("--columns", a->columns, "table columns to keep (names or globs)");
      return [a] { return convert(*a); };
    },
    nullptr,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
