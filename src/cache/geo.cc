#include "cache/geo.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace aio::cache::geo {
namespace {

constexpr int kStepMax = 26;
constexpr double kEarthRadiusMeters = 6372797.560856;
constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = M_PI / 180.0;

struct Range {
  double min = 0, max = 0;
};
struct Area {
  Range lon, lat;
};
// A geohash of `step` bits per coordinate; {0, 0} marks a neighbour the search skips.
struct Hash {
  uint64_t bits = 0;
  int step = 0;
  bool zero() const { return bits == 0 && step == 0; }
  bool operator==(const Hash&) const = default;
};

constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};

double Rad(double deg) { return deg * kDegToRad; }
double Deg(double rad) { return rad / kDegToRad; }

// Spreads the 32 bits of v over the even bits of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// The even bits of x, packed.
uint32_t Squash(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// REQUIRES: the position inside both ranges.
Hash EncodeIn(Range lon_range, Range lat_range, LonLat p, int step) {
  const double scale = static_cast<double>(1ULL << step);
  const double lat_offset = (p.lat - lat_range.min) / (lat_range.max - lat_range.min) * scale;
  const double lon_offset = (p.lon - lon_range.min) / (lon_range.max - lon_range.min) * scale;
  return {
      Spread(static_cast<uint32_t>(lat_offset)) | (Spread(static_cast<uint32_t>(lon_offset)) << 1),
      step};
}

Area DecodeArea(Hash hash) {
  const uint32_t lat = Squash(hash.bits);
  const uint32_t lon = Squash(hash.bits >> 1);
  const double cells = static_cast<double>(1ULL << hash.step);
  const double lat_scale = kLatRange.max - kLatRange.min;
  const double lon_scale = kLonRange.max - kLonRange.min;
  Area area;
  area.lat.min = kLatRange.min + (lat * 1.0 / cells) * lat_scale;
  area.lat.max = kLatRange.min + ((lat + 1) * 1.0 / cells) * lat_scale;
  area.lon.min = kLonRange.min + (lon * 1.0 / cells) * lon_scale;
  area.lon.max = kLonRange.min + ((lon + 1) * 1.0 / cells) * lon_scale;
  return area;
}

// Moves a hash one cell east (d > 0) or west along the odd (longitude) bits, or north / south
// along the even (latitude) bits, wrapping around.
Hash Move(Hash hash, int d, bool longitude) {
  if (d == 0) return hash;
  const uint64_t odd = 0xaaaaaaaaaaaaaaaaULL, even = 0x5555555555555555ULL;
  const uint64_t moving_mask = longitude ? odd : even;
  uint64_t moving = hash.bits & moving_mask;
  const uint64_t fixed = hash.bits & ~moving_mask;
  const int unused = 64 - hash.step * 2;
  const uint64_t other = (longitude ? even : odd) >> unused;  // fills the gaps for the carry
  if (d > 0) {
    moving = moving + (other + 1);
  } else {
    moving = (moving | other) - (other + 1);
  }
  moving &= moving_mask >> unused;
  return {moving | fixed, hash.step};
}

struct Neighbors {
  Hash north, south, east, west, north_east, north_west, south_east, south_west;
};

Neighbors NeighborsOf(Hash h) {
  return {Move(h, 1, false),
          Move(h, -1, false),
          Move(h, 1, true),
          Move(h, -1, true),
          Move(Move(h, 1, true), 1, false),
          Move(Move(h, -1, true), 1, false),
          Move(Move(h, 1, true), -1, false),
          Move(Move(h, -1, true), -1, false)};
}

// Redis's geohashEstimateStepsByRadius.
int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // make sure the range is included in most of the base cases
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return std::clamp(step, 1, kStepMax);
}

