"""HyperLogLog and GEO commands of the cache through redis-py (Debian's python3-redis 4.3) and
redis-cli, cross-checked against a real redis-server 7.0 started on a free port: HLL values
copied either way with GET / SET count the same, GEO replies are the same for the same data."""

import random
import unittest

import redis

from aio_harness import CacheTestCase, aio_only, start_reference_redis

@aio_only
class HllGeoTest(CacheTestCase):
    def test_pfadd_pfcount_pfmerge(self):
        r = self.r
        self.assertEqual(r.pfadd("a", "x", "y", "z"), 1)
        self.assertEqual(r.pfadd("a", "x"), 0)
        self.assertEqual(r.pfcount("a"), 3)
        self.assertEqual(r.type("a"), b"string")
        self.assertTrue(r.get("a").startswith(b"HYLL"))
        r.pfadd("b", *[f"e{i}" for i in range(10000)])
        self.assertLess(abs(r.pfcount("b") - 10000), 10000 * 0.025)
        self.assertTrue(r.pfmerge("m", "a", "b"))
        self.assertEqual(r.pfcount("m"), r.pfcount("a", "b"))
        r.set("s", "not an hll")
        with self.assertRaisesRegex(redis.ResponseError, "not a valid HyperLogLog string value"):
            r.pfadd("s", "x")
        r.set("c", b"HYLL\x01" + b"\x00" * 10 + b"\x80" + b"\x00")  # cache invalid, 1 register
        with self.assertRaisesRegex(redis.ResponseError, "Corrupted HLL object detected"):
            r.pfcount("c")
        cli = self.server.redis_cli("PFDEBUG", "ENCODING", "m")
        self.assertEqual(cli.stdout.strip(), "dense")

    def test_hll_values_move_between_redis_server_and_aio(self):
        ref = start_reference_redis(self.addCleanup)
        ref.flushall()
        for key, n in (("sparse", 500), ("dense", 20000)):
            elements = [f"{key}:{i}" for i in range(n)]
            self.assertEqual(ref.pfadd(key, *elements), 1)
            self.r.set(key, ref.get(key))
            self.assertEqual(self.r.pfcount(key), ref.pfcount(key))
            # Same registers, so adding the same elements changes the same ones.
            more = [f"more:{i}" for i in range(50)]
            self.assertEqual(self.r.pfadd(key, *more), ref.pfadd(key, *more))
            self.assertEqual(self.r.pfcount(key), ref.pfcount(key))
        # And back: an HLL built by aio counts the same in redis-server.
        self.r.pfadd("mine", *[f"m{i}" for i in range(3000)])
        ref.set("mine", self.r.get("mine"))
        self.assertEqual(ref.pfcount("mine"), self.r.pfcount("mine"))
        self.assertEqual(ref.pfcount("mine", "dense"), self.r.pfcount("mine", "dense"))

    def test_geo_commands_with_redis_py(self):
        r = self.r
        self.assertEqual(r.geoadd("Sicily", (13.361389, 38.115556, "Palermo",
                                             15.087269, 37.502669, "Catania")), 2)
        self.assertEqual(r.geodist("Sicily", "Palermo", "Catania"), 166274.1516)
        self.assertEqual(r.geodist("Sicily", "Palermo", "Catania", "km"), 166.2742)
        self.assertIsNone(r.geodist("Sicily", "Palermo", "nope"))
        self.assertEqual(r.geohash("Sicily", "Palermo", "Catania", "nope"),
                         ["sqc8b49rny0", "sqdtr74hyu0", None])
        self.assertEqual(r.geopos("Sicily", "Palermo", "nope"),
                         [(13.361389338970184, 38.1155563954963), None])
        self.assertEqual(r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km",
                                     sort="ASC", withdist=True, withcoord=True, withhash=True),
                         [[b"Catania", 56.4413, 3479447370796909,
                           (15.087267458438873, 37.50266842333162)],
                          [b"Palermo", 190.4424, 3479099956230698,
                           (13.361389338970184, 38.1155563954963)]])
        self.assertEqual(r.geosearch("Sicily", member="Palermo", width=400, height=400, unit="km",
                                     sort="DESC"), [b"Catania", b"Palermo"])
        self.assertEqual(r.geosearchstore("dst", "Sicily", longitude=15, latitude=37, radius=100,
                                          unit="km", storedist=True), 1)
        self.assertAlmostEqual(r.zscore("dst", "Catania"), 56.4413, places=3)
        self.assertEqual(r.georadius("Sicily", 15, 37, 200, unit="km", sort="ASC", count=1),
                         [b"Catania"])
        with self.assertRaisesRegex(redis.ResponseError, "invalid longitude,latitude pair"):
            r.geoadd("Sicily", (200, 100, "x"))

    def test_geo_matches_redis_server(self):
        ref = start_reference_redis(self.addCleanup)
        ref.flushall()
        for client in (self.r, ref):  # raw replies: redis-py parses GEOSEARCH only from geosearch()
            client.response_callbacks.pop("GEOSEARCH", None)
        rng = random.Random(7)
        values = []
        for i in range(1000):
            values += [rng.uniform(-180, 180), rng.uniform(-85, 85), f"w{i}"]
        for i in range(300):  # a dense cluster around Paris
            values += [2 + rng.uniform(-1, 1), 48 + rng.uniform(-1, 1), f"c{i}"]
        self.assertEqual(self.r.geoadd("g", values), ref.geoadd("g", values))
        self.assertEqual(self.r.zrange("g", 0, -1, withscores=True),
                         ref.zrange("g", 0, -1, withscores=True))
        members = [f"w{i}" for i in range(0, 1000, 50)]
        self.assertEqual(self.r.geopos("g", *members), ref.geopos("g", *members))
        self.assertEqual(self.r.geohash("g", *members), ref.geohash("g", *members))
        for q in range(20):
            lon, lat = (2 + rng.uniform(-1, 1), 48 + rng.uniform(-1, 1)) if q % 2 else (
                rng.uniform(-180, 180), rng.uniform(-85, 85))
            radius = rng.choice([5, 50, 500, 5000])
            for extra in ([], ["WITHDIST", "ASC"], ["COUNT", 5], ["COUNT", 3, "ANY"]):
                for shape in (["BYRADIUS", radius, "km"], ["BYBOX", radius, radius / 2, "km"]):
                    cmd = ["GEOSEARCH", "g", "FROMLONLAT", lon, lat] + shape + extra
                    self.assertEqual(self.r.execute_command(*cmd), ref.execute_command(*cmd), cmd)


if __name__ == "__main__":
    unittest.main()
