// The HyperLogLog value format: a Redis string in Redis's exact layout (hyperloglog.c), so a value
// copied from redis-server with GET/SET counts the same here and back.
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused | cached cardinality, 8 bytes little endian,
//   its most significant bit set when invalid | registers
//
// 16384 registers (P = 14), each the longest run of trailing zeros + 1 (1..51) seen among the
// 50 remaining bits of MurmurHash64A (seed 0xadc83b19) of the elements sent to it. Dense: 6 bits a
// register, least significant bits first (12288 bytes). Sparse: runs of opcodes ZERO 00xxxxxx
// (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy (1..16384 zero registers), VAL 1vvvvvxx (1..4
// registers of value 1..32). The cardinality estimator is Redis 7's (Ertl's improved estimator,
// arXiv:1702.01284): a standard error of 0.81%.
//
// Pure functions over byte strings; no state, thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aio::cache::hll {

inline constexpr int kRegisters = 16384;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + kRegisters * 6 / 8;
// Redis's hll-sparse-max-bytes default: a sparse value growing past it turns dense.
inline constexpr int64_t kDefaultSparseMaxBytes = 3000;

enum class Encoding : uint8_t { kDense = 0, kSparse = 1 };

// One register value per register (0..51).
using Registers = std::array<uint8_t, kRegisters>;

// Where an element lands: its register and the value it offers (1..51).
struct Position {
  int index = 0;
  uint8_t count = 0;
};

// Austin Appleby's MurmurHash64A, endian-neutral as Redis's copy.
uint64_t MurmurHash64A(std::string_view data, uint64_t seed);
Position PositionOf(std::string_view element);

// A new empty HLL as Redis's createHLLObject: sparse, one XZERO, cached cardinality invalid.
std::string Empty();
// Redis's isHLLObjectOrReply checks: the header's magic and encoding, and a dense value's exact
// length. A sparse body is only checked when read (Decode).
bool IsHll(std::string_view value);
// REQUIRES: IsHll(value).
Encoding EncodingOf(std::string_view value);

// Raises regs[i] to each register of `value` (a max-merge). False when a sparse body does not
// cover exactly 16384 registers (Redis's "Corrupted HLL object").
bool MergeInto(std::string_view value, Registers* regs);

// The estimated cardinality of `regs` (Redis's hllCount).
uint64_t Estimate(const Registers& regs);

// The cached cardinality, or nullopt when the cache is invalid.
std::optional<uint64_t> CachedCardinality(std::string_view value);
void SetCachedCardinality(std::string* value, uint64_t cardinality);

// Raises the registers `positions` name in *value (PFADD). Returns how many registers grew, or -1
// (and *value untouched) when the sparse body is corrupted. A sparse value turns dense when a
// register needs a value over 32, or when it grows past `sparse_max_bytes`. The cached cardinality
// is invalidated when a register grew.
int Add(std::string* value, std::span<const Position> positions, int64_t sparse_max_bytes);

// Whether Add would grow a register of a dense `value` (PFADD answers 0 without a copy when not).
// REQUIRES: EncodingOf(value) == kDense.
bool DenseGrows(std::string_view value, std::span<const Position> positions);

// Writes `regs` into *value (PFMERGE's destination) in its encoding, dense when `dense` or when a
// sparse encoding does not fit (as Add), and invalidates the cached cardinality. *value keeps
// its header; its registers are replaced.
void Store(std::string* value, const Registers& regs, bool dense, int64_t sparse_max_bytes);

// A sparse value turned dense (PFDEBUG TODENSE / GETREG); false when the sparse body is corrupted.
bool ToDense(std::string* value);

// PFDEBUG DECODE: the opcodes of a sparse value, "z:<len>" "Z:<len>" "v:<value>,<len>" joined by
// spaces, as Redis prints them.
std::string DescribeSparse(std::string_view value);

}  // namespace aio::cache::hll
