// The Lua libraries Redis adds to its scripting sandbox beyond Lua 5.1's own: `bit` (LuaBitOp's
// API, 32-bit two's complement results) and `cjson` (lua-cjson 2.1's encode / decode / null, with
// its error texts). Each Open* sets one global table in `lua`.
#pragma once

struct lua_State;

namespace aio::cache {

void OpenBitLib(lua_State* lua);
void OpenCjsonLib(lua_State* lua);

}  // namespace aio::cache
