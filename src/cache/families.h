// The command families: each handler implements one Redis command (https://redis.io/commands/)
// on a CommandContext. Registered in command_table.cc.
#pragma once

#include "cache/command.h"

namespace aio::cache {

struct ServerFamily {  // server_family.cc, info.cc, command_family.cc, acl_family.cc
  static void Ping(CommandContext& ctx);
  static void Echo(CommandContext& ctx);
  static void Quit(CommandContext& ctx);
  static void Select(CommandContext& ctx);
  static void Auth(CommandContext& ctx);
  static void Hello(CommandContext& ctx);
  static void Reset(CommandContext& ctx);
  static void ClientCmd(CommandContext& ctx);
  static void Command(CommandContext& ctx);
  static void Info(CommandContext& ctx);
  static void DbSize(CommandContext& ctx);
  static void FlushDb(CommandContext& ctx);
  static void FlushAll(CommandContext& ctx);
  static void SwapDb(CommandContext& ctx);
  static void Time(CommandContext& ctx);
  static void Save(CommandContext& ctx);
  static void BgSave(CommandContext& ctx);
  static void LastSave(CommandContext& ctx);
  static void Config(CommandContext& ctx);
  static void Monitor(CommandContext& ctx);
  static void Multi(CommandContext& ctx);
  static void Discard(CommandContext& ctx);
  static void Watch(CommandContext& ctx);
  static void Unwatch(CommandContext& ctx);
  static void Acl(CommandContext& ctx);  // acl_family.cc
};

struct GenericFamily {  // keys: generic_family.cc
  static void Del(CommandContext& ctx);
  static void Exists(CommandContext& ctx);
  static void TypeCmd(CommandContext& ctx);
  static void Keys(CommandContext& ctx);
  static void Scan(CommandContext& ctx);
  static void Rename(CommandContext& ctx);
  static void RenameNx(CommandContext& ctx);
  static void Copy(CommandContext& ctx);
  static void Move(CommandContext& ctx);
  static void Expire(CommandContext& ctx);
  static void Ttl(CommandContext& ctx);
  static void ExpireTime(CommandContext& ctx);
  static void Persist(CommandContext& ctx);
  static void RandomKey(CommandContext& ctx);
  static void Touch(CommandContext& ctx);
  static void ObjectCmd(CommandContext& ctx);
};

struct StringFamily {  // string_family.cc
  static void Get(CommandContext& ctx);
  static void Set(CommandContext& ctx);
  static void SetNx(CommandContext& ctx);
  static void SetEx(CommandContext& ctx);
  static void GetSet(CommandContext& ctx);
  static void GetDel(CommandContext& ctx);
  static void GetEx(CommandContext& ctx);
  static void MGet(CommandContext& ctx);
  static void MSet(CommandContext& ctx);
  static void MSetNx(CommandContext& ctx);
  static void Incr(CommandContext& ctx);
  static void IncrByFloat(CommandContext& ctx);
  static void Append(CommandContext& ctx);
  static void StrLen(CommandContext& ctx);
  static void GetRange(CommandContext& ctx);
  static void SetRange(CommandContext& ctx);
  static void SetBit(CommandContext& ctx);
  static void GetBit(CommandContext& ctx);
  static void BitCount(CommandContext& ctx);
  static void BitPos(CommandContext& ctx);
};

struct HashFamily {  // hash_family.cc
  static void HSet(CommandContext& ctx);
  static void HSetNx(CommandContext& ctx);
  static void HGet(CommandContext& ctx);
  static void HMGet(CommandContext& ctx);
  static void HDel(CommandContext& ctx);
  static void HExists(CommandContext& ctx);
  static void HLen(CommandContext& ctx);
  static void HGetAll(CommandContext& ctx);
  static void HKeys(CommandContext& ctx);
  static void HVals(CommandContext& ctx);
  static void HIncrBy(CommandContext& ctx);
  static void HIncrByFloat(CommandContext& ctx);
  static void HStrLen(CommandContext& ctx);
  static void HScan(CommandContext& ctx);
  static void HRandField(CommandContext& ctx);
};

struct ListFamily {  // list_family.cc
  static void Push(CommandContext& ctx);
  static void Pop(CommandContext& ctx);
  static void LLen(CommandContext& ctx);
  static void LRange(CommandContext& ctx);
  static void LIndex(CommandContext& ctx);
  static void LSet(CommandContext& ctx);
  static void LRem(CommandContext& ctx);
  static void LTrim(CommandContext& ctx);
  static void LInsert(CommandContext& ctx);
  static void LPos(CommandContext& ctx);
  static void LMove(CommandContext& ctx);
  static void BPop(CommandContext& ctx);
  static void BLMove(CommandContext& ctx);
  static void MPop(CommandContext& ctx);  // LMPOP BLMPOP
};

struct SetFamily {  // set_family.cc
  static void SAdd(CommandContext& ctx);
  static void SRem(CommandContext& ctx);
  static void SIsMember(CommandContext& ctx);
  static void SMIsMember(CommandContext& ctx);
  static void SMembers(CommandContext& ctx);
  static void SCard(CommandContext& ctx);
  static void SPop(CommandContext& ctx);
  static void SRandMember(CommandContext& ctx);
  static void SetOp(CommandContext& ctx);  // SINTER SUNION SDIFF and their STORE forms
  static void SInterCard(CommandContext& ctx);
  static void SMove(CommandContext& ctx);
  static void SScan(CommandContext& ctx);
};

struct ZSetFamily {  // zset_family.cc, zset_range.cc
  static void ZAdd(CommandContext& ctx);
  static void ZRem(CommandContext& ctx);
  static void ZScore(CommandContext& ctx);
  static void ZMScore(CommandContext& ctx);
  static void ZIncrBy(CommandContext& ctx);
  static void ZCard(CommandContext& ctx);
  static void ZCount(CommandContext& ctx);
  static void ZLexCount(CommandContext& ctx);
  static void ZRank(CommandContext& ctx);
  static void ZRange(CommandContext& ctx);  // ZRANGE, its legacy forms and ZRANGESTORE
  static void ZRemRange(CommandContext& ctx);
  static void ZPop(CommandContext& ctx);
  static void BZPop(CommandContext& ctx);
  static void ZMPop(CommandContext& ctx);   // ZMPOP BZMPOP
  static void ZStore(CommandContext& ctx);  // ZUNIONSTORE ZINTERSTORE
  static void ZScan(CommandContext& ctx);
  static void ZRandMember(CommandContext& ctx);
};

struct HllFamily {  // hll_family.cc
  static void PfAdd(CommandContext& ctx);
  static void PfCount(CommandContext& ctx);
  static void PfMerge(CommandContext& ctx);
  static void PfDebug(CommandContext& ctx);
};

struct GeoFamily {  // geo_family.cc
  static void GeoAdd(CommandContext& ctx);
  static void GeoDist(CommandContext& ctx);
  static void GeoHash(CommandContext& ctx);
  static void GeoPos(CommandContext& ctx);
  // GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER and the _RO forms.
  static void GeoSearch(CommandContext& ctx);
  // The keys of GEORADIUS / GEORADIUSBYMEMBER: the source and the STORE / STOREDIST key.
  static void RadiusKeys(std::span<const std::string_view> args,
                         std::vector<std::string_view>* keys);
};

// SORT and SORT_RO: sort_family.cc
struct SortFamily {
  static void Sort(CommandContext& ctx);
};

struct StreamFamily {  // stream_family.cc
  static void XAdd(CommandContext& ctx);
  static void XLen(CommandContext& ctx);
  static void XRange(CommandContext& ctx);  // XRANGE XREVRANGE
  static void XDel(CommandContext& ctx);
  static void XTrim(CommandContext& ctx);
  static void XSetId(CommandContext& ctx);
  static void XRead(CommandContext& ctx);  // XREAD XREADGROUP
  static void XGroup(CommandContext& ctx);
  static void XAck(CommandContext& ctx);
  static void XPending(CommandContext& ctx);
  static void XClaim(CommandContext& ctx);
  static void XAutoClaim(CommandContext& ctx);
  static void XInfo(CommandContext& ctx);
};

// script_family.cc, over the engine in scripting.h
struct ScriptFamily {
  static void Eval(CommandContext& ctx);  // EVAL EVALSHA EVAL_RO EVALSHA_RO
  static void Script(CommandContext& ctx);
};

struct PubSubFamily {  // pubsub_family.cc
  static void Subscribe(CommandContext& ctx);
  static void Unsubscribe(CommandContext& ctx);
  static void Publish(CommandContext& ctx);
  static void PubSub(CommandContext& ctx);
};

}  // namespace aio::cache
