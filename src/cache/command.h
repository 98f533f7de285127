// The command table's shape and what a command handler sees. A handler runs with every shard
// its keys live in locked (docs/threading.md), reads arguments from ctx.args and writes exactly
// one reply to ctx.rb. Redis's error texts live here, so every family answers with the same words.
#pragma once

#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/client.h"
#include "cache/keyspace.h"
#include "protocol/resp/reply_builder.h"

namespace aio::cache {

class Cache;
class CommandContext;

enum CommandFlag : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kDenyOom = 1 << 2,  // may grow memory: refused with -OOM when over maxmemory
  kAdmin = 1 << 3,
  kPubSub = 1 << 4,  // allowed while subscribed under RESP2
  kFast = 1 << 5,
  kNoAuth = 1 << 6,     // runs before authentication (AUTH, HELLO, QUIT)
  kAllShards = 1 << 7,  // locks every shard (keyless keyspace commands: DBSIZE, KEYS, FLUSHDB)
  kNoMulti = 1 << 8,    // runs at once inside MULTI (EXEC, DISCARD, MULTI, WATCH)
  kBlocking = 1 << 9,
  kNoLock = 1 << 10,  // touches no shard (PING, ECHO, CLIENT, PUBLISH)
};

using Handler = void (*)(CommandContext& ctx);
// Appends the keys of a command whose keys are not at fixed positions (ZUNIONSTORE, BLPOP).
using KeysFn = void (*)(std::span<const std::string_view> args,
                        std::vector<std::string_view>* keys);

// COMMAND DOCS: Redis 7's documentation of a command (https://redis.io/commands/command-docs/).
// `arguments` is Redis's argument tree in a compact form, space-separated arguments each written
//   [?][*][!]name:type[#key_spec_index][@TOKEN][~since][(nested arguments)]
// with ? = optional, * = multiple, ! = multiple_token, nested arguments for oneof and block.
struct CommandDoc {
  const char* summary = "";
  const char* since = "";
  const char* group = "";
  const char* complexity = "";
  const char* arguments = "";
  const char* deprecated_since = "";  // set for deprecated commands (doc_flags: deprecated)
  const char* replaced_by = "";
};

struct CommandSpec {
  const char* name;  // lower case, as Redis reports it
  int arity;         // > 0: exactly; < 0: at least -arity (the name counts)
  uint32_t flags;
  Handler handler;
  int first_key = 0;  // 0 = no keys
  int last_key = 0;   // negative: counted from the end (-1 = last argument)
  int step = 0;
  const char* categories = "";  // ACL categories, "@read @string @fast"
  KeysFn keys_fn = nullptr;
  CommandDoc doc = {};
};

// All commands, in COMMAND's order. Defined in command_table.cc.
std::span<const CommandSpec> CommandTable();
// The spec of `name` (any case), or nullptr.
const CommandSpec* FindCommand(std::string_view name);
// The keys of a request, by its spec.
void CommandKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                 std::vector<std::string_view>* keys);

namespace errors {
inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kIndexRange = "ERR index out of range";
inline constexpr std::string_view kDbIndex = "ERR DB index is out of range";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kMinMaxFloat = "ERR min or max is not a float";
inline constexpr std::string_view kMinMaxLex = "ERR min or max not valid string range item";
inline constexpr std::string_view kTimeout = "ERR timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kPositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
}  // namespace errors

// "ERR wrong number of arguments for 'get' command"
std::string ArityError(std::string_view name);
// "ERR unknown subcommand 'x'. Try CLIENT HELP."
std::string UnknownSubcommand(std::string_view command, std::string_view sub);

// Argument parsing, as Redis's string2ll / strtold checks.
bool ParseInt(std::string_view text, int64_t* value);
bool ParseDouble(std::string_view text, double* value);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Redis's glob (stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);
std::string ToLower(std::string_view text);
std::string ToUpper(std::string_view text);

// The NX XX GT LT conditions of EXPIRE and ZADD.
struct UpdateConditions {
  bool nx = false, xx = false, gt = false, lt = false;

  // Sets the flag `opt` names (any case); false when it names none of the four.
  bool Parse(std::string_view opt) {
    bool* flag = EqualsIgnoreCase(opt, "nx")   ? &nx
                 : EqualsIgnoreCase(opt, "xx") ? &xx
                 : EqualsIgnoreCase(opt, "gt") ? &gt
                 : EqualsIgnoreCase(opt, "lt") ? &lt
                                               : nullptr;
    if (flag == nullptr) return false;
    *flag = true;
    return true;
  }
};

