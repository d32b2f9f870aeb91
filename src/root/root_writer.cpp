// ROOT file writer: TFile header and top directory, TBasket keys streamed as branches fill,
// TTree/TNtuple objects, TStreamerInfo records, key list and free segments.
#include "root_writer.hpp"

#include <sys/types.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <xxhash.h>

#include "baler/atomic_file.hpp"
#include "baler/bytes.hpp"
#include "baler/error.hpp"
#include "root_internal.hpp"
#include "root_write_buffer.hpp"

namespace baler::rootio {
namespace {

constexpr std::int32_t kBegin = 100;               // fBEGIN: the top directory's key
constexpr std::int64_t kStartBigFile = 2000000000;  // ROOT's limit for 32-bit seek pointers
constexpr std::int32_t kEntryOffsetLen = 1000;      // ROOT's fEntryOffsetLen for variable-size branches
constexpr std::size_t kMaxEntryBytes = std::size_t{1} << 28;
constexpr std::int32_t kMaxBasketBytes = std::int32_t{1} << 28;
constexpr std::int32_t kFileVersion = 62600;       // ROOT 6.26 (TTree v20, TBranch v13)
constexpr std::size_t kDirectoryRecord = 60;       // a TDirectory record, 32- or 64-bit pointers

// ---- Keys ----------------------------------------------------------------------------------

struct KeyHead {
  std::int32_t nbytes = 0, objlen = 0;
  std::int16_t version = 1004, keylen = 0, cycle = 1;
  std::int64_t seek = 0, pdir = kBegin;
  std::string cls, name, title;
};

std::size_t tstring_size(std::string_view s) { return (s.size() < 255 ? 1 : 5) + s.size(); }

std::int16_t key_length(bool large, std::string_view cls, std::string_view name, std::string_view title) {
  const std::size_t n = (large ? 34 : 26) + tstring_size(cls) + tstring_size(name) + tstring_size(title);
  require(n < 32000, ErrorCode::Usage, "ROOT key name '" + std::string(name) + "' is too long");
  return static_cast<std::int16_t>(n);
}

void write_key_head(Out& o, const KeyHead& k, std::uint32_t datime) {
  o.i32(k.nbytes);
  o.i16(k.version);
  o.i32(k.objlen);
  o.u32(datime);
  o.i16(k.keylen);
  o.i16(k.cycle);
  if (k.version > 1000) {
    o.i64(k.seek);
    o.i64(k.pdir);
  } else {
    o.i32(static_cast<std::int32_t>(k.seek));
    o.i32(static_cast<std::int32_t>(k.pdir));
  }
  o.tstring(k.cls);
  o.tstring(k.name);
  o.tstring(k.title);
}

// ---- Leaves and branches -------------------------------------------------------------------


char type_code(const RootLeafSpec& l) { return l.text ? 'C' : root_type_code(l.dtype); }

bool is_integer(DType t) { return is_signed_int(t) || is_unsigned_int(t); }

// Native integer value `i` of a column of dtype `t`.
std::int64_t int_at(std::span<const std::byte> v, DType t, std::size_t i, bool* overflow) {
  std::int64_t out = 0;
  visit_dtype(t, [&](auto x) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      T value;
      std::memcpy(&value, v.data() + i * sizeof(T), sizeof(T));
      if constexpr (std::is_same_v<T, std::uint64_t>) {
        if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) *overflow = true;
      }
      out = static_cast<std::int64_t>(value);
    }
  });
  return out;
}

struct LeafState {
  RootLeafSpec spec;
  std::string title;          // "a[3]", "Jet_Px[NJet]"
  std::int32_t len = 1;       // elements per entry (per object when jagged)
  std::int32_t offset = 0;    // byte offset in an entry of a leaf list
  std::size_t elem = 1;       // bytes of one element
  bool counter = false;       // counts a jagged branch: fIsRange, fMaximum kept
  std::int64_t maximum = 0;   // counter: the largest count; TLeafC: the longest string + 1
  std::uint32_t tag = 0;      // object tag in the TTree payload
};

struct BranchState {
  std::string name, title;
  std::vector<LeafState> leaves;
  int counter = -1;           // index of the counting branch
  bool variable = false;      // jagged or text: entry offsets in the baskets
  std::size_t record = 0;     // bytes per entry (flat) or per object (jagged)
  std::int16_t keylen = 0;    // of this branch's basket keys
  std::vector<std::byte> data;       // the open basket, big-endian
  std::vector<std::int32_t> offsets;  // entry starts in `data` (variable-size branches)
  std::int64_t basket_first = 0, basket_entries = 0;
  std::vector<std::int32_t> basket_bytes;
  std::vector<std::int64_t> basket_entry, basket_seek;
  std::int64_t tot_bytes = 0, zip_bytes = 0;
};

// Appends `count` native elements of `t` to `out` big-endian (bool as 0/1).
void append_be(std::vector<std::byte>& out, const std::byte* p, std::size_t count, DType t) {
  if (count == 0) return;  // p may be null (an empty column)
  const std::size_t size = dtype_size(t);
  const std::size_t at = out.size();
  out.resize(at + count * size);
  std::byte* d = out.data() + at;
  if (t == DType::Bool) {
    for (std::size_t i = 0; i < count; ++i) d[i] = std::byte{p[i] != std::byte{0}};
    return;
  }
  std::memcpy(d, p, count * size);
  if (std::endian::native == std::endian::little && size > 1) byteswap_inplace(d, count, size);
}

// Every date in the file: 2000-01-01 00:00:00 in ROOT's TDatime packing (years since 1995, month,
// day, hour, minute, second), so that equal data give equal files (like the npz writer's fixed
// timestamp).
constexpr std::uint32_t kFixedDatime = (std::uint32_t{2000 - 1995} << 26) | (1u << 22) | (1u << 17);

bool bad_name(const std::string& s) {
  return s.empty() || s.find_first_of("[]:/ \t\n") != std::string::npos;
}

}  // namespace


const char* root_leaf_class(const RootLeafSpec& l) {
  if (l.text) return "TLeafC";
  switch (l.dtype) {
    case DType::Bool: return "TLeafO";
    case DType::I8: case DType::U8: return "TLeafB";
    case DType::I16: case DType::U16: return "TLeafS";
    case DType::I32: case DType::U32: return "TLeafI";
    case DType::I64: case DType::U64: return "TLeafL";
    case DType::F32: return "TLeafF";
    default: return "TLeafD";
  }
}

