// Geospatial commands (https://redis.io/commands/?group=geo): GEOADD GEODIST GEOHASH GEOPOS
// GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER and their _RO forms, over sorted sets whose
// scores are Redis's 52-bit geohashes (geo.h), with Redis 7.0's replies and error texts (geo.c).
#include <algorithm>
#include <cstdio>

#include "cache/cache.h"
#include "cache/families.h"
#include "cache/geo.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

// Meters in one `unit` (m km ft mi, any case); replies Redis's error and returns false otherwise.
bool ParseUnit(CommandContext& ctx, std::string_view unit, double* to_meters) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"m", 1}, {"km", 1000}, {"ft", 0.3048}, {"mi", 1609.34}};
  for (const auto& [name, meters] : kUnits) {
    if (EqualsIgnoreCase(unit, name)) {
      *to_meters = meters;
      return true;
    }
  }
  ctx.rb.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return false;
}

// args[i], args[i + 1] as a valid longitude, latitude (Redis's extractLongLatOrReply).
bool ParseLonLat(CommandContext& ctx, size_t i, geo::LonLat* pos) {
  if (!ctx.DoubleArg(i, &pos->lon) || !ctx.DoubleArg(i + 1, &pos->lat)) return false;
  if (!geo::ValidLonLat(pos->lon, pos->lat)) {
    ctx.rb.Error(fmt::format("ERR invalid longitude,latitude pair {:f},{:f}", pos->lon, pos->lat));
    return false;
  }
  return true;
}

// GEODIST / WITHDIST: a distance with 4 decimals, as a bulk string under both protocols.
void ReplyDistance(CommandContext& ctx, double distance) {
  ctx.rb.Bulk(fmt::format("{:.4f}", distance));
}

// GEOPOS / WITHCOORD: Redis's addReplyHumanLongDouble, "%.17Lf" without trailing zeros; a bulk
// string under RESP2, a double under RESP3.
void ReplyCoordinate(CommandContext& ctx, double value) {
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(value));
  std::string_view text(buf, static_cast<size_t>(len));
  if (text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") text = "0";
  ctx.rb.DoubleText(text);
}

void ReplyPosition(CommandContext& ctx, geo::LonLat pos) {
  ctx.rb.Array(2);
  ReplyCoordinate(ctx, pos.lon);
  ReplyCoordinate(ctx, pos.lat);
}

// The member's score in the zset `object` (null when absent).
const double* ScoreOf(const Object* object, std::string_view member) {
  if (object == nullptr) return nullptr;
  const auto& dict = object->zset().dict;
  auto it = dict.find(member);
  return it == dict.end() ? nullptr : &it->second;
}

// GEOHASH / GEOPOS: an array of one reply per member at args[2..] of the zset at args[1]:
// reply(score) for a member, a null (an array null when `null_array`) for a missing one.
template <typename ReplyFn>
void ReplyMembers(CommandContext& ctx, bool null_array, ReplyFn reply) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const double* score = ScoreOf(object, ctx.arg(i));
    if (score != nullptr)
      reply(*score);
    else if (null_array)
      ctx.rb.NullArray();
    else
      ctx.rb.Null();
  }
}

// GEOSEARCH's parsed request (Redis's georadiusGeneric).
struct SearchRequest {
  geo::Shape shape;
  bool withdist = false, withhash = false, withcoord = false;
  bool any = false;
  int sort = 0;  // 0 none, 1 asc, -1 desc
  int64_t count = 0;
  std::string_view store;
  bool storedist = false;
};

enum SearchKind : uint32_t {
  kByCoords = 1 << 0,  // GEORADIUS[_RO] key lon lat radius unit
  kByMember = 1 << 1,  // GEORADIUSBYMEMBER[_RO] key member radius unit
  kSearch = 1 << 2,    // GEOSEARCH key FROM... BY...
  kSearchStore = 1 << 3,
  kNoStore = 1 << 4,  // the _RO forms
};

uint32_t KindOf(std::string_view name) {
  if (name == "geosearch") return kSearch;
  if (name == "geosearchstore") return kSearch | kSearchStore;
  if (name == "georadius") return kByCoords;
  if (name == "georadius_ro") return kByCoords | kNoStore;
  if (name == "georadiusbymember") return kByMember;
  return kByMember | kNoStore;
}

