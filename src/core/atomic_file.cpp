// Atomic output files: temporary name beside the target, renamed when complete.
#include "baler/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>

#include "baler/error.hpp"

namespace baler {
namespace fs = std::filesystem;

namespace {
std::string errno_text() { return std::strerror(errno); }

// Temporary files alive in this process, for the SIGINT/SIGTERM handler: fixed slots, so that
// the handler only reads plain memory and calls unlink (async-signal-safe). A slot's state is 0
// free, 1 being filled, 2 ready.
constexpr int kSlots = 256;
constexpr std::size_t kPathMax = 4096;
char g_paths[kSlots][kPathMax];
std::atomic<int> g_state[kSlots];

void on_fatal_signal(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_state[i].load() == 2) ::unlink(g_paths[i]);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
}  // namespace

int temp_files_register(const fs::path& p) {
  const std::string s = p.string();
  if (s.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_state[i].compare_exchange_strong(expected, 1)) {
      std::memcpy(g_paths[i], s.c_str(), s.size() + 1);
      g_state[i].store(2);
      return i;
    }
  }
  return -1;  // more live temporary files than slots: not removed on a signal
}

void temp_files_release(int slot) {
  if (slot >= 0 && slot < kSlots) g_state[slot].store(0);
}

void remove_temp_files_on_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction sa{};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
  // The temporary name has 64 random bits, and it is created with O_EXCL | O_NOFOLLOW: a file or
  // symbolic link planted under a guessed name is never opened, let alone written through.
  thread_local std::random_device rd;  // operator() is not safe to share between threads
  for (int attempt = 0;; ++attempt) {
    const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
    temp_ = path_.parent_path() / ("." + path_.filename().string() + ".tmp" + std::to_string(::getpid()) + "-" + hex);
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      file_ = ::fdopen(fd, "wb");
      if (!file_) {
        ::close(fd);
        ::unlink(temp_.c_str());
        throw Error(ErrorCode::Io, "cannot create " + path_.string() + ": " + errno_text());
      }
      break;
    }
    if (errno != EEXIST || attempt >= 16) throw Error(ErrorCode::Io, "cannot create " + path_.string() + ": " + errno_text());
  }
  slot_ = temp_files_register(temp_);
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
  temp_files_release(slot_);
}

void AtomicFile::write(const void* data, std::size_t size) {
  require(file_ != nullptr, ErrorCode::Internal, "AtomicFile::write after close");
  if (size && std::fwrite(data, 1, size, file_) != size)
    throw Error(ErrorCode::Io, "cannot write " + path_.string() + ": " + errno_text());
  // With --sync: every 8 MiB, start the disk write of what came before (without waiting for
  // it), so that the fsync in commit() waits for the last few MiB only, not for the whole file:
  // a 215 MB output's fsync took 181 ms at the end, serial after all the decoding.
  written_ += size;
  constexpr std::uint64_t kWriteback = std::uint64_t{8} << 20;
  if (sync_outputs() && written_ - synced_ >= kWriteback && std::fflush(file_) == 0) {
    ::sync_file_range(fileno(file_), static_cast<off_t>(synced_), static_cast<off_t>(written_ - synced_),
                      SYNC_FILE_RANGE_WRITE);  // a hint: its failure leaves fsync to do all
    synced_ = written_;
  }
}

void AtomicFile::flush() {
  require(file_ != nullptr, ErrorCode::Internal, "AtomicFile::flush after close");
  if (std::fflush(file_) != 0) throw Error(ErrorCode::Io, "cannot write " + path_.string() + ": " + errno_text());
}

void AtomicFile::write_at(std::uint64_t offset, std::span<const std::byte> data) {
  require(file_ != nullptr, ErrorCode::Internal, "AtomicFile::write_at after close");
  const int fd = fileno(file_);
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorCode::Io, "cannot write " + path_.string() + ": " + errno_text());
    done += static_cast<std::size_t>(n);
  }
  // With --sync, as write() does every 8 MiB: start the disk write of this range now (parts
  // written here are decoded chunks), so that commit()'s fsync does not wait for all.
  if (sync_outputs() && !data.empty())
    ::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(data.size()), SYNC_FILE_RANGE_WRITE);
}

void AtomicFile::close_stream() {
  if (!file_) return;
  const bool ok = std::fflush(file_) == 0 && (!sync_outputs() || ::fsync(fileno(file_)) == 0);
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

namespace {
std::atomic<bool> g_sync_outputs{false};
}  // namespace

void set_sync_outputs(bool on) { g_sync_outputs = on; }
bool sync_outputs() { return g_sync_outputs; }

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
