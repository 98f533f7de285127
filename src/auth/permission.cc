#include "auth/permission.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "store/kv_store.h"

namespace aio::auth {
namespace {

constexpr std::pair<Resource, std::string_view> kResourceNames[] = {
    {Resource::kKv, "kv"},         {Resource::kRegistry, "registry"},
    {Resource::kConfig, "config"}, {Resource::kCache, "cache"},
    {Resource::kMq, "mq"},         {Resource::kAdmin, "admin"},
};

constexpr std::pair<uint32_t, std::string_view> kActionNames[] = {
    {kRead, "read"}, {kWrite, "write"}, {kManage, "admin"}};

// The end of [key, range_end) as an exclusive bound; "" stands for +infinity.
std::string RangeEnd(std::string_view key, std::string_view range_end) {
  if (range_end.empty()) return std::string(key) + '\0';  // the single key
  if (range_end == std::string_view("\0", 1)) return "";  // every key >= key
  return std::string(range_end);
}

// a < b where "" means +infinity.
bool EndLess(const std::string& a, const std::string& b) {
  if (a.empty()) return false;
  if (b.empty()) return true;
  return a < b;
}

std::vector<std::string_view> Tokens(std::string_view subject) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  for (;;) {
    const size_t dot = subject.find('.', start);
    tokens.push_back(subject.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return tokens;
    start = dot + 1;
  }
}

}  // namespace

std::string_view ResourceName(Resource resource) {
  for (const auto& [value, name] : kResourceNames) {
    if (value == resource) return name;
  }
  return "unknown";
}

absl::StatusOr<Resource> ParseResource(std::string_view name) {
  for (const auto& [value, known] : kResourceNames) {
    if (known == name) return value;
  }
  return absl::InvalidArgumentError(fmt::format(
      "unknown resource \"{}\" (expected kv, registry, config, cache, mq or admin)", name));
}

absl::StatusOr<uint32_t> ParseActions(const std::vector<std::string>& names) {
  uint32_t actions = 0;
  for (const std::string& name : names) {
    bool found = false;
    for (const auto& [bit, known] : kActionNames) {
      if (known == name) {
        actions |= bit;
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(
          fmt::format("unknown action \"{}\" (expected read, write or admin)", name));
    }
  }
  if (actions == 0) return absl::InvalidArgumentError("a permission needs at least one action");
  return actions;
}

std::vector<std::string> ActionNames(uint32_t actions) {
  std::vector<std::string> names;
  for (const auto& [bit, name] : kActionNames) {
    if (actions & bit) names.emplace_back(name);
  }
  return names;
}

absl::StatusOr<Permission> MakePermission(std::string_view resource, std::string_view pattern,
                                          const std::vector<std::string>& actions) {
  Permission permission;
  absl::StatusOr<Resource> kind = ParseResource(resource);
  if (!kind.ok()) return kind.status();
  absl::StatusOr<uint32_t> bits = ParseActions(actions);
  if (!bits.ok()) return bits.status();
  permission.resource = *kind;
  permission.actions = *bits;
  if (*kind == Resource::kAdmin) return permission;
  if (pattern.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("a {} permission needs a pattern", ResourceName(*kind)));
  }
  if (*kind != Resource::kKv) {
    permission.key = std::string(pattern);
    return permission;
  }
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    permission.key = std::string(pattern);
  } else if (star != pattern.size() - 1) {
    return absl::InvalidArgumentError(
        fmt::format("kv pattern \"{}\": `*` is only allowed at the end (a key prefix)", pattern));
  } else if (pattern.size() == 1) {
    permission.key = std::string("\0", 1);
    permission.range_end = std::string("\0", 1);
  } else {
    permission.key = std::string(pattern.substr(0, star));
    permission.range_end = store::PrefixEnd(permission.key);
  }
  return permission;
}

std::string PermissionPattern(const Permission& permission) {
  if (permission.resource != Resource::kKv) return permission.key;
  const std::string nul("\0", 1);
  if (permission.range_end.empty()) return permission.key;
  if (permission.key == nul && permission.range_end == nul) return "*";
  if (permission.range_end == store::PrefixEnd(permission.key)) return permission.key + "*";
  return fmt::format("[{}, {})", permission.key,
                     permission.range_end == nul ? "<end>" : permission.range_end);
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool SubjectCovers(std::string_view pattern, std::string_view subject) {
  const std::vector<std::string_view> want = Tokens(pattern);
  const std::vector<std::string_view> got = Tokens(subject);
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == ">") return i < got.size();  // `>` needs at least one more token
    if (i >= got.size()) return false;
    if (got[i] == ">") return false;  // a requested tail wildcard only under a `>` permission
    if (want[i] == "*") continue;
    if (want[i] != got[i]) return false;
  }
  return want.size() == got.size();
}

bool KvRangePermitted(const std::vector<Permission>& permissions, std::string_view key,
                      std::string_view range_end, uint32_t action) {
  // Intervals [begin, end) granting `action`, sorted; walk them to see whether they cover
  // [key, want_end) without a gap (etcd merges a role's ranges the same way).
  std::vector<std::pair<std::string, std::string>> granted;
  for (const Permission& p : permissions) {
    if (p.resource == Resource::kAdmin && (p.actions & action)) return true;
    if (p.resource != Resource::kKv || !(p.actions & action)) continue;
    const std::string nul("\0", 1);
    std::string begin = p.key == nul && p.range_end == nul ? "" : p.key;
    granted.emplace_back(std::move(begin), RangeEnd(p.key, p.range_end));
  }
  std::sort(granted.begin(), granted.end());
  const std::string nul("\0", 1);
  std::string covered_to =
      key == nul && range_end == nul ? std::string() : std::string(key);  // next uncovered key
  const std::string want_end = RangeEnd(key, range_end);
  for (const auto& [begin, end] : granted) {
    if (begin > covered_to) break;  // a gap before this interval
    if (EndLess(covered_to, end) || end.empty()) {
      covered_to = end;
      if (end.empty()) return true;
    }
    if (!EndLess(covered_to, want_end)) return true;
  }
  return !want_end.empty() && !EndLess(covered_to, want_end);
}

bool NamePermitted(const std::vector<Permission>& permissions, Resource resource,
                   std::string_view name, uint32_t action) {
  for (const Permission& p : permissions) {
    if (!(p.actions & action)) continue;
    if (p.resource == Resource::kAdmin) return true;
    if (p.resource != resource) continue;
    if (resource == Resource::kMq ? SubjectCovers(p.key, name) : GlobMatch(p.key, name)) {
      return true;
    }
  }
  return false;
}

}  // namespace aio::auth
