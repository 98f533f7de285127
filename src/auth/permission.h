// Permissions: a resource pattern times a set of actions, and the matching rules that decide
// whether a role's permissions cover a request. Pure functions, thread-safe.
//
//   kv        etcd key ranges (etcd's role model): `key` + `range_end` as etcd's Permission
//             (range_end "" = the single key, "\0" = every key >= key); read, write
//   registry  service names, glob pattern (`orders-*`); read, write
//   config    config keys, glob pattern (`app/db.*`); read, write
//   cache     Redis keys and channels, glob pattern as a Redis ACL `~pattern` / `&pattern`;
//             read (read commands, subscribe), write (write commands, publish)
//   mq        NATS subjects with `*` (one token) and `>` (the rest); read = subscribe,
//             write = publish
//   admin     everything: user, role and credential management, every resource
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace aio::auth {

// Persisted (as names in role records): never renumber.
enum class Resource { kKv = 0, kRegistry = 1, kConfig = 2, kCache = 3, kMq = 4, kAdmin = 5 };

// A bit set of actions.
enum Action : uint32_t { kRead = 1, kWrite = 2, kManage = 4 };
inline constexpr uint32_t kAllActions = kRead | kWrite | kManage;

struct Permission {
  Resource resource = Resource::kKv;
  std::string key;        // kv: the first key; others: the pattern
  std::string range_end;  // kv only
  uint32_t actions = 0;

  friend bool operator==(const Permission&, const Permission&) = default;
};

std::string_view ResourceName(Resource resource);
absl::StatusOr<Resource> ParseResource(std::string_view name);
// "read", "write", "admin" (kManage); InvalidArgument names the bad one.
absl::StatusOr<uint32_t> ParseActions(const std::vector<std::string>& names);
std::vector<std::string> ActionNames(uint32_t actions);

// A permission from its user-facing form. For kv, `pattern` is a key, a prefix ending in `*`
// (`/app/*`), or `*` for every key. For mq, a NATS subject pattern. Others: a glob.
absl::StatusOr<Permission> MakePermission(std::string_view resource, std::string_view pattern,
                                          const std::vector<std::string>& actions);
// The user-facing pattern of `permission` (inverse of MakePermission for kv prefixes).
std::string PermissionPattern(const Permission& permission);

// `*` matches any run of characters (including none); every other character matches itself.
bool GlobMatch(std::string_view pattern, std::string_view text);
// NATS subject matching: whether permission pattern `pattern` covers `subject`, which may itself
// hold wildcards (a subscription): `>` covers any rest, `*` any one token (also a requested `*`).
bool SubjectCovers(std::string_view pattern, std::string_view subject);

// Whether the union of the kv permissions with `action` covers the whole range [key, range_end)
// (etcd semantics for range_end). Non-kv permissions are ignored.
bool KvRangePermitted(const std::vector<Permission>& permissions, std::string_view key,
                      std::string_view range_end, uint32_t action);
// Whether a permission of `resource` with `action` matches `name` (registry, config, cache, mq).
bool NamePermitted(const std::vector<Permission>& permissions, Resource resource,
                   std::string_view name, uint32_t action);

}  // namespace aio::auth
