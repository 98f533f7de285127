// The RESP <-> Lua conversions of Redis 7's Lua API doc
// (https://redis.io/docs/manual/programmability/ lua-api/, "Data type conversion"), for the
// scripting engine (scripting.h).
#pragma once

#include <string_view>

#include "protocol/resp/reply_builder.h"

struct lua_State;

namespace aio::cache {

// Pushes the table {[field] = text}: Redis's status ({ok=}), error ({err=}) and big number values.
void PushTableWith(lua_State* lua, const char* field, std::string_view text);

// Pushes the Lua value of the one reply at the front of `reply` (a command's reply as ReplyBuilder
// wrote it): integer -> number, bulk -> string, RESP2 null -> false, array -> table, status ->
// {ok=}, error -> {err=}; RESP3 map -> {map=}, set -> {set=}, null -> nil, double -> {double=},
// boolean -> boolean, big number -> {big_number=}, verbatim -> {verbatim_string=}.
void PushReply(lua_State* lua, std::string_view reply);

// Writes the value at the top of the stack as a reply: number -> integer (truncated), string ->
// bulk, table -> array up to the first nil, {ok=} / {err=} / {double=} / {big_number=} / {map=} /
// {set=} as their types; booleans as 1 / null under the script's RESP2 (`resp`, redis.setresp),
// RESP3 booleans under 3. RESP3 types degrade as ReplyBuilder does for a RESP2 client.
void ReplyFromLua(lua_State* lua, protocol::resp::ReplyBuilder& rb, int resp);

}  // namespace aio::cache