struct RootFileWriter::Impl {
  std::filesystem::path path;
  std::string file_name;  // the TFile key's name
  RootWriteOptions options;
  Algo algo = Algo::Zlib;
  std::int32_t compress_setting = 101;
  AtomicFile atomic;
  std::FILE* file = nullptr;
  std::uint64_t pos = 0;   // where the next key goes
  std::uint32_t datime = kFixedDatime;
  // Hash of every byte written: the file's UUID.
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> hash{XXH3_createState(), XXH3_freeState};
  std::int32_t nbytes_name = 0;  // TFile key + name + title
  std::vector<std::pair<std::uint64_t, std::uint64_t>> free_segments;  // first, last (inclusive)
  // Directories by path ("" the top one): their keys, and where their key and record are.
  struct DirState {
    std::string name, title, parent;
    std::int64_t seek = kBegin;  // the directory's key (top: kBegin)
    std::int16_t keylen = 0;
    std::vector<KeyHead> keys;
  };
  std::map<std::string, DirState> dirs;
  std::vector<std::byte> source_infos;  // set_source_streamer_infos
  bool source_infos_small = false;
  bool source_infos_listed = false;
  std::string source_infos_title;  // its key's title: the key's length places its references
  std::int16_t source_infos_cycle = 1;
  bool have_source_infos = false;
  std::set<std::string> classes_used;
  bool trees_written = false;
  std::optional<RootTreeSpec> spec;
  std::string tree_directory;
  std::vector<BranchState> branches;
  std::int64_t entries = 0;
  bool committed = false;

  Impl(const std::filesystem::path& p, RootWriteOptions o) : path(p), options(std::move(o)), atomic(p) {
    file_name = path.filename().string();
    require(hash && XXH3_128bits_reset(hash.get()) == XXH_OK, ErrorCode::Internal, "xxhash state");
    const std::string& c = options.compression;
    const int level = options.level;
    int max_level = 9;
    if (c == "none") algo = Algo::None;
    else if (c == "zlib") algo = Algo::Zlib;
    else if (c == "lzma") algo = Algo::Lzma;
    else if (c == "lz4") algo = Algo::Lz4, max_level = 12;
    else if (c == "zstd") algo = Algo::Zstd, max_level = 22;
    else throw Error(ErrorCode::Usage, path.string() + ": unknown ROOT compression '" + c + "' (zlib, zstd, lzma, lz4, none)");
    require(algo == Algo::None || (level >= 1 && level <= max_level), ErrorCode::Usage,
            path.string() + ": " + c + " level " + std::to_string(level) + " is out of range 1-" + std::to_string(max_level));
    require(options.basket_bytes >= 1 && options.basket_bytes <= kMaxBasketBytes, ErrorCode::Usage,
            path.string() + ": basket size " + std::to_string(options.basket_bytes) + " is out of range 1-" +
                std::to_string(kMaxBasketBytes));
    compress_setting = algo == Algo::None ? 0 : static_cast<int>(algo) * 100 + level;
    atomic.close_stream();
    file = std::fopen(atomic.temp_path().c_str(), "r+b");
    require(file != nullptr, ErrorCode::Io, "cannot write " + path.string() + ": " + std::strerror(errno));
    // The header and the top directory are written by commit(); reserve their bytes.
    const auto keylen = key_length(false, "TFile", file_name, "");
    nbytes_name = keylen + static_cast<std::int32_t>(tstring_size(file_name) + tstring_size(""));
    write_raw(std::vector<std::byte>(static_cast<std::size_t>(kBegin + nbytes_name + 60)));
    dirs[""] = DirState{};
    if (options.first_offset > pos) {
      free_segments.push_back({pos, options.first_offset - 1});
      seek_to(options.first_offset);
    }
  }

  ~Impl() {
    if (file) std::fclose(file);
  }

  void seek_to(std::uint64_t at) {
    if (fseeko(file, static_cast<off_t>(at), SEEK_SET) != 0)
      throw Error(ErrorCode::Io, "cannot write " + path.string() + ": " + std::strerror(errno));
    pos = at;
  }
  void write_raw(std::span<const std::byte> b) {
    if (!b.empty()) XXH3_128bits_update(hash.get(), b.data(), b.size());
    if (!b.empty() && std::fwrite(b.data(), 1, b.size(), file) != b.size())
      throw Error(ErrorCode::Io, "cannot write " + path.string() + ": " + std::strerror(errno));
    pos += b.size();
  }

  // Writes a key at the end of the file: header (then `tail`, the fields a TBasket key carries
  // in its header), then `payload` compressed when that helps. A header that does not take
  // k.keylen bytes is an Error(`mismatch`): Internal for keys this writer sizes, Malformed for
  // a source's basket frame.
  KeyHead write_key(KeyHead k, std::span<const std::byte> payload, const std::string& what,
                    const std::function<void(Out&, const KeyHead&)>& tail = {}, ErrorCode mismatch = ErrorCode::Internal,
                    bool compress = true) {
    k.seek = static_cast<std::int64_t>(pos);
    require(payload.size() < (std::size_t{1} << 30), ErrorCode::Limit,
            path.string() + ": " + what + " is over 1 GiB");
    const auto packed = compress ? compress_blocks(payload, algo, options.level, path.string() + ": " + what) : std::vector<std::byte>{};
    const std::span<const std::byte> stored = packed.empty() ? payload : std::span<const std::byte>(packed);
    k.objlen = static_cast<std::int32_t>(payload.size());
    k.nbytes = k.keylen + static_cast<std::int32_t>(stored.size());
    Out head;
    write_key_head(head, k, datime);
    if (tail) tail(head, k);
    require(head.bytes.size() == static_cast<std::size_t>(k.keylen), mismatch,
            path.string() + ": " + what + ": its key takes " + std::to_string(head.bytes.size()) + " bytes, not " +
                std::to_string(k.keylen));
    write_raw(head.bytes);
    write_raw(stored);
    return k;
  }

  KeyHead new_key(const std::string& cls, const std::string& name, const std::string& title) {
    KeyHead k;
    k.cls = cls, k.name = name, k.title = title;
    k.keylen = key_length(true, cls, name, title);
    return k;
  }

