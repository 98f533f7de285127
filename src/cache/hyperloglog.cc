#include "cache/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "fmt/format.h"

namespace aio::cache::hll {
namespace {

constexpr int kP = 14;
constexpr int kQ = 64 - kP;  // hash bits left for the run of zeros
constexpr int kBits = 6;
constexpr uint8_t kSparseValMax = 32;
constexpr int kZeroMaxLen = 64;
constexpr int kEncodingOffset = 4;
constexpr int kCardOffset = 8;
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)

const uint8_t* Body(std::string_view value) {
  return reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
}

uint8_t DenseGet(std::string_view value, int index) {
  const uint8_t* body = Body(value);
  const size_t bit = static_cast<size_t>(index) * kBits;
  const size_t byte = bit / 8;
  const unsigned shift = bit % 8;
  const unsigned next = byte + 1 < kDenseSize - kHeaderSize ? body[byte + 1] : 0;
  return static_cast<uint8_t>(((body[byte] >> shift) | (next << (8 - shift))) & 63);
}

void DenseSet(std::string* value, int index, uint8_t v) {
  uint8_t* body = reinterpret_cast<uint8_t*>(value->data()) + kHeaderSize;
  const size_t bit = static_cast<size_t>(index) * kBits;
  const size_t byte = bit / 8;
  const unsigned shift = bit % 8;
  body[byte] = static_cast<uint8_t>((body[byte] & ~(63u << shift)) | (v << shift));
  if (shift > 8 - kBits) {  // the register spills into the next byte
    const unsigned rest = 8 - shift;
    body[byte + 1] = static_cast<uint8_t>((body[byte + 1] & ~(63u >> rest)) | (v >> rest));
  }
}

void InvalidateCache(std::string* value) { (*value)[kCardOffset + 7] |= static_cast<char>(0x80); }

// Calls op(value, run_length) for each opcode of a sparse body (value 0 for ZERO/XZERO); false
// when the runs do not add up to exactly kRegisters.
template <typename Op>
bool WalkSparse(std::string_view value, Op op) {
  const uint8_t* p = Body(value);
  const uint8_t* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  int total = 0;
  while (p < end) {
    int len = 0;
    uint8_t v = 0;
    if ((*p & 0xc0) == 0) {  // ZERO
      len = (*p & 0x3f) + 1;
      p += 1;
    } else if ((*p & 0xc0) == 0x40) {  // XZERO
      if (p + 1 >= end) return false;
      len = (((p[0] & 0x3f) << 8) | p[1]) + 1;
      p += 2;
    } else {  // VAL
      v = static_cast<uint8_t>(((*p >> 2) & 0x1f) + 1);
      len = (*p & 0x3) + 1;
      p += 1;
    }
    if (total + len > kRegisters) return false;
    op(v, total, len);
    total += len;
  }
  return total == kRegisters;
}

// The sparse body of `regs` (shortest opcodes: maximal zero runs, VALs of up to 4), or nullopt
// when a register is over 32.
std::optional<std::string> EncodeSparse(const Registers& regs) {
  std::string body;
  int i = 0;
  while (i < kRegisters) {
    const uint8_t v = regs[i];
    if (v > kSparseValMax) return std::nullopt;
    int run = 1;
    while (i + run < kRegisters && regs[i + run] == v) ++run;
    i += run;
    if (v == 0) {
      const int len = run - 1;
      if (run > kZeroMaxLen) {
        body.push_back(static_cast<char>(0x40 | (len >> 8)));
        body.push_back(static_cast<char>(len & 0xff));
      } else {
        body.push_back(static_cast<char>(len));
      }
      continue;
    }
    for (; run > 0; run -= 4) {
      const int len = std::min(run, 4);
      body.push_back(static_cast<char>(0x80 | ((v - 1) << 2) | (len - 1)));
    }
  }
  return body;
}

std::string Header(std::string_view old, Encoding encoding) {
  std::string header(old.substr(0, kHeaderSize));
  header[kEncodingOffset] = static_cast<char>(encoding);
  return header;
}

std::string Dense(std::string_view old, const Registers& regs) {
  std::string value = Header(old, Encoding::kDense);
  value.resize(kDenseSize, '\0');
  for (int i = 0; i < kRegisters; ++i) {
    if (regs[i] != 0) DenseSet(&value, i, regs[i]);
  }
  return value;
}

// Sparse when the encoding fits (no register over 32, and not grown past sparse_max_bytes from
// `old`), else dense; the cache invalidated.
std::string Reencode(std::string_view old, const Registers& regs, int64_t sparse_max_bytes) {
  std::optional<std::string> body = EncodeSparse(regs);
  std::string value;
  const size_t size = body ? kHeaderSize + body->size() : 0;
  if (body && !(size > old.size() && static_cast<int64_t>(size) > sparse_max_bytes)) {
    value = Header(old, Encoding::kSparse) + *body;
  } else {
    value = Dense(old, regs);
  }
  InvalidateCache(&value);
  return value;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0;
  double z = 1 - x;
  double previous = 0;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

double Sigma(double x) {
  if (x == 1.) return std::numeric_limits<double>::infinity();
  double y = 1;
  double z = x;
  double previous = 0;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t len = data.size();
  uint64_t h = seed ^ (len * m);
  const uint8_t* end = p + (len - (len & 7));
  for (; p != end; p += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | p[b];  // little endian whatever the host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t tail = len & 7;
  if (tail != 0) {
    for (size_t b = tail; b-- > 0;) h ^= static_cast<uint64_t>(p[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

Position PositionOf(std::string_view element) {
  uint64_t hash = MurmurHash64A(element, 0xadc83b19ULL);
  Position pos;
  pos.index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= 1ULL << kQ;  // the run ends at bit kQ at the latest: counts stay <= kQ + 1
  uint8_t count = 1;
  for (uint64_t bit = 1; (hash & bit) == 0; bit <<= 1) ++count;
  pos.count = count;
  return pos;
}

std::string Empty() {
  std::string value("HYLL", 4);
  value.resize(kHeaderSize, '\0');
  value[kEncodingOffset] = static_cast<char>(Encoding::kSparse);
  const int len = kRegisters - 1;  // one XZERO over every register
  value.push_back(static_cast<char>(0x40 | (len >> 8)));
  value.push_back(static_cast<char>(len & 0xff));
  InvalidateCache(&value);
  return value;
}

bool IsHll(std::string_view value) {
  if (value.size() < kHeaderSize || value.substr(0, 4) != "HYLL") return false;
  const auto encoding = static_cast<uint8_t>(value[kEncodingOffset]);
  if (encoding > static_cast<uint8_t>(Encoding::kSparse)) return false;
  return encoding != static_cast<uint8_t>(Encoding::kDense) || value.size() == kDenseSize;
}

Encoding EncodingOf(std::string_view value) {
  return static_cast<Encoding>(value[kEncodingOffset]);
}

bool MergeInto(std::string_view value, Registers* regs) {
  if (EncodingOf(value) == Encoding::kDense) {
    for (int i = 0; i < kRegisters; ++i) (*regs)[i] = std::max((*regs)[i], DenseGet(value, i));
    return true;
  }
  return WalkSparse(value, [regs](uint8_t v, int at, int len) {
    for (int i = at; i < at + len; ++i) (*regs)[i] = std::max((*regs)[i], v);
  });
}

uint64_t Estimate(const Registers& regs) {
  const double m = kRegisters;
  std::array<int, kQ + 2> histogram{};
  for (uint8_t v : regs) ++histogram[v];
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

std::optional<uint64_t> CachedCardinality(std::string_view value) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(value[kCardOffset + i]);
  if (card >> 63) return std::nullopt;
  return card;
}

void SetCachedCardinality(std::string* value, uint64_t cardinality) {
  for (int i = 0; i < 8; ++i) (*value)[kCardOffset + i] = static_cast<char>(cardinality >> (8 * i));
}

int Add(std::string* value, std::span<const Position> positions, int64_t sparse_max_bytes) {
  int grew = 0;
  if (EncodingOf(*value) == Encoding::kDense) {
    for (const Position& pos : positions) {
      if (DenseGet(*value, pos.index) >= pos.count) continue;
      DenseSet(value, pos.index, pos.count);
      ++grew;
    }
    if (grew > 0) InvalidateCache(value);
    return grew;
  }
  Registers regs{};
  if (!MergeInto(*value, &regs)) return -1;
  bool promote = false;
  for (const Position& pos : positions) {
    promote |= pos.count > kSparseValMax;  // as Redis: even when the register does not grow
    if (regs[pos.index] >= pos.count) continue;
    regs[pos.index] = pos.count;
    ++grew;
  }
  if (promote) {
    *value = Dense(*value, regs);
    if (grew > 0) InvalidateCache(value);
  } else if (grew > 0) {
    *value = Reencode(*value, regs, sparse_max_bytes);
  }
  return grew;
}

bool DenseGrows(std::string_view value, std::span<const Position> positions) {
  return std::any_of(positions.begin(), positions.end(), [value](const Position& pos) {
    return DenseGet(value, pos.index) < pos.count;
  });
}

void Store(std::string* value, const Registers& regs, bool dense, int64_t sparse_max_bytes) {
  if (dense || EncodingOf(*value) == Encoding::kDense) {
    *value = Dense(*value, regs);
    InvalidateCache(value);
  } else {
    *value = Reencode(*value, regs, sparse_max_bytes);
  }
}

bool ToDense(std::string* value) {
  Registers regs{};
  if (!MergeInto(*value, &regs)) return false;
  *value = Dense(*value, regs);
  return true;
}

std::string DescribeSparse(std::string_view value) {
  std::string text;
  const uint8_t* p = Body(value);
  const uint8_t* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  while (p < end) {
    if (!text.empty()) text.push_back(' ');
    if ((*p & 0xc0) == 0) {
      text += fmt::format("z:{}", (*p & 0x3f) + 1);
      p += 1;
    } else if ((*p & 0xc0) == 0x40) {
      const int second = p + 1 < end ? p[1] : 0;
      text += fmt::format("Z:{}", (((p[0] & 0x3f) << 8) | second) + 1);
      p += 2;
    } else {
      text += fmt::format("v:{},{}", ((*p >> 2) & 0x1f) + 1, (*p & 0x3) + 1);
      p += 1;
    }
  }
  return text;
}

}  // namespace aio::cache::hll