// The center box and its neighbours covering `shape` (Redis's
// geohashCalculateAreasByShapeWGS84), in the order the search walks them; skipped ones are zero.
std::array<Hash, 9> AreasOf(const Shape& shape) {
  const double half_height = shape.to_meters * (shape.box ? shape.height / 2 : shape.radius);
  const double half_width = shape.to_meters * (shape.box ? shape.width / 2 : shape.radius);
  const LonLat c = shape.center;
  const double lat_delta = Deg(half_height / kEarthRadiusMeters);
  const double lon_delta_top =
      Deg(half_width / kEarthRadiusMeters / std::cos(Rad(c.lat + lat_delta)));
  const double lon_delta_bottom =
      Deg(half_width / kEarthRadiusMeters / std::cos(Rad(c.lat - lat_delta)));
  // The box's long edges bend toward the pole: the wider one bounds it.
  const bool southern = c.lat < 0;
  const double min_lon = c.lon - (southern ? lon_delta_bottom : lon_delta_top);
  const double max_lon = c.lon + (southern ? lon_delta_bottom : lon_delta_top);
  const double min_lat = c.lat - lat_delta;
  const double max_lat = c.lat + lat_delta;

  double radius_meters = shape.box ? std::sqrt((shape.width / 2) * (shape.width / 2) +
                                               (shape.height / 2) * (shape.height / 2))
                                   : shape.radius;
  radius_meters *= shape.to_meters;
  int steps = EstimateSteps(radius_meters, c.lat);
  Hash hash = EncodeIn(kLonRange, kLatRange, c, steps);
  Neighbors n = NeighborsOf(hash);
  Area area = DecodeArea(hash);
  // Near a box's edge the estimated step may leave part of the shape out of the 9 boxes.
  const bool decrease =
      DecodeArea(n.north).lat.max < max_lat || DecodeArea(n.south).lat.min > min_lat ||
      DecodeArea(n.east).lon.max < max_lon || DecodeArea(n.west).lon.min > min_lon;
  if (steps > 1 && decrease) {
    steps--;
    hash = EncodeIn(kLonRange, kLatRange, c, steps);
    n = NeighborsOf(hash);
    area = DecodeArea(hash);
  }
  if (steps >= 2) {  // drop the boxes the shape does not reach
    if (area.lat.min < min_lat) n.south = n.south_west = n.south_east = Hash{};
    if (area.lat.max > max_lat) n.north = n.north_east = n.north_west = Hash{};
    if (area.lon.min < min_lon) n.west = n.south_west = n.north_west = Hash{};
    if (area.lon.max > max_lon) n.east = n.south_east = n.north_east = Hash{};
  }
  return {hash,         n.north,      n.south,      n.east,      n.west,
          n.north_east, n.north_west, n.south_east, n.south_west};
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(Rad(lat2) - Rad(lat1));
}

// The distance from the shape's center when `p` is inside the shape.
bool Within(const Shape& shape, LonLat p, double* dist) {
  const LonLat c = shape.center;
  if (!shape.box) {
    *dist = Distance(c, p);
    return *dist <= shape.radius * shape.to_meters;
  }
  // Latitude distance first: it is the cheaper one.
  if (LatDistance(p.lat, c.lat) > shape.height * shape.to_meters / 2) return false;
  if (Distance(p, LonLat{c.lon, p.lat}) > shape.width * shape.to_meters / 2) return false;
  *dist = Distance(c, p);
  return true;
}

}  // namespace

bool ValidLonLat(double lon, double lat) {
  return lon >= kLonMin && lon <= kLonMax && lat >= kLatMin && lat <= kLatMax;
}

uint64_t Encode(double lon, double lat) {
  return EncodeIn(kLonRange, kLatRange, {lon, lat}, kStepMax).bits;
}

LonLat Decode(double score) {
  const Area area = DecodeArea({static_cast<uint64_t>(score), kStepMax});
  return {std::clamp((area.lon.min + area.lon.max) / 2, kLonMin, kLonMax),
          std::clamp((area.lat.min + area.lat.max) / 2, kLatMin, kLatMax)};
}

double Distance(LonLat a, LonLat b) {
  const double v = std::sin((Rad(b.lon) - Rad(a.lon)) / 2);
  if (v == 0.0) return LatDistance(a.lat, b.lat);  // same meridian: no trigonometry needed
  const double lat1 = Rad(a.lat), lat2 = Rad(b.lat);
  const double u = std::sin((lat2 - lat1) / 2);
  const double h = u * u + std::cos(lat1) * std::cos(lat2) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(h));
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  const LonLat p = Decode(score);
  const uint64_t bits = EncodeIn({-180, 180}, {-90, 90}, p, kStepMax).bits;
  std::string text(11, '0');  // 52 bits fill 10 characters; the 11th is always '0', as Redis
  for (int i = 0; i < 10; ++i) text[i] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  return text;
}

std::vector<Point> Search(const ZSetValue& z, const Shape& shape, size_t limit) {
  std::vector<Point> points;
  const std::array<Hash, 9> boxes = AreasOf(shape);
  size_t last = 0;  // the last neighbour searched; 0 = none yet (the center is not compared)
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Hash& box = boxes[i];
    if (box.zero()) continue;
    // With a huge radius adjacent neighbours can be the same box: searched once, as Redis.
    if (last != 0 && box == boxes[last]) continue;
    last = i;
    const int shift = 52 - box.step * 2;
    const double min = static_cast<double>(box.bits << shift);
    const double max = static_cast<double>((box.bits + 1) << shift);
    for (auto it = z.tree.lower_bound({min, std::string()}); it != z.tree.end() && it->first < max;
         ++it) {
      Point point;
      point.pos = Decode(it->first);
      if (!Within(shape, point.pos, &point.dist)) continue;
      point.score = it->first;
      point.member = it->second;
      points.push_back(std::move(point));
      if (limit != 0 && points.size() >= limit) return points;
    }
  }
  return points;
}

}  // namespace aio::cache::geo