  DirState& directory(const std::string& dir, const std::string& what) {
    auto it = dirs.find(dir);
    require(it != dirs.end(), ErrorCode::Usage, path.string() + ": " + what + ": no directory '" + dir + "' (make_directory first)");
    return it->second;
  }
  bool name_taken(const DirState& d, const std::string& name, std::int16_t cycle) const {
    for (const auto& k : d.keys)
      if (k.name == name && k.cycle == cycle) return true;
    return false;
  }
  void make_directory(const std::string& dir, const std::string& title, const std::string& cls);
  void write_object(const RootRawObject& object);
  RootBasketPlace write_raw_basket(const RootRawBasket& basket);
  std::uint64_t write_blob(std::span<const std::byte> bytes);
  void write_directory_record(Out& h, const DirState& d, std::int64_t seek_keys, std::int32_t nbytes_keys,
                              std::int32_t nbytes_name, std::int64_t seek_parent, const std::byte* uuid);
  std::vector<std::byte> streamer_list(const std::vector<std::string>& names, std::int16_t keylen);
  void begin_tree(const RootTreeSpec& s, const std::string& dir);
  void append(std::int64_t n, std::span<const RootBranchData> data);
  void flush(BranchState& b);
  void end_tree();
  void write_tree_object(Out& o);
  void write_branch(Out& o, BranchState& b);
  void write_leaf(Out& o, LeafState& l, const LeafState* count);
  void commit();
};

void RootFileWriter::Impl::begin_tree(const RootTreeSpec& s, const std::string& dir) {
  const std::string where = path.string() + ": tree '" + s.name + "'";
  require(!committed, ErrorCode::Usage, where + ": the file is already committed");
  require(!spec, ErrorCode::Usage, where + ": tree '" + (spec ? spec->name : "") + "' is still open (call end_tree)");
  require(!s.name.empty() && s.name.find('/') == std::string::npos, ErrorCode::Usage,
          path.string() + ": bad tree name '" + s.name + "'");
  require(!name_taken(directory(dir, "tree '" + s.name + "'"), s.name, 1), ErrorCode::Usage,
          where + ": a key of this name is already in the file (directory '" + dir + "')");
  const bool ntuple = s.class_name == "TNtuple", ntupled = s.class_name == "TNtupleD";
  require(s.class_name == "TTree" || ntuple || ntupled, ErrorCode::Usage,
          where + ": class '" + s.class_name + "' is not TTree, TNtuple or TNtupleD");
  std::vector<BranchState> out;
  std::map<std::string, int> index;
  for (const auto& bs : s.branches) {
    const std::string bw = where + ": branch '" + bs.name + "'";
    require(!bad_name(bs.name), ErrorCode::Usage, bw + ": a branch name must be non-empty without []:/ or spaces");
    require(!index.count(bs.name), ErrorCode::Usage, bw + ": duplicate branch name");
    require(!bs.leaves.empty(), ErrorCode::Usage, bw + ": no leaves");
    BranchState b;
    b.name = bs.name;
    std::set<std::string> leaf_names;
    std::int32_t offset = 0;
    for (const auto& ls : bs.leaves) {
      const std::string lw = bw + ": leaf '" + ls.name + "'";
      require(!bad_name(ls.name) && leaf_names.insert(ls.name).second, ErrorCode::Usage,
              lw + ": leaf names must be non-empty, unique, without []:/ or spaces");
      LeafState l;
      l.spec = ls;
      l.offset = offset;
      if (ls.text) {
        require(bs.leaves.size() == 1 && ls.dims.empty() && bs.counter.empty(), ErrorCode::Usage,
                lw + ": a string leaf must be its branch's only leaf, without dimensions or counter");
        b.variable = true;
        l.title = ls.name;
      } else {
        require(ls.dtype != DType::F16, ErrorCode::Usage, lw + ": ROOT has no float16 leaves");
        l.elem = dtype_size(ls.dtype);
        std::int64_t len = 1;
        std::string dims;
        for (auto d : ls.dims) {
          require(d > 0, ErrorCode::Usage, lw + ": dimension " + std::to_string(d) + " is not positive");
          len *= d;
          require(len * static_cast<std::int64_t>(l.elem) <= static_cast<std::int64_t>(kMaxEntryBytes),
                  ErrorCode::Usage, lw + ": the fixed array is too large");
          dims += "[" + std::to_string(d) + "]";
        }
        l.len = static_cast<std::int32_t>(len);
        l.title = ls.name + dims;
        b.record += static_cast<std::size_t>(len) * l.elem;
        offset += static_cast<std::int32_t>(len * static_cast<std::int64_t>(l.elem));
      }
      b.leaves.push_back(std::move(l));
    }
    if (!bs.counter.empty()) {
      auto it = index.find(bs.counter);
      require(it != index.end(), ErrorCode::Usage,
              bw + ": counter '" + bs.counter + "' is not an earlier branch of the tree");
      BranchState& c = out[static_cast<std::size_t>(it->second)];
      require(c.leaves.size() == 1 && c.counter < 0 && !c.leaves[0].spec.text && c.leaves[0].len == 1 &&
                  c.leaves[0].spec.dims.empty() && is_integer(c.leaves[0].spec.dtype),
              ErrorCode::Usage, bw + ": counter '" + bs.counter + "' is not a branch of one scalar integer leaf");
      require(bs.leaves.size() == 1, ErrorCode::Usage, bw + ": a jagged branch has exactly one leaf");
      c.leaves[0].counter = true;
      b.counter = it->second;
      b.variable = true;
      auto& l = b.leaves[0];
      const auto bracket = l.title.find('[');
      const std::string dims = bracket == std::string::npos ? "" : l.title.substr(bracket);
      l.title = l.spec.name + "[" + c.leaves[0].spec.name + "]" + dims;
    }
    if (ntuple || ntupled) {
      const DType want = ntuple ? DType::F32 : DType::F64;
      require(b.counter < 0 && b.leaves.size() == 1 && !b.leaves[0].spec.text && b.leaves[0].spec.dims.empty() &&
                  b.leaves[0].spec.dtype == want,
              ErrorCode::Usage, bw + ": every branch of a " + s.class_name + " is one " +
                                    (ntuple ? "float32" : "float64") + " scalar");
    }
    for (const auto& l : b.leaves) b.title += (b.title.empty() ? "" : ":") + l.title + "/" + type_code(l.spec);
    b.keylen = static_cast<std::int16_t>(key_length(true, "TBasket", b.name, s.name) + 19);
    index[bs.name] = static_cast<int>(out.size());
    out.push_back(std::move(b));
  }
  branches = std::move(out);
  spec = s;
  tree_directory = dir;
  entries = 0;
}

