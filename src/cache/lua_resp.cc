#include "cache/lua_resp.h"

#include "cache/command.h"
#include "fmt/format.h"
#include "lua.hpp"

namespace aio::cache {
namespace {

constexpr int kMaxReplyDepth = 1000;  // Lua -> RESP nesting; a table that holds itself stops here

// Parses the one reply at the front of `in` (a command's reply, as ReplyBuilder wrote it) and
// pushes its Lua value, per the "RESP2/RESP3 to Lua" tables of Redis's Lua API doc.
class ReplyToLua {
 public:
  ReplyToLua(lua_State* lua, std::string_view in) : lua_(lua), in_(in) {}

  void Push() {
    luaL_checkstack(lua_, 4, "reached lua stack limit");
    const char type = in_[0];
    const std::string_view line = Line();
    switch (type) {
      case '+':
        return PushTableWith(lua_, "ok", line);
      case '-':
        return PushTableWith(lua_, "err", line);
      case ':':
        lua_pushnumber(lua_, static_cast<lua_Number>(Int(line)));
        return;
      case '$':
      case '=': {
        const int64_t len = Int(line);
        if (len < 0) return lua_pushboolean(lua_, 0);
        const std::string_view data = in_.substr(0, static_cast<size_t>(len));
        in_.remove_prefix(static_cast<size_t>(len) + 2);
        if (type == '$') return (void)lua_pushlstring(lua_, data.data(), data.size());
        lua_newtable(lua_);
        lua_newtable(lua_);
        lua_pushlstring(lua_, data.data(), std::min<size_t>(3, data.size()));
        lua_setfield(lua_, -2, "format");
        const std::string_view text = data.size() > 4 ? data.substr(4) : std::string_view();
        lua_pushlstring(lua_, text.data(), text.size());
        lua_setfield(lua_, -2, "string");
        lua_setfield(lua_, -2, "verbatim_string");
        return;
      }
      case '*':
      case '>': {
        const int64_t n = Int(line);
        if (n < 0) return lua_pushboolean(lua_, 0);
        lua_createtable(lua_, static_cast<int>(n), 0);
        for (int64_t i = 1; i <= n; ++i) {
          Push();
          lua_rawseti(lua_, -2, static_cast<int>(i));
        }
        return;
      }
      case '%':
      case '~': {
        const int64_t n = Int(line);
        lua_newtable(lua_);
        lua_newtable(lua_);
        for (int64_t i = 0; i < n; ++i) {
          Push();
          if (type == '%')
            Push();
          else
            lua_pushboolean(lua_, 1);
          lua_settable(lua_, -3);
        }
        lua_setfield(lua_, -2, type == '%' ? "map" : "set");
        return;
      }
      case '_':
        return lua_pushnil(lua_);
      case '#':
        return lua_pushboolean(lua_, line == "t");
      case ',': {
        lua_newtable(lua_);
        double value = 0;
        ParseDouble(line, &value);
        lua_pushnumber(lua_, value);
        lua_setfield(lua_, -2, "double");
        return;
      }
      case '(':
        return PushTableWith(lua_, "big_number", line);
      default:
        return lua_pushnil(lua_);
    }
  }

 private:
  // The header line after the type byte; consumes it and its CRLF.
  std::string_view Line() {
    const size_t end = in_.find("\r\n");
    const std::string_view line = in_.substr(1, end - 1);
    in_.remove_prefix(end + 2);
    return line;
  }
  static int64_t Int(std::string_view text) {
    int64_t value = 0;
    ParseInt(text, &value);
    return value;
  }

