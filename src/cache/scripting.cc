#include "cache/scripting.h"

#include <openssl/evp.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/logging.h"
#include "cache/cache.h"
#include "cache/lua_libs.h"
#include "cache/lua_resp.h"
#include "fmt/format.h"
#include "lua.hpp"

namespace aio::cache {
namespace {

constexpr char kChunkName[] = "@user_script";

// Commands flagged `noscript` in Redis 7.0 (or whose every subcommand is). Blocking commands among
// them; the other blocking ones (BLMPOP BZMPOP XREAD BLOCK) run without blocking, as in EXEC.
const absl::flat_hash_set<std::string_view>& NoScriptCommands() {
  static const auto* names = new absl::flat_hash_set<std::string_view>{
      "acl",          "auth",       "bgrewriteaof", "bgsave",    "blmove",     "blpop",
      "brpop",        "brpoplpush", "bzpopmax",     "bzpopmin",  "client",     "config",
      "debug",        "discard",    "eval",         "eval_ro",   "evalsha",    "evalsha_ro",
      "exec",         "failover",   "fcall",        "fcall_ro",  "function",   "hello",
      "latency",      "module",     "monitor",      "multi",     "psubscribe", "psync",
      "punsubscribe", "quit",       "replconf",     "replicaof", "reset",      "role",
      "save",         "script",     "shutdown",     "slaveof",   "ssubscribe", "subscribe",
      "sunsubscribe", "sync",       "unsubscribe",  "unwatch",   "wait",       "watch"};
  return *names;
}

// Pushes Redis's error table {err = "CODE message"}: `text` is "-CODE message", or a message that
// gets the ERR code (luaPushErrorBuff in Redis's script_lua.c).
void PushErrorTable(lua_State* lua, std::string_view text) {
  std::string code = "ERR";
  std::string_view message = text;
  if (!text.empty() && text[0] == '-') {
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      message = text.substr(1);
    } else {
      code = std::string(text.substr(1, space - 1));
      message = text.substr(space + 1);
    }
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r'))
    message.remove_suffix(1);
  PushTableWith(lua, "err", fmt::format("{} {}", code, message));
}

// Raises the error table PushErrorTable() builds (redis.call's errors).
[[noreturn]] void RaiseError(lua_State* lua, std::string_view text) {
  PushErrorTable(lua, text);
  lua_error(lua);
  __builtin_unreachable();
}

// The message handler of every script run (Redis's __redis__err__handler): turns the error into
// a table {err=, source=, line=} naming the script line that raised it.
int ErrorHandler(lua_State* lua) {
  if (!lua_istable(lua, 1)) {  // {err = 'ERR ' .. tostring(err)}
    lua_getglobal(lua, "tostring");
    lua_pushvalue(lua, 1);
    lua_call(lua, 1, 1);
    PushTableWith(lua, "err", fmt::format("ERR {}", lua_tostring(lua, -1)));
    lua_replace(lua, 1);
  }
  lua_Debug ar;
  for (int level = 1; level <= 2; ++level) {
    if (lua_getstack(lua, level, &ar) == 0 || lua_getinfo(lua, "Sl", &ar) == 0) break;
    if (std::string_view(ar.what) == "C") continue;
    lua_pushstring(lua, ar.source);
    lua_setfield(lua, 1, "source");
    lua_pushinteger(lua, ar.currentline);
    lua_setfield(lua, 1, "line");
    break;
  }
  lua_settop(lua, 1);
  return 1;
}

// The reply text of a failed run: "<err> script: <sha>, on <source>:<line>."
std::string RunError(lua_State* lua, const std::string& sha) {
  if (!lua_istable(lua, -1)) {
    const char* text = lua_tostring(lua, -1);
    return fmt::format("ERR {}", text != nullptr ? text : "unknown error");
  }
  lua_getfield(lua, -1, "err");
  const char* err = lua_tostring(lua, -1);
  std::string text = err != nullptr ? err : "ERR unknown error";
  lua_pop(lua, 1);
  lua_getfield(lua, -1, "source");
  lua_getfield(lua, -2, "line");
  if (lua_isstring(lua, -2) && lua_isnumber(lua, -1)) {
    text += fmt::format(" script: {}, on {}:{}.", sha, lua_tostring(lua, -2),
                        static_cast<int64_t>(lua_tointeger(lua, -1)));
  }
  lua_pop(lua, 2);
  return text;
}

// --- the read-only globals ---------------------------------------------------------------------
// __index of the scripts' globals proxy: the real global, or an error for an undeclared one.
int GlobalsIndex(lua_State* lua) {
  lua_pushvalue(lua, 2);
  lua_rawget(lua, lua_upvalueindex(1));
  if (!lua_isnil(lua, -1)) return 1;
  const char* name = lua_tostring(lua, 2);
  return luaL_error(lua, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

int ReadonlyNewIndex(lua_State* lua) {
  return luaL_error(lua, "Attempt to modify a readonly table");
}

// Replaces the table at the top of the stack by an empty proxy reading through to it and refusing
// writes, as Redis 7's read-only tables. `strict`: reading a missing field is an error (globals).
void MakeReadonly(lua_State* lua, bool strict) {
  lua_newtable(lua);  // proxy
  lua_newtable(lua);  // its metatable
  if (strict) {
    lua_pushvalue(lua, -3);
    lua_pushcclosure(lua, &GlobalsIndex, 1);
  } else {
    lua_pushvalue(lua, -3);
  }
  lua_setfield(lua, -2, "__index");
  lua_pushcfunction(lua, &ReadonlyNewIndex);
  lua_setfield(lua, -2, "__newindex");
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  lua_setmetatable(lua, -2);
  lua_replace(lua, -2);
}

// load / loadstring: the original (upvalue 1), the function it returns running in the scripts'
// globals proxy (upvalue 2).
int LoadInEnv(lua_State* lua) {
  const int argc = lua_gettop(lua);
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, argc, LUA_MULTRET);
  if (lua_isfunction(lua, 1)) {
    lua_pushvalue(lua, lua_upvalueindex(2));
    lua_setfenv(lua, 1);
  }
  return lua_gettop(lua);
}

// Empties the table at `index`: what rawset() left in a read-only proxy does not outlive the run.
void ClearTable(lua_State* lua, int index) {
  lua_pushnil(lua);
  while (lua_next(lua, index) != 0) {
    lua_pop(lua, 1);
    lua_pushvalue(lua, -1);
    lua_pushnil(lua);
    lua_rawset(lua, index);
  }
}

// --- the redis library ---------------------------------------------------------------------
int Sha1HexFn(lua_State* lua) {
  if (lua_gettop(lua) != 1) RaiseError(lua, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(lua, 1, &len);
  const std::string hex = ScriptEngine::Sha1Hex(std::string_view(s != nullptr ? s : "", len));
  lua_pushlstring(lua, hex.data(), hex.size());
  return 1;
}

// error_reply and status_reply return (not raise) an error table for bad arguments, as Redis.
int ErrorReplyFn(lua_State* lua) {
  if (lua_gettop(lua) != 1 || lua_type(lua, 1) != LUA_TSTRING) {
    PushErrorTable(lua, "wrong number or type of arguments");
    return 1;
  }
  const std::string_view text = lua_tostring(lua, 1);
  PushErrorTable(lua, text[0] == '-' ? std::string(text) : fmt::format("-{}", text));
  return 1;
}

int StatusReplyFn(lua_State* lua) {
  if (lua_gettop(lua) != 1 || lua_type(lua, 1) != LUA_TSTRING) {
    PushErrorTable(lua, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(lua);
  lua_pushvalue(lua, 1);
  lua_setfield(lua, -2, "ok");
  return 1;
}

int LogFn(lua_State* lua) {
  const int argc = lua_gettop(lua);
  if (argc < 2) RaiseError(lua, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(lua, 1)) RaiseError(lua, "First argument must be a number");
  const int level = static_cast<int>(lua_tointeger(lua, 1));
  if (level < 0 || level > 3) RaiseError(lua, "Invalid debug level.");
  std::string text;
  for (int i = 2; i <= argc; ++i) {
    size_t len = 0;
    const char* s = lua_tolstring(lua, i, &len);
    if (s == nullptr) continue;
    if (!text.empty()) text += ' ';
    text.append(s, len);
  }
  static const auto log = base::GetLogger("script");
  static constexpr spdlog::level::level_enum kLevels[] = {
      spdlog::level::debug, spdlog::level::debug, spdlog::level::info, spdlog::level::warn};
  log->log(kLevels[level], "{}", text);
  return 0;
}

int SetReplFn(lua_State* lua) {
  if (lua_gettop(lua) != 1) RaiseError(lua, "redis.set_repl() requires one argument.");
  const lua_Integer flags = lua_tointeger(lua, 1);
  if (flags < 0 || flags > 3)
    RaiseError(lua,
               "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  return 0;  // no replication: accepted, no effect
}

// The global pcall: Lua's, with an error table (redis.call's errors) turned into its `err`
// string, as Redis 7's luaRedisPcall.
int PcallFn(lua_State* lua) {
  const int argc = lua_gettop(lua);
  luaL_checkany(lua, 1);
  lua_pushboolean(lua, 1);
  lua_insert(lua, 1);
  if (lua_pcall(lua, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(lua, 1);
    if (lua_istable(lua, -1)) {
      lua_getfield(lua, -1, "err");
      if (lua_isstring(lua, -1))
        lua_replace(lua, -2);
      else
        lua_pop(lua, 1);
    }
    lua_pushboolean(lua, 0);
    lua_insert(lua, 1);
  }
  return lua_gettop(lua);
}

// __index of `struct` and `cmsgpack`: libraries Redis has that AIO leaves out.
int MissingLibIndex(lua_State* lua) {
  return luaL_error(lua, "%s.%s is not available: AIO's scripting has no %s library",
                    lua_tostring(lua, lua_upvalueindex(1)), luaL_optstring(lua, 2, "?"),
                    lua_tostring(lua, lua_upvalueindex(1)));
}

int ReplicateCommandsFn(lua_State* lua) {
  lua_pushboolean(lua, 1);
  return 1;
}

}  // namespace

struct ScriptEngine::Run {
  CommandContext& ctx;
  bool read_only;
  int resp = 2;  // redis.setresp
};

ScriptEngine::ScriptEngine() {
  std::lock_guard<std::mutex> lock(mu_);
  Open();
}

ScriptEngine::~ScriptEngine() {
  std::lock_guard<std::mutex> lock(mu_);
  Close();
}

std::string ScriptEngine::Sha1Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * len, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return hex;
}

ScriptEngine& ScriptEngine::Self(lua_State* lua) {
  return *static_cast<ScriptEngine*>(lua_touserdata(lua, lua_upvalueindex(1)));
}

void ScriptEngine::Open() {
  lua_ = luaL_newstate();
  lua_State* lua = lua_;
  for (auto [name, open] :
       {std::pair{"", &luaopen_base}, std::pair{LUA_TABLIBNAME, &luaopen_table},
        std::pair{LUA_STRLIBNAME, &luaopen_string}, std::pair{LUA_MATHLIBNAME, &luaopen_math}}) {
    lua_pushcfunction(lua, open);
    lua_pushstring(lua, name);
    lua_call(lua, 1, 0);
  }
  OpenBitLib(lua);
  OpenCjsonLib(lua);
  lua_register(lua, "pcall", &PcallFn);
  for (const char* name : {"struct", "cmsgpack"}) {
    lua_newtable(lua);
    lua_newtable(lua);
    lua_pushstring(lua, name);
    lua_pushcclosure(lua, &MissingLibIndex, 1);
    lua_setfield(lua, -2, "__index");
    lua_setmetatable(lua, -2);
    lua_setglobal(lua, name);
  }
  for (const char* name : {"loadfile", "dofile", "print", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(lua);
    lua_setglobal(lua, name);
  }
  // math.random / randomseed: Redis's own generator, so runs do not share libc's rand().
  random_state_ = 0x1234ABCD330EULL;
  lua_getglobal(lua, LUA_MATHLIBNAME);
  lua_pushlightuserdata(lua, this);
  lua_pushcclosure(lua, &ScriptEngine::Random, 1);
  lua_setfield(lua, -2, "random");
  lua_pushlightuserdata(lua, this);
  lua_pushcclosure(lua, &ScriptEngine::RandomSeed, 1);
  lua_setfield(lua, -2, "randomseed");
  lua_pop(lua, 1);

  lua_newtable(lua);  // redis
  lua_pushlightuserdata(lua, this);
  lua_pushcclosure(lua, &ScriptEngine::Call, 1);
  lua_setfield(lua, -2, "call");
  lua_pushlightuserdata(lua, this);
  lua_pushcclosure(lua, &ScriptEngine::PCall, 1);
  lua_setfield(lua, -2, "pcall");
  lua_pushlightuserdata(lua, this);
  lua_pushcclosure(lua, &ScriptEngine::SetResp, 1);
  lua_setfield(lua, -2, "setresp");
  for (auto [name, fn] :
       {std::pair{"sha1hex", &Sha1HexFn}, std::pair{"error_reply", &ErrorReplyFn},
        std::pair{"status_reply", &StatusReplyFn}, std::pair{"log", &LogFn},
        std::pair{"set_repl", &SetReplFn}, std::pair{"replicate_commands", &ReplicateCommandsFn}}) {
    lua_pushcfunction(lua, fn);
    lua_setfield(lua, -2, name);
  }
  for (auto [name, value] :
       {std::pair{"LOG_DEBUG", 0}, std::pair{"LOG_VERBOSE", 1}, std::pair{"LOG_NOTICE", 2},
        std::pair{"LOG_WARNING", 3}, std::pair{"REPL_NONE", 0}, std::pair{"REPL_AOF", 1},
        std::pair{"REPL_SLAVE", 2}, std::pair{"REPL_REPLICA", 2}, std::pair{"REPL_ALL", 3},
        std::pair{"REDIS_VERSION_NUM", 0x0007000f}}) {
    lua_pushinteger(lua, value);
    lua_setfield(lua, -2, name);
  }
  lua_pushstring(lua, "7.0.15");  // as INFO's redis_version
  lua_setfield(lua, -2, "REDIS_VERSION");
  lua_setglobal(lua, "redis");

  // Library tables and the globals become read-only for scripts: a script cannot leave state
  // behind for the next one (Redis 7's lua_enablereadonlytable).
  for (const char* name :
       {"redis", "bit", "cjson", LUA_TABLIBNAME, LUA_STRLIBNAME, LUA_MATHLIBNAME}) {
    lua_getglobal(lua, name);
    MakeReadonly(lua, false);
    lua_setglobal(lua, name);
  }
  lua_pushvalue(lua, LUA_GLOBALSINDEX);
  lua_pushvalue(lua, -1);
  globals_ref_ = luaL_ref(lua, LUA_REGISTRYINDEX);
  MakeReadonly(lua, true);
  lua_pushvalue(lua, -1);
  lua_setglobal(lua, "_G");  // _G names the proxy the scripts see
  // Chunks that load / loadstring make see the proxy too.
  for (const char* name : {"load", "loadstring"}) {
    lua_getglobal(lua, name);
    lua_pushvalue(lua, -2);
    lua_pushcclosure(lua, &LoadInEnv, 2);
    lua_setglobal(lua, name);
  }
  lua_setfield(lua, LUA_REGISTRYINDEX, "aio_script_env");
  lua_sethook(lua, &ScriptEngine::KillHook, LUA_MASKCOUNT, 100000);
  UpdateSizes();
}

void ScriptEngine::Close() {
  if (lua_ != nullptr) lua_close(lua_);
  lua_ = nullptr;
  scripts_.clear();
  body_bytes_.store(0);
}

ScriptEngine::Script* ScriptEngine::Compile(std::string_view body, const std::string& sha,
                                            std::string* error) {
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) return &it->second;
  if (luaL_loadbuffer(lua_, body.data(), body.size(), kChunkName) != 0) {
    *error = fmt::format("ERR Error compiling script (new function): {}", lua_tostring(lua_, -1));
    lua_pop(lua_, 1);
    return nullptr;
  }
  lua_getfield(lua_, LUA_REGISTRYINDEX, "aio_script_env");
  lua_setfenv(lua_, -2);
  Script& script = scripts_[sha];
  script.body = std::string(body);
  script.ref = luaL_ref(lua_, LUA_REGISTRYINDEX);
  body_bytes_.fetch_add(static_cast<int64_t>(body.size()));
  UpdateSizes();
  return &script;
}

absl::StatusOr<std::string> ScriptEngine::Load(std::string_view body) {
  std::string sha = Sha1Hex(body);
  std::lock_guard<std::mutex> lock(mu_);
  std::string error;
  if (Compile(body, sha, &error) == nullptr) return absl::InvalidArgumentError(error);
  return sha;
}

bool ScriptEngine::Exists(std::string_view sha) {
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.contains(ToLower(sha));
}

void ScriptEngine::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  Close();
  Open();
}

void ScriptEngine::UpdateSizes() {
  script_count_.store(static_cast<int64_t>(scripts_.size()));
  lua_bytes_.store(static_cast<int64_t>(lua_gc(lua_, LUA_GCCOUNT, 0)) * 1024 +
                   lua_gc(lua_, LUA_GCCOUNTB, 0));
}

std::string ScriptEngine::Kill() {
  if (!running_.load()) return "NOTBUSY No scripts in execution right now.";
  if (wrote_.load()) {
    return "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
           "can either wait the script termination or kill the server in a hard way using the "
           "SHUTDOWN NOSAVE command.";
  }
  kill_.store(true);
  return "";
}

void ScriptEngine::KillHook(lua_State* lua, lua_Debug*) {
  lua_getfield(lua, LUA_REGISTRYINDEX, "aio_script_engine");
  auto* self = static_cast<ScriptEngine*>(lua_touserdata(lua, -1));
  lua_pop(lua, 1);
  if (self == nullptr || !self->kill_.load(std::memory_order_relaxed) || self->wrote_.load())
    return;
  self->kill_.store(false);
  RaiseError(lua, "Script killed by user with SCRIPT KILL...");
}

void ScriptEngine::Eval(CommandContext& ctx, bool by_sha, bool read_only) {
  int64_t numkeys = 0;
  if (!ctx.IntArg(2, &numkeys)) return;
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    return ctx.rb.Error("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return ctx.rb.Error("ERR Number of keys can't be negative");
  const std::string sha = by_sha ? ToLower(ctx.arg(1)) : Sha1Hex(ctx.arg(1));

  std::lock_guard<std::mutex> lock(mu_);
  Script* script = nullptr;
  if (by_sha) {
    auto it = scripts_.find(sha);
    if (it == scripts_.end()) return ctx.rb.Error("NOSCRIPT No matching script. Please use EVAL.");
    script = &it->second;
  } else {
    std::string error;
    script = Compile(ctx.arg(1), sha, &error);
    if (script == nullptr) return ctx.rb.Error(error);
  }
  lua_State* lua = lua_;
  // KEYS and ARGV: new tables in the real globals for each run.
  lua_rawgeti(lua, LUA_REGISTRYINDEX, globals_ref_);
  for (auto [name, from, to] : {std::tuple{"KEYS", size_t{3}, size_t(3 + numkeys)},
                                std::tuple{"ARGV", size_t(3 + numkeys), ctx.argc()}}) {
    lua_createtable(lua, static_cast<int>(to - from), 0);
    for (size_t i = from; i < to; ++i) {
      lua_pushlstring(lua, ctx.arg(i).data(), ctx.arg(i).size());
      lua_rawseti(lua, -2, static_cast<int>(i - from + 1));
    }
    lua_setfield(lua, -2, name);
  }
  lua_pop(lua, 1);

  lua_pushlightuserdata(lua, this);
  lua_setfield(lua, LUA_REGISTRYINDEX, "aio_script_engine");
  lua_pushcfunction(lua, &ErrorHandler);
  lua_rawgeti(lua, LUA_REGISTRYINDEX, script->ref);
  Run run{ctx, read_only};
  run_ = &run;
  const int db = ctx.client.db;  // SELECT inside the script changes the script's database only
  kill_.store(false);
  wrote_.store(false);
  running_.store(true);
  const int status = lua_pcall(lua, 0, 1, -2);
  running_.store(false);
  run_ = nullptr;
  ctx.client.db = db;
  if (status != 0) {
    ctx.rb.Error(RunError(lua, sha));
  } else {
    ReplyFromLua(lua, ctx.rb, run.resp);
  }
  lua_settop(lua, 0);
  lua_getfield(lua, LUA_REGISTRYINDEX, "aio_script_env");
  ClearTable(lua, 1);
  lua_settop(lua, 0);
  lua_gc(lua, LUA_GCSTEP, 1);
  UpdateSizes();
}

int ScriptEngine::Call(lua_State* lua) { return CallCommand(lua, true); }
int ScriptEngine::PCall(lua_State* lua) { return CallCommand(lua, false); }

int ScriptEngine::CallCommand(lua_State* lua, bool raise) {
  ScriptEngine& self = Self(lua);
  Run& run = *self.run_;
  auto fail = [&](std::string_view text) {
    PushErrorTable(lua, text);
    return raise ? lua_error(lua) : 1;
  };
  const int argc = lua_gettop(lua);
  if (argc == 0) return fail("Please specify at least one argument for this redis lib call");
  std::vector<std::string_view> args;
  args.reserve(argc);
  for (int i = 1; i <= argc; ++i) {
    const int type = lua_type(lua, i);
    if (type != LUA_TSTRING && type != LUA_TNUMBER)
      return fail("Lua redis lib command arguments must be strings or integers");
    if (type == LUA_TNUMBER) {
      // "%.17g" as Redis: Lua's own "%.14g" would lose digits.
      char text[32];
      const int n = std::snprintf(text, sizeof(text), "%.17g", lua_tonumber(lua, i));
      lua_pushlstring(lua, text, static_cast<size_t>(n));
      lua_replace(lua, i);
    }
    size_t len = 0;
    const char* s = lua_tolstring(lua, i, &len);
    args.emplace_back(s, len);
  }
  const CommandSpec* spec = FindCommand(args[0]);
  if (spec == nullptr) return fail("Unknown Redis command called from script");
  const size_t n = args.size();
  if (spec->arity > 0 ? n != static_cast<size_t>(spec->arity)
                      : n < static_cast<size_t>(-spec->arity)) {
    return fail("Wrong number of args calling Redis command from script");
  }
  if (NoScriptCommands().contains(spec->name))
    return fail("This Redis command is not allowed from script");
  const bool write = (spec->flags & kWrite) != 0;
  if (write && run.read_only) return fail("Write commands are not allowed from read-only scripts.");
  Cache& cache = run.ctx.cache;
  if ((spec->flags & kDenyOom) && cache.maxmemory() > 0 &&
      cache.keyspace().UsedMemory() > cache.maxmemory()) {
    return fail(fmt::format("-{}", errors::kOom));
  }
  std::string reply;
  protocol::resp::ReplyBuilder rb(&reply);
  rb.set_resp3(run.resp == 3);
  switch (cache.RunForScript(run.ctx.client, spec, args, rb)) {
    case Cache::ScriptCall::kCommandDenied:
      return fail("The user executing the script can't run this command or subcommand");
    case Cache::ScriptCall::kKeyDenied:
      return fail(
          "The user executing the script can't access at least one of the keys mentioned in the "
          "command arguments");
    case Cache::ScriptCall::kRan:
      break;
  }
  if (write) self.wrote_.store(true);
  PushReply(lua, reply);
  if (raise && reply[0] == '-') {
    // Re-raise with the command's own error code and text.
    lua_pop(lua, 1);
    return fail(std::string_view(reply).substr(0, reply.size() - 2));
  }
  return 1;
}

int ScriptEngine::SetResp(lua_State* lua) {
  ScriptEngine& self = Self(lua);
  if (lua_gettop(lua) != 1) RaiseError(lua, "redis.setresp() requires one argument.");
  const lua_Integer resp = lua_tointeger(lua, 1);
  if (resp != 2 && resp != 3) RaiseError(lua, "RESP version must be 2 or 3.");
  self.run_->resp = static_cast<int>(resp);
  return 0;
}

// math.random as Lua 5.1's, over Redis's rand48 (redisLrand48) instead of libc's rand().
int ScriptEngine::Random(lua_State* lua) {
  ScriptEngine& self = Self(lua);
  self.random_state_ = (self.random_state_ * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  const double r = static_cast<double>(self.random_state_ >> 17) / static_cast<double>(1ULL << 31);
  switch (lua_gettop(lua)) {
    case 0:
      lua_pushnumber(lua, r);
      return 1;
    case 1: {
      const int u = luaL_checkint(lua, 1);
      luaL_argcheck(lua, 1 <= u, 1, "interval is empty");
      lua_pushnumber(lua, std::floor(r * u) + 1);
      return 1;
    }
    case 2: {
      const int l = luaL_checkint(lua, 1);
      const int u = luaL_checkint(lua, 2);
      luaL_argcheck(lua, l <= u, 2, "interval is empty");
      lua_pushnumber(lua, std::floor(r * (u - l + 1)) + l);
      return 1;
    }
    default:
      return luaL_error(lua, "wrong number of arguments");
  }
}

int ScriptEngine::RandomSeed(lua_State* lua) {
  ScriptEngine& self = Self(lua);
  const uint32_t seed = static_cast<uint32_t>(luaL_checkint(lua, 1));
  self.random_state_ = (static_cast<uint64_t>(seed) << 16) | 0x330E;
  return 0;
}

}  // namespace aio::cache