void RootFileWriter::Impl::append(std::int64_t n, std::span<const RootBranchData> data) {
  require(spec.has_value(), ErrorCode::Usage, path.string() + ": append() outside begin_tree()/end_tree()");
  const std::string where = path.string() + ": tree '" + spec->name + "'";
  require(n >= 0, ErrorCode::Usage, where + ": negative entry count " + std::to_string(n));
  require(data.size() == branches.size(), ErrorCode::Usage,
          where + ": append() got " + std::to_string(data.size()) + " branch data for " +
              std::to_string(branches.size()) + " branches");
  const auto count = static_cast<std::size_t>(n);
  // Check every size before writing anything, so that an error leaves the tree as it was.
  std::vector<std::vector<std::int64_t>> counts(branches.size());
  for (std::size_t i = 0; i < branches.size(); ++i) {
    const BranchState& b = branches[i];
    const RootBranchData& d = data[i];
    const std::string bw = where + ": branch '" + b.name + "'";
    if (b.leaves[0].spec.text) {
      require(d.text.size() == count, ErrorCode::Usage,
              bw + ": " + std::to_string(d.text.size()) + " strings for " + std::to_string(n) + " entries");
      for (const auto& s : d.text)
        require(s.size() + 5 <= kMaxEntryBytes, ErrorCode::Limit, bw + ": a string over 256 MiB");
      continue;
    }
    std::uint64_t objects = count;
    if (b.counter >= 0) {
      const BranchState& c = branches[static_cast<std::size_t>(b.counter)];
      const DType t = c.leaves[0].spec.dtype;
      auto& cs = counts[i];
      cs.resize(count);
      objects = 0;
      for (std::size_t e = 0; e < count; ++e) {
        bool overflow = false;
        cs[e] = int_at(data[static_cast<std::size_t>(b.counter)].values, t, e, &overflow);
        require(cs[e] >= 0 && !overflow, ErrorCode::Malformed,
                bw + ": entry " + std::to_string(entries + static_cast<std::int64_t>(e)) + " has a negative count (" +
                    std::to_string(cs[e]) + ") in counter '" + c.name + "'");
        require(static_cast<std::uint64_t>(cs[e]) * b.record <= kMaxEntryBytes, ErrorCode::Limit,
                bw + ": entry " + std::to_string(entries + static_cast<std::int64_t>(e)) + " holds " +
                    std::to_string(cs[e]) + " objects, over 256 MiB");
        objects += static_cast<std::uint64_t>(cs[e]);
      }
    }
    require(d.values.size() == objects * b.record, ErrorCode::Usage,
            bw + ": " + std::to_string(d.values.size()) + " bytes of values for " + std::to_string(n) +
                " entries, expected " + std::to_string(objects * b.record));
  }
  for (std::size_t i = 0; i < branches.size(); ++i) {
    BranchState& b = branches[i];
    const RootBranchData& d = data[i];
    if (b.leaves[0].counter) {  // keep the largest count (ROOT sizes its read buffers by it)
      for (std::size_t e = 0; e < count; ++e) {
        bool overflow = false;
        b.leaves[0].maximum = std::max(b.leaves[0].maximum, int_at(d.values, b.leaves[0].spec.dtype, e, &overflow));
      }
    }
    const std::byte* p = d.values.data();
    // Appends the big-endian bytes of `objects` records starting at p.
    const auto put_records = [&](std::size_t objects) {
      if (b.leaves.size() == 1) {
        append_be(b.data, p, objects * static_cast<std::size_t>(b.leaves[0].len), b.leaves[0].spec.dtype);
        p += objects * b.record;
        return;
      }
      for (std::size_t r = 0; r < objects; ++r)
        for (const auto& l : b.leaves) {
          append_be(b.data, p, static_cast<std::size_t>(l.len), l.spec.dtype);
          p += static_cast<std::size_t>(l.len) * l.elem;
        }
    };
    std::size_t e = 0;
    while (e < count) {
      std::size_t take = 1;
      if (!b.variable) {
        const std::size_t room = b.data.size() < static_cast<std::size_t>(options.basket_bytes)
                                     ? static_cast<std::size_t>(options.basket_bytes) - b.data.size() : 0;
        take = std::min(count - e, std::max<std::size_t>(1, (room + b.record - 1) / b.record));
        put_records(take);
      } else {
        b.offsets.push_back(static_cast<std::int32_t>(b.data.size()));
        if (b.leaves[0].spec.text) {
          const std::string& s = d.text[e];
          Out o;
          o.tstring(s);
          b.data.insert(b.data.end(), o.bytes.begin(), o.bytes.end());
          b.leaves[0].maximum = std::max<std::int64_t>(b.leaves[0].maximum, static_cast<std::int64_t>(s.size()) + 1);
        } else {
          put_records(b.counter >= 0 ? static_cast<std::size_t>(counts[i][e]) : 1);
        }
      }
      b.basket_entries += static_cast<std::int64_t>(take);
      e += take;
      if (b.data.size() >= static_cast<std::size_t>(options.basket_bytes)) flush(b);
    }
  }
  entries += n;
}

void RootFileWriter::Impl::flush(BranchState& b) {
  if (b.basket_entries == 0) return;
  const std::int32_t last = b.keylen + static_cast<std::int32_t>(b.data.size());
  if (b.variable) {  // entry offsets from the key start, then a trailing zero, as ROOT writes them
    Out o;
    o.i32(static_cast<std::int32_t>(b.offsets.size()) + 1);
    for (auto off : b.offsets) o.i32(off + b.keylen);
    o.i32(0);
    b.data.insert(b.data.end(), o.bytes.begin(), o.bytes.end());
  }
  KeyHead k = new_key("TBasket", b.name, spec->name);
  k.keylen = b.keylen;
  const std::string what = "tree '" + spec->name + "' branch '" + b.name + "' basket " + std::to_string(b.basket_bytes.size());
  // The key header ends with the TBasket fields: they are written with it.
  k = write_key(k, b.data, what, [&](Out& head, const KeyHead& key) {
    head.i16(3);                                                           // TBasket version
    head.i32(std::max(options.basket_bytes, key.keylen + key.objlen));      // fBufferSize
    head.i32(b.variable ? kEntryOffsetLen : static_cast<std::int32_t>(b.record));  // fNevBufSize
    head.i32(static_cast<std::int32_t>(b.basket_entries));                  // fNevBuf
    head.i32(last);                                                        // fLast
    head.u8(0);                                                            // header only
  });
  b.basket_bytes.push_back(k.nbytes);
  b.basket_entry.push_back(b.basket_first);
  b.basket_seek.push_back(k.seek);
  b.tot_bytes += k.objlen + k.keylen;
  b.zip_bytes += k.nbytes;
  b.basket_first += b.basket_entries;
  b.basket_entries = 0;
  b.data.clear();
  b.offsets.clear();
}

