// numpy's .npz archives (zip of .npy members, stored or deflated) through libzip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

struct zip;

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
  // "file.npz:key", for messages.
  std::string what(const std::string& key) const;

 private:
  std::filesystem::path path_;
  ::zip* zip_ = nullptr;
  std::vector<std::string> keys_;
  std::vector<std::uint64_t> index_;  // zip entry index of each key
};

struct NpzMember {
  std::string key;               // stored as key + ".npy"
  std::vector<std::byte> npy;    // a .npy image (encode_npy)
};

// Writes an .npz atomically, members stored uncompressed (like numpy.savez) with a fixed
// timestamp so that equal data give equal files. Throws Error(Io).
void write_npz(const std::filesystem::path& path, const std::vector<NpzMember>& members);

}  // namespace baler
