#include "cache/lua_libs.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fmt/format.h"
#include "lua.hpp"

namespace aio::cache {
namespace {

// --- bit: LuaBitOp 1.0 (https://bitop.luajit.org/api.html) -------------------------------------

// A Lua number to 32 bits as LuaBitOp: rounded, taken modulo 2^32.
uint32_t Bits(lua_State* lua, int i) {
  const double d = luaL_checknumber(lua, i) + 6755399441055744.0;  // 2^52 + 2^51
  uint64_t raw = 0;
  std::memcpy(&raw, &d, sizeof(raw));
  return static_cast<uint32_t>(raw);
}

int PushBits(lua_State* lua, uint32_t value) {
  lua_pushnumber(lua, static_cast<lua_Number>(static_cast<int32_t>(value)));
  return 1;
}

int ToBit(lua_State* lua) { return PushBits(lua, Bits(lua, 1)); }
int BNot(lua_State* lua) { return PushBits(lua, ~Bits(lua, 1)); }
int BSwap(lua_State* lua) { return PushBits(lua, __builtin_bswap32(Bits(lua, 1))); }

template <typename Op>
int Fold(lua_State* lua, Op op) {
  uint32_t value = Bits(lua, 1);
  for (int i = lua_gettop(lua); i > 1; --i) value = op(value, Bits(lua, i));
  return PushBits(lua, value);
}
int BAnd(lua_State* lua) {
  return Fold(lua, [](uint32_t a, uint32_t b) { return a & b; });
}
int BOr(lua_State* lua) {
  return Fold(lua, [](uint32_t a, uint32_t b) { return a | b; });
}
int BXor(lua_State* lua) {
  return Fold(lua, [](uint32_t a, uint32_t b) { return a ^ b; });
}

template <typename Op>
int Shift(lua_State* lua, Op op) {
  return PushBits(lua, op(Bits(lua, 1), Bits(lua, 2) & 31));
}
int LShift(lua_State* lua) {
  return Shift(lua, [](uint32_t v, uint32_t n) { return v << n; });
}
int RShift(lua_State* lua) {
  return Shift(lua, [](uint32_t v, uint32_t n) { return v >> n; });
}
int ARShift(lua_State* lua) {
  return Shift(lua, [](uint32_t v, uint32_t n) {
    return static_cast<uint32_t>(static_cast<int32_t>(v) >> n);
  });
}
int Rol(lua_State* lua) {
  return Shift(lua, [](uint32_t v, uint32_t n) { return (v << n) | (v >> ((32 - n) & 31)); });
}
int Ror(lua_State* lua) {
  return Shift(lua, [](uint32_t v, uint32_t n) { return (v >> n) | (v << ((32 - n) & 31)); });
}

int ToHex(lua_State* lua) {
  uint32_t value = Bits(lua, 1);
  int32_t n = lua_isnone(lua, 2) ? 8 : static_cast<int32_t>(Bits(lua, 2));
  const char* digits = "0123456789abcdef";
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  char buf[8];
  for (int i = n - 1; i >= 0; --i) {
    buf[i] = digits[value & 15];
    value >>= 4;
  }
  lua_pushlstring(lua, buf, static_cast<size_t>(n));
  return 1;
}

// --- cjson: lua-cjson 2.1 as Redis embeds it ---------------------------------------------------
constexpr int kMaxJsonDepth = 1000;

void EncodeString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '/':
        out->append("\\/");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          out->append(fmt::format("\\u{:04x}", c));
        else
          out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

void EncodeNumber(lua_State* lua, double value, std::string* out) {
  if (std::isnan(value) || std::isinf(value))
    luaL_error(lua, "Cannot serialise number: must not be NaN or Inf");
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%.14g", value);  // lua-cjson's precision
  out->append(buf, static_cast<size_t>(n));
}

// The array length of the table at `index` (its largest positive integer key), or -1 when it has
// another key (an object). Errors on an excessively sparse array, as lua-cjson's defaults.
int ArrayLength(lua_State* lua, int index) {
  double max = 0;
  int items = 0;
  lua_pushnil(lua);
  while (lua_next(lua, index) != 0) {
    lua_pop(lua, 1);
    if (lua_type(lua, -1) == LUA_TNUMBER) {
      const double k = lua_tonumber(lua, -1);
      if (std::floor(k) == k && k >= 1) {
        max = std::max(max, k);
        ++items;
        continue;
      }
    }
    lua_pop(lua, 1);
    return -1;
  }
  if (max > items * 2 && max > 10)
    luaL_error(lua, "Cannot serialise table: excessively sparse array");
  return static_cast<int>(max);
}

void Encode(lua_State* lua, int depth, std::string* out) {
  switch (lua_type(lua, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(lua, -1, &len);
      return EncodeString(std::string_view(s, len), out);
    }
    case LUA_TNUMBER:
      return EncodeNumber(lua, lua_tonumber(lua, -1), out);
    case LUA_TBOOLEAN:
      out->append(lua_toboolean(lua, -1) ? "true" : "false");
      return;
    case LUA_TNIL:
      out->append("null");
      return;
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(lua, -1) == nullptr) {
        out->append("null");
        return;
      }
      break;
    case LUA_TTABLE: {
      if (depth > kMaxJsonDepth) luaL_error(lua, "Cannot serialise, excessive nesting (%d)", depth);
      luaL_checkstack(lua, 4, "cjson");
      const int table = lua_gettop(lua);
      const int length = ArrayLength(lua, table);
      if (length > 0) {
        out->push_back('[');
        for (int i = 1; i <= length; ++i) {
          if (i > 1) out->push_back(',');
          lua_rawgeti(lua, table, i);
          Encode(lua, depth + 1, out);
          lua_pop(lua, 1);
        }
        out->push_back(']');
        return;
      }
      out->push_back('{');
      bool first = true;
      lua_pushnil(lua);
      while (lua_next(lua, table) != 0) {
        if (!first) out->push_back(',');
        first = false;
        if (lua_type(lua, -2) == LUA_TSTRING) {
          size_t len = 0;
          const char* s = lua_tolstring(lua, -2, &len);
          EncodeString(std::string_view(s, len), out);
        } else if (lua_type(lua, -2) == LUA_TNUMBER) {
          out->push_back('"');
          EncodeNumber(lua, lua_tonumber(lua, -2), out);
          out->push_back('"');
        } else {
          luaL_error(lua, "Cannot serialise table: table key must be a number or string");
        }
        out->push_back(':');
        Encode(lua, depth + 1, out);
        lua_pop(lua, 1);
      }
      out->push_back('}');
      return;
    }
    default:
      break;
  }
  luaL_error(lua, "Cannot serialise %s: type not supported", luaL_typename(lua, -1));
}

int JsonEncode(lua_State* lua) {
  luaL_argcheck(lua, lua_gettop(lua) == 1, 1, "expected 1 argument");
  std::string out;
  Encode(lua, 1, &out);
  lua_pushlstring(lua, out.data(), out.size());
  return 1;
}

// cjson.decode: lua-cjson's tokenizer and recursive parser, so errors read as Redis's ("Expected
// value but found T_END at character 4"). Character positions are 1-based.
class JsonDecoder {
 public:
  JsonDecoder(lua_State* lua, const char* text, size_t len) : lua_(lua), text_(text), len_(len) {}