void RootFileWriter::Impl::write_leaf(Out& o, LeafState& l, const LeafState* count) {
  const std::string cls = root_leaf_class(l.spec);
  classes_used.insert(cls);
  const auto obj = o.new_object(cls, &l.tag);
  const auto outer = o.versioned(1);
  const auto inner = o.versioned(2);  // TLeaf
  o.tnamed(l.spec.name, l.title);
  o.i32(l.spec.text ? 1 : l.len);
  o.i32(l.spec.text ? 1 : static_cast<std::int32_t>(l.elem));  // fLenType
  o.i32(l.offset);
  o.u8(l.counter ? 1 : 0);  // fIsRange: a counter
  o.u8(!l.spec.text && is_unsigned_int(l.spec.dtype) ? 1 : 0);
  if (count) o.u32(count->tag);  // a reference to the counter leaf, streamed earlier
  else o.u32(0);
  o.close(inner);
  // fMinimum, fMaximum in the leaf's type: only counters (largest count) and strings keep them.
  const std::int64_t mx = l.maximum;
  if (l.spec.text) {
    o.i32(0), o.i32(static_cast<std::int32_t>(std::min<std::int64_t>(mx, std::numeric_limits<std::int32_t>::max())));
  } else {
    switch (l.spec.dtype) {
      case DType::Bool: case DType::I8: case DType::U8:
        o.u8(0), o.u8(static_cast<std::uint8_t>(mx)); break;
      case DType::I16: case DType::U16: o.i16(0), o.i16(static_cast<std::int16_t>(mx)); break;
      case DType::I32: case DType::U32: o.i32(0), o.i32(static_cast<std::int32_t>(mx)); break;
      case DType::I64: case DType::U64: o.i64(0), o.i64(mx); break;
      case DType::F32: o.f32(0), o.f32(0); break;
      default: o.f64(0), o.f64(0); break;
    }
  }
  o.close(outer);
  o.close(obj);
}

void RootFileWriter::Impl::write_branch(Out& o, BranchState& b) {
  const auto obj = o.new_object("TBranch");
  const auto body = o.versioned(13);
  o.tnamed(b.name, b.title);
  const auto fill = o.versioned(2);  // TAttFill
  o.i16(0), o.i16(1001);
  o.close(fill);
  const auto nb = static_cast<std::int32_t>(b.basket_bytes.size());
  const std::int32_t max_baskets = std::max(10, nb + 1);
  o.i32(compress_setting);
  o.i32(options.basket_bytes);                     // fBasketSize
  o.i32(b.variable ? kEntryOffsetLen : 0);         // fEntryOffsetLen
  o.i32(nb);                                       // fWriteBasket
  o.i64(entries);                                  // fEntryNumber
  const auto io = o.versioned(1);                  // fIOFeatures
  o.u8(0);
  o.close(io);
  o.i32(0);            // fOffset
  o.i32(max_baskets);  // fMaxBaskets
  o.i32(0);            // fSplitLevel
  o.i64(entries);      // fEntries
  o.i64(0);            // fFirstEntry
  o.i64(b.tot_bytes);
  o.i64(b.zip_bytes);
  const auto objarray = [&](auto&& items, std::int32_t n) {
    const auto at = o.versioned(3);
    o.tobject(kMemberBits);
    o.tstring("");
    o.i32(n);
    o.i32(0);  // fLowerBound
    items();
    o.close(at);
  };
  objarray([] {}, 0);  // fBranches
  const LeafState* count = b.counter >= 0 ? &branches[static_cast<std::size_t>(b.counter)].leaves[0] : nullptr;
  objarray([&] { for (auto& l : b.leaves) write_leaf(o, l, count); }, static_cast<std::int32_t>(b.leaves.size()));
  objarray([] {}, 0);  // fBaskets: every basket is on disk
  // fBasketBytes, fBasketEntry, fBasketSeek [fMaxBaskets]; fBasketEntry[fWriteBasket] = fEntries.
  o.u8(1);
  for (std::int32_t i = 0; i < max_baskets; ++i) o.i32(i < nb ? b.basket_bytes[static_cast<std::size_t>(i)] : 0);
  o.u8(1);
  for (std::int32_t i = 0; i < max_baskets; ++i)
    o.i64(i < nb ? b.basket_entry[static_cast<std::size_t>(i)] : i == nb ? entries : 0);
  o.u8(1);
  for (std::int32_t i = 0; i < max_baskets; ++i) o.i64(i < nb ? b.basket_seek[static_cast<std::size_t>(i)] : 0);
  o.tstring("");  // fFileName
  o.close(body);
  o.close(obj);
}

void RootFileWriter::Impl::write_tree_object(Out& o) {
  std::int64_t tot = 0, zip = 0;
  for (const auto& b : branches) tot += b.tot_bytes, zip += b.zip_bytes;
  const auto body = o.versioned(20);
  o.tnamed(spec->name, spec->title);
  const auto line = o.versioned(2);
  o.i16(602), o.i16(1), o.i16(1);
  o.close(line);
  const auto fill = o.versioned(2);
  o.i16(0), o.i16(1001);
  o.close(fill);
  const auto marker = o.versioned(2);
  o.i16(1), o.i16(1), o.f32(1.0f);
  o.close(marker);
  o.i64(entries);
  o.i64(tot), o.i64(zip), o.i64(zip), o.i64(zip);  // fTotBytes, fZipBytes, fSavedBytes, fFlushedBytes
  o.f64(1.0);                                       // fWeight
  o.i32(0), o.i32(25), o.i32(0);                    // fTimerInterval, fScanField, fUpdate
  o.i32(kEntryOffsetLen);                           // fDefaultEntryOffsetLen
  o.i32(0);                                         // fNClusterRange
  o.i64(1000000000000), o.i64(1000000000000);       // fMaxEntries, fMaxEntryLoop
  o.i64(0), o.i64(-300000000), o.i64(-30000000);    // fMaxVirtualSize, fAutoSave, fAutoFlush
  o.i64(1000000);                                   // fEstimate
  o.u8(0), o.u8(0);                                 // fClusterRangeEnd, fClusterSize: none
  const auto io = o.versioned(1);
  o.u8(0);
  o.close(io);
  const auto branch_list = o.versioned(3);
  o.tobject(kMemberBits);
  o.tstring("");
  o.i32(static_cast<std::int32_t>(branches.size()));
  o.i32(0);
  for (auto& b : branches) write_branch(o, b);
  o.close(branch_list);
  std::int32_t nleaves = 0;
  for (const auto& b : branches) nleaves += static_cast<std::int32_t>(b.leaves.size());
  const auto leaf_list = o.versioned(3);  // fLeaves: references to the leaves above
  o.tobject(kMemberBits);
  o.tstring("");
  o.i32(nleaves);
  o.i32(0);
  for (const auto& b : branches)
    for (const auto& l : b.leaves) o.u32(l.tag);
  o.close(leaf_list);
  o.u32(0);            // fAliases
  o.i32(0);            // fIndexValues (TArrayD, empty)
  o.i32(0);            // fIndex (TArrayI, empty)
  o.u32(0), o.u32(0), o.u32(0), o.u32(0);  // fTreeIndex, fFriends, fUserInfo, fBranchRef
  o.close(body);
}

