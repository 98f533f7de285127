// SORT and SORT_RO (https://redis.io/commands/sort/), as Redis 7's sort.c:
//   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
//        [STORE destination]
// on lists, sets and sorted sets. Patterns substitute the element for the first '*' and read a
// string key, or a hash field with `key->field`; GET # is the element itself; a BY pattern without
// '*' (BY nosort) skips sorting. The patterns name keys anywhere in the keyspace, so both commands
// run with every shard locked (kAllShards in the command table).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

struct SortOptions {
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;
  int64_t offset = -1;  // -1 = no LIMIT
  int64_t count = -1;
  bool desc = false;
  bool alpha = false;
  bool dont_sort = false;
  std::optional<std::string_view> store;
};

// Parses args[2..]; replies Redis's error and returns false on bad input.
bool ParseSortOptions(CommandContext& ctx, bool read_only, SortOptions* o) {
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.arg(i);
    const size_t left = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(opt, "asc")) {
      o->desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      o->desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      o->alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ctx.IntArg(i + 1, &o->offset) || !ctx.IntArg(i + 2, &o->count)) return false;
      i += 2;
    } else if (EqualsIgnoreCase(opt, "store") && left >= 1 && !read_only) {
      o->store = ctx.arg(++i);
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      o->by = ctx.arg(++i);
      if (o->by->find('*') == std::string_view::npos) o->dont_sort = true;
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      o->gets.push_back(ctx.arg(++i));
    } else {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis's lookupKeyByPattern: the value `pattern` names for `element`, or nullopt.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view element) {
  if (pattern == "#") return std::string(element);
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view rest = pattern.substr(star + 1);
  std::string_view field;
  const size_t arrow = rest.find("->");
  if (arrow != std::string_view::npos && arrow + 2 < rest.size()) {
    field = rest.substr(arrow + 2);
    rest = rest.substr(0, arrow);
  }
  std::string key(pattern.substr(0, star));
  key.append(element);
  key.append(rest);
  Object* object = ctx.Read(key);
  if (object == nullptr) return std::nullopt;
  if (field.empty()) {
    if (object->type() != Type::kString) return std::nullopt;
    const std::string_view value = object->str();
    return std::string(value);
  }
  if (object->type() != Type::kHash) return std::nullopt;
  auto it = object->hash().find(field);
  if (it == object->hash().end()) return std::nullopt;
  return it->second;
}

// strtod as Redis's sort applies it: the whole text must parse ("" is 0), no overflow, no NaN.
bool SortScore(const std::string& text, double* score) {
  char* end = nullptr;
  errno = 0;
  *score = std::strtod(text.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*score);
}

struct Item {
  std::string element;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the compared value (nullopt sorts first)
};

// The elements of a list, set or sorted set in stored order; for BY nosort, only the LIMIT window
// of a list or sorted set (walked from the end under DESC), as Redis does.
std::vector<Item> LoadElements(Object* object, const SortOptions& o, int64_t start, int64_t end) {
  std::vector<Item> items;
  auto add = [&](std::string_view element) { items.push_back(Item{std::string(element)}); };
  const bool window = o.dont_sort && object->type() != Type::kSet;
  if (window && end < start) return items;
  switch (object->type()) {
    case Type::kList: {
      const ListValue& list = object->list();
      if (!window) {
        for (const std::string& v : list) add(v);
        break;
      }
      const int64_t len = static_cast<int64_t>(list.size());
      for (int64_t i = start; i <= end; ++i)
        add(list[static_cast<size_t>(o.desc ? len - 1 - i : i)]);
      break;
    }
    case Type::kSet:
      for (const std::string& v : object->set()) add(v);
      break;
    case Type::kZSet: {
      const ZSetValue& z = object->zset();
      if (!window) {
        for (const auto& entry : z.tree) add(entry.second);
        break;
      }
      const int64_t len = static_cast<int64_t>(z.size());
      auto it = z.tree.find_by_order(static_cast<size_t>(o.desc ? len - 1 - start : start));
      for (int64_t i = start; i <= end; ++i) {
        add(it->second);
        if (o.desc)
          --it;
        else
          ++it;
      }
      break;
    }
    default:
      break;
  }
  return items;
}

}  // namespace

