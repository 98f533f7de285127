#include "cache/object.h"

#include <charconv>

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

size_t Object::Length() {
  switch (type()) {
    case Type::kString:
      return 1;
    case Type::kHash:
      return hash().size();
    case Type::kList:
      return list().size();
    case Type::kSet:
      return set().size();
    case Type::kZSet:
      return zset().size();
  }
  return 0;
}

Object Object::Clone() {
  Object copy;
  switch (type()) {
    case Type::kString:
      copy.value_ = str();
      break;
    case Type::kHash:
      copy.value_ = std::make_unique<HashValue>(hash());
      break;
    case Type::kList:
      copy.value_ = std::make_unique<ListValue>(list());
      break;
    case Type::kSet:
      copy.value_ = std::make_unique<SetValue>(set());
      break;
    case Type::kZSet: {
      auto z = std::make_unique<ZSetValue>();
      for (const auto& [member, score] : zset().dict) z->Insert(member, score);
      copy.value_ = std::move(z);
      break;
    }
  }
  copy.bytes = bytes;
  copy.access = access;
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
  }
  return "none";
}

const char* EncodingName(Object& object) {
  switch (object.type()) {
    case Type::kString: {
      const std::string& s = object.str();
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
  }
  return "raw";
}

}  // namespace aio::cache
