// numpy's .npz archives (zip of .npy members, stored or deflated) through libzip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <memory>
#include <optional>
#include <span>

struct zip;
struct zip_file;

namespace baler {

// An open .npz file. Keys are the member names without ".npy" ("data", "names").
// Throws Error(Io) if the file cannot be opened, Error(Malformed) naming the file and libzip's
// message if it is not a readable zip.
class NpzReader {
 public:
  explicit NpzReader(const std::filesystem::path& path);
  ~NpzReader();
  NpzReader(const NpzReader&) = delete;
  NpzReader& operator=(const NpzReader&) = delete;

  const std::vector<std::string>& keys() const { return keys_; }
  bool has(const std::string& key) const;
  // The .npy image of member `key`. Its declared size is checked against the compressed size
  // (Error(Limit) for absurd ratios) before allocating; CRC and length errors are
  // Error(Malformed). Unknown key: Error(Usage) listing the keys.
  std::vector<std::byte> member(const std::string& key) const;
  class MemberStream;
  // Opens member `key` for reads at any offset (chunked reading). Same size checks as member().
  std::unique_ptr<MemberStream> open_member(const std::string& key) const;
  // "file.npz:key", for messages.
  std::string what(const std::string& key) const;

 private:
  std::size_t key_index(const std::string& key) const;  // Error(Usage) listing the keys
  std::filesystem::path path_;
  ::zip* zip_ = nullptr;
  std::vector<std::string> keys_;
  std::vector<std::uint64_t> index_;  // zip entry index of each key
};

// Reads one member of an open NpzReader (which must outlive it) in parts. A stored member
// seeks; a deflated one is read forward, and a read before the current position re-opens it
// and reads up to the offset again. The CRC is checked when the member has been read from its
// first byte to its last in order (as a whole pass does): Error(Malformed) on a mismatch.
class NpzReader::MemberStream {
 public:
  MemberStream(::zip* z, std::uint64_t index, std::uint64_t size, bool stored, std::optional<std::uint32_t> crc,
               std::string what);
  ~MemberStream();
  MemberStream(const MemberStream&) = delete;
  MemberStream& operator=(const MemberStream&) = delete;
  std::uint64_t size() const { return size_; }
  // Fills `out` from `offset`; Error(Malformed) if the member ends first or libzip fails.
  void read(std::uint64_t offset, std::span<std::byte> out);

 private:
  void reopen();
  void check_crc(std::uint64_t offset, std::span<const std::byte> got);
  ::zip* zip_;
  ::zip_file* file_ = nullptr;
  std::uint64_t index_, size_, pos_ = 0;
  bool stored_;
  std::optional<std::uint32_t> expected_crc_;
  std::uint32_t crc_ = 0;        // CRC-32 of bytes [0, crc_pos_)
  std::uint64_t crc_pos_ = 0;
  std::string what_;
};

struct NpzMember {
  std::string key;               // stored as key + ".npy"
  std::vector<std::byte> npy;    // a .npy image (encode_npy)
  std::filesystem::path file;    // or, when not empty, a file holding the image (read at write time)
};

// True if `key` can name an npz member safely: not empty, no '\\' or NUL; '/' only between
// parts that are neither empty, "." nor ".." ("events/NJet/Jet_Px"): a name that would escape
// the folder of an extractor (zip-slip: "/etc/x", "../x") is refused.
bool safe_npz_key(const std::string& key);

// Writes an .npz atomically, members stored uncompressed (like numpy.savez) with a fixed
// timestamp so that equal data give equal files. Throws Error(Io).
void write_npz(const std::filesystem::path& path, const std::vector<NpzMember>& members);

}  // namespace baler
