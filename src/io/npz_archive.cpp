// .npz archives through libzip: listing, checked member reads, atomic stored writes.
// libzip is not linked: each function reaches it through the table detail::libzip() loads on
// first use (zip_loader.hpp), so that runs that never touch an npz never load it.
#include <zip.h>
#include <zlib.h>

#include <optional>

#include "baler/atomic_file.hpp"
#include "baler/error.hpp"
#include "baler/npz.hpp"
#include "zip_loader.hpp"

namespace baler {
namespace {

using detail::libzip;

std::string zip_code_text(int code) {
  const auto& lz = libzip();
  zip_error_t e;
  lz.zip_error_init_with_code(&e, code);
  std::string text = lz.zip_error_strerror(&e);
  lz.zip_error_fini(&e);
  return text;
}

// Deflate cannot expand more than ~1032:1; anything claiming more is refused unread.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

// The member's uncompressed size, refused (Error(Limit)) if compression cannot explain it.
std::uint64_t checked_size(zip_t* z, std::uint64_t index, const std::string& w, bool* is_stored = nullptr,
                           std::optional<std::uint32_t>* crc = nullptr) {
  const auto& lz = libzip();
  zip_stat_t st;
  lz.zip_stat_init(&st);
  if (lz.zip_stat_index(z, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
      !(st.valid & ZIP_STAT_COMP_SIZE))
    throw Error(ErrorCode::Malformed, w + ": cannot read the member's sizes: " + lz.zip_strerror(z));
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    throw Error(ErrorCode::Unsupported, w + ": encrypted zip member");
  const bool stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
  if ((stored && st.size != st.comp_size) ||
      (!stored && st.size / kMaxDeflateRatio > st.comp_size + 1024))
    throw Error(ErrorCode::Limit, w + ": declares " + std::to_string(st.size) +
                                      " bytes uncompressed from " + std::to_string(st.comp_size) +
                                      " compressed, more than compression can give");
  if (is_stored) *is_stored = stored;
  if (crc && (st.valid & ZIP_STAT_CRC)) *crc = st.crc;
  return st.size;
}

// Reads all of `out` and reaches the member's end, where libzip checks the CRC. Returns ""
// or what went wrong (so that the caller can close the file before throwing).
std::string read_exactly(zip_file_t* f, std::vector<std::byte>& out) {
  const auto& lz = libzip();
  std::uint64_t got = 0;
  while (got < out.size()) {
    const zip_int64_t n = lz.zip_fread(f, out.data() + got, out.size() - got);
    if (n < 0) return lz.zip_file_strerror(f);
    if (n == 0) return "member holds " + std::to_string(got) + " bytes but declares " + std::to_string(out.size());
    got += static_cast<std::uint64_t>(n);
  }
  std::byte probe;
  const zip_int64_t extra = lz.zip_fread(f, &probe, 1);
  if (extra < 0) return lz.zip_file_strerror(f);
  return extra > 0 ? "member holds more data than it declares" : "";
}

}  // namespace

NpzReader::NpzReader(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::Io, "cannot open " + path.string() + ": no such file");
  const auto& lz = libzip();  // loads libzip: Error(Unsupported) if it cannot
  int code = 0;
  zip_ = lz.zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!zip_) {
    const ErrorCode c = (code == ZIP_ER_OPEN || code == ZIP_ER_READ) ? ErrorCode::Io : ErrorCode::Malformed;
    throw Error(c, path.string() + ": not a readable npz (zip) archive: " + zip_code_text(code));
  }
  const zip_int64_t n = lz.zip_get_num_entries(zip_, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = lz.zip_get_name(zip_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
    if (!name) continue;
    std::string key = name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    keys_.push_back(std::move(key));
    index_.push_back(static_cast<std::uint64_t>(i));
  }
}

NpzReader::~NpzReader() {
  // zip_ is set only after libzip() has loaded the library, so this call cannot throw.
  if (zip_) libzip().zip_discard(zip_);
}

bool NpzReader::has(const std::string& key) const {
  for (const auto& k : keys_)
    if (k == key) return true;
  return false;
}

std::string NpzReader::what(const std::string& key) const { return path_.string() + ":" + key; }

std::size_t NpzReader::key_index(const std::string& key) const {
  std::size_t k = 0;
  while (k < keys_.size() && keys_[k] != key) ++k;
  if (k == keys_.size()) {
    std::string list;
    for (const auto& name : keys_) list += (list.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::Usage, path_.string() + " has no key '" + key + "' (keys: " + list + ")");
  }
  return k;
}

std::unique_ptr<NpzReader::MemberStream> NpzReader::open_member(const std::string& key) const {
  const std::size_t k = key_index(key);
  bool stored = false;
  std::optional<std::uint32_t> crc;
  const std::uint64_t size = checked_size(zip_, index_[k], what(key), &stored, &crc);
  return std::make_unique<MemberStream>(zip_, index_[k], size, stored, crc, what(key));
}

NpzReader::MemberStream::MemberStream(zip_t* z, std::uint64_t index, std::uint64_t size, bool stored,
                                      std::optional<std::uint32_t> crc, std::string what)
    : zip_(z), index_(index), size_(size), stored_(stored), expected_crc_(crc), what_(std::move(what)) {
  reopen();
}

void NpzReader::MemberStream::check_crc(std::uint64_t offset, std::span<const std::byte> got) {
  if (offset > crc_pos_ || offset + got.size() <= crc_pos_) return;  // not the next bytes in order
  const std::size_t skip = static_cast<std::size_t>(crc_pos_ - offset);
  for (std::size_t i = skip; i < got.size();) {  // crc32 takes at most 4 GiB at a time
    const auto n = static_cast<uInt>(std::min<std::size_t>(got.size() - i, 1u << 30));
    crc_ = crc32(crc_, reinterpret_cast<const Bytef*>(got.data() + i), n);
    i += n;
  }
  crc_pos_ = offset + got.size();
  if (crc_pos_ == size_ && expected_crc_ && crc_ != *expected_crc_)
    throw Error(ErrorCode::Malformed, what_ + ": CRC mismatch (the member's data are damaged)");
}

NpzReader::MemberStream::~MemberStream() {
  if (file_) libzip().zip_fclose(file_);  // loaded: an NpzReader exists
}

void NpzReader::MemberStream::reopen() {
  const auto& lz = libzip();
  if (file_) lz.zip_fclose(file_);
  file_ = lz.zip_fopen_index(zip_, index_, 0);
  pos_ = 0;
  if (!file_) throw Error(ErrorCode::Malformed, what_ + ": cannot open the member: " + lz.zip_strerror(zip_));
}

void NpzReader::MemberStream::read(std::uint64_t offset, std::span<std::byte> out) {
  const auto& lz = libzip();
  require(offset <= size_ && out.size() <= size_ - offset, ErrorCode::Malformed,
          what_ + ": read of " + std::to_string(out.size()) + " bytes at " + std::to_string(offset) +
              " is past the member's end (" + std::to_string(size_) + " bytes)");
  if (offset != pos_ && stored_) {
    if (lz.zip_fseek(file_, static_cast<zip_int64_t>(offset), SEEK_SET) != 0)
      throw Error(ErrorCode::Malformed, what_ + ": cannot seek in the member: " + lz.zip_file_strerror(file_));
    pos_ = offset;
  }
  if (offset < pos_) reopen();
  std::vector<std::byte> skip;
  while (pos_ < offset) {  // deflated: read forward to the offset
    skip.resize(static_cast<std::size_t>(std::min<std::uint64_t>(offset - pos_, 1 << 20)));
    const zip_int64_t n = lz.zip_fread(file_, skip.data(), skip.size());
    if (n <= 0) throw Error(ErrorCode::Malformed, what_ + ": member ends at byte " + std::to_string(pos_));
    pos_ += static_cast<std::uint64_t>(n);
  }
  std::uint64_t got = 0;
  while (got < out.size()) {
    const zip_int64_t n = lz.zip_fread(file_, out.data() + got, out.size() - got);
    if (n < 0) throw Error(ErrorCode::Malformed, what_ + ": cannot read the member: " + lz.zip_file_strerror(file_));
    if (n == 0) throw Error(ErrorCode::Malformed, what_ + ": member ends at byte " + std::to_string(pos_ + got));
    got += static_cast<std::uint64_t>(n);
  }
  pos_ += got;
  check_crc(offset, out);
}

std::vector<std::byte> NpzReader::member(const std::string& key) const {
  const std::size_t k = key_index(key);
  const std::string w = what(key);
  const std::uint64_t size = checked_size(zip_, index_[k], w);
  std::vector<std::byte> out(static_cast<std::size_t>(size));
  const auto& lz = libzip();
  zip_file_t* f = lz.zip_fopen_index(zip_, index_[k], 0);
  if (!f) throw Error(ErrorCode::Malformed, w + ": cannot open the member: " + lz.zip_strerror(zip_));
  std::string problem = read_exactly(f, out);
  const int close_code = lz.zip_fclose(f);
  if (problem.empty() && close_code != 0) problem = zip_code_text(close_code);
  if (!problem.empty()) throw Error(ErrorCode::Malformed, w + ": cannot read the member: " + problem);
  return out;
}

bool safe_npz_key(const std::string& key) {
  if (key.empty() || key.find_first_of(std::string("\\\0", 2)) != std::string::npos) return false;
  // '/' separates groups ("events/NJet/Jet_Px"): no empty, "." or ".." part, so never a path
  // that leaves the folder an extractor unpacks into.
  for (std::size_t a = 0;;) {
    const auto b = key.find('/', a);
    const std::string part = key.substr(a, b == std::string::npos ? std::string::npos : b - a);
    if (part.empty() || part == "." || part == "..") return false;
    if (b == std::string::npos) return true;
    a = b + 1;
  }
}

void write_npz(const std::filesystem::path& path, const std::vector<NpzMember>& members) {
  for (const auto& m : members)
    require(safe_npz_key(m.key), ErrorCode::Unsupported,
            path.string() + ": '" + m.key + "' cannot name an npz member (a path: '/', '\\', '..'); write .csv or .h5 instead");
  // Loaded before the temporary file is made: without libzip nothing is written.
  const auto& lz = libzip();
  AtomicFile file(path);
  file.close_stream();
  int code = 0;
  zip_t* z = lz.zip_open(file.temp_path().c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!z) throw Error(ErrorCode::Io, "cannot create " + path.string() + ": " + zip_code_text(code));
  const auto fail = [&](const std::string& what) {
    const std::string msg = lz.zip_strerror(z);
    lz.zip_discard(z);
    throw Error(ErrorCode::Io, "cannot write " + path.string() + " (" + what + "): " + msg);
  };
  for (const auto& m : members) {
    zip_source_t* src = m.file.empty() ? lz.zip_source_buffer(z, m.npy.data(), m.npy.size(), 0)
                                       : lz.zip_source_file(z, m.file.c_str(), 0, -1);
    if (!src) fail(m.key);
    const zip_int64_t idx = lz.zip_file_add(z, (m.key + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      lz.zip_source_free(src);
      fail(m.key);
    }
    const auto i = static_cast<zip_uint64_t>(idx);
    if (lz.zip_set_file_compression(z, i, ZIP_CM_STORE, 0) != 0) fail(m.key);
    if (lz.zip_file_set_mtime(z, i, 315532800 + 86400, 0) != 0) fail(m.key);  // 1980-01-02
  }
  if (lz.zip_close(z) != 0) fail("closing");
  file.commit();
}

}  // namespace baler
