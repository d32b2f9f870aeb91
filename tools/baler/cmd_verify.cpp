// `baler verify X.baler IN`: decompress and compare with the original, column by column
// against the bounds recorded in the container; exit 10 on any violation.
#include <cstdio>
#include <memory>

#include "codec_cli.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace {

struct Args {
  std::string container, original, model;
};

int plain_verify(const Args& a) {
  const auto desc = read_container_description(a.container);
  require(!desc.is_model_file, ErrorCode::Usage, a.container + " is a model file, not a compressed container");
  ReadOptions ro = cli_read_options();
  ro.kind = desc.kind;
  if (desc.kind == "table")
    for (const auto& c : desc.columns) ro.columns.push_back(c.name);
  const auto original = open_data_source(parse_data_spec(a.original), ro);  // read chunk by chunk
  const auto m = load_optional_model(a.model);
  DecompressOptions o;
  m.attach(o);
  const VerifyReport r = verify_container(a.container, *original, o);
  std::printf("%-24s %-14s %-14s %-14s %s\n", "column", "bound", "abs bound", "max abs error", "violations");
  for (const auto& c : r.columns)
    std::printf("%-24s %-14s %-14.6g %-14.6g %llu\n", c.name.c_str(), bound_string(c.requested).c_str(), c.abs_bound,
                c.max_abs_error, static_cast<unsigned long long>(c.violations));
  std::printf("%s: %llu value(s) outside their bound\n", r.violations ? "FAILED" : "OK",
              static_cast<unsigned long long>(r.violations));
  return r.violations ? exit_status(ErrorCode::BoundViolation) : 0;
}

const ModeRegistrar reg{Mode{
    "verify",
    "decompress a .baler container and check every value against its bound (exit 10 on a violation)",
    45,
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<Args>();
      sub.add_option("CONTAINER", a->container, ".baler container")->required();
      sub.add_option("ORIGINAL", a->original, "the original data file")->required();
      sub.add_option("--model,-m", a->model, "the model file, for containers compressed with an external model");
      return [a] { return plain_verify(*a); };
    },
    nullptr,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
