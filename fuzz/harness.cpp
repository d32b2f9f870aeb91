// Fuzz harnesses (harness.hpp): each feeds one input to a reader the way the command line does.
#include "harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "baler/codec.hpp"
#include "baler/container.hpp"
#include "baler/csv.hpp"
#include "baler/error.hpp"
#include "baler/hdf5_io.hpp"
#include "baler/io.hpp"
#include "baler/io_stream.hpp"
#include "baler/model.hpp"
#include "baler/npy.hpp"
#include "baler/npz.hpp"
#include "baler/root.hpp"
#include "baler/table_model.hpp"

namespace baler::fuzz {
namespace fs = std::filesystem;

const std::vector<TargetInfo>& targets() {
  static const std::vector<TargetInfo> all = {
      {Target::Container, "container"}, {Target::ContainerResealed, "container_resealed"},
      {Target::Model, "model"},         {Target::Npy, "npy"},
      {Target::Npz, "npz"},             {Target::Csv, "csv"},
      {Target::Hdf5, "hdf5"},           {Target::Root, "root"},
  };
  return all;
}

namespace {

// The input as a file, for readers that take a path (libzip, libhdf5, the ROOT reader, the
// streaming sources). One name per process and extension; removed when the run ends.
class TempInput {
 public:
  TempInput(std::span<const std::uint8_t> bytes, const char* ext)
      : path_(fs::temp_directory_path() / ("baler-fuzz-" + std::to_string(::getpid()) + ext)) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) throw Error(ErrorCode::Internal, "fuzz: cannot create " + path_.string());
    const bool ok = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (std::fclose(f) != 0 || !ok) throw Error(ErrorCode::Internal, "fuzz: cannot write " + path_.string());
  }
  ~TempInput() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A refusal is an Error of any code but Internal (a broken invariant: a bug, like a crash).
void refusal(const Error& e) {
  if (e.code() == ErrorCode::Internal) throw std::logic_error(std::string("internal error: ") + e.what());
}

std::vector<std::byte> as_bytes(std::span<const std::uint8_t> b) {
  std::vector<std::byte> out(b.size());
  if (!b.empty()) std::memcpy(out.data(), b.data(), b.size());
  return out;
}

// Reads a source from its first row to its last in blocks of about 2^20 values, as compress,
// verify and info do.
void drain(DataSource& source) {
  const DataLayout& layout = source.layout();
  const std::uint64_t width = std::max<std::uint64_t>(
      1, layout.kind == DataKind::Field ? layout.row_elements() : layout.names.size());
  const std::uint64_t step = std::max<std::uint64_t>(1, (std::uint64_t{1} << 20) / width);
  for (std::uint64_t a = 0; a < layout.rows; a += step) source.read_rows(a, std::min(layout.rows, a + step));
}

// Whole read and streamed read of `spec`, each refused or not on its own.
bool read_both_ways(const DataSpec& spec) {
  bool accepted = true;
  ReadOptions options;
  try {
    read_dataset(spec, options);
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  try {
    auto source = open_data_source(spec, options);
    drain(*source);
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  return accepted;
}

bool run_container(std::span<const std::uint8_t> bytes) {
  bool accepted = true;
  TempInput file(bytes, ".baler");
  try {
    if (const auto bundle = read_bundle(file.path()))  // every data set of a bundle, read in place
      for (const auto& m : bundle->members) decompress_file(ContainerRef(file.path(), m));
    else
      decompress_memory(as_bytes(bytes), "fuzz input");
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  try {
    describe_container(file.path());
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  return accepted;
}

bool run_model(std::span<const std::uint8_t> bytes) {
  TempInput file(reseal(bytes), ".balermodel");
  try {
    if (is_table_model_file(file.path())) {
      const TableModel m = load_table_model_file(file.path());
      encode_table_model(m);  // what `info --model` and compress do with it next
    } else {
      const Model m = load_model_file(file.path());
      model_hash(m);
    }
    return true;
  } catch (const Error& e) {
    refusal(e);
    return false;
  }
}

bool run_npy(std::span<const std::uint8_t> bytes) {
  const auto image = as_bytes(bytes);
  bool accepted = true;
  try {  // the in-memory decoders (npz members), chosen by the header as the npz reader does
    const NpyHeader header = parse_npy_header(image, "fuzz input");
    if (header.descr.kind == 'V') {
      decode_npy_records(image, "fuzz input");
    } else if (header.descr.kind == 'U' || header.descr.kind == 'S') {
      decode_npy_strings(image, "fuzz input");
    } else {
      decode_npy(image, "fuzz input");
    }
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  TempInput file(bytes, ".npy");
  DataSpec spec{file.path(), "", FileFormat::Npy};
  return read_both_ways(spec) && accepted;
}

bool run_npz(std::span<const std::uint8_t> bytes) {
  TempInput file(bytes, ".npz");
  bool accepted = true;
  try {
    NpzReader reader(file.path());
    for (const std::string& key : reader.keys()) {
      try {
        reader.member(key);
        auto stream = reader.open_member(key);
        std::vector<std::byte> part(std::min<std::uint64_t>(stream->size(), 4096));
        if (!part.empty()) stream->read(stream->size() - part.size(), part);
      } catch (const Error& e) {
        refusal(e);
        accepted = false;
      }
    }
  } catch (const Error& e) {
    refusal(e);
    return false;
  }
  DataSpec spec{file.path(), "", FileFormat::Npz};
  return read_both_ways(spec) && accepted;
}

bool run_csv(std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  bool accepted = true;
  try {
    parse_csv(text, "fuzz input");
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  try {
    parse_csv(text, "fuzz input", DType::F32);
  } catch (const Error& e) {
    refusal(e);
  }
  for (const char delimiter : {kWhitespace, '\t'}) {  // the text tables' scanner
    try {
      parse_csv(text, "fuzz input", std::nullopt, CsvHeader::Auto, nullptr, delimiter);
    } catch (const Error& e) {
      refusal(e);
    }
  }
  TempInput file(bytes, ".csv");
  DataSpec spec{file.path(), "", FileFormat::Csv};
  return read_both_ways(spec) && accepted;
}

// The first four objects (datasets, trees) a listing found, each read whole and streamed.
bool read_objects(const fs::path& path, std::vector<std::string> objects, FileFormat format) {
  bool accepted = !objects.empty();
  if (objects.size() > 4) objects.resize(4);
  for (const std::string& object : objects) accepted = read_both_ways(DataSpec{path, object, format}) && accepted;
  return accepted;
}

bool run_hdf5(std::span<const std::uint8_t> bytes) {
  TempInput file(bytes, ".h5");
  try {
    return read_objects(file.path(), list_hdf5_datasets(file.path()), FileFormat::Hdf5);
  } catch (const Error& e) {  // the listing refused the file
    refusal(e);
    return false;
  }
}

bool run_root(std::span<const std::uint8_t> bytes) {
  TempInput file(bytes, ".root");
  bool accepted = false;
  try {
    describe_root_file(file.path());
    accepted = read_objects(file.path(), list_root_trees(file.path()), FileFormat::Root);
  } catch (const Error& e) {  // the description or the listing refused the file
    refusal(e);
    return false;
  }
  try {  // every tree whole, as compress reads a file: strings, collections, RNTuples, objects,
         // trees rewritten in place; then written back as decompress -o .root does
    const RootBundle b = read_root_bundle(DataSpec{file.path(), "", FileFormat::Root}, nullptr);
    const fs::path out = file.path().string() + ".out.root";
    write_root_bundle(out, b);
    std::error_code ec;
    fs::remove(out, ec);
  } catch (const Error& e) {
    refusal(e);
    accepted = false;
  }
  return accepted;
}

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void store_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::span<const std::byte> byte_span(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const std::byte*>(p), n};
}

}  // namespace

std::vector<std::uint8_t> reseal(std::span<const std::uint8_t> bytes) {
  using namespace container;
  std::vector<std::uint8_t> out(bytes.begin(), bytes.end());
  if (out.size() < kHeaderSize + kFooterSize) return out;
  std::uint8_t* footer = out.data() + out.size() - kFooterSize;
  const std::uint64_t table = load_u64(footer);
  const std::uint64_t count = footer[8] | (footer[9] << 8) | (footer[10] << 16) | (std::uint64_t{footer[11]} << 24);
  const std::uint64_t table_end = out.size() - kFooterSize;
  if (table < kHeaderSize || table > table_end || count > kMaxSections || (table_end - table) / kEntrySize < count)
    return out;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint8_t* entry = out.data() + table + i * kEntrySize;
    const std::uint64_t offset = load_u64(entry + 8), size = load_u64(entry + 16);
    if (offset < kHeaderSize || offset > table || size > table - offset) continue;
    store_u64(entry + 24, xxh64(byte_span(out.data() + offset, size)));
  }
  store_u64(footer + 16, xxh64(byte_span(out.data(), kHeaderSize),
                               byte_span(out.data() + table, static_cast<std::size_t>(count * kEntrySize))));
  return out;
}

bool run(Target target, std::span<const std::uint8_t> bytes) {
  switch (target) {
    case Target::Container: return run_container(bytes);
    case Target::ContainerResealed: return run_container(reseal(bytes));
    case Target::Model: return run_model(bytes);
    case Target::Npy: return run_npy(bytes);
    case Target::Npz: return run_npz(bytes);
    case Target::Csv: return run_csv(bytes);
    case Target::Hdf5: return run_hdf5(bytes);
    case Target::Root: return run_root(bytes);
  }
  return false;
}

}  // namespace baler::fuzz
