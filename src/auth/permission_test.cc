#include "auth/permission.h"

#include "gtest/gtest.h"
#include "store/kv_store.h"

namespace aio::auth {
namespace {

const std::string kNul("\0", 1);

Permission Kv(std::string pattern, std::vector<std::string> actions) {
  absl::StatusOr<Permission> p = MakePermission("kv", pattern, actions);
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

TEST(PermissionTest, KvPrefixesAndSingleKeys) {
  const std::vector<Permission> perms = {Kv("/app/*", {"read"}), Kv("/cfg/one", {"read", "write"})};
  EXPECT_TRUE(KvRangePermitted(perms, "/app/x", "", kRead));
  EXPECT_FALSE(KvRangePermitted(perms, "/app/x", "", kWrite));
  EXPECT_TRUE(
      KvRangePermitted(perms, "/app/", store::PrefixEnd("/app/"), kRead));  // get --prefix /app/
  EXPECT_TRUE(KvRangePermitted(perms, "/app/a", "/app/z", kRead));
  EXPECT_FALSE(
      KvRangePermitted(perms, "/app", store::PrefixEnd("/app"), kRead));  // wider than granted
  EXPECT_FALSE(KvRangePermitted(perms, "/ap", "", kRead));
  EXPECT_TRUE(KvRangePermitted(perms, "/cfg/one", "", kWrite));
  EXPECT_FALSE(KvRangePermitted(perms, "/cfg/one2", "", kWrite));
  EXPECT_FALSE(KvRangePermitted(perms, kNul, kNul, kRead));  // get "" --prefix
}

TEST(PermissionTest, AdjacentRangesCoverTogether) {
  // etcd merges a role's ranges: [a, c) and [c, e) cover [b, d).
  const std::vector<Permission> perms = {
      {.resource = Resource::kKv, .key = "a", .range_end = "c", .actions = kRead},
      {.resource = Resource::kKv, .key = "c", .range_end = "e", .actions = kRead}};
  EXPECT_TRUE(KvRangePermitted(perms, "b", "d", kRead));
  EXPECT_FALSE(KvRangePermitted(perms, "b", "f", kRead));
  const std::vector<Permission> gap = {
      {.resource = Resource::kKv, .key = "a", .range_end = "c", .actions = kRead},
      {.resource = Resource::kKv, .key = "d", .range_end = "e", .actions = kRead}};
  EXPECT_FALSE(KvRangePermitted(gap, "b", "d", kRead));
}

TEST(PermissionTest, EveryKeyAndFromKey) {
  const std::vector<Permission> all = {Kv("*", {"read"})};
  EXPECT_TRUE(KvRangePermitted(all, kNul, kNul, kRead));
  EXPECT_TRUE(KvRangePermitted(all, "anything", "", kRead));
  const std::vector<Permission> from_m = {
      {.resource = Resource::kKv, .key = "m", .range_end = kNul, .actions = kWrite}};
  EXPECT_TRUE(KvRangePermitted(from_m, "m", kNul, kWrite));  // get --from-key m
  EXPECT_TRUE(KvRangePermitted(from_m, "z", "", kWrite));
  EXPECT_FALSE(KvRangePermitted(from_m, "a", kNul, kWrite));
  EXPECT_TRUE(KvRangePermitted({{.resource = Resource::kAdmin, .actions = kAllActions}}, kNul, kNul,
                               kWrite));
}

TEST(PermissionTest, GlobPatterns) {
  EXPECT_TRUE(GlobMatch("user:*", "user:42"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "a-x-b-y-c"));
  EXPECT_FALSE(GlobMatch("a*b*c", "a-x-b-y-d"));
  EXPECT_FALSE(GlobMatch("user:*", "admin:1"));
  EXPECT_TRUE(GlobMatch("exact", "exact"));
  EXPECT_FALSE(GlobMatch("exact", "exact2"));
}

TEST(PermissionTest, NatsSubjectWildcards) {
  EXPECT_TRUE(SubjectCovers("orders.*", "orders.new"));
  EXPECT_FALSE(SubjectCovers("orders.*", "orders.new.eu"));
  EXPECT_TRUE(SubjectCovers("orders.>", "orders.new.eu"));
  EXPECT_FALSE(SubjectCovers("orders.>", "orders"));
  EXPECT_TRUE(SubjectCovers(">", "anything.at.all"));
  // A subscription with wildcards is covered only by at least as wide a permission.
  EXPECT_TRUE(SubjectCovers("orders.*", "orders.*"));
  EXPECT_FALSE(SubjectCovers("orders.new", "orders.*"));
  EXPECT_FALSE(SubjectCovers("orders.*", "orders.>"));
  EXPECT_TRUE(SubjectCovers("orders.>", "orders.>"));
}

TEST(PermissionTest, NamePermittedByResourceAndAction) {
  const std::vector<Permission> perms = {*MakePermission("mq", "orders.>", {"write"}),
                                         *MakePermission("cache", "user:*", {"read"})};
  EXPECT_TRUE(NamePermitted(perms, Resource::kMq, "orders.eu", kWrite));
  EXPECT_FALSE(NamePermitted(perms, Resource::kMq, "orders.eu", kRead));
  EXPECT_FALSE(NamePermitted(perms, Resource::kCache, "orders.eu", kWrite));
  EXPECT_TRUE(NamePermitted(perms, Resource::kCache, "user:1", kRead));
  EXPECT_FALSE(NamePermitted(perms, Resource::kRegistry, "user:1", kRead));
}

TEST(PermissionTest, BadPermissionsGetClearErrors) {
  EXPECT_EQ(MakePermission("disk", "x", {"read"}).status().message(),
            "unknown resource \"disk\" (expected kv, registry, config, cache, mq or admin)");
  EXPECT_EQ(MakePermission("kv", "x", {"delete"}).status().message(),
            "unknown action \"delete\" (expected read, write or admin)");
  EXPECT_FALSE(MakePermission("kv", "/a*b", {"read"}).ok());
  EXPECT_FALSE(MakePermission("kv", "", {"read"}).ok());
  EXPECT_FALSE(MakePermission("kv", "/a", {}).ok());
}

TEST(PermissionTest, PatternsRoundTrip) {
  for (const char* pattern : {"/app/*", "/cfg/one", "*"}) {
    EXPECT_EQ(PermissionPattern(Kv(pattern, {"read"})), pattern);
  }
  EXPECT_EQ(store::PrefixEnd("a\xff"), "b");
  EXPECT_EQ(store::PrefixEnd("\xff"), kNul);
}

}  // namespace
}  // namespace aio::auth