void RootFileWriter::Impl::end_tree() {
  require(spec.has_value(), ErrorCode::Usage, path.string() + ": end_tree() without begin_tree()");
  for (auto& b : branches) flush(b);
  KeyHead k = new_key(spec->class_name, spec->name, spec->title);
  Out o(static_cast<std::uint32_t>(k.keylen));
  const bool ntuple = spec->class_name != "TTree";
  std::size_t outer = 0;
  if (ntuple) outer = o.versioned(spec->class_name == "TNtuple" ? 2 : 1);
  write_tree_object(o);
  if (ntuple) {
    o.i32(static_cast<std::int32_t>(branches.size()));  // fNvar
    o.close(outer);
    classes_used.insert(spec->class_name);
  }
  DirState& d = directory(tree_directory, "tree '" + spec->name + "'");
  k.pdir = d.seek;
  d.keys.push_back(write_key(k, o.bytes, "tree '" + spec->name + "'"));
  trees_written = true;
  spec.reset();
  branches.clear();
}

void RootFileWriter::Impl::make_directory(const std::string& dir, const std::string& title, const std::string& cls) {
  require(!committed, ErrorCode::Usage, path.string() + ": already committed");
  require(!spec, ErrorCode::Usage, path.string() + ": directory '" + dir + "' while tree '" + (spec ? spec->name : "") + "' is open");
  std::string parent;
  for (std::size_t from = 0; from <= dir.size();) {
    const auto slash = std::min(dir.find('/', from), dir.size());
    const std::string name = dir.substr(from, slash - from);
    const std::string here = dir.substr(0, slash);
    require(!name.empty(), ErrorCode::Usage, path.string() + ": bad directory path '" + dir + "'");
    if (!dirs.count(here)) {
      DirState& up = dirs.at(parent);
      require(!name_taken(up, name, 1), ErrorCode::Usage,
              path.string() + ": directory '" + here + "': a key of this name is already in '" + parent + "'");
      DirState d;
      d.name = name;
      d.title = slash == dir.size() ? title : "";
      d.parent = parent;
      KeyHead k = new_key(slash == dir.size() ? cls : "TDirectoryFile", d.name, d.title);
      k.pdir = up.seek;
      const auto keep = algo;
      algo = Algo::None;  // the record is rewritten in place by commit()
      k = write_key(k, std::vector<std::byte>(kDirectoryRecord), "directory '" + here + "'");
      algo = keep;
      d.seek = k.seek;
      d.keylen = k.keylen;
      up.keys.push_back(k);
      dirs[here] = std::move(d);
    }
    parent = here;
    from = slash + 1;
  }
}

void RootFileWriter::Impl::write_object(const RootRawObject& ob) {
  const std::string what = "object '" + (ob.directory.empty() ? "" : ob.directory + "/") + ob.name + "'";
  require(!committed, ErrorCode::Usage, path.string() + ": already committed");
  require(!spec, ErrorCode::Usage, path.string() + ": " + what + " while tree '" + (spec ? spec->name : "") + "' is open");
  require(!ob.name.empty() && ob.name.find('/') == std::string::npos && !ob.class_name.empty(), ErrorCode::Usage,
          path.string() + ": bad " + what + " (class '" + ob.class_name + "')");
  DirState& d = directory(ob.directory, what);
  require(!name_taken(d, ob.name, ob.cycle), ErrorCode::Usage,
          path.string() + ": " + what + ": cycle " + std::to_string(ob.cycle) + " is already in the directory");
  KeyHead k;
  k.cls = ob.class_name, k.name = ob.name, k.title = ob.title;
  k.cycle = ob.cycle;
  k.version = ob.small_key ? 4 : 1004;
  k.keylen = key_length(!ob.small_key, k.cls, k.name, k.title);
  k.pdir = d.seek;
  require(!ob.small_key || pos < static_cast<std::uint64_t>(kStartBigFile), ErrorCode::Limit,
          path.string() + ": " + what + " was streamed for a key with 32-bit pointers, which cannot start beyond 2 GB");
  d.keys.push_back(write_key(k, ob.payload, what));
}

RootBasketPlace RootFileWriter::Impl::write_raw_basket(const RootRawBasket& b) {
  const std::string what = "basket of branch '" + b.name + "' (tree '" + b.title + "')";
  require(!committed && !spec, ErrorCode::Usage, path.string() + ": " + what + " while a tree is open or after commit");
  DirState& d = directory(b.directory, what);
  KeyHead k;
  k.cls = "TBasket", k.name = b.name, k.title = b.title;
  k.cycle = b.cycle;
  k.version = b.small_key ? 4 : 1004;
  k.keylen = static_cast<std::int16_t>(b.keylen);
  k.pdir = d.seek;
  require(!b.small_key || pos < static_cast<std::uint64_t>(kStartBigFile), ErrorCode::Limit,
          path.string() + ": " + what + " has a key with 32-bit pointers, which cannot start beyond 2 GB");
  k = write_key(
      k, b.payload, what,
      [&](Out& head, const KeyHead&) {  // the source's TBasket header, as it was
        head.i16(b.version);
        head.i32(b.buffer_size), head.i32(b.nevbuf_size);
        if (b.nevbuf_size < 0) head.u8(b.io_bits);
        head.i32(b.nevbuf), head.i32(b.last);
        head.u8(0);
      },
      ErrorCode::Malformed);
  return {k.seek, k.nbytes};
}

