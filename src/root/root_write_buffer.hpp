// Internal pieces of the ROOT writer shared by its files: the big-endian buffer with ROOT's
// object and class tags, ROOT's compressed-block framing, and the TStreamerInfo records of the
// classes the writer streams (generated from member tables).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "baler/bytes.hpp"
#include "baler/error.hpp"
#include "root_internal.hpp"

namespace baler::rootio {

inline constexpr std::uint32_t kHeapBits = 0x03000000;    // TObject fBits: kNotDeleted | kIsOnHeap
inline constexpr std::uint32_t kMemberBits = 0x02000000;  // objects that are members (not on the heap)

// Big-endian output buffer with ROOT's object and class tags (TBufferFile). Tags count from
// the start of the key (`origin` = the key length) plus kMapOffset, as readers resolve them.
class Out {
 public:
  explicit Out(std::uint32_t origin = 0) : origin_(origin) {}
  std::vector<std::byte> bytes;

  template <typename T> void put(T v) {
    if constexpr (sizeof(T) > 1 && std::endian::native == std::endian::little) v = byteswap_value(v);
    const std::size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &v, sizeof(T));
  }
  void u8(std::uint8_t v) { put(v); }
  void i16(std::int16_t v) { put(v); }
  void i32(std::int32_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void i64(std::int64_t v) { put(v); }
  void f32(float v) { put(v); }
  void f64(double v) { put(v); }
  void raw(std::span<const std::byte> b) { bytes.insert(bytes.end(), b.begin(), b.end()); }
  void zeros(std::size_t n) { bytes.resize(bytes.size() + n); }
  // TString: one length byte, or 255 and a 4-byte length.
  void tstring(std::string_view s) {
    if (s.size() < 255) {
      u8(static_cast<std::uint8_t>(s.size()));
    } else {
      u8(255);
      i32(static_cast<std::int32_t>(s.size()));
    }
    raw(std::as_bytes(std::span(s.data(), s.size())));
  }
  // Reserves a byte count; close() fills it in.
  std::size_t open() {
    const std::size_t at = bytes.size();
    u32(0);
    return at;
  }
  std::size_t versioned(std::uint16_t version) {
    const std::size_t at = open();
    put(version);
    return at;
  }
  void close(std::size_t at) {
    const auto n = static_cast<std::uint32_t>(bytes.size() - at - 4);
    require(n < kByteCountMask, ErrorCode::Limit, "a ROOT object over 1 GiB cannot be written");
    std::uint32_t v = n | kByteCountMask;
    if constexpr (std::endian::native == std::endian::little) v = byteswap_value(v);
    std::memcpy(bytes.data() + at, &v, 4);
  }
  void tobject(std::uint32_t bits) {
    i16(1);
    u32(0);  // fUniqueID
    u32(bits);
  }
  void tnamed(std::string_view name, std::string_view title, std::uint32_t bits = kHeapBits) {
    const auto at = versioned(1);
    tobject(bits);
    tstring(name);
    tstring(title);
    close(at);
  }
  // Starts an object written through a pointer: byte count, then the class (its name the first
  // time, a tag after). Returns the byte count's position; `*tag` is the object's tag.
  std::size_t new_object(const std::string& cls, std::uint32_t* tag = nullptr) {
    const std::size_t at = open();
    if (tag) *tag = static_cast<std::uint32_t>(at) + origin_ + kMapOffset;
    auto it = classes_.find(cls);
    if (it != classes_.end()) {
      u32(it->second | kClassMask);
    } else {
      classes_[cls] = static_cast<std::uint32_t>(bytes.size()) + origin_ + kMapOffset;
      u32(kNewClassTag);
      raw(std::as_bytes(std::span(cls.data(), cls.size() + 1)));  // with its NUL
    }
    return at;
  }

 private:
  std::uint32_t origin_;
  std::map<std::string, std::uint32_t> classes_;
};

// ---- Compression (root_compression.cpp) ------------------------------------------------------

enum class Algo { None = 0, Zlib = 1, Lzma = 2, Lz4 = 4, Zstd = 5 };

// ROOT's block framing of `in` (blocks of at most 16 MiB - 1); empty when the result would not
// be smaller than `in` (then the payload is stored as is, as ROOT does).
std::vector<std::byte> compress_blocks(std::span<const std::byte> in, Algo algo, int level, const std::string& what);

// ---- Streamer infos (root_writer_streamers.cpp) ----------------------------------------------

// Hidden: a member that counts in the class checksum but is not streamed (TSeqCollection's
// fSorted: the class is version 0, its streamer custom).
enum class MemberKind { Base, Basic, Pointer, Object, Any, ObjectPtr, String, Hidden };

struct Member {
  MemberKind kind;
  const char* name;
  const char* title;
  int type = 0;              // TVirtualStreamerInfo type code
  int size = 0;
  const char* type_name = "";
  int version = 0;           // Base: the base class version; Pointer: the counter's class version
  const char* count_name = "";
  const char* count_class = "";
};

struct ClassInfo {
  const char* name;
  int version;
  std::vector<Member> members;
};

// The classes this writer describes: TTree, TBranch, the TLeaf kinds and what they stream.
const std::vector<ClassInfo>& writer_classes();
const ClassInfo* find_class(std::string_view name);
const char* class_name(const ClassInfo& c);
int class_version(const ClassInfo& c);
// TStreamerInfo records for `classes`, each a TList entry (the object, then its option string).
void write_streamer_records(Out& o, const std::vector<const ClassInfo*>& classes);
// The StreamerInfo key's TList of TStreamerInfo records for `classes`.
void write_streamer_list(Out& o, const std::vector<const ClassInfo*>& classes);

}  // namespace baler::rootio