// Keyspace-notification classes (notify-keyspace-events letters).
enum NotifyClass : uint32_t {
  kNotifyGeneric = 1 << 0,    // g
  kNotifyString = 1 << 1,     // $
  kNotifyList = 1 << 2,       // l
  kNotifySet = 1 << 3,        // s
  kNotifyHash = 1 << 4,       // h
  kNotifyZSet = 1 << 5,       // z
  kNotifyExpired = 1 << 6,    // x
  kNotifyEvicted = 1 << 7,    // e
  kNotifyStream = 1 << 8,     // t
  kNotifyKeyspace = 1 << 9,   // K
  kNotifyKeyevent = 1 << 10,  // E
  kNotifyNew = 1 << 11,       // n
};

class CommandContext {
 public:
  CommandContext(Cache& cache, Client& client, protocol::resp::ReplyBuilder& rb,
                 std::span<const std::string_view> args, const CommandSpec* spec, int64_t now_ms);

  std::span<const std::string_view> args;
  protocol::resp::ReplyBuilder& rb;
  Client& client;
  Cache& cache;
  Keyspace& ks;
  const CommandSpec* spec;
  const int64_t now_ms;  // Unix ms, fixed for the command (as Redis's cached time)
  bool in_exec = false;  // inside EXEC: blocking commands do not block

  int db() const { return client.db; }
  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }

  // `key` with its hash: the one the dispatcher computed when `key` is one of the command's key
  // arguments (the same view, not only the same bytes), else hashed now.
  HashedKey Hashed(std::string_view key);
  // Set by the dispatcher: the command's key arguments and their hashes (spans that outlive the
  // handler).
  void set_key_hashes(std::span<const std::string_view> keys, std::span<const size_t> hashes) {
    keys_ = keys;
    hashes_ = hashes;
  }

  // A read lookup: counts a keyspace hit or miss.
  Object* Read(std::string_view key);
  // A lookup that counts nothing (writes, TYPE, EXISTS).
  Object* Lookup(std::string_view key) { return ks.Find(db(), Hashed(key), now_ms); }
  // The object under `key` when it has `type` (else replies WRONGTYPE and sets *wrong), or null.
  Object* ReadTyped(std::string_view key, Type type, bool* wrong);
  Object* LookupTyped(std::string_view key, Type type, bool* wrong);
  // The aggregate under `key`, created empty when absent; nullptr after replying WRONGTYPE.
  template <typename T>
  Object* LookupOrCreate(std::string_view key, Type type) {
    bool wrong = false;
    Object* object = LookupTyped(key, type, &wrong);
    if (wrong) return nullptr;
    if (object == nullptr) object = &ks.Put(db(), Hashed(key), Object::Make<T>());
    return object;
  }
  // Deletes the aggregate under `key` if it became empty.
  void DeleteIfEmpty(std::string_view key, Object* object);
  void Charge(std::string_view key, Object* object, int64_t delta) {
    ks.Charge(Hashed(key), *object, delta);
  }

  // Publishes a keyspace notification (no-op unless notify-keyspace-events enables `cls`).
  void Notify(uint32_t cls, std::string_view event, std::string_view key);
  // Signals a write to a key this command did not name in its key positions.
  void Modified(std::string_view key);

  // Parses args[i] as an integer; on failure replies kNotInteger (or `error`) and returns false.
  bool IntArg(size_t i, int64_t* value, std::string_view error = errors::kNotInteger);
  bool DoubleArg(size_t i, double* value, std::string_view error = errors::kNotFloat);

  // Blocks the client on `keys` until one is written or `timeout_ms` passes (0 = forever). The
  // handler writes no reply; the dispatcher runs it again when woken.
  void Block(std::span<const std::string_view> keys, int64_t timeout_ms);
  bool blocked() const { return blocked_; }
  // Whether a blocking command may take from `key` now: false while another client blocked on it
  // first (Cache::MayServe), so that client gets the element.
  bool MayServe(std::string_view key);
  int64_t block_timeout_ms() const { return block_timeout_ms_; }

 private:
  bool blocked_ = false;
  int64_t block_timeout_ms_ = 0;
  std::span<const std::string_view> keys_;
  std::span<const size_t> hashes_;
  size_t next_key_ = 0;  // where Hashed() looks first: handlers mostly go through keys in order
};