std::uint64_t RootFileWriter::Impl::write_blob(std::span<const std::byte> bytes) {
  require(!committed && !spec, ErrorCode::Usage, path.string() + ": a blob while a tree is open or after commit");
  KeyHead k = new_key("RBlob", "", "");
  k.version = 1004;
  k.pdir = directory("", "a blob").seek;
  k = write_key(k, bytes, "RNTuple blob", {}, ErrorCode::Internal, false);
  return static_cast<std::uint64_t>(k.seek) + static_cast<std::uint64_t>(k.keylen);
}

void RootFileWriter::Impl::write_directory_record(Out& h, const DirState& d, std::int64_t seek_keys, std::int32_t nbytes_keys,
                                                  std::int32_t nbytes_name, std::int64_t seek_parent, const std::byte* uuid) {
  const bool large = d.seek > kStartBigFile || seek_parent > kStartBigFile || seek_keys > kStartBigFile;
  const std::size_t at = h.bytes.size();
  h.i16(large ? 1005 : 5);
  h.u32(datime), h.u32(datime);
  h.i32(nbytes_keys), h.i32(nbytes_name);
  if (large) {
    h.i64(d.seek), h.i64(seek_parent), h.i64(seek_keys);
    h.raw(std::span(uuid, 18));
  } else {
    h.i32(static_cast<std::int32_t>(d.seek)), h.i32(static_cast<std::int32_t>(seek_parent)), h.i32(static_cast<std::int32_t>(seek_keys));
    h.raw(std::span(uuid, 18));
    h.zeros(12);  // room for the 64-bit pointers
  }
  require(h.bytes.size() - at == kDirectoryRecord, ErrorCode::Internal, "directory record size");
}

std::vector<std::byte> RootFileWriter::Impl::streamer_list(const std::vector<std::string>& names, std::int16_t keylen) {
  std::vector<const ClassInfo*> mine;
  for (const auto& n : names) mine.push_back(find_class(n));
  Out info(static_cast<std::uint32_t>(keylen));
  if (!have_source_infos) {
    write_streamer_list(info, mine);
    return std::move(info.bytes);
  }
  // The source's list as it is, then our records it lacks (class and version), its object count
  // and byte count updated.
  const std::string what = path.string() + ": the source's StreamerInfo list";
  std::set<std::pair<std::string, int>> present;
  for (const auto& [name, version] : streamer_info_versions(source_infos, keylen, what)) present.insert({name, version});
  std::vector<const ClassInfo*> missing;
  for (const ClassInfo* c : mine)
    if (!present.count({class_name(*c), class_version(*c)})) missing.push_back(c);
  ByteReader r(source_infos, what);
  const auto count = r.be<std::uint32_t>("TList byte count");
  require((count & kByteCountMask) && (count & ~kByteCountMask) + 4 == source_infos.size(), ErrorCode::Malformed,
          what + ": its byte count does not cover it");
  r.skip(2, "TList version");
  if (r.be<std::uint16_t>("TObject version") & 0x4000) r.skip(4, "TObject byte count");
  r.skip(4, "TObject fUniqueID");
  if (r.be<std::uint32_t>("TObject fBits") & (1u << 4)) r.skip(2, "TObject pidf");
  read_tstring(r, "TList fName");
  const std::size_t count_at = r.pos();
  const auto n = r.be<std::int32_t>("TList size");
  info.raw(source_infos);
  write_streamer_records(info, missing);
  Out patch;
  patch.i32(n + static_cast<std::int32_t>(missing.size()));
  std::memcpy(info.bytes.data() + count_at, patch.bytes.data(), 4);
  info.close(0);
  return std::move(info.bytes);
}

