// ScriptEngine: Redis 7.0's Lua scripting (https://redis.io/docs/manual/programmability/eval-intro/
// and lua-api/) over Lua 5.1, the version Redis embeds. One Lua state per cache, shared by every
// client as Redis's: the script cache (keyed by the lowercase SHA1 hex of the body), the sandbox
// (base minus loadfile/dofile/print, table, string, math, bit, cjson; globals read-only, reading
// an undeclared global is an error), the `redis` library (call, pcall, error_reply, status_reply,
// sha1hex, log, setresp, set_repl, replicate_commands) and the RESP <-> Lua conversions of the
// "Lua API" doc's tables.
//
// Thread-safe: one script runs at a time (mu_). EVAL runs with every keyspace shard locked, as
// EXEC, so the script is atomic; lock order is shards, then mu_. Kill() takes no lock, so SCRIPT
// KILL reaches a script stuck in a loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

struct lua_State;
struct lua_Debug;

namespace aio::cache {

class CommandContext;

class ScriptEngine {
 public:
  ScriptEngine();
  ~ScriptEngine();
  ScriptEngine(const ScriptEngine&) = delete;
  ScriptEngine& operator=(const ScriptEngine&) = delete;

  // The lowercase hex SHA1 of `text` (40 characters), as redis.sha1hex and the script cache.
  static std::string Sha1Hex(std::string_view text);

  // SCRIPT LOAD: compiles `body` into the cache (a no-op when already there) and returns its sha.
  // InvalidArgument carrying Redis's reply text ("ERR Error compiling script (new function):
  // user_script:1: ...") when it does not compile.
  absl::StatusOr<std::string> Load(std::string_view body);
  bool Exists(std::string_view sha);
  // SCRIPT FLUSH: drops every script and starts a new Lua state.
  void Flush();
  // INFO memory, read without the engine's lock (a script may run INFO).
  int64_t size() const { return script_count_.load(); }      // number_of_cached_scripts
  int64_t body_bytes() const { return body_bytes_.load(); }  // used_memory_scripts, bytes
  int64_t lua_bytes() const { return lua_bytes_.load(); }    // used_memory_lua, bytes

  // EVAL EVALSHA EVAL_RO EVALSHA_RO: ctx.args = name, body or sha, numkeys, keys..., args...
  // REQUIRES: every shard locked (the command is kAllShards, or runs inside EXEC). Replies the
  // script's return value in the client's protocol, or Redis's error texts.
  void Eval(CommandContext& ctx, bool by_sha, bool read_only);

  // SCRIPT KILL: "" when the running script will stop, else the error reply (NOTBUSY when no
  // script runs, UNKILLABLE when it already wrote).
  std::string Kill();

 private:
  struct Script {
    std::string body;
    int ref = 0;  // the compiled function, in the Lua registry
  };
  struct Run;

  void Open();         // REQUIRES: mu_ held
  void Close();        // REQUIRES: mu_ held
  void UpdateSizes();  // REQUIRES: mu_ held
  // Compiles `body` unless cached; returns the script or nullptr with the reply in *error.
  Script* Compile(std::string_view body, const std::string& sha, std::string* error);

  // Lua entry points; the engine is the upvalue of each.
  static int Call(lua_State* lua);
  static int PCall(lua_State* lua);
  static int CallCommand(lua_State* lua, bool raise);
  static int SetResp(lua_State* lua);
  static int Random(lua_State* lua);
  static int RandomSeed(lua_State* lua);
  static void KillHook(lua_State* lua, lua_Debug* ar);
  static ScriptEngine& Self(lua_State* lua);

  std::mutex mu_;
  lua_State* lua_ = nullptr;
  int globals_ref_ = 0;  // the real globals table, which the scripts' read-only proxy reads
  absl::flat_hash_map<std::string, Script> scripts_;
  std::atomic<int64_t> script_count_{0};
  std::atomic<int64_t> body_bytes_{0};
  std::atomic<int64_t> lua_bytes_{0};
  uint64_t random_state_ = 0;  // math.random: Redis's rand48, seeded once per Lua state
  Run* run_ = nullptr;         // the script running now

  std::atomic<bool> running_{false};
  std::atomic<bool> wrote_{false};
  std::atomic<bool> kill_{false};
};

}  // namespace aio::cache
