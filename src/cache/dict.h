// Dict<T>: the keyspace's hash table. An open-addressing table (linear probing, power-of-two
// capacity, backward-shift deletion, no tombstones) of pointers to elements that hold their own key
// (`std::string_view T::key() const`); the table does not own them. A slot is 8 bytes: the pointer
// with 16 bits of the key's hash in its unused top bits, so a probe compares keys only on a tag
// match. Grows past 3/4 full, shrinks below 1/8.
//
// Scan() is Redis's dictScan (https://github.com/redis/redis/blob/7.0/src/dict.c): a cursor over
// home buckets (hash & mask) advanced in reverse-binary order, so every element present for the
// whole scan is returned at least once even if the table grows or shrinks between calls. Linear
// probing with backward-shift deletion keeps every element within the run of occupied slots that
// starts at its home bucket, so one bucket's elements are found by walking that run.
//
// Threading: none; the keyspace guards each Dict with its shard's mutex.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string_view>
#include <utility>

namespace aio::cache {

template <typename T>
class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& other) noexcept { Swap(other); }
  Dict& operator=(Dict&& other) noexcept {
    Swap(other);
    return *this;
  }

  static size_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }

  T* Find(std::string_view key) const { return Find(key, Hash(key)); }
  // `hash` is Hash(key), for callers that computed it already.
  T* Find(std::string_view key, size_t hash) const {
    const size_t i = SlotOf(key, hash);
    return i == kNone ? nullptr : Ptr(slots_[i]);
  }

  // Adds `item`. REQUIRES no element with its key. `hash` is Hash(item->key()).
  void Insert(T* item) { Insert(item, Hash(item->key())); }
  void Insert(T* item, size_t hash) {
    if ((size_ + 1) * 4 > capacity_ * 3) Resize(capacity_ == 0 ? kMinCapacity : capacity_ * 2);
    Place(item, hash);
    ++size_;
  }

  // Puts `item` where the element with the same key is (it moved in memory). REQUIRES that element.
  void Replace(T* item) { Replace(item, Hash(item->key())); }
  void Replace(T* item, size_t hash) {
    const size_t i = SlotOf(item->key(), hash);
    slots_[i] = (slots_[i] & kTagMask) | reinterpret_cast<uintptr_t>(item);
  }

  // Removes and returns the element with `key`, or nullptr.
  T* Remove(std::string_view key) { return Remove(key, Hash(key)); }
  T* Remove(std::string_view key, size_t hash) {
    size_t i = SlotOf(key, hash);
    if (i == kNone) return nullptr;
    T* removed = Ptr(slots_[i]);
    // Backward shift: pull later elements of the run into the hole unless that would put one
    // before its home bucket.
    for (size_t j = (i + 1) & mask(); slots_[j] != 0; j = (j + 1) & mask()) {
      const size_t home = Hash(Ptr(slots_[j])->key()) & mask();
      // Distance from home to j and to the hole (cyclic): movable when the hole is not past j.
      if (((j - home) & mask()) >= ((j - i) & mask())) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
    if (capacity_ > kMinCapacity && size_ * 8 < capacity_) Resize(CapacityFor(size_));
    return removed;
  }

  // Forgets every element (the caller frees them) and the slot array.
  void Clear() {
    slots_.reset();
    capacity_ = 0;
    size_ = 0;
  }

  // A random element (a random slot, then the next occupied one), or nullptr when empty.
  T* Random(std::minstd_rand& rng) const {
    if (size_ == 0) return nullptr;
    for (size_t i = rng() & mask();; i = (i + 1) & mask()) {
      if (slots_[i] != 0) return Ptr(slots_[i]);
    }
  }

  // Calls fn(T*) for every element. fn must not change the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < capacity_; ++i) {
      if (slots_[i] != 0) fn(Ptr(slots_[i]));
    }
  }

  // Calls fn(T*) for the elements of the home bucket `cursor` designates and returns the next
  // cursor, 0 after the last bucket. fn must not change the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (size_ == 0) return 0;
    const size_t bucket = cursor & mask();
    for (size_t i = bucket; slots_[i] != 0; i = (i + 1) & mask()) {
      T* item = Ptr(slots_[i]);
      if ((Hash(item->key()) & mask()) == bucket) fn(item);
    }
    // Increment the reversed cursor: the high bits of the bucket index change fastest.
    cursor |= ~static_cast<uint64_t>(mask());
    cursor = ReverseBits(ReverseBits(cursor) + 1);
    return cursor;
  }

  // Resizes to hold `n` elements at most half full (tests; the table sizes itself).
  void Rehash(size_t n) { Resize(CapacityFor(n)); }

 private:
  static constexpr size_t kMinCapacity = 8;
  static constexpr size_t kNone = ~size_t{0};
  static constexpr int kTagShift = 48;
  static constexpr uintptr_t kTagMask = ~uintptr_t{0} << kTagShift;
  static_assert(sizeof(uintptr_t) == 8, "pointer tags need 64-bit pointers");

  static uintptr_t Tag(size_t hash) {
    // Bits independent of the bucket (low bits) and of the shard (ShardOf uses bits 40+), never
    // zero so an occupied slot is never 0.
    return (static_cast<uintptr_t>((hash >> 24) & 0xFFFF) | 1) << kTagShift;
  }
  static T* Ptr(uintptr_t slot) { return reinterpret_cast<T*>(slot & ~kTagMask); }
  static uint64_t ReverseBits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    return __builtin_bswap64(v);
  }
  static size_t CapacityFor(size_t n) { return std::max(kMinCapacity, std::bit_ceil(n * 2 + 1)); }

  size_t mask() const { return capacity_ - 1; }

  size_t SlotOf(std::string_view key, size_t hash) const {
    if (size_ == 0) return kNone;
    const uintptr_t tag = Tag(hash);
    for (size_t i = hash & mask();; i = (i + 1) & mask()) {
      const uintptr_t slot = slots_[i];
      if (slot == 0) return kNone;
      if ((slot & kTagMask) == tag && Ptr(slot)->key() == key) return i;
    }
  }

  void Place(T* item, size_t hash) {
    size_t i = hash & mask();
    while (slots_[i] != 0) i = (i + 1) & mask();
    slots_[i] = Tag(hash) | reinterpret_cast<uintptr_t>(item);
  }

  void Resize(size_t capacity) {
    std::unique_ptr<uintptr_t[]> old = std::move(slots_);
    const size_t old_capacity = capacity_;
    slots_ = std::make_unique<uintptr_t[]>(capacity);  // zeroed
    capacity_ = capacity;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old[i] != 0) Place(Ptr(old[i]), Hash(Ptr(old[i])->key()));
    }
  }

  void Swap(Dict& other) {
    std::swap(slots_, other.slots_);
    std::swap(capacity_, other.capacity_);
    std::swap(size_, other.size_);
  }

  std::unique_ptr<uintptr_t[]> slots_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace aio::cache