void RootFileWriter::Impl::commit() {
  require(!committed, ErrorCode::Usage, path.string() + ": already committed");
  if (spec) end_tree();
  // Streamer infos of the classes in the file, bases and members first.
  std::vector<std::string> names;
  if (trees_written) {
    names = {"TNamed", "TObject", "TAttLine", "TAttFill", "TAttMarker", "ROOT::TIOFeatures", "TTree"};
    for (const char* n : {"TNtuple", "TNtupleD"})
      if (classes_used.count(n)) names.push_back(n);
    names.insert(names.end(), {"TBranch", "TLeaf"});
    for (const auto& c : writer_classes())
      if (std::string_view(class_name(c)).rfind("TLeaf", 0) == 0 && classes_used.count(class_name(c))) names.push_back(class_name(c));
    names.insert(names.end(), {"TObjArray", "TSeqCollection", "TCollection", "TString"});
  }
  KeyHead ik = new_key("TList", "StreamerInfo", have_source_infos ? source_infos_title : "Doubly linked list");
  if (have_source_infos) ik.cycle = source_infos_cycle;
  if (have_source_infos && source_infos_small) {
    ik.version = 4;
    ik.keylen = key_length(false, ik.cls, ik.name, ik.title);
    require(pos < static_cast<std::uint64_t>(kStartBigFile), ErrorCode::Limit,
            path.string() + ": the source's streamer infos were streamed for a key with 32-bit pointers, which cannot start beyond 2 GB");
  }
  ik = write_key(ik, streamer_list(names, ik.keylen), "streamer infos");
  if (have_source_infos && source_infos_listed) dirs.at("").keys.push_back(ik);
  const auto keep = algo;
  algo = Algo::None;
  // Each subdirectory's key list (stored raw, as ROOT does: readers parse it in place); its
  // record is written below, once the file's UUID is known.
  std::map<std::string, KeyHead> dir_lists;
  for (auto& [name, d] : dirs) {
    if (name.empty()) continue;
    KeyHead k = new_key("TDirectoryFile", d.name, d.title);
    k.pdir = d.seek;
    Out list;
    list.i32(static_cast<std::int32_t>(d.keys.size()));
    for (const auto& key : d.keys) write_key_head(list, key, datime);
    dir_lists[name] = write_key(k, list.bytes, "key list of directory '" + name + "'");
  }
  // The top directory's key list.
  const auto& keys = dirs.at("").keys;
  KeyHead lk = new_key("TFile", file_name, "");
  Out list;
  list.i32(static_cast<std::int32_t>(keys.size()));
  for (const auto& k : keys) write_key_head(list, k, datime);
  lk = write_key(lk, list.bytes, "key list");
  // Free segments: gaps, then everything after the end of the file (whose end depends on the
  // list's own size: a record is 10 bytes, 18 with 64-bit pointers). Stored raw.
  KeyHead fk = new_key("TFile", file_name, "");
  const std::size_t nfree = free_segments.size() + 1;
  const auto big = [](std::uint64_t v) { return v > static_cast<std::uint64_t>(kStartBigFile); };
  std::uint64_t list_bytes = 0;
  for (const auto& seg : free_segments) list_bytes += big(seg.second) ? 18 : 10;
  std::uint64_t end = pos + static_cast<std::uint64_t>(fk.keylen) + list_bytes + 10;
  if (big(end)) end += 8;
  auto segments = free_segments;
  segments.push_back({end, big(end) ? end + 1000000000000ull : static_cast<std::uint64_t>(kStartBigFile)});
  Out fr;
  for (const auto& [first, last] : segments) {
    if (big(last)) {
      fr.i16(1001), fr.i64(static_cast<std::int64_t>(first)), fr.i64(static_cast<std::int64_t>(last));
    } else {
      fr.i16(1), fr.i32(static_cast<std::int32_t>(first)), fr.i32(static_cast<std::int32_t>(last));
    }
  }
  fk = write_key(fk, fr.bytes, "free segments");
  algo = keep;
  require(pos == end, ErrorCode::Internal, "free segment list size");
  const bool large = end > static_cast<std::uint64_t>(kStartBigFile);
  // The header.
  // The UUID (version 1, then 16 bytes) from the content: the same data give the same file.
  XXH128_canonical_t digest;
  XXH128_canonicalFromHash(&digest, XXH3_128bits_digest(hash.get()));
  std::byte uuid[18] = {std::byte{0}, std::byte{1}};
  std::memcpy(uuid + 2, digest.digest, 16);
  Out h;
  h.raw(std::as_bytes(std::span("root", 4)));
  h.i32(kFileVersion + (large ? 1000000 : 0));
  h.i32(kBegin);
  if (large) {
    h.i64(static_cast<std::int64_t>(end)), h.i64(fk.seek), h.i32(fk.nbytes), h.i32(static_cast<std::int32_t>(nfree));
    h.i32(nbytes_name), h.u8(8), h.i32(compress_setting), h.i64(ik.seek), h.i32(ik.nbytes);
  } else {
    h.i32(static_cast<std::int32_t>(end)), h.i32(static_cast<std::int32_t>(fk.seek)), h.i32(fk.nbytes);
    h.i32(static_cast<std::int32_t>(nfree)), h.i32(nbytes_name), h.u8(4), h.i32(compress_setting);
    h.i32(static_cast<std::int32_t>(ik.seek)), h.i32(ik.nbytes);
  }
  h.raw(uuid);
  h.zeros(static_cast<std::size_t>(kBegin) - h.bytes.size());
  // The subdirectories' records, in place.
  for (const auto& [name, d] : dirs) {
    if (name.empty()) continue;
    const KeyHead& lkey = dir_lists.at(name);
    Out rec;
    write_directory_record(rec, d, lkey.seek, lkey.nbytes, d.keylen, d.parent.empty() ? kBegin : dirs.at(d.parent).seek, uuid);
    seek_to(static_cast<std::uint64_t>(d.seek) + static_cast<std::uint64_t>(d.keylen));
    write_raw(rec.bytes);
  }
  // The top directory: TFile key, name and title, TDirectory record (60 bytes either way).
  KeyHead tk;
  tk.version = 4, tk.cls = "TFile", tk.name = file_name, tk.title = "";
  tk.keylen = key_length(false, "TFile", file_name, "");
  tk.seek = kBegin, tk.pdir = 0;
  tk.objlen = nbytes_name - tk.keylen + 60;
  tk.nbytes = nbytes_name + 60;
  write_key_head(h, tk, datime);
  h.tstring(file_name);
  h.tstring("");
  const bool large_dir = lk.seek > kStartBigFile;
  h.i16(large_dir ? 1005 : 5);
  h.u32(datime), h.u32(datime);
  h.i32(lk.nbytes), h.i32(nbytes_name);
  if (large_dir) {
    h.i64(kBegin), h.i64(0), h.i64(lk.seek);
    h.raw(uuid);
  } else {
    h.i32(kBegin), h.i32(0), h.i32(static_cast<std::int32_t>(lk.seek));
    h.raw(uuid);
    h.zeros(12);  // room for the 64-bit pointers
  }
  require(h.bytes.size() == static_cast<std::size_t>(kBegin + nbytes_name + 60), ErrorCode::Internal, "header size");
  seek_to(0);
  write_raw(h.bytes);
  const bool ok = std::fflush(file) == 0 && (!sync_outputs() || ::fsync(fileno(file)) == 0);
  const bool closed = std::fclose(file) == 0;
  file = nullptr;
  if (!ok || !closed) throw Error(ErrorCode::Io, "cannot write " + path.string() + ": " + std::strerror(errno));
  atomic.commit();
  committed = true;
}

RootFileWriter::RootFileWriter(const std::filesystem::path& path, RootWriteOptions options)
    : impl_(std::make_unique<Impl>(path, std::move(options))) {}
RootFileWriter::~RootFileWriter() = default;
void RootFileWriter::begin_tree(const RootTreeSpec& spec, const std::string& directory) { impl_->begin_tree(spec, directory); }
void RootFileWriter::append(std::int64_t entries, std::span<const RootBranchData> data) { impl_->append(entries, data); }
void RootFileWriter::end_tree() { impl_->end_tree(); }
void RootFileWriter::commit() { impl_->commit(); }
void RootFileWriter::make_directory(const std::string& path, const std::string& title, const std::string& class_name) {
  require(class_name == "TDirectoryFile" || class_name == "TDirectory", ErrorCode::Usage,
          "directory '" + path + "': class '" + class_name + "' is not TDirectoryFile or TDirectory");
  impl_->make_directory(path, title, class_name);
}
void RootFileWriter::write_object(const RootRawObject& object) { impl_->write_object(object); }
RootBasketPlace RootFileWriter::write_raw_basket(const RootRawBasket& basket) { return impl_->write_raw_basket(basket); }
std::uint64_t RootFileWriter::write_blob(std::span<const std::byte> bytes) { return impl_->write_blob(bytes); }
void RootFileWriter::set_source_streamer_infos(std::span<const std::byte> payload, bool small_key, bool listed,
                                               const std::string& key_title, std::int16_t cycle) {
  impl_->source_infos_title = key_title;
  impl_->source_infos_cycle = cycle;
  impl_->source_infos_listed = listed;
  impl_->source_infos.assign(payload.begin(), payload.end());
  impl_->source_infos_small = small_key;
  impl_->have_source_infos = true;
}

}  // namespace baler::rootio
