// Output files that appear complete or not at all: write to a temporary name, rename on commit.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace baler {

// Usage: AtomicFile f(path); f.write(...); f.commit();
// Until commit() the data go to a temporary file beside `path`; if the object is destroyed
// without commit() (an exception), the temporary file is removed and `path` is untouched.
// All failures throw Error(Io) naming the path.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::span<const std::byte> data) { write(data.data(), data.size()); }
  void write(const std::string& s) { write(s.data(), s.size()); }
  // Writes at byte `offset` of the file (pwrite), leaving the position of write() as it is:
  // safe from several threads at once for ranges that do not overlap. What write() gave before
  // must be flushed first (flush()).
  void write_at(std::uint64_t offset, std::span<const std::byte> data);
  void flush();
  // Temporary path, for libraries (HDF5, libzip) that must open the file themselves.
  // Call close_stream() before handing it over.
  const std::filesystem::path& temp_path() const { return temp_; }
  void close_stream();
  // Flushes, closes and renames onto the final path.
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  int slot_ = -1;  // in the signal handler's list of temporary files
  std::uint64_t written_ = 0, synced_ = 0;  // bytes written; bytes whose disk write was started (--sync)
};

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove every AtomicFile temporary still open,
// then let the signal end the process as it would have (the command-line tool calls this).
void remove_temp_files_on_signals();
// The handler's list (used by AtomicFile): a slot for `path`, or -1 when none is free.
int temp_files_register(const std::filesystem::path& path);
void temp_files_release(int slot);

// Whether commit() fsyncs an output before renaming it onto its name (durable after a power
// loss). Off by default, as in zstd, gzip and SZ3: the output is complete or absent all the
// same (temporary name, then rename); only a crash of the machine itself can leave a renamed
// file whose bytes never reached the disk. fsync costs more than compressing a file of a few
// MB (3.3 ms for a 1.2 MB npy here) and serialises many-file runs on network file systems.
// `baler --sync` turns it on for the process.
void set_sync_outputs(bool on);
bool sync_outputs();

// Writes `data` to `path` atomically.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> data);
// Reads a whole file. Throws Error(Io) naming the path.
std::vector<std::byte> read_file_bytes(const std::filesystem::path& path);

}  // namespace baler
