// `baler verify X.baler IN`: decompress and compare with the original, column by column
// against the bounds recorded in the container; exit 10 on any violation.
#include <cstdio>
#include <memory>

#include "batch.hpp"
#include "codec_cli.hpp"
#include "mode.hpp"

namespace baler::cli {
namespace fs = std::filesystem;
namespace {

struct Args {
  std::vector<std::string> files;
  std::string originals, model;
  int threads = 0;  // 0: every core
};

// Decompresses `container` and checks it against `source`, chunk by chunk.
VerifyReport verify_source(const ContainerRef& container, DataSource& source, const AnyModel& m, int threads,
                           bool progress) {
  DecompressOptions o;
  m.attach(o);
  o.threads = threads;
  std::optional<Progress> bar;
  if (progress) o.on_progress = Progress::start(bar, container.path.filename().string(), source.layout());
  return verify_container(container, source, o);
}

// Decompresses `container` (described by `desc`) and checks it against `original`, chunk by chunk.
VerifyReport verify_one(const ContainerRef& container, const ContainerDescription& desc, const std::string& original,
                        const AnyModel& m, int threads, bool progress) {
  require(!desc.is_model_file, ErrorCode::Usage, container.what() + " is a model file, not a compressed container");
  ReadOptions ro = cli_read_options();
  ro.kind = desc.kind;
  if (desc.kind == "table")
    for (const auto& c : desc.columns) ro.columns.push_back(c.name);
  const auto source = open_data_source(parse_data_spec(original), ro);  // read chunk by chunk
  return verify_source(container, *source, m, threads, progress);
}

// A container, or every data set of a bundle against the same data set of the original file
// (columns named "/path:column").
VerifyReport verify_any(const ContainerRef& container, const std::string& original, const AnyModel& m, int threads,
                        bool progress) {
  const auto bundle = container.member.empty() ? read_bundle(container.path) : std::nullopt;
  if (!bundle) return verify_one(container, read_container_description(container), original, m, threads, progress);
  const DataSpec orig = parse_data_spec(original);
  require(orig.object.empty(), ErrorCode::Usage, container.path.string() + " holds several data sets; give the whole original file");
  // A ROOT original is read as compress read it (every tree whole); HDF5 datasets one by one.
  std::optional<BundleInput> root;
  if (orig.format == FileFormat::Root) root = bundle_input(orig, cli_read_options());
  VerifyReport all;
  for (const auto& member : bundle->members) {
    const ContainerRef ref(container.path, member);
    VerifyReport r;
    if (root) {
      const auto k = std::find(root->objects.begin(), root->objects.end(), member) - root->objects.begin();
      require(k < static_cast<std::ptrdiff_t>(root->objects.size()), ErrorCode::Usage,
              original + " has no data set " + member + " (a tree or collection of the container)");
      r = verify_source(ref, *root->open(static_cast<std::size_t>(k)), m, threads, progress);
    } else {
      r = verify_one(ref, read_container_description(ref), orig.path.string() + ":" + member, m, threads, progress);
    }
    for (auto& c : r.columns) {
      c.name = member + ":" + c.name;
      all.columns.push_back(std::move(c));
    }
    all.violations += r.violations;
  }
  return all;
}

// The original's file name a container records (a bundle: its members').
std::string recorded_source(const ContainerRef& ref) {
  if (ref.member.empty())
    if (const auto b = read_bundle(ref.path)) return read_container_description(ContainerRef(ref.path, b->members.front())).source_name;
  return read_container_description(ref).source_name;
}

// Containers checked against the originals in a folder, found by the file name each container
// records: one line per container.
int verify_many(const Args& a, const AnyModel& m) {
  const auto inputs = expand_inputs(a.files, {FileFormat::Baler});
  const int threads = file_threads(inputs.size(), a.threads);
  return run_batch(inputs, a.threads, "verified", false, [&](std::size_t i) {
    const ContainerRef ref = container_ref(inputs[i].string());
    const std::string source = recorded_source(ref);
    require(!source.empty(), ErrorCode::Usage, inputs[i].string() + " records no original file name");
    // compress records a file name; one with a folder in it (a container made otherwise) would
    // lead outside --originals.
    const fs::path name(source);
    require(name == name.filename() && name != "." && name != "..", ErrorCode::Usage,
            inputs[i].string() + " records the original '" + source +
                "', not a file name inside --originals; verify it as CONTAINER ORIGINAL");
    const fs::path original = fs::path(a.originals) / source;
    const VerifyReport r = verify_any(ref, original.string(), m, threads, false);
    std::error_code ec;
    const auto bytes = fs::file_size(original, ec);
    return BatchResult{inputs[i].string() + " against " + original.string() + ": " + (r.violations ? "FAILED, " : "OK, ") +
                           std::to_string(r.violations) + " value(s) outside their bound",
                       ec ? 0 : bytes, 0, r.violations ? 1 : 0};
  });
}

int plain_verify(const Args& a) {
  const auto m = load_optional_model(a.model);
  if (!a.originals.empty()) return verify_many(a, m);
  require(a.files.size() == 2, ErrorCode::Usage,
          "verify takes CONTAINER ORIGINAL, or containers and --originals DIR (the folder of the originals)");
  const VerifyReport r = verify_any(container_ref(a.files[0]), a.files[1], m, a.threads, true);
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
      sub.add_option("FILES", a->files,
                     "CONTAINER ORIGINAL; or, with --originals, .baler containers, folders or globs")
          ->required();
      sub.add_option("--originals", a->originals,
                     "folder of the original files, found by the name each container records");
      sub.add_option("--threads,-j", a->threads,
                     "worker threads (default: every core); with several containers, files at a time");
      sub.add_option("--model,-m", a->model, "the model file, for containers compressed with an external model");
      return [a] {
        a->threads = threads_or_all_cores(a->threads);
        return plain_verify(*a);
      };
    },
    nullptr,
    nullptr,
}};

}  // namespace
}  // namespace baler::cli
