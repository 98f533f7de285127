// Lua scripting (EVAL EVALSHA EVAL_RO SCRIPT) through the harness: both conversion directions,
// Redis 7.0.15's error texts, the sandbox, atomicity and the script cache.
#include "cache/scripting.h"

#include <string>

#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The tail Redis 7 puts on a runtime error: " script: <sha>, on @user_script:<line>."
std::string At(std::string_view body, int line = 1) {
  return " script: " + ScriptEngine::Sha1Hex(body) + ", on @user_script:" + std::to_string(line) +
         ".";
}

std::string Eval(CacheHarness& h, std::string_view body, std::vector<std::string> rest = {"0"},
                 TestClient* client = nullptr) {
  std::vector<std::string> args = {"EVAL", std::string(body)};
  args.insert(args.end(), rest.begin(), rest.end());
  return h.Run(args, client);
}

TEST(ScriptingTest, Sha1Hex) {
  EXPECT_EQ(ScriptEngine::Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CacheHarness h;
  EXPECT_EQ(Eval(h, "return redis.sha1hex('')"),
            "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
}

TEST(ScriptingTest, KeysAndArgv) {
  CacheHarness h;
  EXPECT_EQ(Eval(h, "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", {"2", "k1", "k2", "a"}),
            "*5\r\n$2\r\nk1\r\n$2\r\nk2\r\n$1\r\na\r\n:2\r\n:1\r\n");
  EXPECT_EQ(Eval(h, "return 1", {"-1"}), "-ERR Number of keys can't be negative\r\n");
  EXPECT_EQ(Eval(h, "return 1", {"2", "a"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ(Eval(h, "return 1", {"x"}), "-ERR value is not an integer or out of range\r\n");
}

TEST(ScriptingTest, LuaToResp2) {
  CacheHarness h;
  // A table is an array up to the first nil; numbers truncate; true is 1, false nil.
  EXPECT_EQ(Eval(h, "return {1, 2, 3.7, 'x', true, false, nil, 5}"),
            "*6\r\n:1\r\n:2\r\n:3\r\n$1\r\nx\r\n:1\r\n$-1\r\n");
  EXPECT_EQ(Eval(h, "return -3.99"), ":-3\r\n");
  EXPECT_EQ(Eval(h, "return nil"), "$-1\r\n");
  EXPECT_EQ(Eval(h, "return {ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(Eval(h, "return redis.status_reply('OK2')"), "+OK2\r\n");
  EXPECT_EQ(Eval(h, "return {err='MY error'}"), "-MY error\r\n");
  EXPECT_EQ(Eval(h, "return redis.error_reply('MY err')"), "-MY err\r\n");
  EXPECT_EQ(Eval(h, "return redis.error_reply('noprefix')"), "-ERR noprefix\r\n");
  // RESP3 shapes degrade for a RESP2 client.
  EXPECT_EQ(Eval(h, "return {double=3.5}"), "$3\r\n3.5\r\n");
  EXPECT_EQ(Eval(h, "return {map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval(h, "return {big_number='123'}"), "$3\r\n123\r\n");
}

TEST(ScriptingTest, LuaToResp3) {
  CacheHarness h;
  h.Run({"HELLO", "3"});
  EXPECT_EQ(Eval(h, "return nil"), "_\r\n");
  EXPECT_EQ(Eval(h, "return true"), ":1\r\n");  // the script still speaks RESP2
  EXPECT_EQ(Eval(h, "redis.setresp(3); return true"), "#t\r\n");
  EXPECT_EQ(Eval(h, "redis.setresp(3); return false"), "#f\r\n");
  EXPECT_EQ(Eval(h, "return {double=3.5}"), ",3.5\r\n");
  EXPECT_EQ(Eval(h, "return {map={a=1}}"), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval(h, "return {set={a=true}}"), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval(h, "return {big_number='123'}"), "(123\r\n");
}

TEST(ScriptingTest, Resp2ToLua) {
  CacheHarness h;
  h.Run({"SET", "s", "abc"});
  h.Run({"RPUSH", "l", "a", "b"});
  EXPECT_EQ(Eval(h, "return type(redis.call('get', 'nokey'))"), "$7\r\nboolean\r\n");
  EXPECT_EQ(Eval(h, "return redis.call('get', 's')"), "$3\r\nabc\r\n");
  EXPECT_EQ(Eval(h, "return redis.call('strlen', 's') + 1"), ":4\r\n");
  EXPECT_EQ(Eval(h, "return redis.call('lrange', 'l', 0, -1)"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(Eval(h, "return redis.call('set', 'x', 1).ok"), "$2\r\nOK\r\n");
  EXPECT_EQ(Eval(h, "return redis.pcall('incr', 's').err"),
            "$43\r\nERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Eval(h, "return redis.pcall('incr', 's')"),
            "-ERR value is not an integer or out of range\r\n");
  // Numbers become their "%.17g" form as arguments.
  EXPECT_EQ(Eval(h, "redis.call('set', 'f', 1.5); return redis.call('get', 'f')"), "$3\r\n1.5\r\n");
  EXPECT_EQ(Eval(h, "redis.call('set', 'f', 0.1); return redis.call('get', 'f')"),
            "$19\r\n0.10000000000000001\r\n");
  // pcall turns redis.call's error table into its text.
  EXPECT_EQ(Eval(h, "local ok, e = pcall(function() redis.call('nosuch') end) return e"),
            "$44\r\nERR Unknown Redis command called from script\r\n");
  EXPECT_EQ(Eval(h, "return redis.error_reply()"), "-ERR wrong number or type of arguments\r\n");
}

TEST(ScriptingTest, Resp3ToLua) {
  CacheHarness h;
  h.Run({"HSET", "h", "a", "1"});
  h.Run({"ZADD", "z", "1.5", "m"});
  EXPECT_EQ(Eval(h, "redis.setresp(3); return redis.call('hgetall', 'h').map.a"), "$1\r\n1\r\n");
  EXPECT_EQ(Eval(h, "redis.setresp(3); return redis.call('zscore', 'z', 'm').double * 2"),
            ":3\r\n");
  EXPECT_EQ(Eval(h, "redis.setresp(3); return redis.call('get', 'nokey') == nil"), ":1\r\n");
  EXPECT_EQ(Eval(h, "return redis.setresp(4)"),
            "-ERR RESP version must be 2 or 3." + At("return redis.setresp(4)") + "\r\n");
}

TEST(ScriptingTest, ErrorTexts) {
  CacheHarness h;
  h.Run({"SET", "s", "abc"});
  EXPECT_EQ(Eval(h, "return ("),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'\r\n");
  EXPECT_EQ(Eval(h, "return x"),
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'x'" +
                At("return x") + "\r\n");
  EXPECT_EQ(Eval(h, "x = 1"),
            "-ERR user_script:1: Attempt to modify a readonly table" + At("x = 1") + "\r\n");
  EXPECT_EQ(Eval(h, "\nerror('boom')"),
            "-ERR user_script:2: boom" + At("\nerror('boom')", 2) + "\r\n");
  EXPECT_EQ(Eval(h, "error()"), "-ERR nil" + At("error()") + "\r\n");
  EXPECT_EQ(Eval(h, "error({err='CUSTOM thing'})"),
            "-CUSTOM thing" + At("error({err='CUSTOM thing'})") + "\r\n");
  EXPECT_EQ(Eval(h, "return redis.call('incr', 's')"),
            "-ERR value is not an integer or out of range" + At("return redis.call('incr', 's')") +
                "\r\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"return redis.call('nosuch')", "Unknown Redis command called from script"},
      {"return redis.call('set', 'a')", "Wrong number of args calling Redis command from script"},
      {"return redis.call('multi')", "This Redis command is not allowed from script"},
      {"return redis.call('blpop', 'q', 0)", "This Redis command is not allowed from script"},
      {"return redis.call('eval', 'return 1', 0)", "This Redis command is not allowed from script"},
      {"return redis.call()", "Please specify at least one argument for this redis lib call"},
      {"return redis.call('set', 'x', {})",
       "Lua redis lib command arguments must be strings or integers"},
  };
  for (const auto& [body, text] : cases) {
    EXPECT_EQ(Eval(h, body), "-ERR " + text + At(body) + "\r\n") << body;
  }
  EXPECT_EQ(Eval(h, "return redis.pcall('nosuch')"),
            "-ERR Unknown Redis command called from script\r\n");
}

TEST(ScriptingTest, Sandbox) {
  CacheHarness h;
  for (const char* name :
       {"os", "io", "debug", "loadfile", "dofile", "print", "require", "getfenv", "setfenv"}) {
    EXPECT_THAT(Eval(h, std::string("return ") + name),
                HasSubstr("Script attempted to access nonexistent global variable"))
        << name;
  }
  EXPECT_THAT(Eval(h, "string.x = 1"), HasSubstr("Attempt to modify a readonly table"));
  EXPECT_THAT(Eval(h, "redis.call = nil"), HasSubstr("Attempt to modify a readonly table"));
  EXPECT_EQ(Eval(h, "local t = {} t.x = 1 return t.x"), ":1\r\n");
  // Chunks made by loadstring see the same read-only globals; rawset leaves nothing behind.
  EXPECT_THAT(Eval(h, "loadstring('y = 1')()"), HasSubstr("Attempt to modify a readonly table"));
  EXPECT_EQ(Eval(h, "rawset(_G, 'z', 5) return z"), ":5\r\n");
  EXPECT_THAT(Eval(h, "return z"), HasSubstr("nonexistent global variable 'z'"));
  EXPECT_EQ(Eval(h, "return string.upper('a') .. table.concat({'b', 'c'}) .. math.floor(2.5)"),
            "$4\r\nAbc2\r\n");
  EXPECT_EQ(Eval(h, "return bit.band(0xff, 0x0f) .. bit.tohex(255) .. bit.lshift(1, 4)"),
            "$12\r\n15000000ff16\r\n");
  EXPECT_EQ(Eval(h, "local r = math.random(10) return r >= 1 and r <= 10"), ":1\r\n");
  EXPECT_THAT(Eval(h, "return struct.pack('>I2', 1)"),
              HasSubstr("struct.pack is not available: AIO's scripting has no struct library"));
}

TEST(ScriptingTest, Cjson) {
  CacheHarness h;
  EXPECT_EQ(Eval(h, "return cjson.encode({'a/b', 1.5, 1e20, true, {}})"),
            "$26\r\n[\"a\\/b\",1.5,1e+20,true,{}]\r\n");
  EXPECT_EQ(Eval(h, "return cjson.encode(cjson.decode('{\"a\":[1,2.5,\"s\",true,null]}'))"),
            "$27\r\n{\"a\":[1,2.5,\"s\",true,null]}\r\n");
  EXPECT_EQ(Eval(h, "return cjson.decode('{\"a\":null}').a == cjson.null"), ":1\r\n");
  EXPECT_EQ(Eval(h, "return cjson.encode({[1]=1,[3]=3})"), "$10\r\n[1,null,3]\r\n");
  EXPECT_THAT(Eval(h, "return cjson.decode('nul')"), HasSubstr("Expected value but found"));
  EXPECT_THAT(Eval(h, "return cjson.encode(1/0)"),
              HasSubstr("Cannot serialise number: must not be NaN or Inf"));
}

TEST(ScriptingTest, ScriptCache) {
  CacheHarness h;
  const std::string sha = ScriptEngine::Sha1Hex("return ARGV[1]");
  EXPECT_EQ(h.Run({"EVALSHA", sha, "0", "a"}),
            "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "LOAD", "return ARGV[1]"}), "$40\r\n" + sha + "\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "EXISTS", sha, "ffff"}), "*2\r\n:1\r\n:0\r\n");
  // Shared by every client; the sha's case does not matter.
  TestClient* other = h.NewClient();
  std::string upper = sha;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_EQ(h.Run({"EVALSHA", upper, "0", "a"}, other), "$1\r\na\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "FLUSH", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "EXISTS", sha}), "*1\r\n:0\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "FLUSH", "bad"}),
            "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
  // EVAL caches the script it ran.
  Eval(h, "return ARGV[1]", {"0", "b"});
  EXPECT_EQ(h.Run({"SCRIPT", "EXISTS", sha}), "*1\r\n:1\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "LOAD", "return ("}),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "KILL"}), "-NOTBUSY No scripts in execution right now.\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "foo"}), "-ERR unknown subcommand 'foo'. Try SCRIPT HELP.\r\n");
  EXPECT_EQ(h.Run({"SCRIPT", "EXISTS"}),
            "-ERR wrong number of arguments for 'script|exists' command\r\n");
}

TEST(ScriptingTest, AtomicIncrAndGet) {
  CacheHarness h;
  const std::string body = "redis.call('incr', KEYS[1]); return redis.call('get', KEYS[1])";
  EXPECT_EQ(Eval(h, body, {"1", "counter"}), "$1\r\n1\r\n");
  EXPECT_EQ(Eval(h, body, {"1", "counter"}), "$1\r\n2\r\n");
  // Globals a script sets do not survive it: KEYS and ARGV are new each run.
  EXPECT_EQ(Eval(h, "return #KEYS"), ":0\r\n");
}

TEST(ScriptingTest, ReadOnlyScripts) {
  CacheHarness h;
  h.Run({"SET", "k", "v"});
  const std::string body = "return redis.call('set', 'k', 'w')";
  EXPECT_EQ(h.Run({"EVAL_RO", body, "0"}),
            "-ERR Write commands are not allowed from read-only scripts." + At(body) + "\r\n");
  EXPECT_EQ(h.Run({"EVAL_RO", "return redis.call('get', 'k')", "0"}), "$1\r\nv\r\n");
  h.Run({"SCRIPT", "LOAD", body});
  EXPECT_THAT(h.Run({"EVALSHA_RO", ScriptEngine::Sha1Hex(body), "0"}),
              StartsWith("-ERR Write commands are not allowed from read-only scripts."));
  EXPECT_EQ(h.Run({"GET", "k"}), "$1\r\nv\r\n");
}

TEST(ScriptingTest, InsideMultiAndWatch) {
  CacheHarness h;
  h.Run({"MULTI"});
  EXPECT_EQ(Eval(h, "return redis.call('incr', 'n')"), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n:1\r\n");
  // A script's write invalidates another client's WATCH.
  TestClient* other = h.NewClient();
  h.Run({"WATCH", "n"}, other);
  Eval(h, "return redis.call('incr', 'n')");
  h.Run({"MULTI"}, other);
  h.Run({"SET", "n", "100"}, other);
  EXPECT_EQ(h.Run({"EXEC"}, other), "*-1\r\n");
}

TEST(ScriptingTest, SelectStaysInsideTheScript) {
  CacheHarness h;
  EXPECT_EQ(Eval(h, "redis.call('select', 1); redis.call('set', 'k', 'db1'); return 1"), ":1\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$-1\r\n");
  h.Run({"SELECT", "1"});
  EXPECT_EQ(h.Run({"GET", "k"}), "$3\r\ndb1\r\n");
}

TEST(ScriptingTest, OomForWritesPastMaxmemory) {
  CacheOptions options;
  options.maxmemory = 1;
  CacheHarness h(options);
  h.cache.keyspace();  // noeviction: nothing can be freed
  const std::string body = "return redis.call('set', 'k', 'v')";
  // The first write fits under the check; past it, writes answer OOM, reads still run.
  Eval(h, body);
  EXPECT_EQ(Eval(h, body),
            "-OOM command not allowed when used memory > 'maxmemory'." + At(body) + "\r\n");
  EXPECT_EQ(Eval(h, "return redis.call('get', 'k')"), "$1\r\nv\r\n");
}

// Denies SET, and keys named secret*.
class DenyingAuthorizer : public auth::Authorizer {
 public:
  absl::Status CheckCacheCommand(const auth::Identity&, std::string_view command,
                                 const std::vector<std::string_view>&,
                                 const std::vector<std::string_view>& keys) override {
    if (command == "set") return absl::PermissionDeniedError("command");
    for (std::string_view key : keys) {
      if (key.starts_with("secret")) return absl::PermissionDeniedError("key");
    }
    return absl::OkStatus();
  }
  absl::Status CheckCacheChannel(const auth::Identity&, std::string_view) override {
    return absl::OkStatus();
  }
  absl::Status CheckPublish(const auth::Identity&, std::string_view) override {
    return absl::OkStatus();
  }
  absl::Status CheckSubscribe(const auth::Identity&, std::string_view) override {
    return absl::OkStatus();
  }
};

TEST(ScriptingTest, CommandsRunWithTheCallersAcl) {
  DenyingAuthorizer authorizer;
  Cache cache(CacheOptions{}, nullptr, &authorizer);
  TestClient client;
  cache.RegisterClient(&client);
  client.identity = auth::Identity{"limited", {}, false};
  auto eval = [&](const std::string& body) {
    std::string out;
    protocol::resp::ReplyBuilder rb(&out);
    std::vector<std::string_view> args = {"EVAL", body, "0"};
    cache.Execute(client, args, rb);
    return out;
  };
  std::string body = "return redis.call('set', 'a', 'b')";
  EXPECT_EQ(eval(body), "-ERR The user executing the script can't run this command or subcommand" +
                            At(body) + "\r\n");
  body = "return redis.call('get', 'secret1')";
  EXPECT_EQ(eval(body),
            "-ERR The user executing the script can't access at least one of the keys mentioned "
            "in the command arguments" +
                At(body) + "\r\n");
  EXPECT_EQ(eval("return redis.call('incr', 'n')"), ":1\r\n");
  cache.UnregisterClient(&client);
}

TEST(ScriptingTest, CommandTableRows) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_THAT(h.Run({"COMMAND", "INFO", "eval"}), HasSubstr("@scripting"));
  EXPECT_THAT(h.Run({"COMMAND", "DOCS", "eval"}), HasSubstr("Execute a Lua script server side"));
}

}  // namespace
}  // namespace aio::cache
