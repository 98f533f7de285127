// Geospatial indexing as Redis's geo.c / geohash.c / geohash_helper.c: a position is stored as a
// sorted-set score, the 52-bit interleaved geohash of (longitude, latitude) over Redis's ranges
// ([-180, 180] x [-85.05112878, 85.05112878], 26 bits each; latitude in the even bits), so scores
// written by redis-server's GEOADD read the same here. Distances are haversine on a sphere of
// radius 6372797.560856 m; area searches walk Redis's 9 geohash boxes in Redis's order, so
// unsorted results come back in the same order too.
//
// Pure functions; Search reads a ZSetValue under its shard's lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/object.h"

namespace aio::cache::geo {

inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;

// Whether GEOADD accepts the pair (Redis's "invalid longitude,latitude pair").
bool ValidLonLat(double lon, double lat);
// The 52-bit score of a position. REQUIRES: ValidLonLat(lon, lat).
uint64_t Encode(double lon, double lat);

struct LonLat {
  double lon = 0;
  double lat = 0;
};
// The center of the cell a score names (Redis's decodeGeohash): what GEOPOS replies.
LonLat Decode(double score);

// Great-circle distance in meters (Redis's geohashGetDistance).
double Distance(LonLat a, LonLat b);

// The standard 11-character geohash (latitude over [-90, 90]) of a score: GEOHASH's reply.
std::string GeohashString(double score);

// A search area: a circle of `radius` or a `width` x `height` box, centered on `center`, lengths
// in the unit whose size in meters is `to_meters`.
struct Shape {
  LonLat center;
  bool box = false;
  double radius = 0;
  double width = 0, height = 0;
  double to_meters = 1;
};

struct Point {
  LonLat pos;
  double dist = 0;  // meters from the center
  double score = 0;
  std::string member;
};

// The members of `z` inside `shape`, in Redis's discovery order (box by box, by score within a
// box); stops once `limit` were found (0 = all: COUNT ... ANY).
std::vector<Point> Search(const ZSetValue& z, const Shape& shape, size_t limit);

}  // namespace aio::cache::geo