  lua_State* lua_;
  std::string_view in_;
};

std::string_view ToView(lua_State* lua, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(lua, index, &len);
  return std::string_view(s, len);
}

// Pushes field `name` of the table at the top and returns true when it has `type`; else pops it.
bool FieldOfType(lua_State* lua, const char* name, int type) {
  lua_getfield(lua, -1, name);
  if (lua_type(lua, -1) == type) return true;
  lua_pop(lua, 1);
  return false;
}

void LuaArrayToReply(lua_State* lua, protocol::resp::ReplyBuilder& rb, int resp, int depth);

// Writes the value at the top of the stack as a reply, per the "Lua to RESP2/RESP3" tables: the
// script's protocol (redis.setresp) decides how booleans are sent.
void LuaToReply(lua_State* lua, protocol::resp::ReplyBuilder& rb, int resp, int depth) {
  if (depth > kMaxReplyDepth || !lua_checkstack(lua, 4)) {
    rb.Error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(lua, -1)) {
    case LUA_TSTRING:
      rb.Bulk(ToView(lua, -1));
      return;
    case LUA_TBOOLEAN:
      if (resp == 3)
        rb.Bool(lua_toboolean(lua, -1) != 0);
      else if (lua_toboolean(lua, -1))
        rb.Int(1);
      else
        rb.Null();
      return;
    case LUA_TNUMBER:
      rb.Int(static_cast<int64_t>(lua_tonumber(lua, -1)));
      return;
    case LUA_TTABLE:
      break;
    default:
      rb.Null();
      return;
  }
  // {err=...}: the error as is ("-" added); {ok=...}: a status; {double=}, {big_number=}, {map=},
  // {set=}: RESP3 types (degraded by the builder for a RESP2 client).
  bool map = false;
  if (FieldOfType(lua, "err", LUA_TSTRING)) {
    rb.Error(ToView(lua, -1));
  } else if (FieldOfType(lua, "ok", LUA_TSTRING)) {
    std::string status(ToView(lua, -1));
    for (char& c : status) c = (c == '\r' || c == '\n') ? ' ' : c;
    rb.Simple(status);
  } else if (FieldOfType(lua, "double", LUA_TNUMBER)) {
    rb.Double(lua_tonumber(lua, -1));
  } else if (FieldOfType(lua, "big_number", LUA_TSTRING)) {
    if (rb.resp3())
      rb.out()->append(fmt::format("({}\r\n", ToView(lua, -1)));
    else
      rb.Bulk(ToView(lua, -1));
  } else if ((map = FieldOfType(lua, "map", LUA_TTABLE)) || FieldOfType(lua, "set", LUA_TTABLE)) {
    int64_t n = 0;
    lua_pushnil(lua);
    while (lua_next(lua, -2) != 0) {
      ++n;
      lua_pop(lua, 1);
    }
    if (map)
      rb.Map(n);
    else
      rb.Set(n);
    lua_pushnil(lua);
    while (lua_next(lua, -2) != 0) {
      lua_pushvalue(lua, -2);  // the key, converted on a copy so lua_next keeps its own
      LuaToReply(lua, rb, resp, depth + 1);
      lua_pop(lua, 1);
      if (map) LuaToReply(lua, rb, resp, depth + 1);
      lua_pop(lua, 1);
    }
  } else {
    LuaArrayToReply(lua, rb, resp, depth);
    return;
  }
  lua_pop(lua, 1);
}

void LuaArrayToReply(lua_State* lua, protocol::resp::ReplyBuilder& rb, int resp, int depth) {
  // An array: elements 1..n up to the first nil.
  int n = 0;
  while (true) {
    lua_rawgeti(lua, -1, n + 1);
    const bool present = !lua_isnil(lua, -1);
    lua_pop(lua, 1);
    if (!present) break;
    ++n;
  }
  rb.Array(n);
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(lua, -1, i);
    LuaToReply(lua, rb, resp, depth + 1);
    lua_pop(lua, 1);
  }
}

}  // namespace

// Pushes the table {[field] = text}: Redis's status, error and big number values.
void PushTableWith(lua_State* lua, const char* field, std::string_view text) {
  lua_newtable(lua);
  lua_pushlstring(lua, text.data(), text.size());
  lua_setfield(lua, -2, field);
}

void PushReply(lua_State* lua, std::string_view reply) { ReplyToLua(lua, reply).Push(); }

void ReplyFromLua(lua_State* lua, protocol::resp::ReplyBuilder& rb, int resp) {
  LuaToReply(lua, rb, resp, 0);
}

}  // namespace aio::cache