void SortFamily::Sort(CommandContext& ctx) {
  const bool read_only = ctx.spec->name == std::string_view("sort_ro");
  SortOptions o;
  if (!ParseSortOptions(ctx, read_only, &o)) return;
  Object* object = ctx.Read(ctx.arg(1));
  if (object != nullptr && object->type() != Type::kList && object->type() != Type::kSet &&
      object->type() != Type::kZSet) {
    ctx.rb.Error(errors::kWrongType);
    return;
  }
  // An unordered set stored or replicated must come out the same everywhere: sort it by value.
  if (o.dont_sort && object != nullptr && object->type() == Type::kSet && o.store) {
    o.dont_sort = false;
    o.alpha = true;
    o.by.reset();
  }
  const int64_t len = object == nullptr ? 0 : static_cast<int64_t>(object->Length());
  int64_t start = o.offset < 0 ? 0 : o.offset;
  int64_t end = o.count < 0 ? len - 1 : start + o.count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  std::vector<Item> items;
  if (object != nullptr) items = LoadElements(object, o, start, end);
  const bool windowed = o.dont_sort && object != nullptr && object->type() != Type::kSet;
  if (!o.dont_sort) {
    bool score_error = false;
    for (Item& item : items) {
      std::optional<std::string> value;
      if (o.by) {
        value = LookupByPattern(ctx, *o.by, item.element);
        if (!value) continue;  // missing BY key: score 0, or first under ALPHA
      }
      if (o.alpha) {
        if (o.by) item.by = std::move(value);
      } else if (!SortScore(value ? *value : item.element, &item.score)) {
        score_error = true;
      }
    }
    if (score_error) {
      ctx.rb.Error("ERR One or more scores can't be converted into double");
      return;
    }
    const bool by_pattern = o.by.has_value();
    auto compare = [&](const Item& a, const Item& b) {
      int cmp = 0;
      if (!o.alpha) {
        cmp = a.score < b.score ? -1 : (a.score > b.score ? 1 : a.element.compare(b.element));
      } else if (by_pattern) {
        if (!a.by || !b.by)
          cmp = a.by.has_value() == b.by.has_value() ? 0 : (a.by ? 1 : -1);
        else
          cmp = a.by->compare(*b.by);
      } else {
        cmp = a.element.compare(b.element);
      }
      return o.desc ? cmp > 0 : cmp < 0;
    };
    std::stable_sort(items.begin(), items.end(), compare);
  }
  // The window [start, end] of the sorted items (LoadElements already cut it for BY nosort).
  const size_t first = windowed ? 0 : static_cast<size_t>(std::max<int64_t>(start, 0));
  const size_t count = end >= start ? static_cast<size_t>(end - start + 1) : 0;
  const size_t per_item = o.gets.empty() ? 1 : o.gets.size();
  std::vector<std::optional<std::string>> out;
  out.reserve(count * per_item);
  for (size_t i = first; i < first + count && i < items.size(); ++i) {
    if (o.gets.empty()) {
      out.emplace_back(std::move(items[i].element));
      continue;
    }
    for (std::string_view pattern : o.gets)
      out.push_back(LookupByPattern(ctx, pattern, items[i].element));
  }

  if (!o.store) {
    ctx.rb.Array(static_cast<int64_t>(out.size()));
    for (const auto& value : out) {
      if (value)
        ctx.rb.Bulk(*value);
      else
        ctx.rb.Null();
    }
    return;
  }
  const std::string_view dst = *o.store;
  ctx.ks.Delete(ctx.db(), dst);
  if (!out.empty()) {
    Object* target = ctx.LookupOrCreate<ListValue>(dst, Type::kList);
    for (auto& value : out) {
      std::string element = value ? std::move(*value) : std::string();
      ctx.Charge(dst, target, ListElementBytes(element));
      target->list().push_back(std::move(element));
    }
  }
  // Every shard is locked (kAllShards): the dispatcher signals no key, so signal the write here.
  ctx.Modified(dst);
  FinishStore(ctx, dst, kNotifyList, "sortstore", static_cast<int64_t>(out.size()));
}

}  // namespace aio::cache
