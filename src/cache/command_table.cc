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

// The keys of `numkeys key [key ...]` with numkeys at args[at].
void NumKeysAt(size_t at, std::span<const std::string_view> args,
               std::vector<std::string_view>* keys) {
  int64_t n = 0;
  if (args.size() <= at || !ParseInt(args[at], &n) || n <= 0) return;
  for (size_t i = at + 1; i < args.size() && i < at + 1 + static_cast<size_t>(n); ++i)
    keys->push_back(args[i]);
}
void NumKeysAt1(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  NumKeysAt(1, args, keys);
}
// BLMPOP BZMPOP: timeout numkeys key [key ...].
void NumKeysAt2(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  NumKeysAt(2, args, keys);
}

// SORT key ... [STORE destination]: the sorted key and the destination (Redis's sortGetKeys).
// The BY and GET patterns name keys only at run time; SORT locks every shard for them.
void SortKeys(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  keys->push_back(args[1]);
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    if (EqualsIgnoreCase(opt, "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(opt, "get") || EqualsIgnoreCase(opt, "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(opt, "store") && i + 1 < args.size()) {
      keys->push_back(args[++i]);
    }
  }
}

// XREAD XREADGROUP: the keys after STREAMS (the first half of what follows it).
void XReadKeys(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!EqualsIgnoreCase(args[i], "streams")) continue;
    const size_t n = (args.size() - i - 1) / 2;
    for (size_t k = 0; k < n; ++k) keys->push_back(args[i + 1 + k]);
    return;
  }
}
// XGROUP XINFO: the key of `sub key ...`.
void SubcommandKey(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  if (args.size() > 2) keys->push_back(args[2]);
}

constexpr uint32_t kR = kReadOnly;
constexpr uint32_t kW = kWrite;
constexpr uint32_t kWO = kWrite | kDenyOom;
constexpr uint32_t kCon = kNoLock | kFast;

