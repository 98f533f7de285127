#include "cache/object.h"

#include <malloc.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <new>

namespace aio::cache {

bool ZSetValue::Insert(std::string_view member, double score) {
  auto [it, inserted] = dict.try_emplace(std::string(member), score);
  if (!inserted) {
    if (it->second == score) return false;
    tree.erase(Entry(it->second, it->first));
    it->second = score;
  }
  tree.insert(Entry(score, it->first));
  return inserted;
}

bool ZSetValue::Erase(std::string_view member) {
  auto it = dict.find(member);
  if (it == dict.end()) return false;
  tree.erase(Entry(it->second, it->first));
  dict.erase(it);
  return true;
}

namespace {

constexpr size_t kNarrowMax = 0xFFFF;

// Calls fn(container) with the aggregate's container; nothing for a string.
template <typename Fn>
void ForAggregate(const Object& object, Fn&& fn) {
  switch (object.type()) {
    case Type::kString:
      break;
    case Type::kHash:
      fn(object.hash());
      break;
    case Type::kList:
      fn(object.list());
      break;
    case Type::kSet:
      fn(object.set());
      break;
    case Type::kZSet:
      fn(object.zset());
      break;
    case Type::kStream:
      fn(object.stream());
      break;
  }
}

}  // namespace

void ObjectDeleter::operator()(Object* object) const { Object::Destroy(object); }

Object* Object::Allocate(Type type, uint32_t flags, std::string_view key, size_t payload,
                         size_t value) {
  const bool wide = key.size() > kNarrowMax;
  void* memory = std::malloc(sizeof(Object) + (wide ? 8 : 0) + payload + key.size() + value);
  if (memory == nullptr) throw std::bad_alloc();
  Object* o = new (memory) Object();
  o->word_ = static_cast<uint32_t>(type) << kTypeShift | flags | (wide ? kWide : 0);
  if (wide) {
    const auto n = static_cast<uint32_t>(key.size());
    std::memcpy(o + 1, &n, sizeof(n));
  } else {
    o->key_len_ = static_cast<uint16_t>(key.size());
  }
  if (!key.empty()) std::memcpy(o->body() + payload, key.data(), key.size());
  return o;
}

ObjectPtr Object::String(std::string_view value) { return ObjectPtr(NewEmbedded({}, value)); }

Object* Object::NewEmbedded(std::string_view key, std::string_view value) {
  if (value.size() > kNarrowMax) return NewRaw(key, new std::string(value));
  Object* o = Allocate(Type::kString, 0, key, 0, value.size());
  o->value_len_ = static_cast<uint16_t>(value.size());
  if (!value.empty()) std::memcpy(o->body() + key.size(), value.data(), value.size());
  return o;
}

Object* Object::NewRaw(std::string_view key, std::string* value) {
  Object* o = Allocate(Type::kString, kRaw, key, PayloadSize(Type::kString, true), 0);
  o->SetPointer(value);
  return o;
}

Object* Object::NewAggregate(Type type, std::string_view key, void* container, int64_t bytes) {
  Object* o = Allocate(type, 0, key, PayloadSize(type, false), 0);
  o->SetPointer(container);
  std::memcpy(o->body() + sizeof(void*), &bytes, sizeof(bytes));
  return o;
}

Object* Object::Rekey(std::string_view key, ObjectPtr object) {
  Object* o = nullptr;
  if (object->embedded()) {
    o = NewEmbedded(key, object->str());
  } else {
    // Move the pointer (and charge): the old entry is freed without its value.
    const size_t payload = PayloadSize(object->type(), true);
    o = Allocate(object->type(), object->word_ & kRaw, key, payload, 0);
    std::memcpy(o->body(), object->body(), payload);
  }
  o->set_access(object->access());
  if (!object->embedded()) std::free(object.release());
  return o;
}

bool Object::RewriteInPlace(std::string_view value) {
  if (!embedded() || value.size() > kNarrowMax) return false;
  const size_t start = static_cast<size_t>(body() - reinterpret_cast<char*>(this)) + key_size();
  const size_t room = malloc_usable_size(this) - start;
  if (value.size() > room || room > 2 * value.size() + 32) return false;
  if (!value.empty()) std::memcpy(body() + key_size(), value.data(), value.size());
  value_len_ = static_cast<uint16_t>(value.size());
  return true;
}

void Object::Destroy(Object* object) {
  if (object == nullptr) return;
  if (object->word_ & kRaw) delete static_cast<std::string*>(object->Pointer());
  ForAggregate(*object, [](auto& container) { delete &container; });
  std::free(object);
}

int64_t Object::bytes() const {
  if (type() == Type::kString) return static_cast<int64_t>(str().size());
  int64_t n = 0;
  std::memcpy(&n, body() + sizeof(void*), sizeof(n));
  return n;
}

void Object::AddBytes(int64_t delta) {
  if (type() == Type::kString) return;  // a string's charge is its length
  const int64_t n = bytes() + delta;
  std::memcpy(body() + sizeof(void*), &n, sizeof(n));
}

size_t Object::Length() const {
  size_t n = 1;  // a string
  ForAggregate(*this, [&n](const auto& container) { n = container.size(); });
  return n;
}

ObjectPtr Object::Clone() const {
  ObjectPtr copy = type() == Type::kString ? String(str()) : nullptr;
  ForAggregate(*this, [&](const auto& container) {
    using T = std::decay_t<decltype(container)>;
    if constexpr (std::is_same_v<T, ZSetValue>) {
      auto z = std::make_unique<ZSetValue>();
      for (const auto& [member, score] : container.dict) z->Insert(member, score);
      copy.reset(NewAggregate(type(), {}, z.release(), bytes()));
    } else {
      copy.reset(NewAggregate(type(), {}, new T(container), bytes()));
    }
  });
  copy->set_access(access());
  return copy;
}

const char* TypeName(Type type) {
  switch (type) {
    case Type::kString:
      return "string";
    case Type::kHash:
      return "hash";
    case Type::kList:
      return "list";
    case Type::kSet:
      return "set";
    case Type::kZSet:
      return "zset";
    case Type::kStream:
      return "stream";
  }
  return "none";
}

const char* EncodingName(const Object& object) {
  switch (object.type()) {
    case Type::kString: {
      if (object.raw_string()) return "raw";
      const std::string_view s = object.str();
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (!s.empty() && s.size() <= 20 && ec == std::errc() && ptr == s.data() + s.size()) {
        return "int";
      }
      return s.size() <= 44 ? "embstr" : "raw";
    }
    case Type::kHash:
      return object.hash().size() <= 128 ? "listpack" : "hashtable";
    case Type::kList:
      return object.list().size() <= 128 ? "listpack" : "quicklist";
    case Type::kSet:
      return object.set().size() <= 128 ? "listpack" : "hashtable";
    case Type::kZSet:
      return object.zset().size() <= 128 ? "listpack" : "skiplist";
    case Type::kStream:
      return "stream";
  }
  return "raw";
}

}  // namespace aio::cache