// Parses the request; `zobj` is the source zset (null when absent: parsing goes on so the reply
// matches the STORE form). Replies the error and returns false on a bad request.
bool ParseSearch(CommandContext& ctx, uint32_t kind, const Object* zobj, SearchRequest* req) {
  geo::Shape& shape = req->shape;
  size_t base = 0;
  if (kind & kByCoords) {
    base = 6;
    if (!ParseLonLat(ctx, 2, &shape.center)) return false;
  } else if (kind & kByMember) {
    base = 5;
    if (zobj != nullptr) {
      const double* score = ScoreOf(zobj, ctx.arg(2));
      if (score == nullptr) {
        ctx.rb.Error("ERR could not decode requested zset member");
        return false;
      }
      shape.center = geo::Decode(*score);
    }
  } else {
    base = (kind & kSearchStore) ? 3 : 2;
    if (kind & kSearchStore) req->store = ctx.arg(1);
  }
  if (kind & (kByCoords | kByMember)) {
    if (zobj != nullptr || (kind & kByCoords)) {
      if (!ctx.DoubleArg(base - 2, &shape.radius, "ERR need numeric radius")) return false;
      if (shape.radius < 0) {
        ctx.rb.Error("ERR radius cannot be negative");
        return false;
      }
      if (!ParseUnit(ctx, ctx.arg(base - 1), &shape.to_meters)) return false;
    }
  }
  bool frommember = false, fromlonlat = false, byradius = false, bybox = false;
  const bool search = kind & kSearch;
  for (size_t i = base; i < ctx.argc(); ++i) {
    const std::string_view arg = ctx.arg(i);
    const size_t remaining = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(arg, "withdist")) {
      req->withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      req->withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      req->withcoord = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      req->any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      req->sort = 1;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      req->sort = -1;
    } else if (EqualsIgnoreCase(arg, "count") && remaining >= 1) {
      if (!ctx.IntArg(++i, &req->count)) return false;
      if (req->count <= 0) {
        ctx.rb.Error("ERR COUNT must be > 0");
        return false;
      }
    } else if ((EqualsIgnoreCase(arg, "store") || EqualsIgnoreCase(arg, "storedist")) &&
               remaining >= 1 && !(kind & kNoStore) && !search) {
      req->store = ctx.arg(++i);
      req->storedist = EqualsIgnoreCase(arg, "storedist");
    } else if (EqualsIgnoreCase(arg, "storedist") && (kind & kSearchStore)) {
      req->storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && remaining >= 1 && search && !fromlonlat) {
      frommember = true;
      ++i;
      if (zobj == nullptr) continue;  // no source: the error (or empty reply) comes later
      const double* score = ScoreOf(zobj, ctx.arg(i));
      if (score == nullptr) {
        ctx.rb.Error("ERR could not decode requested zset member");
        return false;
      }
      shape.center = geo::Decode(*score);
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && remaining >= 2 && search && !frommember) {
      if (!ParseLonLat(ctx, i + 1, &shape.center)) return false;
      fromlonlat = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && remaining >= 2 && search && !bybox) {
      if (!ctx.DoubleArg(i + 1, &shape.radius, "ERR need numeric radius")) return false;
      if (shape.radius < 0) {
        ctx.rb.Error("ERR radius cannot be negative");
        return false;
      }
      if (!ParseUnit(ctx, ctx.arg(i + 2), &shape.to_meters)) return false;
      shape.box = false;
      byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && remaining >= 3 && search && !byradius) {
      if (!ctx.DoubleArg(i + 1, &shape.width, "ERR need numeric width") ||
          !ctx.DoubleArg(i + 2, &shape.height, "ERR need numeric height")) {
        return false;
      }
      if (shape.width < 0 || shape.height < 0) {
        ctx.rb.Error("ERR height or width cannot be negative");
        return false;
      }
      if (!ParseUnit(ctx, ctx.arg(i + 3), &shape.to_meters)) return false;
      shape.box = true;
      bybox = true;
      i += 3;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
  }
  if (!req->store.empty() && (req->withdist || req->withhash || req->withcoord)) {
    ctx.rb.Error(
        fmt::format("ERR {} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                    (kind & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS"));
    return false;
  }
  if (search && !frommember && !fromlonlat) {
    ctx.rb.Error(fmt::format("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {}",
                             ctx.arg(0)));
    return false;
  }
  if (search && !byradius && !bybox) {
    ctx.rb.Error(
        fmt::format("ERR exactly one of BYRADIUS and BYBOX can be specified for {}", ctx.arg(0)));
    return false;
  }
  if (req->any && req->count == 0) {
    ctx.rb.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

// Replaces `dst` with the points (scored by geohash, or by distance in the request's unit for
// STOREDIST) and replies their count.
void StorePoints(CommandContext& ctx, const SearchRequest& req,
                 const std::vector<geo::Point>& points, std::string_view event) {
  const std::string_view dst = req.store;
  const bool existed = ctx.ks.Delete(ctx.db(), ctx.Hashed(dst));
  if (!points.empty()) {
    Object* target = ctx.LookupOrCreate<ZSetValue>(dst, Type::kZSet);
    for (const geo::Point& p : points) {
      target->zset().Insert(p.member, req.storedist ? p.dist / req.shape.to_meters : p.score);
      ctx.Charge(dst, target, ZSetMemberBytes(p.member));
    }
    ctx.Notify(kNotifyZSet, event, dst);
  } else if (existed) {
    ctx.Notify(kNotifyGeneric, "del", dst);
  }
  ctx.rb.Int(static_cast<int64_t>(points.size()));
}

}  // namespace

void GeoFamily::RadiusKeys(std::span<const std::string_view> args,
                           std::vector<std::string_view>* keys) {
  keys->push_back(args[1]);
  // Each STORE / STOREDIST destination (the last one is used), as Redis's key specs.
  for (size_t i = 5; i + 1 < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "store") || EqualsIgnoreCase(args[i], "storedist")) {
      keys->push_back(args[++i]);
    }
  }
}

