// ROOT file structure: the TFile header, TKey headers, TDirectory key lists and key payloads.
#include <sys/types.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "root_internal.hpp"

namespace baler::rootio {

FileSource::FileSource(const std::filesystem::path& path) : name_(path.string()) {
  file_ = std::fopen(path.c_str(), "rb");
  require(file_ != nullptr, ErrorCode::Io, name_ + ": cannot open for reading");
  if (fseeko(file_, 0, SEEK_END) != 0) {
    std::fclose(file_);
    throw Error(ErrorCode::Io, name_ + ": cannot seek");
  }
  const off_t end = ftello(file_);
  if (end < 0) {
    std::fclose(file_);
    throw Error(ErrorCode::Io, name_ + ": cannot tell the file size");
  }
  size_ = static_cast<std::uint64_t>(end);
}

FileSource::~FileSource() {
  if (file_) std::fclose(file_);
}

std::vector<std::byte> FileSource::read(std::uint64_t offset, std::uint64_t n,
                                        const std::string& what) const {
  require(offset <= size_ && n <= size_ - offset, ErrorCode::Malformed,
          name_ + ": " + what + " at byte " + std::to_string(offset) + " needs " +
              std::to_string(n) + " bytes but the file has " + std::to_string(size_) +
              " (truncated file?)");
  require(n <= kMaxObjectBytes, ErrorCode::Limit,
          name_ + ": " + what + " declares " + std::to_string(n) + " bytes, more than the limit " +
              std::to_string(kMaxObjectBytes));
  std::vector<std::byte> out(static_cast<std::size_t>(n));
  if (n == 0) return out;
  if (fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0 ||
      std::fread(out.data(), 1, out.size(), file_) != out.size())
    throw Error(ErrorCode::Io, name_ + ": cannot read " + what);
  return out;
}

std::string read_tstring(ByteReader& r, std::string_view field) {
  std::uint32_t n = r.be<std::uint8_t>(field);
  if (n == 255) {
    const auto big = r.be<std::int32_t>(field);
    if (big < 0) r.fail(std::string(field) + ": negative string length " + std::to_string(big));
    n = static_cast<std::uint32_t>(big);
  }
  auto s = r.bytes(n, field);
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

Key read_key_header(ByteReader& r) {
  Key k;
  k.nbytes = r.be<std::int32_t>("TKey fNbytes");
  k.version = r.be<std::int16_t>("TKey fVersion");
  k.objlen = r.be<std::int32_t>("TKey fObjlen");
  r.skip(4, "TKey fDatime");
  k.keylen = r.be<std::int16_t>("TKey fKeylen");
  k.cycle = r.be<std::int16_t>("TKey fCycle");
  if (k.version > 1000) {
    const auto seek = r.be<std::int64_t>("TKey fSeekKey");
    if (seek < 0) r.fail("TKey fSeekKey is negative (" + std::to_string(seek) + ")");
    k.seek_key = static_cast<std::uint64_t>(seek);
    r.skip(8, "TKey fSeekPdir");
  } else {
    const auto seek = r.be<std::int32_t>("TKey fSeekKey");
    if (seek < 0) r.fail("TKey fSeekKey is negative (" + std::to_string(seek) + ")");
    k.seek_key = static_cast<std::uint64_t>(seek);
    r.skip(4, "TKey fSeekPdir");
  }
  k.class_name = read_tstring(r, "TKey fClassName");
  k.name = read_tstring(r, "TKey fName");
  k.title = read_tstring(r, "TKey fTitle");
  if (k.nbytes < 0 || k.objlen < 0 || k.keylen < 0)
    r.fail("TKey '" + k.name + "' has negative sizes (fNbytes " + std::to_string(k.nbytes) +
           ", fObjlen " + std::to_string(k.objlen) + ", fKeylen " + std::to_string(k.keylen) + ")");
  return k;
}

namespace {

FileHeader parse_file_header(const FileSource& src) {
  const auto head = src.read(0, std::min<std::uint64_t>(src.size(), 64), "file header");
  ByteReader r(head, src.name(), ErrorCode::Malformed);
  auto magic = r.bytes(4, "magic");
  require(std::memcmp(magic.data(), "root", 4) == 0, ErrorCode::Malformed,
          src.name() + ": not a ROOT file (no 'root' magic)");
  FileHeader h;
  std::int32_t version = r.be<std::int32_t>("fVersion");
  h.large = version >= 1000000;
  h.version = h.large ? version - 1000000 : version;
  const auto begin = r.be<std::int32_t>("fBEGIN");
  if (h.large) {
    const auto end = r.be<std::int64_t>("fEND");
    r.skip(8 + 4 + 4, "fSeekFree, fNbytesFree, nfree");
    h.end = static_cast<std::uint64_t>(std::max<std::int64_t>(end, 0));
  } else {
    const auto end = r.be<std::int32_t>("fEND");
    r.skip(4 + 4 + 4, "fSeekFree, fNbytesFree, nfree");
    h.end = static_cast<std::uint64_t>(std::max<std::int32_t>(end, 0));
  }
  h.nbytes_name = r.be<std::int32_t>("fNbytesName");
  r.skip(1, "fUnits");
  h.compress = r.be<std::int32_t>("fCompress");
  if (r.remaining() >= (h.large ? 12u : 8u)) {
    const std::int64_t seek = h.large ? r.be<std::int64_t>("fSeekInfo") : r.be<std::int32_t>("fSeekInfo");
    const auto nbytes = r.be<std::int32_t>("fNbytesInfo");
    if (seek > 0 && nbytes > 0) h.seek_info = static_cast<std::uint64_t>(seek), h.nbytes_info = nbytes;
  }
  require(begin > 0 && h.nbytes_name > 0, ErrorCode::Malformed,
          src.name() + ": bad TFile header (fBEGIN " + std::to_string(begin) + ", fNbytesName " +
              std::to_string(h.nbytes_name) + ")");
  h.begin = static_cast<std::uint64_t>(begin);
  require(h.end <= src.size(), ErrorCode::Malformed,
          src.name() + ": truncated file: header says it ends at byte " + std::to_string(h.end) +
              " but it has " + std::to_string(src.size()) + " bytes");
  return h;
}

}  // namespace

RootFile::RootFile(const std::filesystem::path& path)
    : source_(path), header_(parse_file_header(source_)) {}

void RootFile::list_directory(std::uint64_t dir_offset, const std::string& prefix, int depth,
                              std::set<std::uint64_t>& visited, std::vector<Entry>& out, bool all_cycles) const {
  require(visited.insert(dir_offset).second, ErrorCode::Malformed,
          name() + ": directory '" + prefix + "' points back to a directory already listed");
  require(depth < kMaxDepth, ErrorCode::Malformed,
          name() + ": directories nested deeper than " + std::to_string(kMaxDepth) + " at '" +
              prefix + "'");
  const std::string what = "directory '" + (prefix.empty() ? std::string("/") : prefix) + "'";
  const auto rec = source_.read(dir_offset, std::min<std::uint64_t>(source_.size() - std::min(dir_offset, source_.size()), 42), what);
  ByteReader r(rec, name() + ": " + what);
  const auto version = r.be<std::int16_t>("TDirectory fVersion");
  r.skip(8, "TDirectory fDatimeC, fDatimeM");
  const auto nbytes_keys = r.be<std::int32_t>("TDirectory fNbytesKeys");
  r.skip(4, "TDirectory fNbytesName");
  std::int64_t seek_keys;
  if (version > 1000) {
    r.skip(16, "TDirectory fSeekDir, fSeekParent");
    seek_keys = r.be<std::int64_t>("TDirectory fSeekKeys");
  } else {
    r.skip(8, "TDirectory fSeekDir, fSeekParent");
    seek_keys = r.be<std::int32_t>("TDirectory fSeekKeys");
  }
  if (seek_keys == 0) return;  // empty directory
  require(seek_keys > 0 && nbytes_keys > 0, ErrorCode::Malformed,
          name() + ": " + what + " has a bad key list (fSeekKeys " + std::to_string(seek_keys) +
              ", fNbytesKeys " + std::to_string(nbytes_keys) + ")");
  const auto list = source_.read(static_cast<std::uint64_t>(seek_keys),
                                 static_cast<std::uint64_t>(nbytes_keys), what + " key list");
  ByteReader kr(list, name() + ": " + what + " key list");
  read_key_header(kr);
  const auto nkeys = kr.be<std::int32_t>("number of keys");
  require(nkeys >= 0 && static_cast<std::uint64_t>(nkeys) <= kr.remaining() / 26,
          ErrorCode::Malformed,
          name() + ": " + what + " declares " + std::to_string(nkeys) + " keys in " +
              std::to_string(kr.remaining()) + " bytes");
  std::map<std::string, std::size_t> seen;
  std::vector<std::size_t> firsts;  // where each name's (highest) cycle is in `out`, key-list order
  for (std::int32_t i = 0; i < nkeys; ++i) {
    Entry e{prefix.empty() ? std::string() : prefix + "/", read_key_header(kr)};
    e.path += e.key.name;
    auto it = seen.find(e.path);
    if (all_cycles && it != seen.end()) {  // several cycles: each of them, highest first
      const bool higher = out[it->second].key.cycle < e.key.cycle;
      out.push_back(e);
      if (higher) std::swap(out[it->second], out.back());
      continue;
    }
    if (it != seen.end()) {  // several cycles: keep the highest
      if (out[it->second].key.cycle < e.key.cycle) out[it->second] = e;
      continue;
    }
    seen[e.path] = out.size();
    firsts.push_back(out.size());
    out.push_back(e);
  }
  for (const std::size_t i : firsts) {
    if (!is_directory_class(out[i].key.class_name)) continue;
    const Entry dir = out[i];  // a copy: listing it grows `out`
    list_directory(dir.key.seek_key + static_cast<std::uint64_t>(dir.key.keylen), dir.path,
                   depth + 1, visited, out, all_cycles);
  }
}

std::vector<Entry> RootFile::entries(bool all_cycles) const {
  std::vector<Entry> out;
  std::set<std::uint64_t> visited;
  list_directory(header_.begin + static_cast<std::uint64_t>(header_.nbytes_name), "", 0, visited,
                 out, all_cycles);
  return out;
}

std::optional<Key> RootFile::streamer_info_key() const {
  if (header_.seek_info == 0) return std::nullopt;
  const auto head = source_.read(header_.seek_info,
                                 std::min<std::uint64_t>(source_.size() - std::min(header_.seek_info, source_.size()), 1024),
                                 "StreamerInfo key");
  ByteReader r(head, name() + ": StreamerInfo key");
  Key k = read_key_header(r);
  require(k.seek_key == header_.seek_info || k.seek_key == 0, ErrorCode::Malformed,
          name() + ": the StreamerInfo key at byte " + std::to_string(header_.seek_info) + " says it is at byte " +
              std::to_string(k.seek_key));
  k.seek_key = header_.seek_info;
  return k;
}

std::vector<std::byte> RootFile::payload(const Key& key, const std::string& what) const {
  require(key.nbytes >= key.keylen, ErrorCode::Malformed,
          name() + ": " + what + ": key fNbytes " + std::to_string(key.nbytes) +
              " is smaller than fKeylen " + std::to_string(key.keylen));
  const auto stored = static_cast<std::uint64_t>(key.nbytes - key.keylen);
  auto raw = source_.read(key.seek_key + static_cast<std::uint64_t>(key.keylen), stored, what);
  if (stored == static_cast<std::uint64_t>(key.objlen)) return raw;
  return decompress_blocks(raw, static_cast<std::uint64_t>(key.objlen), name() + ": " + what);
}

}  // namespace baler::rootio
