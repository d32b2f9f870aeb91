// Atomic output files: temporary name beside the target, renamed when complete.
#include "baler/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <random>
#include <unistd.h>

#include "baler/error.hpp"

namespace baler {
namespace fs = std::filesystem;

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
  // The temporary name is unique per process and object; it never collides with user files
  // that do not start with ".".
  static std::uint64_t counter = 0;
  const std::string tmpname = "." + path_.filename().string() + ".tmp" +
                              std::to_string(::getpid()) + "-" + std::to_string(++counter);
  temp_ = path_.parent_path() / tmpname;
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) throw Error(ErrorCode::Io, "cannot create " + path_.string() + ": " + errno_text());
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::write(const void* data, std::size_t size) {
  require(file_ != nullptr, ErrorCode::Internal, "AtomicFile::write after close");
  if (size && std::fwrite(data, 1, size, file_) != size)
    throw Error(ErrorCode::Io, "cannot write " + path_.string() + ": " + errno_text());
}

void AtomicFile::close_stream() {
  if (!file_) return;
  const bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed) throw Error(ErrorCode::Io, "cannot write " + path_.string() + ": " + errno_text());
}

void AtomicFile::commit() {
  close_stream();
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot rename onto " + path_.string() + ": " + ec.message());
  committed_ = true;
}

void write_file_atomic(const fs::path& path, std::span<const std::byte> data) {
  AtomicFile f(path);
  f.write(data);
  f.commit();
}

std::vector<std::byte> read_file_bytes(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(ErrorCode::Io, "cannot open " + path.string() + ": " + errno_text());
  std::vector<std::byte> out;
  std::byte buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  const bool err = std::ferror(f);
  std::fclose(f);
  if (err) throw Error(ErrorCode::Io, "cannot read " + path.string());
  return out;
}

}  // namespace baler