  void Decode() {
    Token token = Next();
    Value(token, 1);
    token = Next();
    if (token.type != kEnd) Fail("the end", token);
  }

 private:
  enum Type {
    kObjBegin,
    kObjEnd,
    kArrBegin,
    kArrEnd,
    kString,
    kNumber,
    kBoolean,
    kNull,
    kColon,
    kComma,
    kEnd,
    kError
  };
  struct Token {
    Type type = kError;
    size_t index = 0;
    double number = 0;
    const char* error = "";
  };

  [[noreturn]] void Fail(const char* expected, const Token& token) {
    static constexpr const char* kNames[] = {"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
                                             "T_STRING",    "T_NUMBER",  "T_BOOLEAN",   "T_NULL",
                                             "T_COLON",     "T_COMMA",   "T_END"};
    luaL_error(lua_, "Expected %s but found %s at character %d", expected,
               token.type == kError ? token.error : kNames[token.type],
               static_cast<int>(token.index + 1));
    __builtin_unreachable();
  }

  bool Literal(std::string_view word) const {
    return std::string_view(text_ + pos_, len_ - pos_).starts_with(word);
  }

  // The next token; a string's bytes go to str_, a number's value to token.number.
  Token Next() {
    while (pos_ < len_ && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                           text_[pos_] == '\r')) {
      ++pos_;
    }
    Token token;
    token.index = pos_;
    if (pos_ >= len_) {
      token.type = kEnd;
      return token;
    }
    const char c = text_[pos_];
    const char* singles = "{}[]:,";
    if (const char* at = std::strchr(singles, c); at != nullptr && c != '\0') {
      static constexpr Type kTypes[] = {kObjBegin, kObjEnd, kArrBegin, kArrEnd, kColon, kComma};
      token.type = kTypes[at - singles];
      ++pos_;
    } else if (c == '"') {
      String(&token);
    } else if (c == '-' || (c >= '0' && c <= '9') || c == 'i' || c == 'I' ||
               ((c == 'n' || c == 'N') && !Literal("null"))) {
      char* end = nullptr;
      token.number = std::strtod(text_ + pos_, &end);  // Lua strings end with a NUL
      if (end == text_ + pos_) {
        token.error = c == '-' || (c >= '0' && c <= '9') ? "invalid number" : "invalid token";
      } else {
        token.type = kNumber;
        pos_ = static_cast<size_t>(end - text_);
      }
    } else if (Literal("true") || Literal("false")) {
      token.type = kBoolean;
      token.number = c == 't' ? 1 : 0;
      pos_ += c == 't' ? 4 : 5;
    } else if (Literal("null")) {
      token.type = kNull;
      pos_ += 4;
    } else {
      token.error = "invalid token";
    }
    return token;
  }

