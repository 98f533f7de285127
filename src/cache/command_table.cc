// The declarative command table: name, arity, flags, handler, key positions, ACL categories
// (as Redis's COMMAND INFO reports them).
#include <array>

#include "absl/container/flat_hash_map.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

void ZStoreKeys(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  keys->push_back(args[1]);
  int64_t n = 0;
  if (args.size() < 3 || !ParseInt(args[2], &n) || n <= 0) return;
  for (size_t i = 3; i < args.size() && i < 3 + static_cast<size_t>(n); ++i)
    keys->push_back(args[i]);
}

void NumKeysAt1(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  int64_t n = 0;
  if (!ParseInt(args[1], &n) || n <= 0) return;
  for (size_t i = 2; i < args.size() && i < 2 + static_cast<size_t>(n); ++i)
    keys->push_back(args[i]);
}

constexpr uint32_t kR = kReadOnly;
constexpr uint32_t kW = kWrite;
constexpr uint32_t kWO = kWrite | kDenyOom;
constexpr uint32_t kCon = kNoLock | kFast;

const CommandSpec kCommands[] = {
    // connection and server
    {"ping", -1, kCon | kPubSub, &ServerFamily::Ping, 0, 0, 0, "@fast @connection"},
    {"echo", 2, kCon, &ServerFamily::Echo, 0, 0, 0, "@fast @connection"},
    {"quit", -1, kCon | kNoAuth | kPubSub | kNoMulti, &ServerFamily::Quit, 0, 0, 0,
     "@fast @connection"},
    {"select", 2, kCon, &ServerFamily::Select, 0, 0, 0, "@fast @connection"},
    {"auth", -2, kCon | kNoAuth, &ServerFamily::Auth, 0, 0, 0, "@fast @connection"},
    {"hello", -1, kCon | kNoAuth, &ServerFamily::Hello, 0, 0, 0, "@fast @connection"},
    {"reset", 1, kCon | kNoAuth | kPubSub | kNoMulti, &ServerFamily::Reset, 0, 0, 0,
     "@fast @connection"},
    {"client", -2, kNoLock, &ServerFamily::ClientCmd, 0, 0, 0, "@slow @connection"},
    {"command", -1, kNoLock, &ServerFamily::Command, 0, 0, 0, "@slow @connection"},
    {"info", -1, kAllShards, &ServerFamily::Info, 0, 0, 0, "@slow @dangerous"},
    {"dbsize", 1, kR | kAllShards | kFast, &ServerFamily::DbSize, 0, 0, 0, "@keyspace @read @fast"},
    {"flushdb", -1, kW | kAllShards, &ServerFamily::FlushDb, 0, 0, 0,
     "@keyspace @write @slow @dangerous"},
    {"flushall", -1, kW | kAllShards, &ServerFamily::FlushAll, 0, 0, 0,
     "@keyspace @write @slow @dangerous"},
    {"swapdb", 3, kW | kAllShards, &ServerFamily::SwapDb, 0, 0, 0,
     "@keyspace @write @fast @dangerous"},
    {"time", 1, kCon, &ServerFamily::Time, 0, 0, 0, "@fast"},
    {"save", 1, kNoLock | kAdmin | kNoMulti, &ServerFamily::Save, 0, 0, 0,
     "@admin @slow @dangerous"},
    {"bgsave", -1, kNoLock | kAdmin, &ServerFamily::BgSave, 0, 0, 0, "@admin @slow @dangerous"},
    {"lastsave", 1, kCon, &ServerFamily::LastSave, 0, 0, 0, "@fast @dangerous"},
    {"config", -2, kNoLock | kAdmin, &ServerFamily::Config, 0, 0, 0, "@admin @slow @dangerous"},
    {"monitor", 1, kNoLock | kAdmin, &ServerFamily::Monitor, 0, 0, 0, "@admin @slow @dangerous"},
    {"multi", 1, kCon | kNoMulti, &ServerFamily::Multi, 0, 0, 0, "@fast @transaction"},
    {"exec", 1, kNoLock | kNoMulti, nullptr, 0, 0, 0, "@slow @transaction"},
    {"discard", 1, kCon | kNoMulti, &ServerFamily::Discard, 0, 0, 0, "@fast @transaction"},
    {"watch", -2, kFast | kNoMulti, &ServerFamily::Watch, 1, -1, 1, "@fast @transaction"},
    {"unwatch", 1, kCon | kNoMulti, &ServerFamily::Unwatch, 0, 0, 0, "@fast @transaction"},
    // keys
    {"del", -2, kW, &GenericFamily::Del, 1, -1, 1, "@keyspace @write @slow"},
    {"unlink", -2, kW | kFast, &GenericFamily::Del, 1, -1, 1, "@keyspace @write @fast"},
    {"exists", -2, kR | kFast, &GenericFamily::Exists, 1, -1, 1, "@keyspace @read @fast"},
    {"type", 2, kR | kFast, &GenericFamily::TypeCmd, 1, 1, 1, "@keyspace @read @fast"},
    {"keys", 2, kR | kAllShards, &GenericFamily::Keys, 0, 0, 0, "@keyspace @read @slow @dangerous"},
    {"scan", -2, kR | kAllShards, &GenericFamily::Scan, 0, 0, 0, "@keyspace @read @slow"},
    {"rename", 3, kW, &GenericFamily::Rename, 1, 2, 1, "@keyspace @write @slow"},
    {"renamenx", 3, kW | kFast, &GenericFamily::RenameNx, 1, 2, 1, "@keyspace @write @fast"},
    {"copy", -3, kWO, &GenericFamily::Copy, 1, 2, 1, "@keyspace @write @slow"},
    {"move", 3, kW | kFast, &GenericFamily::Move, 1, 1, 1, "@keyspace @write @fast"},
    {"expire", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast"},
    {"pexpire", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast"},
    {"expireat", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast"},
    {"pexpireat", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast"},
    {"ttl", 2, kR | kFast, &GenericFamily::Ttl, 1, 1, 1, "@keyspace @read @fast"},
    {"pttl", 2, kR | kFast, &GenericFamily::Ttl, 1, 1, 1, "@keyspace @read @fast"},
    {"expiretime", 2, kR | kFast, &GenericFamily::ExpireTime, 1, 1, 1, "@keyspace @read @fast"},
    {"pexpiretime", 2, kR | kFast, &GenericFamily::ExpireTime, 1, 1, 1, "@keyspace @read @fast"},
    {"persist", 2, kW | kFast, &GenericFamily::Persist, 1, 1, 1, "@keyspace @write @fast"},
    {"randomkey", 1, kR | kAllShards, &GenericFamily::RandomKey, 0, 0, 0, "@keyspace @read @slow"},
    {"touch", -2, kR | kFast, &GenericFamily::Touch, 1, -1, 1, "@keyspace @read @fast"},
    {"object", -2, kR, &GenericFamily::ObjectCmd, 2, 2, 1, "@keyspace @read @slow"},
    // strings
    {"get", 2, kR | kFast, &StringFamily::Get, 1, 1, 1, "@read @string @fast"},
    {"set", -3, kWO, &StringFamily::Set, 1, 1, 1, "@write @string @slow"},
    {"setnx", 3, kWO | kFast, &StringFamily::SetNx, 1, 1, 1, "@write @string @fast"},
    {"setex", 4, kWO, &StringFamily::SetEx, 1, 1, 1, "@write @string @slow"},
    {"psetex", 4, kWO, &StringFamily::SetEx, 1, 1, 1, "@write @string @slow"},
    {"getset", 3, kWO | kFast, &StringFamily::GetSet, 1, 1, 1, "@write @string @fast"},
    {"getdel", 2, kW | kFast, &StringFamily::GetDel, 1, 1, 1, "@write @string @fast"},
    {"getex", -2, kW | kFast, &StringFamily::GetEx, 1, 1, 1, "@write @string @fast"},
    {"mget", -2, kR | kFast, &StringFamily::MGet, 1, -1, 1, "@read @string @fast"},
    {"mset", -3, kWO, &StringFamily::MSet, 1, -1, 2, "@write @string @slow"},
    {"msetnx", -3, kWO, &StringFamily::MSetNx, 1, -1, 2, "@write @string @slow"},
    {"incr", 2, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast"},
    {"decr", 2, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast"},
    {"incrby", 3, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast"},
    {"decrby", 3, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast"},
    {"incrbyfloat", 3, kWO | kFast, &StringFamily::IncrByFloat, 1, 1, 1, "@write @string @fast"},
    {"append", 3, kWO | kFast, &StringFamily::Append, 1, 1, 1, "@write @string @fast"},
    {"strlen", 2, kR | kFast, &StringFamily::StrLen, 1, 1, 1, "@read @string @fast"},
    {"getrange", 4, kR, &StringFamily::GetRange, 1, 1, 1, "@read @string @slow"},
    {"substr", 4, kR, &StringFamily::GetRange, 1, 1, 1, "@read @string @slow"},
    {"setrange", 4, kWO, &StringFamily::SetRange, 1, 1, 1, "@write @string @slow"},
    {"setbit", 4, kWO, &StringFamily::SetBit, 1, 1, 1, "@write @bitmap @slow"},
    {"getbit", 3, kR | kFast, &StringFamily::GetBit, 1, 1, 1, "@read @bitmap @fast"},
    {"bitcount", -2, kR, &StringFamily::BitCount, 1, 1, 1, "@read @bitmap @slow"},
    {"bitpos", -3, kR, &StringFamily::BitPos, 1, 1, 1, "@read @bitmap @slow"},
    // hashes
    {"hset", -4, kWO | kFast, &HashFamily::HSet, 1, 1, 1, "@write @hash @fast"},
    {"hmset", -4, kWO | kFast, &HashFamily::HSet, 1, 1, 1, "@write @hash @fast"},
    {"hsetnx", 4, kWO | kFast, &HashFamily::HSetNx, 1, 1, 1, "@write @hash @fast"},
    {"hget", 3, kR | kFast, &HashFamily::HGet, 1, 1, 1, "@read @hash @fast"},
    {"hmget", -3, kR | kFast, &HashFamily::HMGet, 1, 1, 1, "@read @hash @fast"},
    {"hdel", -3, kW | kFast, &HashFamily::HDel, 1, 1, 1, "@write @hash @fast"},
    {"hexists", 3, kR | kFast, &HashFamily::HExists, 1, 1, 1, "@read @hash @fast"},
    {"hlen", 2, kR | kFast, &HashFamily::HLen, 1, 1, 1, "@read @hash @fast"},
    {"hgetall", 2, kR, &HashFamily::HGetAll, 1, 1, 1, "@read @hash @slow"},
    {"hkeys", 2, kR, &HashFamily::HKeys, 1, 1, 1, "@read @hash @slow"},
    {"hvals", 2, kR, &HashFamily::HVals, 1, 1, 1, "@read @hash @slow"},
    {"hincrby", 4, kWO | kFast, &HashFamily::HIncrBy, 1, 1, 1, "@write @hash @fast"},
    {"hincrbyfloat", 4, kWO | kFast, &HashFamily::HIncrByFloat, 1, 1, 1, "@write @hash @fast"},
    {"hstrlen", 3, kR | kFast, &HashFamily::HStrLen, 1, 1, 1, "@read @hash @fast"},
    {"hscan", -3, kR, &HashFamily::HScan, 1, 1, 1, "@read @hash @slow"},
    {"hrandfield", -2, kR, &HashFamily::HRandField, 1, 1, 1, "@read @hash @slow"},
    // lists
    {"lpush", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast"},
    {"rpush", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast"},
    {"lpushx", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast"},
    {"rpushx", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast"},
    {"lpop", -2, kW | kFast, &ListFamily::Pop, 1, 1, 1, "@write @list @fast"},
    {"rpop", -2, kW | kFast, &ListFamily::Pop, 1, 1, 1, "@write @list @fast"},
    {"llen", 2, kR | kFast, &ListFamily::LLen, 1, 1, 1, "@read @list @fast"},
    {"lrange", 4, kR, &ListFamily::LRange, 1, 1, 1, "@read @list @slow"},
    {"lindex", 3, kR, &ListFamily::LIndex, 1, 1, 1, "@read @list @slow"},
    {"lset", 4, kWO, &ListFamily::LSet, 1, 1, 1, "@write @list @slow"},
    {"lrem", 4, kW, &ListFamily::LRem, 1, 1, 1, "@write @list @slow"},
    {"ltrim", 4, kW, &ListFamily::LTrim, 1, 1, 1, "@write @list @slow"},
    {"linsert", 5, kWO, &ListFamily::LInsert, 1, 1, 1, "@write @list @slow"},
    {"lpos", -3, kR, &ListFamily::LPos, 1, 1, 1, "@read @list @slow"},
    {"lmove", 5, kWO, &ListFamily::LMove, 1, 2, 1, "@write @list @slow"},
    {"rpoplpush", 3, kWO, &ListFamily::LMove, 1, 2, 1, "@write @list @slow"},
    {"blpop", -3, kW | kBlocking, &ListFamily::BPop, 1, -2, 1, "@write @list @slow @blocking"},
    {"brpop", -3, kW | kBlocking, &ListFamily::BPop, 1, -2, 1, "@write @list @slow @blocking"},
    {"blmove", 6, kWO | kBlocking, &ListFamily::BLMove, 1, 2, 1, "@write @list @slow @blocking"},
    {"brpoplpush", 4, kWO | kBlocking, &ListFamily::BLMove, 1, 2, 1,
     "@write @list @slow @blocking"},
    // sets
    {"sadd", -3, kWO | kFast, &SetFamily::SAdd, 1, 1, 1, "@write @set @fast"},
    {"srem", -3, kW | kFast, &SetFamily::SRem, 1, 1, 1, "@write @set @fast"},
    {"sismember", 3, kR | kFast, &SetFamily::SIsMember, 1, 1, 1, "@read @set @fast"},
    {"smismember", -3, kR | kFast, &SetFamily::SMIsMember, 1, 1, 1, "@read @set @fast"},
    {"smembers", 2, kR, &SetFamily::SMembers, 1, 1, 1, "@read @set @slow"},
    {"scard", 2, kR | kFast, &SetFamily::SCard, 1, 1, 1, "@read @set @fast"},
    {"spop", -2, kW | kFast, &SetFamily::SPop, 1, 1, 1, "@write @set @fast"},
    {"srandmember", -2, kR, &SetFamily::SRandMember, 1, 1, 1, "@read @set @slow"},
    {"sinter", -2, kR, &SetFamily::SetOp, 1, -1, 1, "@read @set @slow"},
    {"sunion", -2, kR, &SetFamily::SetOp, 1, -1, 1, "@read @set @slow"},
    {"sdiff", -2, kR, &SetFamily::SetOp, 1, -1, 1, "@read @set @slow"},
    {"sinterstore", -3, kWO, &SetFamily::SetOp, 1, -1, 1, "@write @set @slow"},
    {"sunionstore", -3, kWO, &SetFamily::SetOp, 1, -1, 1, "@write @set @slow"},
    {"sdiffstore", -3, kWO, &SetFamily::SetOp, 1, -1, 1, "@write @set @slow"},
    {"sintercard", -3, kR, &SetFamily::SInterCard, 0, 0, 0, "@read @set @slow", &NumKeysAt1},
    {"smove", 4, kW | kFast, &SetFamily::SMove, 1, 2, 1, "@write @set @fast"},
    {"sscan", -3, kR, &SetFamily::SScan, 1, 1, 1, "@read @set @slow"},
    // sorted sets
    {"zadd", -4, kWO | kFast, &ZSetFamily::ZAdd, 1, 1, 1, "@write @sortedset @fast"},
    {"zrem", -3, kW | kFast, &ZSetFamily::ZRem, 1, 1, 1, "@write @sortedset @fast"},
    {"zscore", 3, kR | kFast, &ZSetFamily::ZScore, 1, 1, 1, "@read @sortedset @fast"},
    {"zmscore", -3, kR | kFast, &ZSetFamily::ZMScore, 1, 1, 1, "@read @sortedset @fast"},
    {"zincrby", 4, kWO | kFast, &ZSetFamily::ZIncrBy, 1, 1, 1, "@write @sortedset @fast"},
    {"zcard", 2, kR | kFast, &ZSetFamily::ZCard, 1, 1, 1, "@read @sortedset @fast"},
    {"zcount", 4, kR | kFast, &ZSetFamily::ZCount, 1, 1, 1, "@read @sortedset @fast"},
    {"zlexcount", 4, kR | kFast, &ZSetFamily::ZLexCount, 1, 1, 1, "@read @sortedset @fast"},
    {"zrank", 3, kR | kFast, &ZSetFamily::ZRank, 1, 1, 1, "@read @sortedset @fast"},
    {"zrevrank", 3, kR | kFast, &ZSetFamily::ZRank, 1, 1, 1, "@read @sortedset @fast"},
    {"zrange", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow"},
    {"zrevrange", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow"},
    {"zrangebyscore", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow"},
    {"zrevrangebyscore", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow"},
    {"zrangebylex", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow"},
    {"zrevrangebylex", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow"},
    {"zremrangebyrank", 4, kW, &ZSetFamily::ZRemRange, 1, 1, 1, "@write @sortedset @slow"},
    {"zremrangebyscore", 4, kW, &ZSetFamily::ZRemRange, 1, 1, 1, "@write @sortedset @slow"},
    {"zremrangebylex", 4, kW, &ZSetFamily::ZRemRange, 1, 1, 1, "@write @sortedset @slow"},
    {"zpopmin", -2, kW | kFast, &ZSetFamily::ZPop, 1, 1, 1, "@write @sortedset @fast"},
    {"zpopmax", -2, kW | kFast, &ZSetFamily::ZPop, 1, 1, 1, "@write @sortedset @fast"},
    {"bzpopmin", -3, kW | kBlocking, &ZSetFamily::BZPop, 1, -2, 1,
     "@write @sortedset @fast @blocking"},
    {"bzpopmax", -3, kW | kBlocking, &ZSetFamily::BZPop, 1, -2, 1,
     "@write @sortedset @fast @blocking"},
    {"zunionstore", -4, kWO, &ZSetFamily::ZStore, 0, 0, 0, "@write @sortedset @slow", &ZStoreKeys},
    {"zinterstore", -4, kWO, &ZSetFamily::ZStore, 0, 0, 0, "@write @sortedset @slow", &ZStoreKeys},
    {"zscan", -3, kR, &ZSetFamily::ZScan, 1, 1, 1, "@read @sortedset @slow"},
    {"zrandmember", -2, kR, &ZSetFamily::ZRandMember, 1, 1, 1, "@read @sortedset @slow"},
    // pub/sub
    {"subscribe", -2, kNoLock | kPubSub, &PubSubFamily::Subscribe, 0, 0, 0, "@pubsub @slow"},
    {"unsubscribe", -1, kNoLock | kPubSub, &PubSubFamily::Unsubscribe, 0, 0, 0, "@pubsub @slow"},
    {"psubscribe", -2, kNoLock | kPubSub, &PubSubFamily::Subscribe, 0, 0, 0, "@pubsub @slow"},
    {"punsubscribe", -1, kNoLock | kPubSub, &PubSubFamily::Unsubscribe, 0, 0, 0, "@pubsub @slow"},
    {"publish", 3, kNoLock | kFast, &PubSubFamily::Publish, 0, 0, 0, "@pubsub @fast"},
    {"pubsub", -2, kNoLock, &PubSubFamily::PubSub, 0, 0, 0, "@pubsub @slow"},
};

const absl::flat_hash_map<std::string, const CommandSpec*>& Index() {
  static const auto* index = [] {
    auto* map = new absl::flat_hash_map<std::string, const CommandSpec*>();
    for (const CommandSpec& spec : kCommands) map->emplace(spec.name, &spec);
    return map;
  }();
  return *index;
}

}  // namespace

std::span<const CommandSpec> CommandTable() { return kCommands; }

const CommandSpec* FindCommand(std::string_view name) {
  char lower[32];
  if (name.size() >= sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const auto& index = Index();
  auto it = index.find(absl::string_view(lower, name.size()));
  return it == index.end() ? nullptr : it->second;
}

}  // namespace aio::cache