void GeoFamily::GeoAdd(CommandContext& ctx) {
  bool nx = false, xx = false;
  size_t first = 2;
  for (; first < ctx.argc(); ++first) {
    const std::string_view opt = ctx.arg(first);
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (!EqualsIgnoreCase(opt, "ch")) {
      break;
    }
  }
  if ((ctx.argc() - first) % 3 != 0 || (nx && xx)) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  // As Redis: every position is checked first, then the request runs as ZADD key [options]
  // score member ... (so its replies, CH and notifications are ZADD's).
  std::vector<std::string> scores;
  for (size_t i = first; i < ctx.argc(); i += 3) {
    geo::LonLat pos;
    if (!ParseLonLat(ctx, i, &pos)) return;
    scores.push_back(std::to_string(geo::Encode(pos.lon, pos.lat)));
  }
  std::vector<std::string_view> zadd(ctx.args.begin(), ctx.args.begin() + first);
  for (size_t i = first, j = 0; i < ctx.argc(); i += 3, ++j) {
    zadd.push_back(scores[j]);
    zadd.push_back(ctx.arg(i + 2));
  }
  const std::span<const std::string_view> original = ctx.args;
  ctx.args = zadd;
  ZSetFamily::ZAdd(ctx);
  ctx.args = original;
}

void GeoFamily::GeoDist(CommandContext& ctx) {
  double to_meters = 1;
  if (ctx.argc() == 5) {
    if (!ParseUnit(ctx, ctx.arg(4), &to_meters)) return;
  } else if (ctx.argc() > 5) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  const double* a = ScoreOf(object, ctx.arg(2));
  const double* b = ScoreOf(object, ctx.arg(3));
  if (a == nullptr || b == nullptr) {
    ctx.rb.Null();
    return;
  }
  ReplyDistance(ctx, geo::Distance(geo::Decode(*a), geo::Decode(*b)) / to_meters);
}

void GeoFamily::GeoHash(CommandContext& ctx) {
  ReplyMembers(ctx, /*null_array=*/false,
               [&ctx](double score) { ctx.rb.Bulk(geo::GeohashString(score)); });
}

void GeoFamily::GeoPos(CommandContext& ctx) {
  ReplyMembers(ctx, /*null_array=*/true,
               [&ctx](double score) { ReplyPosition(ctx, geo::Decode(score)); });
}

void GeoFamily::GeoSearch(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  const uint32_t kind = KindOf(name);
  bool wrong = false;
  Object* zobj = ctx.ReadTyped(ctx.arg((kind & kSearchStore) ? 2 : 1), Type::kZSet, &wrong);
  if (wrong) return;
  SearchRequest req;
  if (!ParseSearch(ctx, kind, zobj, &req)) return;
  const std::string_view event = (kind & kSearch) ? "geosearchstore" : "georadiusstore";
  if (zobj == nullptr) {
    if (req.store.empty())
      ctx.rb.Array(0);
    else
      StorePoints(ctx, req, {}, event);
    return;
  }
  // COUNT without ANY returns the nearest: it sorts (ascending unless told otherwise).
  if (req.count != 0 && req.sort == 0 && !req.any) req.sort = 1;
  std::vector<geo::Point> points =
      geo::Search(zobj->zset(), req.shape, req.any ? static_cast<size_t>(req.count) : 0);
  if (req.sort != 0) {
    std::stable_sort(points.begin(), points.end(),
                     [&req](const geo::Point& a, const geo::Point& b) {
                       return req.sort > 0 ? a.dist < b.dist : a.dist > b.dist;
                     });
  }
  if (req.count != 0 && points.size() > static_cast<size_t>(req.count)) {
    points.resize(static_cast<size_t>(req.count));
  }
  if (!req.store.empty()) {
    StorePoints(ctx, req, points, event);
    return;
  }
  const int64_t options = req.withdist + req.withhash + req.withcoord;
  ctx.rb.Array(static_cast<int64_t>(points.size()));
  for (const geo::Point& p : points) {
    if (options > 0) ctx.rb.Array(options + 1);
    ctx.rb.Bulk(p.member);
    if (req.withdist) ReplyDistance(ctx, p.dist / req.shape.to_meters);
    if (req.withhash) ctx.rb.Int(static_cast<int64_t>(p.score));
    if (req.withcoord) ReplyPosition(ctx, p.pos);
  }
}

}  // namespace aio::cache