// Handlers that parse the same options: `EX|PX|EXAT|PXAT n` into an absolute Unix ms.
bool ParseExpireOption(CommandContext& ctx, size_t i, int64_t unit_ms, bool absolute,
                       int64_t* when_ms);

// HDEL SREM ZREM: removes args[2..] from the aggregate of `type` at args[1]. `erase(object,
// element)` removes one element and returns the bytes it freed, or 0 when it was absent. Notifies
// `event` (class `cls`) when any was removed, deletes an emptied aggregate, replies the count.
template <typename EraseFn>
void RemoveElements(CommandContext& ctx, Type type, uint32_t cls, std::string_view event,
                    EraseFn erase) {
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, type, &wrong);
  if (wrong) return;
  int64_t removed = 0;
  if (object != nullptr) {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const int64_t freed = erase(object, ctx.arg(i));
      if (freed == 0) continue;
      ++removed;
      ctx.Charge(key, object, -freed);
    }
    if (removed > 0) ctx.Notify(cls, event, key);
    ctx.DeleteIfEmpty(key, object);
  }
  ctx.rb.Int(removed);
}

// The end of a *STORE command (SINTERSTORE SUNIONSTORE SDIFFSTORE ZUNIONSTORE ZINTERSTORE) that
// replaced `dst` with `stored` elements: notifies `event` (class `cls`), or "del" when the result
// was empty, and replies the count.
void FinishStore(CommandContext& ctx, std::string_view dst, uint32_t cls, std::string_view event,
                 int64_t stored);

// A blocking command's timeout at args[i] (seconds, fractional) into ms; 0 = forever. Replies
// kTimeout or kTimeoutNegative and returns false when it is not a valid timeout.
bool ParseTimeoutArg(CommandContext& ctx, size_t i, int64_t* timeout_ms);

// The optional non-negative count at args[2] of LPOP RPOP SPOP ZPOPMIN ZPOPMAX; *count is left as
// is when absent. Replies `too_many_args` for more than one extra argument, kPositive for a bad
// count, and returns false.
bool ParsePopCount(CommandContext& ctx, std::string_view too_many_args, int64_t* count);

// The arguments of LMPOP ZMPOP and their blocking forms: `numkeys key [key ...] END [COUNT n]`
// from args[at], END being `first_end` (LEFT, MIN) or `second_end` (RIGHT, MAX).
struct MPopArgs {
  std::span<const std::string_view> keys;
  bool first_end = true;
  int64_t count = 1;
};
// Replies Redis's errors ("ERR numkeys should be greater than 0", "ERR count should be greater
// than 0", kSyntax) and returns false when the arguments are not valid.
bool ParseMPopArgs(CommandContext& ctx, size_t at, std::string_view first_end,
                   std::string_view second_end, MPopArgs* out);

// LMPOP ZMPOP, and BLMPOP BZMPOP (named "b..."; their timeout is checked after the other
// arguments, as Redis does): calls pop(key, object, mpop) for the first key holding a `type`
// aggregate, which replies [key, elements]. When every key is empty: a null array, or blocks.
template <typename PopFn>
void MPopFirst(CommandContext& ctx, Type type, std::string_view first_end,
               std::string_view second_end, PopFn pop) {
  const bool blocking = ctx.spec->name[0] == 'b';
  MPopArgs mpop;
  if (!ParseMPopArgs(ctx, blocking ? 2 : 1, first_end, second_end, &mpop)) return;
  int64_t timeout = 0;
  if (blocking && !ParseTimeoutArg(ctx, 1, &timeout)) return;
  for (std::string_view key : mpop.keys) {
    if (blocking && !ctx.MayServe(key)) continue;
    bool wrong = false;
    Object* object = ctx.LookupTyped(key, type, &wrong);
    if (wrong) return;
    if (object == nullptr) continue;
    ctx.rb.Array(2);
    ctx.rb.Bulk(key);
    pop(key, object, mpop);
    return;
  }
  if (blocking)
    ctx.Block(mpop.keys, timeout);
  else
    ctx.rb.NullArray();
}

}  // namespace aio::cache
