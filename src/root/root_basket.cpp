// TBasket payloads: free baskets (own TKey, maybe compressed) and baskets embedded in the TTree.
#include "root_internal.hpp"

namespace baler::rootio {
namespace {

std::size_t normal_basket_count(const Branch& b) {
  std::size_t n = 0;
  while (n < b.basket_seek.size() && n < static_cast<std::size_t>(b.write_basket) &&
         b.basket_seek[n] != 0)
    ++n;
  return n;
}

// Reads the entry-offset table that follows the data (`border` bytes) of a basket payload.
std::vector<std::int64_t> entry_offsets(std::span<const std::byte> tail, std::int32_t nevbuf,
                                        std::int32_t keylen, std::int64_t border,
                                        const std::string& what) {
  ByteReader r(tail, what);
  const auto n = r.be<std::int32_t>("entry offset count");
  if (n < nevbuf)
    r.fail("entry offset table has " + std::to_string(n) + " values for " +
           std::to_string(nevbuf) + " entries");
  r.need(static_cast<std::uint64_t>(nevbuf) * 4, "entry offsets");
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(nevbuf) + 1);
  for (std::int32_t i = 0; i < nevbuf; ++i)
    out.push_back(std::int64_t{r.be<std::int32_t>("entry offset")} - keylen);
  out.push_back(border);
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] < 0 || out[i] > out[i + 1])
      r.fail("entry offset " + std::to_string(i) + " (" + std::to_string(out[i]) +
             ") is outside the basket's " + std::to_string(border) + " data bytes or out of order");
  return out;
}

Basket read_free_basket(const RootFile& file, const Branch& b, std::size_t i,
                        const std::string& what) {
  auto [frame, payload] = read_basket_raw(file, b, i, what);
  Basket basket;
  basket.data = std::move(payload);
  const std::int64_t border = frame.last - frame.key.keylen;
  if (border < static_cast<std::int64_t>(basket.data.size()))
    basket.offsets = entry_offsets(std::span<const std::byte>(basket.data).subspan(static_cast<std::size_t>(border)),
                                   frame.nevbuf, frame.key.keylen, border, file.name() + ": " + what);
  basket.data.resize(static_cast<std::size_t>(border));
  basket.entries = frame.nevbuf;
  basket.generate_offsets = (frame.io_bits & kGenerateOffsetMap) != 0 && basket.offsets.empty();
  return basket;
}

}  // namespace

std::pair<BasketFrame, std::vector<std::byte>> read_basket_raw(const RootFile& file, const Branch& b, std::size_t i,
                                                               const std::string& what) {
  require(i < b.basket_seek.size(), ErrorCode::Internal, what + ": no basket " + std::to_string(i));
  const auto seek = b.basket_seek[i];
  const auto nbytes = i < b.basket_bytes.size() ? b.basket_bytes[i] : 0;
  require(seek > 0 && nbytes > 0, ErrorCode::Malformed,
          what + ": bad position " + std::to_string(seek) + " / size " + std::to_string(nbytes));
  const auto raw = file.source().read(static_cast<std::uint64_t>(seek),
                                      static_cast<std::uint64_t>(nbytes), what);
  ByteReader r(raw, file.name() + ": " + what);
  BasketFrame f;
  f.key = read_key_header(r);
  const Key& k = f.key;
  f.version = r.be<std::int16_t>("TBasket fVersion");
  f.buffer_size = r.be<std::int32_t>("TBasket fBufferSize");
  f.nevbuf_size = r.be<std::int32_t>("TBasket fNevBufSize");
  if (f.nevbuf_size < 0) {  // ROOT 6.20+: fIOBits follows; kGenerateOffsetMap drops the offset table
    f.io_bits = r.be<std::uint8_t>("TBasket fIOBits");
    if (f.io_bits != kGenerateOffsetMap)
      throw Error(ErrorCode::Unsupported, file.name() + ": " + what + ": its TBasket has I/O feature bits " +
                                              std::to_string(f.io_bits) + ", which baler does not read (1, kGenerateOffsetMap, it does)");
  }
  f.nevbuf = r.be<std::int32_t>("TBasket fNevBuf");
  f.last = r.be<std::int32_t>("TBasket fLast");
  r.skip(1, "TBasket flag");
  f.header_bytes = static_cast<std::int32_t>(r.pos());
  if (k.class_name != "TBasket" || k.nbytes != nbytes || k.keylen < static_cast<std::int64_t>(r.pos()) ||
      k.keylen > nbytes || f.nevbuf < 0 || f.last < k.keylen || f.last - k.keylen > k.objlen)
    r.fail("bad basket header (class '" + k.class_name + "', fNbytes " + std::to_string(k.nbytes) +
           " vs " + std::to_string(nbytes) + " in the branch, fKeylen " + std::to_string(k.keylen) +
           ", fObjlen " + std::to_string(k.objlen) + ", fLast " + std::to_string(f.last) +
           ", fNevBuf " + std::to_string(f.nevbuf) + ")");
  const auto stored = std::span<const std::byte>(raw).subspan(static_cast<std::size_t>(k.keylen));
  std::vector<std::byte> payload;
  if (stored.size() == static_cast<std::size_t>(k.objlen))
    payload.assign(stored.begin(), stored.end());
  else
    payload = decompress_blocks(stored, static_cast<std::uint64_t>(k.objlen), file.name() + ": " + what);
  return {std::move(f), std::move(payload)};
}

std::size_t free_basket_count(const Branch& b) { return normal_basket_count(b); }

std::size_t basket_count(const Branch& b) { return normal_basket_count(b) + b.embedded.size(); }

Basket read_basket(const RootFile& file, const Branch& branch, std::size_t index,
                   const std::string& what) {
  const std::size_t normal = normal_basket_count(branch);
  const std::string where = what + " basket " + std::to_string(index);
  if (index >= normal) {
    require(index - normal < branch.embedded.size(), ErrorCode::Internal, where + " does not exist");
    return branch.embedded[index - normal];
  }
  Basket b = read_free_basket(file, branch, index, where);
  if (index + 1 < branch.basket_entry.size()) {
    const auto expected = branch.basket_entry[index + 1] - branch.basket_entry[index];
    require(expected == b.entries, ErrorCode::Malformed,
            file.name() + ": " + where + " holds " + std::to_string(b.entries) +
                " entries but the branch table says " + std::to_string(expected));
  }
  return b;
}

}  // namespace baler::rootio