  // An error inside the string is reported at its backslash, or at the end for a missing quote.
  void String(Token* token) {
    str_.clear();
    ++pos_;
    while (pos_ < len_ && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        str_.push_back(c);
        continue;
      }
      token->index = pos_ - 1;
      if (pos_ >= len_) break;
      c = text_[pos_++];
      const char* from = "\"\\/bfnrt";
      const char* to = "\"\\/\b\f\n\r\t";
      if (const char* at = std::strchr(from, c); at != nullptr && c != '\0') {
        str_.push_back(to[at - from]);
      } else if (c == 'u' && !Unicode()) {
        token->error = "invalid unicode escape code";
        return;
      } else if (c != 'u') {
        token->error = "invalid escape code";
        return;
      }
    }
    if (pos_ >= len_) {
      token->index = len_;
      token->error = "unexpected end of string";
      return;
    }
    ++pos_;
    token->type = kString;
  }

  // After "\u": 4 hex digits (and a low surrogate after a high one), as UTF-8.
  bool Unicode() {
    auto hex4 = [&](uint32_t* out) {
      if (pos_ + 4 > len_) return false;
      uint32_t v = 0;
      for (int i = 0; i < 4; ++i) {
        const char h = text_[pos_ + i];
        const int d = h >= '0' && h <= '9'   ? h - '0'
                      : h >= 'a' && h <= 'f' ? h - 'a' + 10
                      : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                             : -1;
        if (d < 0) return false;
        v = v * 16 + static_cast<uint32_t>(d);
      }
      pos_ += 4;
      *out = v;
      return true;
    };
    uint32_t cp = 0;
    if (!hex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (!Literal("\\u")) return false;
      pos_ += 2;
      if (!hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      str_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      str_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      str_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      str_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      str_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      str_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      str_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      str_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      str_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      str_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return true;
  }

  void Value(const Token& token, int depth) {
    switch (token.type) {
      case kString:
        lua_pushlstring(lua_, str_.data(), str_.size());
        return;
      case kNumber:
        lua_pushnumber(lua_, token.number);
        return;
      case kBoolean:
        lua_pushboolean(lua_, token.number != 0);
        return;
      case kNull:
        lua_pushlightuserdata(lua_, nullptr);  // cjson.null
        return;
      case kObjBegin:
      case kArrBegin:
        if (depth > kMaxJsonDepth) {
          luaL_error(lua_, "Found too many nested data structures (%d) at character %d", depth,
                     static_cast<int>(token.index + 1));
        }
        luaL_checkstack(lua_, 4, "cjson");
        lua_newtable(lua_);
        if (token.type == kObjBegin)
          Object(depth);
        else
          Array(depth);
        return;
      default:
        Fail("value", token);
    }
  }

  void Object(int depth) {
    Token token = Next();
    if (token.type == kObjEnd) return;
    while (true) {
      if (token.type != kString) Fail("object key string", token);
      lua_pushlstring(lua_, str_.data(), str_.size());
      token = Next();
      if (token.type != kColon) Fail("colon", token);
      Value(Next(), depth + 1);
      lua_rawset(lua_, -3);
      token = Next();
      if (token.type == kObjEnd) return;
      if (token.type != kComma) Fail("comma or object end", token);
      token = Next();
    }
  }

  void Array(int depth) {
    Token token = Next();
    for (int i = 1; token.type != kArrEnd; ++i) {
      Value(token, depth + 1);
      lua_rawseti(lua_, -2, i);
      token = Next();
      if (token.type == kArrEnd) return;
      if (token.type != kComma) Fail("comma or array end", token);
      token = Next();
    }
  }

  lua_State* lua_;
  const char* text_;
  size_t len_;
  size_t pos_ = 0;
  std::string str_;  // the last string token's bytes
};

int JsonDecode(lua_State* lua) {
  luaL_argcheck(lua, lua_gettop(lua) == 1, 1, "expected 1 argument");
  size_t len = 0;
  const char* text = luaL_checklstring(lua, 1, &len);
  JsonDecoder(lua, text, len).Decode();
  return 1;
}

void SetGlobalLib(lua_State* lua, const char* name, const luaL_Reg* functions) {
  lua_newtable(lua);
  for (const luaL_Reg* f = functions; f->name != nullptr; ++f) {
    lua_pushcfunction(lua, f->func);
    lua_setfield(lua, -2, f->name);
  }
  lua_setglobal(lua, name);
}

}  // namespace

void OpenBitLib(lua_State* lua) {
  static const luaL_Reg kFunctions[] = {
      {"tobit", ToBit},   {"bnot", BNot},     {"band", BAnd},       {"bor", BOr}, {"bxor", BXor},
      {"lshift", LShift}, {"rshift", RShift}, {"arshift", ARShift}, {"rol", Rol}, {"ror", Ror},
      {"bswap", BSwap},   {"tohex", ToHex},   {nullptr, nullptr}};
  SetGlobalLib(lua, "bit", kFunctions);
}

void OpenCjsonLib(lua_State* lua) {
  static const luaL_Reg kFunctions[] = {
      {"encode", JsonEncode}, {"decode", JsonDecode}, {nullptr, nullptr}};
  SetGlobalLib(lua, "cjson", kFunctions);
  lua_getglobal(lua, "cjson");
  lua_pushlightuserdata(lua, nullptr);
  lua_setfield(lua, -2, "null");
  lua_pop(lua, 1);
}

}  // namespace aio::cache