// clang-format off
const CommandSpec kCommands[] = {
    // connection and server
    {"ping", -1, kCon | kPubSub, &ServerFamily::Ping, 0, 0, 0, "@fast @connection", nullptr,
     {"Ping the server", "1.0.0", "connection", "O(1)", "?message:string"}},
    {"echo", 2, kCon, &ServerFamily::Echo, 0, 0, 0, "@fast @connection", nullptr,
     {"Echo the given string", "1.0.0", "connection", "O(1)", "message:string"}},
    {"quit", -1, kCon | kNoAuth | kPubSub | kNoMulti, &ServerFamily::Quit, 0, 0, 0,
     "@fast @connection", nullptr,
     {"Close the connection", "1.0.0", "connection", "O(1)"}},
    {"select", 2, kCon, &ServerFamily::Select, 0, 0, 0, "@fast @connection", nullptr,
     {"Change the selected database for the current connection", "1.0.0", "connection", "O(1)",
      "index:integer"}},
    {"auth", -2, kCon | kNoAuth, &ServerFamily::Auth, 0, 0, 0, "@fast @connection", nullptr,
     {"Authenticate to the server", "1.0.0", "connection",
      "O(N) where N is the number of passwords defined for the user",
      "?username:string~6.0.0 password:string"}},
    {"hello", -1, kCon | kNoAuth, &ServerFamily::Hello, 0, 0, 0, "@fast @connection", nullptr,
     {"Handshake with Redis", "6.0.0", "connection", "O(1)", "?arguments:block(protover:integer "
      "?username_password:block@AUTH(username:string password:string) "
      "?clientname:string@SETNAME)"}},
    {"reset", 1, kCon | kNoAuth | kPubSub | kNoMulti, &ServerFamily::Reset, 0, 0, 0,
     "@fast @connection", nullptr,
     {"Reset the connection", "6.2.0", "connection", "O(1)"}},
    {"client", -2, kNoLock, &ServerFamily::ClientCmd, 0, 0, 0, "@slow @connection", nullptr,
     {"A container for client connection commands", "2.4.0", "connection",
      "Depends on subcommand."}},
    {"acl", -2, kNoLock, &ServerFamily::Acl, 0, 0, 0, "@slow", nullptr,
     {"A container for Access List Control commands ", "6.0.0", "server",
      "Depends on subcommand."}},
    {"command", -1, kNoLock, &ServerFamily::Command, 0, 0, 0, "@slow @connection", nullptr,
     {"Get array of Redis command details", "2.8.13", "server",
      "O(N) where N is the total number of Redis commands"}},
    {"info", -1, kAllShards, &ServerFamily::Info, 0, 0, 0, "@slow @dangerous", nullptr,
     {"Get information and statistics about the server", "1.0.0", "server", "O(1)",
      "?*section:string"}},
    {"dbsize", 1, kR | kAllShards | kFast, &ServerFamily::DbSize, 0, 0, 0, "@keyspace @read @fast",
     nullptr,
     {"Return the number of keys in the selected database", "1.0.0", "server", "O(1)"}},
    {"flushdb", -1, kW | kAllShards, &ServerFamily::FlushDb, 0, 0, 0,
     "@keyspace @write @slow @dangerous", nullptr,
     {"Remove all keys from the current database", "1.0.0", "server",
      "O(N) where N is the number of keys in the selected database",
      "?async:oneof(async:pure-token@ASYNC~4.0.0 sync:pure-token@SYNC~6.2.0)"}},
    {"flushall", -1, kW | kAllShards, &ServerFamily::FlushAll, 0, 0, 0,
     "@keyspace @write @slow @dangerous", nullptr,
     {"Remove all keys from all databases", "1.0.0", "server",
      "O(N) where N is the total number of keys in all databases",
      "?async:oneof(async:pure-token@ASYNC~4.0.0 sync:pure-token@SYNC~6.2.0)"}},
    {"swapdb", 3, kW | kAllShards | kFast, &ServerFamily::SwapDb, 0, 0, 0,
     "@keyspace @write @fast @dangerous", nullptr,
     {"Swaps two Redis databases", "4.0.0", "server",
      "O(N) where N is the count of clients watching or blocking on keys from both databases.",
      "index1:integer index2:integer"}},
    {"time", 1, kCon, &ServerFamily::Time, 0, 0, 0, "@fast", nullptr,
     {"Return the current server time", "2.6.0", "server", "O(1)"}},
    {"save", 1, kNoLock | kAdmin | kNoMulti, &ServerFamily::Save, 0, 0, 0,
     "@admin @slow @dangerous", nullptr,
     {"Synchronously save the dataset to disk", "1.0.0", "server",
      "O(N) where N is the total number of keys in all databases"}},
    {"bgsave", -1, kNoLock | kAdmin, &ServerFamily::BgSave, 0, 0, 0, "@admin @slow @dangerous",
     nullptr,
     {"Asynchronously save the dataset to disk", "1.0.0", "server", "O(1)",
      "?schedule:pure-token@SCHEDULE~3.2.2"}},
    {"lastsave", 1, kCon, &ServerFamily::LastSave, 0, 0, 0, "@admin @fast @dangerous", nullptr,
     {"Get the UNIX time stamp of the last successful save to disk", "1.0.0", "server", "O(1)"}},
    {"config", -2, kNoLock | kAdmin, &ServerFamily::Config, 0, 0, 0, "@admin @slow @dangerous",
     nullptr,
     {"A container for server configuration commands", "2.0.0", "server",
      "Depends on subcommand."}},
    {"monitor", 1, kNoLock | kAdmin, &ServerFamily::Monitor, 0, 0, 0, "@admin @slow @dangerous",
     nullptr,
     {"Listen for all requests received by the server in real time", "1.0.0", "server"}},
    {"multi", 1, kCon | kNoMulti, &ServerFamily::Multi, 0, 0, 0, "@fast @transaction", nullptr,
     {"Mark the start of a transaction block", "1.2.0", "transactions", "O(1)"}},
    {"exec", 1, kNoLock | kNoMulti, nullptr, 0, 0, 0, "@slow @transaction", nullptr,
     {"Execute all commands issued after MULTI", "1.2.0", "transactions",
      "Depends on commands in the transaction"}},
    {"discard", 1, kCon | kNoMulti, &ServerFamily::Discard, 0, 0, 0, "@fast @transaction", nullptr,
     {"Discard all commands issued after MULTI", "2.0.0", "transactions",
      "O(N), when N is the number of queued commands"}},
    {"watch", -2, kFast | kNoMulti, &ServerFamily::Watch, 1, -1, 1, "@fast @transaction", nullptr,
     {"Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0",
      "transactions", "O(1) for every key.", "*key:key#0"}},
    {"unwatch", 1, kCon | kNoMulti, &ServerFamily::Unwatch, 0, 0, 0, "@fast @transaction", nullptr,
     {"Forget about all watched keys", "2.2.0", "transactions", "O(1)"}},
    // keys
    {"del", -2, kW, &GenericFamily::Del, 1, -1, 1, "@keyspace @write @slow", nullptr,
     {"Delete a key", "1.0.0", "generic", "O(N) where N is the number of keys that will be "
      "removed. When a key to remove holds a value other than a string, the individual "
      "complexity for this key is O(M) where M is the number of elements in the list, set, "
      "sorted set or hash. Removing a single key that holds a string value is O(1).",
      "*key:key#0"}},
    {"unlink", -2, kW | kFast, &GenericFamily::Del, 1, -1, 1, "@keyspace @write @fast", nullptr,
     {"Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
      "blocking.", "4.0.0", "generic", "O(1) for each key removed regardless of its size. Then "
      "the command does O(N) work in a different thread in order to reclaim memory, where N is "
      "the number of allocations the deleted objects where composed of.", "*key:key#0"}},
    {"exists", -2, kR | kFast, &GenericFamily::Exists, 1, -1, 1, "@keyspace @read @fast", nullptr,
     {"Determine if a key exists", "1.0.0", "generic",
      "O(N) where N is the number of keys to check.", "*key:key#0"}},
    {"type", 2, kR | kFast, &GenericFamily::TypeCmd, 1, 1, 1, "@keyspace @read @fast", nullptr,
     {"Determine the type stored at key", "1.0.0", "generic", "O(1)", "key:key#0"}},
    {"keys", 2, kR | kAllShards, &GenericFamily::Keys, 0, 0, 0, "@keyspace @read @slow @dangerous",
     nullptr,
     {"Find all keys matching the given pattern", "1.0.0", "generic", "O(N) with N being the "
      "number of keys in the database, under the assumption that the key names in the database "
      "and the given pattern have limited length.", "pattern:pattern"}},
    {"scan", -2, kR | kAllShards, &GenericFamily::Scan, 0, 0, 0, "@keyspace @read @slow", nullptr,
     {"Incrementally iterate the keys space", "2.8.0", "generic", "O(1) for every call. O(N) "
      "for a complete iteration, including enough command calls for the cursor to return back "
      "to 0. N is the number of elements inside the collection.",
      "cursor:integer ?pattern:pattern@MATCH ?count:integer@COUNT ?type:string@TYPE~6.0.0"}},
    {"rename", 3, kW, &GenericFamily::Rename, 1, 2, 1, "@keyspace @write @slow", nullptr,
     {"Rename a key", "1.0.0", "generic", "O(1)", "key:key#0 newkey:key#1"}},
    {"renamenx", 3, kW | kFast, &GenericFamily::RenameNx, 1, 2, 1, "@keyspace @write @fast",
     nullptr,
     {"Rename a key, only if the new key does not exist", "1.0.0", "generic", "O(1)",
      "key:key#0 newkey:key#1"}},
    {"copy", -3, kWO, &GenericFamily::Copy, 1, 2, 1, "@keyspace @write @slow", nullptr,
     {"Copy a key", "6.2.0", "generic", "O(N) worst case for collections, where N is the number "
      "of nested items. O(1) for string values.",
      "source:key#0 destination:key#1 ?destination-db:integer@DB ?replace:pure-token@REPLACE"}},
    {"move", 3, kW | kFast, &GenericFamily::Move, 1, 1, 1, "@keyspace @write @fast", nullptr,
     {"Move a key to another database", "1.0.0", "generic", "O(1)", "key:key#0 db:integer"}},
    {"expire", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast", nullptr,
     {"Set a key's time to live in seconds", "1.0.0", "generic", "O(1)", "key:key#0 "
      "seconds:integer ?condition:oneof~7.0.0(nx:pure-token@NX xx:pure-token@XX "
      "gt:pure-token@GT lt:pure-token@LT)"}},
    {"pexpire", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast", nullptr,
     {"Set a key's time to live in milliseconds", "2.6.0", "generic", "O(1)",
      "key:key#0 milliseconds:integer ?condition:oneof~7.0.0(nx:pure-token@NX xx:pure-token@XX "
      "gt:pure-token@GT lt:pure-token@LT)"}},
    {"expireat", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast", nullptr,
     {"Set the expiration for a key as a UNIX timestamp", "1.2.0", "generic", "O(1)",
      "key:key#0 unix-time-seconds:unix-time ?condition:oneof~7.0.0(nx:pure-token@NX "
      "xx:pure-token@XX gt:pure-token@GT lt:pure-token@LT)"}},
    {"pexpireat", -3, kW | kFast, &GenericFamily::Expire, 1, 1, 1, "@keyspace @write @fast",
     nullptr,
     {"Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0",
      "generic", "O(1)", "key:key#0 unix-time-milliseconds:unix-time "
      "?condition:oneof~7.0.0(nx:pure-token@NX xx:pure-token@XX gt:pure-token@GT "
      "lt:pure-token@LT)"}},
    {"ttl", 2, kR | kFast, &GenericFamily::Ttl, 1, 1, 1, "@keyspace @read @fast", nullptr,
     {"Get the time to live for a key in seconds", "1.0.0", "generic", "O(1)", "key:key#0"}},
    {"pttl", 2, kR | kFast, &GenericFamily::Ttl, 1, 1, 1, "@keyspace @read @fast", nullptr,
     {"Get the time to live for a key in milliseconds", "2.6.0", "generic", "O(1)", "key:key#0"}},
    {"expiretime", 2, kR | kFast, &GenericFamily::ExpireTime, 1, 1, 1, "@keyspace @read @fast",
     nullptr,
     {"Get the expiration Unix timestamp for a key", "7.0.0", "generic", "O(1)", "key:key#0"}},
    {"pexpiretime", 2, kR | kFast, &GenericFamily::ExpireTime, 1, 1, 1, "@keyspace @read @fast",
     nullptr,
     {"Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "generic", "O(1)",
      "key:key#0"}},
    {"persist", 2, kW | kFast, &GenericFamily::Persist, 1, 1, 1, "@keyspace @write @fast", nullptr,
     {"Remove the expiration from a key", "2.2.0", "generic", "O(1)", "key:key#0"}},
    {"randomkey", 1, kR | kAllShards, &GenericFamily::RandomKey, 0, 0, 0, "@keyspace @read @slow",
     nullptr,
     {"Return a random key from the keyspace", "1.0.0", "generic", "O(1)"}},
    {"touch", -2, kR | kFast, &GenericFamily::Touch, 1, -1, 1, "@keyspace @read @fast", nullptr,
     {"Alters the last access time of a key(s). Returns the number of existing keys specified.",
      "3.2.1", "generic", "O(N) where N is the number of keys that will be touched.",
      "*key:key#0"}},
    {"object", -2, kR, &GenericFamily::ObjectCmd, 2, 2, 1, "@keyspace @read @slow", nullptr,
     {"A container for object introspection commands", "2.2.3", "generic",
      "Depends on subcommand."}},
    // strings
    {"get", 2, kR | kFast, &StringFamily::Get, 1, 1, 1, "@read @string @fast", nullptr,
     {"Get the value of a key", "1.0.0", "string", "O(1)", "key:key#0"}},
    {"set", -3, kWO, &StringFamily::Set, 1, 1, 1, "@write @string @slow", nullptr,
     {"Set the string value of a key", "1.0.0", "string", "O(1)", "key:key#0 value:string "
      "?condition:oneof~2.6.12(nx:pure-token@NX xx:pure-token@XX) ?get:pure-token@GET~6.2.0 "
      "?expiration:oneof(seconds:integer@EX~2.6.12 milliseconds:integer@PX~2.6.12 "
      "unix-time-seconds:unix-time@EXAT~6.2.0 unix-time-milliseconds:unix-time@PXAT~6.2.0 "
      "keepttl:pure-token@KEEPTTL~6.0.0)"}},
    {"setnx", 3, kWO | kFast, &StringFamily::SetNx, 1, 1, 1, "@write @string @fast", nullptr,
     {"Set the value of a key, only if the key does not exist", "1.0.0", "string", "O(1)",
      "key:key#0 value:string"}},
    {"setex", 4, kWO, &StringFamily::SetEx, 1, 1, 1, "@write @string @slow", nullptr,
     {"Set the value and expiration of a key", "2.0.0", "string", "O(1)",
      "key:key#0 seconds:integer value:string"}},
    {"psetex", 4, kWO, &StringFamily::SetEx, 1, 1, 1, "@write @string @slow", nullptr,
     {"Set the value and expiration in milliseconds of a key", "2.6.0", "string", "O(1)",
      "key:key#0 milliseconds:integer value:string"}},
    {"getset", 3, kWO | kFast, &StringFamily::GetSet, 1, 1, 1, "@write @string @fast", nullptr,
     {"Set the string value of a key and return its old value", "1.0.0", "string", "O(1)",
      "key:key#0 value:string", "6.2.0", "`SET` with the `!GET` argument"}},
    {"getdel", 2, kW | kFast, &StringFamily::GetDel, 1, 1, 1, "@write @string @fast", nullptr,
     {"Get the value of a key and delete the key", "6.2.0", "string", "O(1)", "key:key#0"}},
    {"getex", -2, kW | kFast, &StringFamily::GetEx, 1, 1, 1, "@write @string @fast", nullptr,
     {"Get the value of a key and optionally set its expiration", "6.2.0", "string", "O(1)",
      "key:key#0 ?expiration:oneof(seconds:integer@EX milliseconds:integer@PX "
      "unix-time-seconds:unix-time@EXAT unix-time-milliseconds:unix-time@PXAT "
      "persist:pure-token@PERSIST)"}},
    {"mget", -2, kR | kFast, &StringFamily::MGet, 1, -1, 1, "@read @string @fast", nullptr,
     {"Get the values of all the given keys", "1.0.0", "string",
      "O(N) where N is the number of keys to retrieve.", "*key:key#0"}},
    {"mset", -3, kWO, &StringFamily::MSet, 1, -1, 2, "@write @string @slow", nullptr,
     {"Set multiple keys to multiple values", "1.0.1", "string",
      "O(N) where N is the number of keys to set.", "*key_value:block(key:key#0 value:string)"}},
    {"msetnx", -3, kWO, &StringFamily::MSetNx, 1, -1, 2, "@write @string @slow", nullptr,
     {"Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", "string",
      "O(N) where N is the number of keys to set.", "*key_value:block(key:key#0 value:string)"}},
    {"incr", 2, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast", nullptr,
     {"Increment the integer value of a key by one", "1.0.0", "string", "O(1)", "key:key#0"}},
    {"decr", 2, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast", nullptr,
     {"Decrement the integer value of a key by one", "1.0.0", "string", "O(1)", "key:key#0"}},
    {"incrby", 3, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast", nullptr,
     {"Increment the integer value of a key by the given amount", "1.0.0", "string", "O(1)",
      "key:key#0 increment:integer"}},
    {"decrby", 3, kWO | kFast, &StringFamily::Incr, 1, 1, 1, "@write @string @fast", nullptr,
     {"Decrement the integer value of a key by the given number", "1.0.0", "string", "O(1)",
      "key:key#0 decrement:integer"}},
    {"incrbyfloat", 3, kWO | kFast, &StringFamily::IncrByFloat, 1, 1, 1, "@write @string @fast",
     nullptr,
     {"Increment the float value of a key by the given amount", "2.6.0", "string", "O(1)",
      "key:key#0 increment:double"}},
    {"append", 3, kWO | kFast, &StringFamily::Append, 1, 1, 1, "@write @string @fast", nullptr,
     {"Append a value to a key", "2.0.0", "string", "O(1). The amortized time complexity is "
      "O(1) assuming the appended value is small and the already present value is of any size, "
      "since the dynamic string library used by Redis will double the free space available on "
      "every reallocation.", "key:key#0 value:string"}},
    {"strlen", 2, kR | kFast, &StringFamily::StrLen, 1, 1, 1, "@read @string @fast", nullptr,
     {"Get the length of the value stored in a key", "2.2.0", "string", "O(1)", "key:key#0"}},
    {"getrange", 4, kR, &StringFamily::GetRange, 1, 1, 1, "@read @string @slow", nullptr,
     {"Get a substring of the string stored at a key", "2.4.0", "string", "O(N) where N is the "
      "length of the returned string. The complexity is ultimately determined by the returned "
      "length, but because creating a substring from an existing string is very cheap, it can "
      "be considered O(1) for small strings.", "key:key#0 start:integer end:integer"}},
    {"substr", 4, kR, &StringFamily::GetRange, 1, 1, 1, "@read @string @slow", nullptr,
     {"Get a substring of the string stored at a key", "1.0.0", "string", "O(N) where N is the "
      "length of the returned string. The complexity is ultimately determined by the returned "
      "length, but because creating a substring from an existing string is very cheap, it can "
      "be considered O(1) for small strings.", "key:key#0 start:integer end:integer", "2.0.0",
      "`GETRANGE`"}},
    {"setrange", 4, kWO, &StringFamily::SetRange, 1, 1, 1, "@write @string @slow", nullptr,
     {"Overwrite part of a string at key starting at the specified offset", "2.2.0", "string",
      "O(1), not counting the time taken to copy the new string in place. Usually, this string "
      "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
      "being the length of the value argument.", "key:key#0 offset:integer value:string"}},
    {"setbit", 4, kWO, &StringFamily::SetBit, 1, 1, 1, "@write @bitmap @slow", nullptr,
     {"Sets or clears the bit at offset in the string value stored at key", "2.2.0", "bitmap",
      "O(1)", "key:key#0 offset:integer value:integer"}},
    {"getbit", 3, kR | kFast, &StringFamily::GetBit, 1, 1, 1, "@read @bitmap @fast", nullptr,
     {"Returns the bit value at offset in the string value stored at key", "2.2.0", "bitmap",
      "O(1)", "key:key#0 offset:integer"}},
    {"bitcount", -2, kR, &StringFamily::BitCount, 1, 1, 1, "@read @bitmap @slow", nullptr,
     {"Count set bits in a string", "2.6.0", "bitmap", "O(N)", "key:key#0 "
      "?index:block(start:integer end:integer ?index_unit:oneof~7.0.0(byte:pure-token@BYTE "
      "bit:pure-token@BIT))"}},
    {"bitpos", -3, kR, &StringFamily::BitPos, 1, 1, 1, "@read @bitmap @slow", nullptr,
     {"Find first bit set or clear in a string", "2.8.7", "bitmap", "O(N)", "key:key#0 "
      "bit:integer ?index:block(start:integer ?end_index:block(end:integer "
      "?index_unit:oneof~7.0.0(byte:pure-token@BYTE bit:pure-token@BIT)))"}},
    // hashes
    {"hset", -4, kWO | kFast, &HashFamily::HSet, 1, 1, 1, "@write @hash @fast", nullptr,
     {"Set the string value of a hash field", "2.0.0", "hash", "O(1) for each field/value pair "
      "added, so O(N) to add N field/value pairs when the command is called with multiple "
      "field/value pairs.", "key:key#0 *field_value:block(field:string value:string)"}},
    {"hmset", -4, kWO | kFast, &HashFamily::HSet, 1, 1, 1, "@write @hash @fast", nullptr,
     {"Set multiple hash fields to multiple values", "2.0.0", "hash",
      "O(N) where N is the number of fields being set.",
      "key:key#0 *field_value:block(field:string value:string)", "4.0.0",
      "`HSET` with multiple field-value pairs"}},
    {"hsetnx", 4, kWO | kFast, &HashFamily::HSetNx, 1, 1, 1, "@write @hash @fast", nullptr,
     {"Set the value of a hash field, only if the field does not exist", "2.0.0", "hash", "O(1)",
      "key:key#0 field:string value:string"}},
    {"hget", 3, kR | kFast, &HashFamily::HGet, 1, 1, 1, "@read @hash @fast", nullptr,
     {"Get the value of a hash field", "2.0.0", "hash", "O(1)", "key:key#0 field:string"}},
    {"hmget", -3, kR | kFast, &HashFamily::HMGet, 1, 1, 1, "@read @hash @fast", nullptr,
     {"Get the values of all the given hash fields", "2.0.0", "hash",
      "O(N) where N is the number of fields being requested.", "key:key#0 *field:string"}},
    {"hdel", -3, kW | kFast, &HashFamily::HDel, 1, 1, 1, "@write @hash @fast", nullptr,
     {"Delete one or more hash fields", "2.0.0", "hash",
      "O(N) where N is the number of fields to be removed.", "key:key#0 *field:string"}},
    {"hexists", 3, kR | kFast, &HashFamily::HExists, 1, 1, 1, "@read @hash @fast", nullptr,
     {"Determine if a hash field exists", "2.0.0", "hash", "O(1)", "key:key#0 field:string"}},
    {"hlen", 2, kR | kFast, &HashFamily::HLen, 1, 1, 1, "@read @hash @fast", nullptr,
     {"Get the number of fields in a hash", "2.0.0", "hash", "O(1)", "key:key#0"}},
    {"hgetall", 2, kR, &HashFamily::HGetAll, 1, 1, 1, "@read @hash @slow", nullptr,
     {"Get all the fields and values in a hash", "2.0.0", "hash",
      "O(N) where N is the size of the hash.", "key:key#0"}},
    {"hkeys", 2, kR, &HashFamily::HKeys, 1, 1, 1, "@read @hash @slow", nullptr,
     {"Get all the fields in a hash", "2.0.0", "hash", "O(N) where N is the size of the hash.",
      "key:key#0"}},
    {"hvals", 2, kR, &HashFamily::HVals, 1, 1, 1, "@read @hash @slow", nullptr,
     {"Get all the values in a hash", "2.0.0", "hash", "O(N) where N is the size of the hash.",
      "key:key#0"}},
    {"hincrby", 4, kWO | kFast, &HashFamily::HIncrBy, 1, 1, 1, "@write @hash @fast", nullptr,
     {"Increment the integer value of a hash field by the given number", "2.0.0", "hash", "O(1)",
      "key:key#0 field:string increment:integer"}},
    {"hincrbyfloat", 4, kWO | kFast, &HashFamily::HIncrByFloat, 1, 1, 1, "@write @hash @fast",
     nullptr,
     {"Increment the float value of a hash field by the given amount", "2.6.0", "hash", "O(1)",
      "key:key#0 field:string increment:double"}},
    {"hstrlen", 3, kR | kFast, &HashFamily::HStrLen, 1, 1, 1, "@read @hash @fast", nullptr,
     {"Get the length of the value of a hash field", "3.2.0", "hash", "O(1)",
      "key:key#0 field:string"}},
    {"hscan", -3, kR, &HashFamily::HScan, 1, 1, 1, "@read @hash @slow", nullptr,
     {"Incrementally iterate hash fields and associated values", "2.8.0", "hash",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..",
      "key:key#0 cursor:integer ?pattern:pattern@MATCH ?count:integer@COUNT"}},
    {"hrandfield", -2, kR, &HashFamily::HRandField, 1, 1, 1, "@read @hash @slow", nullptr,
     {"Get one or multiple random fields from a hash", "6.2.0", "hash",
      "O(N) where N is the number of fields returned",
      "key:key#0 ?options:block(count:integer ?withvalues:pure-token@WITHVALUES)"}},
    // lists
    {"lpush", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast", nullptr,
     {"Prepend one or multiple elements to a list", "1.0.0", "list", "O(1) for each element "
      "added, so O(N) to add N elements when the command is called with multiple arguments.",
      "key:key#0 *element:string"}},
    {"rpush", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast", nullptr,
     {"Append one or multiple elements to a list", "1.0.0", "list", "O(1) for each element "
      "added, so O(N) to add N elements when the command is called with multiple arguments.",
      "key:key#0 *element:string"}},
    {"lpushx", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast", nullptr,
     {"Prepend an element to a list, only if the list exists", "2.2.0", "list",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.", "key:key#0 *element:string"}},
    {"rpushx", -3, kWO | kFast, &ListFamily::Push, 1, 1, 1, "@write @list @fast", nullptr,
     {"Append an element to a list, only if the list exists", "2.2.0", "list",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.", "key:key#0 *element:string"}},
    {"lpop", -2, kW | kFast, &ListFamily::Pop, 1, 1, 1, "@write @list @fast", nullptr,
     {"Remove and get the first elements in a list", "1.0.0", "list",
      "O(N) where N is the number of elements returned", "key:key#0 ?count:integer~6.2.0"}},
    {"rpop", -2, kW | kFast, &ListFamily::Pop, 1, 1, 1, "@write @list @fast", nullptr,
     {"Remove and get the last elements in a list", "1.0.0", "list",
      "O(N) where N is the number of elements returned", "key:key#0 ?count:integer~6.2.0"}},
    {"llen", 2, kR | kFast, &ListFamily::LLen, 1, 1, 1, "@read @list @fast", nullptr,
     {"Get the length of a list", "1.0.0", "list", "O(1)", "key:key#0"}},
    {"lrange", 4, kR, &ListFamily::LRange, 1, 1, 1, "@read @list @slow", nullptr,
     {"Get a range of elements from a list", "1.0.0", "list", "O(S+N) where S is the distance "
      "of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large "
      "lists; and N is the number of elements in the specified range.",
      "key:key#0 start:integer stop:integer"}},
    {"lindex", 3, kR, &ListFamily::LIndex, 1, 1, 1, "@read @list @slow", nullptr,
     {"Get an element from a list by its index", "1.0.0", "list", "O(N) where N is the number "
      "of elements to traverse to get to the element at index. This makes asking for the first "
      "or the last element of the list O(1).", "key:key#0 index:integer"}},
    {"lset", 4, kWO, &ListFamily::LSet, 1, 1, 1, "@write @list @slow", nullptr,
     {"Set the value of an element in a list by its index", "1.0.0", "list", "O(N) where N is "
      "the length of the list. Setting either the first or the last element of the list is O(1).",
      "key:key#0 index:integer element:string"}},
    {"lrem", 4, kW, &ListFamily::LRem, 1, 1, 1, "@write @list @slow", nullptr,
     {"Remove elements from a list", "1.0.0", "list",
      "O(N+M) where N is the length of the list and M is the number of elements removed.",
      "key:key#0 count:integer element:string"}},
    {"ltrim", 4, kW, &ListFamily::LTrim, 1, 1, 1, "@write @list @slow", nullptr,
     {"Trim a list to the specified range", "1.0.0", "list",
      "O(N) where N is the number of elements to be removed by the operation.",
      "key:key#0 start:integer stop:integer"}},
    {"linsert", 5, kWO, &ListFamily::LInsert, 1, 1, 1, "@write @list @slow", nullptr,
     {"Insert an element before or after another element in a list", "2.2.0", "list",
      "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
      "means that inserting somewhere on the left end on the list (head) can be considered O(1) "
      "and inserting somewhere on the right end (tail) is O(N).", "key:key#0 "
      "where:oneof(before:pure-token@BEFORE after:pure-token@AFTER) pivot:string element:string"}},
    {"lpos", -3, kR, &ListFamily::LPos, 1, 1, 1, "@read @list @slow", nullptr,
     {"Return the index of matching elements on a list", "6.0.6", "list", "O(N) where N is the "
      "number of elements in the list, for the average case. When searching for elements near "
      "the head or the tail of the list, or when the MAXLEN option is provided, the command may "
      "run in constant time.", "key:key#0 element:string ?rank:integer@RANK "
      "?num-matches:integer@COUNT ?len:integer@MAXLEN"}},
    {"lmove", 5, kWO, &ListFamily::LMove, 1, 2, 1, "@write @list @slow", nullptr,
     {"Pop an element from a list, push it to another list and return it", "6.2.0", "list", "O(1)",
      "source:key#0 destination:key#1 wherefrom:oneof(left:pure-token@LEFT "
      "right:pure-token@RIGHT) whereto:oneof(left:pure-token@LEFT right:pure-token@RIGHT)"}},
    {"rpoplpush", 3, kWO, &ListFamily::LMove, 1, 2, 1, "@write @list @slow", nullptr,
     {"Remove the last element in a list, prepend it to another list and return it", "1.2.0",
      "list", "O(1)", "source:key#0 destination:key#1", "6.2.0",
      "`LMOVE` with the `RIGHT` and `LEFT` arguments"}},
    {"blpop", -3, kW | kBlocking, &ListFamily::BPop, 1, -2, 1, "@write @list @slow @blocking",
     nullptr,
     {"Remove and get the first element in a list, or block until one is available", "2.0.0",
      "list", "O(N) where N is the number of provided keys.", "*key:key#0 timeout:double"}},
    {"brpop", -3, kW | kBlocking, &ListFamily::BPop, 1, -2, 1, "@write @list @slow @blocking",
     nullptr,
     {"Remove and get the last element in a list, or block until one is available", "2.0.0", "list",
      "O(N) where N is the number of provided keys.", "*key:key#0 timeout:double"}},
    {"blmove", 6, kWO | kBlocking, &ListFamily::BLMove, 1, 2, 1, "@write @list @slow @blocking",
     nullptr,
     {"Pop an element from a list, push it to another list and return it; or block until one is "
      "available", "6.2.0", "list", "O(1)", "source:key#0 destination:key#1 "
      "wherefrom:oneof(left:pure-token@LEFT right:pure-token@RIGHT) "
      "whereto:oneof(left:pure-token@LEFT right:pure-token@RIGHT) timeout:double"}},
    {"brpoplpush", 4, kWO | kBlocking, &ListFamily::BLMove, 1, 2, 1, "@write @list @slow @blocking",
     nullptr,
     {"Pop an element from a list, push it to another list and return it; or block until one is "
      "available", "2.2.0", "list", "O(1)", "source:key#0 destination:key#1 timeout:double",
      "6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments"}},
    {"lmpop", -4, kW, &ListFamily::MPop, 0, 0, 0, "@write @list @slow", &NumKeysAt1,
     {"Pop elements from a list", "7.0.0", "list",
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
      "numkeys:integer *key:key#0 where:oneof(left:pure-token@LEFT right:pure-token@RIGHT) "
      "?count:integer@COUNT"}},
    {"blmpop", -5, kW | kBlocking, &ListFamily::MPop, 0, 0, 0, "@write @list @slow @blocking",
     &NumKeysAt2,
     {"Pop elements from a list, or block until one is available", "7.0.0", "list",
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
      "timeout:double numkeys:integer *key:key#0 where:oneof(left:pure-token@LEFT "
      "right:pure-token@RIGHT) ?count:integer@COUNT"}},
    // sets
    {"sadd", -3, kWO | kFast, &SetFamily::SAdd, 1, 1, 1, "@write @set @fast", nullptr,
     {"Add one or more members to a set", "1.0.0", "set", "O(1) for each element added, so O(N) "
      "to add N elements when the command is called with multiple arguments.",
      "key:key#0 *member:string"}},
    {"srem", -3, kW | kFast, &SetFamily::SRem, 1, 1, 1, "@write @set @fast", nullptr,
     {"Remove one or more members from a set", "1.0.0", "set",
      "O(N) where N is the number of members to be removed.", "key:key#0 *member:string"}},
    {"sismember", 3, kR | kFast, &SetFamily::SIsMember, 1, 1, 1, "@read @set @fast", nullptr,
     {"Determine if a given value is a member of a set", "1.0.0", "set", "O(1)",
      "key:key#0 member:string"}},
    {"smismember", -3, kR | kFast, &SetFamily::SMIsMember, 1, 1, 1, "@read @set @fast", nullptr,
     {"Returns the membership associated with the given elements for a set", "6.2.0", "set",
      "O(N) where N is the number of elements being checked for membership",
      "key:key#0 *member:string"}},
    {"smembers", 2, kR, &SetFamily::SMembers, 1, 1, 1, "@read @set @slow", nullptr,
     {"Get all the members in a set", "1.0.0", "set", "O(N) where N is the set cardinality.",
      "key:key#0"}},
    {"scard", 2, kR | kFast, &SetFamily::SCard, 1, 1, 1, "@read @set @fast", nullptr,
     {"Get the number of members in a set", "1.0.0", "set", "O(1)", "key:key#0"}},
    {"spop", -2, kW | kFast, &SetFamily::SPop, 1, 1, 1, "@write @set @fast", nullptr,
     {"Remove and return one or multiple random members from a set", "1.0.0", "set",
      "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
      "key:key#0 ?count:integer~3.2.0"}},
    {"srandmember", -2, kR, &SetFamily::SRandMember, 1, 1, 1, "@read @set @slow", nullptr,
     {"Get one or multiple random members from a set", "1.0.0", "set", "Without the count "
      "argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
      "key:key#0 ?count:integer~2.6.0"}},
    {"sinter", -2, kR, &SetFamily::SetOp, 1, -1, 1, "@read @set @slow", nullptr,
     {"Intersect multiple sets", "1.0.0", "set", "O(N*M) worst case where N is the cardinality "
      "of the smallest set and M is the number of sets.", "*key:key#0"}},
    {"sunion", -2, kR, &SetFamily::SetOp, 1, -1, 1, "@read @set @slow", nullptr,
     {"Add multiple sets", "1.0.0", "set",
      "O(N) where N is the total number of elements in all given sets.", "*key:key#0"}},
    {"sdiff", -2, kR, &SetFamily::SetOp, 1, -1, 1, "@read @set @slow", nullptr,
     {"Subtract multiple sets", "1.0.0", "set",
      "O(N) where N is the total number of elements in all given sets.", "*key:key#0"}},
    {"sinterstore", -3, kWO, &SetFamily::SetOp, 1, -1, 1, "@write @set @slow", nullptr,
     {"Intersect multiple sets and store the resulting set in a key", "1.0.0", "set",
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.", "destination:key#0 *key:key#1"}},
    {"sunionstore", -3, kWO, &SetFamily::SetOp, 1, -1, 1, "@write @set @slow", nullptr,
     {"Add multiple sets and store the resulting set in a key", "1.0.0", "set",
      "O(N) where N is the total number of elements in all given sets.",
      "destination:key#0 *key:key#1"}},
    {"sdiffstore", -3, kWO, &SetFamily::SetOp, 1, -1, 1, "@write @set @slow", nullptr,
     {"Subtract multiple sets and store the resulting set in a key", "1.0.0", "set",
      "O(N) where N is the total number of elements in all given sets.",
      "destination:key#0 *key:key#1"}},
    {"sintercard", -3, kR, &SetFamily::SInterCard, 0, 0, 0, "@read @set @slow", &NumKeysAt1,
     {"Intersect multiple sets and return the cardinality of the result", "7.0.0", "set",
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.", "numkeys:integer *key:key#0 ?limit:integer@LIMIT"}},
    {"smove", 4, kW | kFast, &SetFamily::SMove, 1, 2, 1, "@write @set @fast", nullptr,
     {"Move a member from one set to another", "1.0.0", "set", "O(1)",
      "source:key#0 destination:key#1 member:string"}},
    {"sscan", -3, kR, &SetFamily::SScan, 1, 1, 1, "@read @set @slow", nullptr,
     {"Incrementally iterate Set elements", "2.8.0", "set", "O(1) for every call. O(N) for a "
      "complete iteration, including enough command calls for the cursor to return back to 0. N "
      "is the number of elements inside the collection..",
      "key:key#0 cursor:integer ?pattern:pattern@MATCH ?count:integer@COUNT"}},
    // hyperloglog and geo
    {"pfadd", -2, kWO | kFast, &HllFamily::PfAdd, 1, 1, 1, "@write @hyperloglog @fast", nullptr,
     {"Adds the specified elements to the specified HyperLogLog.", "2.8.9", "hyperloglog",
      "O(1) to add every element.", "key:key#0 ?*element:string"}},
    {"pfcount", -2, kR, &HllFamily::PfCount, 1, -1, 1, "@read @hyperloglog @slow", nullptr,
     {"Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
      "2.8.9", "hyperloglog", "O(1) with a very small average constant time when called with a "
      "single key. O(N) with N being the number of keys, and much bigger constant times, when "
      "called with multiple keys.", "*key:key#0"}},
    {"pfmerge", -2, kWO, &HllFamily::PfMerge, 1, -1, 1, "@write @hyperloglog @slow", nullptr,
     {"Merge N different HyperLogLogs into a single one.", "2.8.9", "hyperloglog", "O(N) to merge "
      "N HyperLogLogs, but with high constant times.", "destkey:key#0 *sourcekey:key#1"}},
    {"pfdebug", 3, kWO | kAdmin, &HllFamily::PfDebug, 2, 2, 1,
     "@write @hyperloglog @admin @slow @dangerous", nullptr,
     {"Internal commands for debugging HyperLogLog values", "2.8.9", "hyperloglog", "N/A",
      "subcommand:string key:key#0"}},
    {"geoadd", -5, kWO, &GeoFamily::GeoAdd, 1, 1, 1, "@write @geo @slow", nullptr,
     {"Add one or more geospatial items in the geospatial index represented using a sorted set",
      "3.2.0", "geo", "O(log(N)) for each item added, where N is the number of elements in the "
      "sorted set.", "key:key#0 ?condition:oneof~6.2.0(nx:pure-token@NX xx:pure-token@XX) "
      "?change:pure-token@CH~6.2.0 *longitude_latitude_member:block(longitude:double "
      "latitude:double member:string)"}},
    {"geodist", -4, kR, &GeoFamily::GeoDist, 1, 1, 1, "@read @geo @slow", nullptr,
     {"Returns the distance between two members of a geospatial index", "3.2.0", "geo", "O(log(N))",
      "key:key#0 member1:string member2:string ?unit:oneof(m:pure-token@M km:pure-token@KM "
      "ft:pure-token@FT mi:pure-token@MI)"}},
    {"geohash", -2, kR, &GeoFamily::GeoHash, 1, 1, 1, "@read @geo @slow", nullptr,
     {"Returns members of a geospatial index as standard geohash strings", "3.2.0", "geo",
      "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
      "key:key#0 *member:string"}},
    {"geopos", -2, kR, &GeoFamily::GeoPos, 1, 1, 1, "@read @geo @slow", nullptr,
     {"Returns longitude and latitude of members of a geospatial index", "3.2.0", "geo", "O(N) "
      "where N is the number of members requested.", "key:key#0 *member:string"}},
    {"geosearch", -7, kR, &GeoFamily::GeoSearch, 1, 1, 1, "@read @geo @slow", nullptr,
     {"Query a sorted set representing a geospatial index to fetch members inside an area of a box "
      "or a circle.", "6.2.0", "geo", "O(N+log(M)) where N is the number of elements in the "
      "grid-aligned bounding box area around the shape provided as the filter and M is the number "
      "of items inside the shape", "key:key#0 from:oneof(member:string@FROMMEMBER "
      "longitude_latitude:block@FROMLONLAT(longitude:double latitude:double)) "
      "by:oneof(circle:block(radius:double@BYRADIUS unit:oneof(m:pure-token@M km:pure-token@KM "
      "ft:pure-token@FT mi:pure-token@MI)) box:block(width:double@BYBOX height:double "
      "unit:oneof(m:pure-token@M km:pure-token@KM ft:pure-token@FT mi:pure-token@MI))) "
      "?order:oneof(asc:pure-token@ASC desc:pure-token@DESC) ?count:block(count:integer@COUNT "
      "?any:pure-token@ANY) ?withcoord:pure-token@WITHCOORD ?withdist:pure-token@WITHDIST "
      "?withhash:pure-token@WITHHASH"}},
    {"geosearchstore", -8, kWO, &GeoFamily::GeoSearch, 1, 2, 1, "@write @geo @slow", nullptr,
     {"Query a sorted set representing a geospatial index to fetch members inside an area of a box "
      "or a circle, and store the result in another key.", "6.2.0", "geo", "O(N+log(M)) where N is "
      "the number of elements in the grid-aligned bounding box area around the shape provided as "
      "the filter and M is the number of items inside the shape", "destination:key#0 source:key#1 "
      "from:oneof(member:string@FROMMEMBER longitude_latitude:block@FROMLONLAT(longitude:double "
      "latitude:double)) by:oneof(circle:block(radius:double@BYRADIUS unit:oneof(m:pure-token@M "
      "km:pure-token@KM ft:pure-token@FT mi:pure-token@MI)) box:block(width:double@BYBOX "
      "height:double unit:oneof(m:pure-token@M km:pure-token@KM ft:pure-token@FT "
      "mi:pure-token@MI))) ?order:oneof(asc:pure-token@ASC desc:pure-token@DESC) "
      "?count:block(count:integer@COUNT ?any:pure-token@ANY) ?storedist:pure-token@STOREDIST"}},
    {"georadius", -6, kWO, &GeoFamily::GeoSearch, 1, 1, 1, "@write @geo @slow",
     &GeoFamily::RadiusKeys,
     {"Query a sorted set representing a geospatial index to fetch members matching a given "
      "maximum distance from a point", "3.2.0", "geo", "O(N+log(M)) where N is the number of "
      "elements inside the bounding box of the circular area delimited by center and radius and M "
      "is the number of items inside the index.", "key:key#0 longitude:double latitude:double "
      "radius:double unit:oneof(m:pure-token@M km:pure-token@KM ft:pure-token@FT mi:pure-token@MI) "
      "?withcoord:pure-token@WITHCOORD ?withdist:pure-token@WITHDIST ?withhash:pure-token@WITHHASH "
      "?count:block(count:integer@COUNT ?any:pure-token@ANY~6.2.0) ?order:oneof(asc:pure-token@ASC "
      "desc:pure-token@DESC) ?key:key#1@STORE ?key:key#2@STOREDIST", "6.2.0", "`GEOSEARCH` and "
      "`GEOSEARCHSTORE` with the `BYRADIUS` argument"}},
    {"georadius_ro", -6, kR, &GeoFamily::GeoSearch, 1, 1, 1, "@read @geo @slow", nullptr,
     {"A read-only variant for GEORADIUS", "3.2.10", "geo", "O(N+log(M)) where N is the number of "
      "elements inside the bounding box of the circular area delimited by center and radius and M "
      "is the number of items inside the index.", "key:key#0 longitude:double latitude:double "
      "radius:double unit:oneof(m:pure-token@M km:pure-token@KM ft:pure-token@FT mi:pure-token@MI) "
      "?withcoord:pure-token@WITHCOORD ?withdist:pure-token@WITHDIST ?withhash:pure-token@WITHHASH "
      "?count:block(count:integer@COUNT ?any:pure-token@ANY~6.2.0) ?order:oneof(asc:pure-token@ASC "
      "desc:pure-token@DESC)", "6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument"}},
    {"georadiusbymember", -5, kWO, &GeoFamily::GeoSearch, 1, 1, 1, "@write @geo @slow",
     &GeoFamily::RadiusKeys,
     {"Query a sorted set representing a geospatial index to fetch members matching a given "
      "maximum distance from a member", "3.2.0", "geo", "O(N+log(M)) where N is the number of "
      "elements inside the bounding box of the circular area delimited by center and radius and M "
      "is the number of items inside the index.", "key:key#0 member:string radius:double "
      "unit:oneof(m:pure-token@M km:pure-token@KM ft:pure-token@FT mi:pure-token@MI) "
      "?withcoord:pure-token@WITHCOORD ?withdist:pure-token@WITHDIST ?withhash:pure-token@WITHHASH "
      "?count:block(count:integer@COUNT ?any:pure-token@ANY) ?order:oneof(asc:pure-token@ASC "
      "desc:pure-token@DESC) ?key:key#1@STORE ?key:key#2@STOREDIST", "6.2.0", "`GEOSEARCH` and "
      "`GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments"}},
    {"georadiusbymember_ro", -5, kR, &GeoFamily::GeoSearch, 1, 1, 1, "@read @geo @slow", nullptr,
     {"A read-only variant for GEORADIUSBYMEMBER", "3.2.10", "geo", "O(N+log(M)) where N is the "
      "number of elements inside the bounding box of the circular area delimited by center and "
      "radius and M is the number of items inside the index.", "key:key#0 member:string "
      "radius:double unit:oneof(m:pure-token@M km:pure-token@KM ft:pure-token@FT mi:pure-token@MI) "
      "?withcoord:pure-token@WITHCOORD ?withdist:pure-token@WITHDIST ?withhash:pure-token@WITHHASH "
      "?count:block(count:integer@COUNT ?any:pure-token@ANY) ?order:oneof(asc:pure-token@ASC "
      "desc:pure-token@DESC)", "6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` "
      "arguments"}},
    // sorted sets
    {"zadd", -4, kWO | kFast, &ZSetFamily::ZAdd, 1, 1, 1, "@write @sortedset @fast", nullptr,
     {"Add one or more members to a sorted set, or update its score if it already exists", "1.2.0",
      "sorted-set",
      "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
      "key:key#0 ?condition:oneof~3.0.2(nx:pure-token@NX xx:pure-token@XX) "
      "?comparison:oneof~6.2.0(gt:pure-token@GT lt:pure-token@LT) ?change:pure-token@CH~3.0.2 "
      "?increment:pure-token@INCR~3.0.2 *score_member:block(score:double member:string)"}},
    {"zrem", -3, kW | kFast, &ZSetFamily::ZRem, 1, 1, 1, "@write @sortedset @fast", nullptr,
     {"Remove one or more members from a sorted set", "1.2.0", "sorted-set", "O(M*log(N)) with "
      "N being the number of elements in the sorted set and M the number of elements to be "
      "removed.", "key:key#0 *member:string"}},
    {"zscore", 3, kR | kFast, &ZSetFamily::ZScore, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Get the score associated with the given member in a sorted set", "1.2.0", "sorted-set",
      "O(1)", "key:key#0 member:string"}},
    {"zmscore", -3, kR | kFast, &ZSetFamily::ZMScore, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Get the score associated with the given members in a sorted set", "6.2.0", "sorted-set",
      "O(N) where N is the number of members being requested.", "key:key#0 *member:string"}},
    {"zincrby", 4, kWO | kFast, &ZSetFamily::ZIncrBy, 1, 1, 1, "@write @sortedset @fast", nullptr,
     {"Increment the score of a member in a sorted set", "1.2.0", "sorted-set",
      "O(log(N)) where N is the number of elements in the sorted set.",
      "key:key#0 increment:integer member:string"}},
    {"zcard", 2, kR | kFast, &ZSetFamily::ZCard, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Get the number of members in a sorted set", "1.2.0", "sorted-set", "O(1)", "key:key#0"}},
    {"zcount", 4, kR | kFast, &ZSetFamily::ZCount, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Count the members in a sorted set with scores within the given values", "2.0.0",
      "sorted-set", "O(log(N)) with N being the number of elements in the sorted set.",
      "key:key#0 min:double max:double"}},
    {"zlexcount", 4, kR | kFast, &ZSetFamily::ZLexCount, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Count the number of members in a sorted set between a given lexicographical range", "2.8.9",
      "sorted-set", "O(log(N)) with N being the number of elements in the sorted set.",
      "key:key#0 min:string max:string"}},
    {"zrank", 3, kR | kFast, &ZSetFamily::ZRank, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Determine the index of a member in a sorted set", "2.0.0", "sorted-set", "O(log(N))",
      "key:key#0 member:string"}},
    {"zrevrank", 3, kR | kFast, &ZSetFamily::ZRank, 1, 1, 1, "@read @sortedset @fast", nullptr,
     {"Determine the index of a member in a sorted set, with scores ordered from high to low",
      "2.0.0", "sorted-set", "O(log(N))", "key:key#0 member:string"}},
    {"zrange", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Return a range of members in a sorted set", "1.2.0", "sorted-set", "O(log(N)+M) with N "
      "being the number of elements in the sorted set and M the number of elements returned.",
      "key:key#0 start:string stop:string ?sortby:oneof~6.2.0(byscore:pure-token@BYSCORE "
      "bylex:pure-token@BYLEX) ?rev:pure-token@REV~6.2.0 "
      "?offset_count:block@LIMIT~6.2.0(offset:integer count:integer) "
      "?withscores:pure-token@WITHSCORES"}},
    {"zrevrange", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Return a range of members in a sorted set, by index, with scores ordered from high to low",
      "1.2.0", "sorted-set", "O(log(N)+M) with N being the number of elements in the sorted set "
      "and M the number of elements returned.",
      "key:key#0 start:integer stop:integer ?withscores:pure-token@WITHSCORES", "6.2.0",
      "`ZRANGE` with the `REV` argument"}},
    {"zrangebyscore", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Return a range of members in a sorted set, by score", "1.0.5", "sorted-set",
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
      "with LIMIT), you can consider it O(log(N)).", "key:key#0 min:double max:double "
      "?withscores:pure-token@WITHSCORES~2.0.0 ?offset_count:block@LIMIT(offset:integer "
      "count:integer)", "6.2.0", "`ZRANGE` with the `BYSCORE` argument"}},
    {"zrevrangebyscore", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Return a range of members in a sorted set, by score, with scores ordered from high to low",
      "2.2.0", "sorted-set", "O(log(N)+M) with N being the number of elements in the sorted set "
      "and M the number of elements being returned. If M is constant (e.g. always asking for "
      "the first 10 elements with LIMIT), you can consider it O(log(N)).", "key:key#0 "
      "max:double min:double ?withscores:pure-token@WITHSCORES "
      "?offset_count:block@LIMIT(offset:integer count:integer)", "6.2.0",
      "`ZRANGE` with the `REV` and `BYSCORE` arguments"}},
    {"zrangebylex", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Return a range of members in a sorted set, by lexicographical range", "2.8.9", "sorted-set",
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
      "with LIMIT), you can consider it O(log(N)).",
      "key:key#0 min:string max:string ?offset_count:block@LIMIT(offset:integer count:integer)",
      "6.2.0", "`ZRANGE` with the `BYLEX` argument"}},
    {"zrevrangebylex", -4, kR, &ZSetFamily::ZRange, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Return a range of members in a sorted set, by lexicographical range, ordered from higher "
      "to lower strings.", "2.8.9", "sorted-set", "O(log(N)+M) with N being the number of "
      "elements in the sorted set and M the number of elements being returned. If M is constant "
      "(e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
      "key:key#0 max:string min:string ?offset_count:block@LIMIT(offset:integer count:integer)",
      "6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments"}},
    {"zremrangebyrank", 4, kW, &ZSetFamily::ZRemRange, 1, 1, 1, "@write @sortedset @slow", nullptr,
     {"Remove all members in a sorted set within the given indexes", "2.0.0", "sorted-set",
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.", "key:key#0 start:integer stop:integer"}},
    {"zremrangebyscore", 4, kW, &ZSetFamily::ZRemRange, 1, 1, 1, "@write @sortedset @slow", nullptr,
     {"Remove all members in a sorted set within the given scores", "1.2.0", "sorted-set",
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.", "key:key#0 min:double max:double"}},
    {"zremrangebylex", 4, kW, &ZSetFamily::ZRemRange, 1, 1, 1, "@write @sortedset @slow", nullptr,
     {"Remove all members in a sorted set between the given lexicographical range", "2.8.9",
      "sorted-set", "O(log(N)+M) with N being the number of elements in the sorted set and M "
      "the number of elements removed by the operation.", "key:key#0 min:string max:string"}},
    {"zpopmin", -2, kW | kFast, &ZSetFamily::ZPop, 1, 1, 1, "@write @sortedset @fast", nullptr,
     {"Remove and return members with the lowest scores in a sorted set", "5.0.0", "sorted-set",
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.", "key:key#0 ?count:integer"}},
    {"zpopmax", -2, kW | kFast, &ZSetFamily::ZPop, 1, 1, 1, "@write @sortedset @fast", nullptr,
     {"Remove and return members with the highest scores in a sorted set", "5.0.0", "sorted-set",
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.", "key:key#0 ?count:integer"}},
    {"bzpopmin", -3, kW | kBlocking | kFast, &ZSetFamily::BZPop, 1, -2, 1,
     "@write @sortedset @fast @blocking", nullptr,
     {"Remove and return the member with the lowest score from one or more sorted sets, or "
      "block until one is available", "5.0.0", "sorted-set",
      "O(log(N)) with N being the number of elements in the sorted set.",
      "*key:key#0 timeout:double"}},
    {"bzpopmax", -3, kW | kBlocking | kFast, &ZSetFamily::BZPop, 1, -2, 1,
     "@write @sortedset @fast @blocking", nullptr,
     {"Remove and return the member with the highest score from one or more sorted sets, or "
      "block until one is available", "5.0.0", "sorted-set",
      "O(log(N)) with N being the number of elements in the sorted set.",
      "*key:key#0 timeout:double"}},
    {"zmpop", -4, kW, &ZSetFamily::ZMPop, 0, 0, 0, "@write @sortedset @slow", &NumKeysAt1,
     {"Remove and return members with scores in a sorted set", "7.0.0", "sorted-set",
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
      "elements in the sorted set, and M being the number of elements popped.",
      "numkeys:integer *key:key#0 where:oneof(min:pure-token@MIN max:pure-token@MAX) "
      "?count:integer@COUNT"}},
    {"bzmpop", -5, kW | kBlocking, &ZSetFamily::ZMPop, 0, 0, 0, "@write @sortedset @slow @blocking",
     &NumKeysAt2,
     {"Remove and return members with scores in a sorted set or block until one is available",
      "7.0.0", "sorted-set", "O(K) + O(M*log(N)) where K is the number of provided keys, N "
      "being the number of elements in the sorted set, and M being the number of elements "
      "popped.", "timeout:double numkeys:integer *key:key#0 where:oneof(min:pure-token@MIN "
      "max:pure-token@MAX) ?count:integer@COUNT"}},
    {"zrangestore", -5, kWO, &ZSetFamily::ZRange, 1, 2, 1, "@write @sortedset @slow", nullptr,
     {"Store a range of members from sorted set into another key", "6.2.0", "sorted-set",
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements stored into the destination key.", "dst:key#0 src:key#1 min:string max:string "
      "?sortby:oneof(byscore:pure-token@BYSCORE bylex:pure-token@BYLEX) ?rev:pure-token@REV "
      "?offset_count:block@LIMIT(offset:integer count:integer)"}},
    {"zunionstore", -4, kWO, &ZSetFamily::ZStore, 1, 1, 1, "@write @sortedset @slow", &ZStoreKeys,
     {"Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
      "sorted-set", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted "
      "sets, and M being the number of elements in the resulting sorted set.",
      "destination:key#0 numkeys:integer *key:key#1 ?*weight:integer@WEIGHTS "
      "?aggregate:oneof@AGGREGATE(sum:pure-token@SUM min:pure-token@MIN max:pure-token@MAX)"}},
    {"zinterstore", -4, kWO, &ZSetFamily::ZStore, 1, 1, 1, "@write @sortedset @slow", &ZStoreKeys,
     {"Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
      "sorted-set", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, "
      "K being the number of input sorted sets and M being the number of elements in the "
      "resulting sorted set.", "destination:key#0 numkeys:integer *key:key#1 "
      "?*weight:integer@WEIGHTS ?aggregate:oneof@AGGREGATE(sum:pure-token@SUM "
      "min:pure-token@MIN max:pure-token@MAX)"}},
    {"zscan", -3, kR, &ZSetFamily::ZScan, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Incrementally iterate sorted sets elements and associated scores", "2.8.0", "sorted-set",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..",
      "key:key#0 cursor:integer ?pattern:pattern@MATCH ?count:integer@COUNT"}},
    {"zrandmember", -2, kR, &ZSetFamily::ZRandMember, 1, 1, 1, "@read @sortedset @slow", nullptr,
     {"Get one or multiple random elements from a sorted set", "6.2.0", "sorted-set",
      "O(N) where N is the number of elements returned",
      "key:key#0 ?options:block(count:integer ?withscores:pure-token@WITHSCORES)"}},
    // streams
    {"xadd", -5, kWO | kFast, &StreamFamily::XAdd, 1, 1, 1, "@write @stream @fast", nullptr,
     {"Appends a new entry to a stream", "5.0.0", "stream", "O(1) when adding a new entry, O(N) "
      "when trimming where N being the number of entries evicted.",
      "key:key#0 ?nomkstream:pure-token@NOMKSTREAM~6.2.0 ?trim:block(strategy:oneof("
      "maxlen:pure-token@MAXLEN minid:pure-token@MINID~6.2.0) ?operator:oneof("
      "equal:pure-token@= approximately:pure-token@~) threshold:string "
      "?count:integer@LIMIT~6.2.0) id_or_auto:oneof(auto_id:pure-token@* id:string) "
      "*field_value:block(field:string value:string)"}},
    {"xlen", 2, kR | kFast, &StreamFamily::XLen, 1, 1, 1, "@read @stream @fast", nullptr,
     {"Return the number of entries in a stream", "5.0.0", "stream", "O(1)", "key:key#0"}},
    {"xrange", -4, kR, &StreamFamily::XRange, 1, 1, 1, "@read @stream @slow", nullptr,
     {"Return a range of elements in a stream, with IDs matching the specified IDs interval",
      "5.0.0", "stream", "O(N) with N being the number of elements being returned. If N is "
      "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
      "O(1).", "key:key#0 start:string end:string ?count:integer@COUNT"}},
    {"xrevrange", -4, kR, &StreamFamily::XRange, 1, 1, 1, "@read @stream @slow", nullptr,
     {"Return a range of elements in a stream, with IDs matching the specified IDs interval, in "
      "reverse order (from greater to smaller IDs) compared to XRANGE", "5.0.0", "stream",
      "O(N) with N being the number of elements returned. If N is constant (e.g. always asking "
      "for the first 10 elements with COUNT), you can consider it O(1).",
      "key:key#0 end:string start:string ?count:integer@COUNT"}},
    {"xdel", -3, kW | kFast, &StreamFamily::XDel, 1, 1, 1, "@write @stream @fast", nullptr,
     {"Removes the specified entries from the stream. Returns the number of items actually "
      "deleted, that may be different from the number of IDs passed in case certain IDs do not "
      "exist.", "5.0.0", "stream",
      "O(1) for each single item to delete in the stream, regardless of the stream size.",
      "key:key#0 *id:string"}},
    {"xtrim", -4, kW, &StreamFamily::XTrim, 1, 1, 1, "@write @stream @slow", nullptr,
     {"Trims the stream to (approximately if '~' is passed) a certain size", "5.0.0", "stream",
      "O(N), with N being the number of evicted entries. Constant times are very small however, "
      "since entries are organized in macro nodes containing multiple entries that can be "
      "released with a single deallocation.",
      "key:key#0 trim:block(strategy:oneof(maxlen:pure-token@MAXLEN "
      "minid:pure-token@MINID~6.2.0) ?operator:oneof(equal:pure-token@= "
      "approximately:pure-token@~) threshold:string ?count:integer@LIMIT~6.2.0)"}},
    {"xsetid", -3, kWO | kFast, &StreamFamily::XSetId, 1, 1, 1, "@write @stream @fast", nullptr,
     {"An internal command for replicating stream values", "5.0.0", "stream", "O(1)",
      "key:key#0 last-id:string ?entries_added:integer@ENTRIESADDED~7.0.0 "
      "?max_deleted_entry_id:string@MAXDELETEDID~7.0.0"}},
    {"xread", -4, kR | kBlocking, &StreamFamily::XRead, 0, 0, 0, "@read @stream @slow @blocking",
     &XReadKeys,
     {"Return never seen elements in multiple streams, with IDs greater than the ones reported "
      "by the caller for each stream. Can block.", "5.0.0", "stream",
      "For each stream mentioned: O(N) with N being the number of elements being returned, it "
      "means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, "
      "XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new "
      "data.", "?count:integer@COUNT ?milliseconds:integer@BLOCK "
      "streams:block@STREAMS(*key:key#0 *id:string)"}},
    {"xreadgroup", -7, kW | kBlocking, &StreamFamily::XRead, 0, 0, 0,
     "@write @stream @slow @blocking", &XReadKeys,
     {"Return new entries from a stream using a consumer group, or access the history of the "
      "pending entries for a given consumer. Can block.", "5.0.0", "stream",
      "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
      "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
      "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
      "serve the N clients blocked on the stream getting new data.",
      "group_consumer:block@GROUP(group:string consumer:string) ?count:integer@COUNT "
      "?milliseconds:integer@BLOCK ?noack:pure-token@NOACK "
      "streams:block@STREAMS(*key:key#0 *id:string)"}},
    {"xgroup", -2, kWO, &StreamFamily::XGroup, 0, 0, 0, "@write @stream @slow", &SubcommandKey,
     {"A container for consumer groups commands", "5.0.0", "stream", "Depends on subcommand."}},
    {"xack", -4, kW | kFast, &StreamFamily::XAck, 1, 1, 1, "@write @stream @fast", nullptr,
     {"Marks a pending message as correctly processed, effectively removing it from the pending "
      "entries list of the consumer group. Return value of the command is the number of "
      "messages successfully acknowledged, that is, the IDs we were actually able to resolve in "
      "the PEL.", "5.0.0", "stream", "O(1) for each message ID processed.",
      "key:key#0 group:string *id:string"}},
    {"xpending", -3, kR, &StreamFamily::XPending, 1, 1, 1, "@read @stream @slow", nullptr,
     {"Return information and entries from a stream consumer group pending entries list, that "
      "are messages fetched but never acknowledged.", "5.0.0", "stream",
      "O(N) with N being the number of elements returned, so asking for a small fixed number of "
      "entries per call is O(1). O(M), where M is the total number of entries scanned when used "
      "with the IDLE filter. When the command returns just the summary and the list of "
      "consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for "
      "iterating every consumer.", "key:key#0 group:string "
      "?filters:block(?min-idle-time:integer@IDLE~6.2.0 start:string end:string count:integer "
      "?consumer:string)"}},
    {"xclaim", -6, kW | kFast, &StreamFamily::XClaim, 1, 1, 1, "@write @stream @fast", nullptr,
     {"Changes (or acquires) ownership of a message in a consumer group, as if the message was "
      "delivered to the specified consumer.", "5.0.0", "stream",
      "O(log N) with N being the number of messages in the PEL of the consumer group.",
      "key:key#0 group:string consumer:string min-idle-time:string *id:string "
      "?ms:integer@IDLE ?unix-time-milliseconds:unix-time@TIME ?count:integer@RETRYCOUNT "
      "?force:pure-token@FORCE ?justid:pure-token@JUSTID ?id:string@LASTID"}},
    {"xautoclaim", -6, kW | kFast, &StreamFamily::XAutoClaim, 1, 1, 1, "@write @stream @fast",
     nullptr,
     {"Changes (or acquires) ownership of messages in a consumer group, as if the messages were "
      "delivered to the specified consumer.", "6.2.0", "stream", "O(1) if COUNT is small.",
      "key:key#0 group:string consumer:string min-idle-time:string start:string "
      "?count:integer@COUNT ?justid:pure-token@JUSTID"}},
    {"xinfo", -2, kR, &StreamFamily::XInfo, 0, 0, 0, "@read @stream @slow", &SubcommandKey,
     {"A container for stream introspection commands", "5.0.0", "stream",
      "Depends on subcommand."}},
    // SORT reads the keys its BY and GET patterns name: it locks every shard.
    {"sort", -2, kWO | kAllShards, &SortFamily::Sort, 1, 1, 1,
     "@write @set @sortedset @list @slow @dangerous", &SortKeys,
     {"Sort the elements in a list, set or sorted set", "1.0.0", "generic", "O(N+M*log(M)) "
      "where N is the number of elements in the list or set to sort, and M the number of "
      "returned elements. When the elements are not sorted, complexity is O(N).",
      "key:key#0 ?pattern:pattern#1@BY ?offset_count:block@LIMIT(offset:integer count:integer) "
      "?*!pattern:pattern#1@GET ?order:oneof(asc:pure-token@ASC desc:pure-token@DESC) "
      "?sorting:pure-token@ALPHA ?destination:key#2@STORE"}},
    {"sort_ro", -2, kR | kAllShards, &SortFamily::Sort, 1, 1, 1,
     "@read @set @sortedset @list @slow @dangerous", &SortKeys,
     {"Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0",
      "generic", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, "
      "and M the number of returned elements. When the elements are not sorted, complexity is "
      "O(N).", "key:key#0 ?pattern:pattern#1@BY ?offset_count:block@LIMIT(offset:integer "
      "count:integer) ?*!pattern:pattern#1@GET ?order:oneof(asc:pure-token@ASC "
      "desc:pure-token@DESC) ?sorting:pure-token@ALPHA"}},
    // scripting: a script runs with every shard locked, as EXEC (scripting.h)
    {"eval", -3, kAllShards, &ScriptFamily::Eval, 0, 0, 0, "@slow @scripting", &NumKeysAt2,
     {"Execute a Lua script server side", "2.6.0", "scripting",
      "Depends on the script that is executed.",
      "script:string numkeys:integer ?*key:key#0 ?*arg:string"}},
    {"evalsha", -3, kAllShards, &ScriptFamily::Eval, 0, 0, 0, "@slow @scripting", &NumKeysAt2,
     {"Execute a Lua script server side", "2.6.0", "scripting",
      "Depends on the script that is executed.",
      "sha1:string numkeys:integer ?*key:key#0 ?*arg:string"}},
    {"eval_ro", -3, kR | kAllShards, &ScriptFamily::Eval, 0, 0, 0, "@slow @scripting",
     &NumKeysAt2,
     {"Execute a read-only Lua script server side", "7.0.0", "scripting",
      "Depends on the script that is executed.",
      "script:string numkeys:integer ?*key:key#0 ?*arg:string"}},
    {"evalsha_ro", -3, kR | kAllShards, &ScriptFamily::Eval, 0, 0, 0, "@slow @scripting",
     &NumKeysAt2,
     {"Execute a read-only Lua script server side", "7.0.0", "scripting",
      "Depends on the script that is executed.",
      "sha1:string numkeys:integer ?*key:key#0 ?*arg:string"}},
    {"script", -2, kNoLock, &ScriptFamily::Script, 0, 0, 0, "@slow @scripting", nullptr,
     {"A container for Lua scripts management commands", "2.6.0", "scripting",
      "Depends on subcommand."}},
    // pub/sub
    {"subscribe", -2, kNoLock | kPubSub, &PubSubFamily::Subscribe, 0, 0, 0, "@pubsub @slow",
     nullptr,
     {"Listen for messages published to the given channels", "2.0.0", "pubsub",
      "O(N) where N is the number of channels to subscribe to.", "*channel:string"}},
    {"unsubscribe", -1, kNoLock | kPubSub, &PubSubFamily::Unsubscribe, 0, 0, 0, "@pubsub @slow",
     nullptr,
     {"Stop listening for messages posted to the given channels", "2.0.0", "pubsub",
      "O(N) where N is the number of clients already subscribed to a channel.",
      "?*channel:string"}},
    {"psubscribe", -2, kNoLock | kPubSub, &PubSubFamily::Subscribe, 0, 0, 0, "@pubsub @slow",
     nullptr,
     {"Listen for messages published to channels matching the given patterns", "2.0.0", "pubsub",
      "O(N) where N is the number of patterns the client is already subscribed to.",
      "*pattern:block(pattern:pattern)"}},
    {"punsubscribe", -1, kNoLock | kPubSub, &PubSubFamily::Unsubscribe, 0, 0, 0, "@pubsub @slow",
     nullptr,
     {"Stop listening for messages posted to channels matching the given patterns", "2.0.0",
      "pubsub", "O(N+M) where N is the number of patterns the client is already subscribed and "
      "M is the number of total patterns subscribed in the system (by any client).",
      "?*pattern:pattern"}},
    {"publish", 3, kNoLock | kFast, &PubSubFamily::Publish, 0, 0, 0, "@pubsub @fast", nullptr,
     {"Post a message to a channel", "2.0.0", "pubsub", "O(N+M) where N is the number of "
      "clients subscribed to the receiving channel and M is the total number of subscribed "
      "patterns (by any client).", "channel:string message:string"}},
    {"pubsub", -2, kNoLock, &PubSubFamily::PubSub, 0, 0, 0, "@pubsub @slow", nullptr,
     {"A container for Pub/Sub commands", "2.8.0", "pubsub", "Depends on subcommand."}},
    {"ssubscribe", -2, kNoLock | kPubSub, &PubSubFamily::Subscribe, 0, 0, 0, "@pubsub @slow",
     nullptr,
     {"Listen for messages published to the given shard channels", "7.0.0", "pubsub",
      "O(N) where N is the number of shard channels to subscribe to.", "*shardchannel:string"}},
    {"sunsubscribe", -1, kNoLock | kPubSub, &PubSubFamily::Unsubscribe, 0, 0, 0, "@pubsub @slow",
     nullptr,
     {"Stop listening for messages posted to the given shard channels", "7.0.0", "pubsub",
      "O(N) where N is the number of clients already subscribed to a shard channel.",
      "?*shardchannel:string"}},
    {"spublish", 3, kNoLock | kFast, &PubSubFamily::Publish, 0, 0, 0, "@pubsub @fast", nullptr,
     {"Post a message to a shard channel", "7.0.0", "pubsub",
      "O(N) where N is the number of clients subscribed to the receiving shard channel.",
      "shardchannel:string message:string"}},
};
// clang-format on

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
  for (size_t i = 0; i < name.size(); ++i) {  // ASCII only, inline: runs for every request
    const char c = name[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  const auto& index = Index();
  auto it = index.find(absl::string_view(lower, name.size()));
  return it == index.end() ? nullptr : it->second;
}

}  // namespace aio::cache
