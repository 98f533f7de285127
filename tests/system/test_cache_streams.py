"""Redis streams of the cache driven by redis-py (Debian's 4.3) and redis-cli as applications use
them: XADD / XRANGE / XREAD with BLOCK (woken by another connection's XADD, and timing out), the
consumer-group flow (XGROUP CREATE, XREADGROUP, XPENDING, XACK, XAUTOCLAIM, XINFO) and
redis-cli's rendering of a stream reply."""

import threading
import time
import unittest

import redis

from aio_harness import CacheTestCase, aio_only


@aio_only
class StreamsTest(CacheTestCase):
    def test_xadd_xrange_and_errors(self):
        r = self.r
        self.assertEqual(r.xadd("s", {"a": "1"}, id="1-1"), b"1-1")
        auto = r.xadd("s", {"b": "2"})
        self.assertRegex(auto.decode(), r"^\d+-0$")
        self.assertEqual(r.xlen("s"), 2)
        self.assertEqual(r.xrange("s", "-", "+", count=1), [(b"1-1", {b"a": b"1"})])
        self.assertEqual(r.xrevrange("s", "+", "-", count=1), [(auto, {b"b": b"2"})])
        self.assertEqual(r.type("s"), b"stream")
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^The ID specified in XADD is equal or smaller than the "
                                    "target stream top item$"):
            r.xadd("s", {"c": "3"}, id="1-1")
        r.xadd("s", {"c": "3"}, maxlen=1, approximate=False)
        self.assertEqual(r.xlen("s"), 1)
        self.assertEqual(r.xtrim("s", maxlen=0), 1)
        self.assertEqual(r.exists("s"), 1)  # an empty stream stays

    def test_xread_blocks_until_another_connection_adds(self):
        r = self.r
        r.xadd("s", {"old": "1"}, id="1-0")
        reader = self.server.redis()
        result = []

        def read():
            result.append(reader.xread({"s": "$"}, block=5000))

        t = threading.Thread(target=read)
        t.start()
        deadline = time.monotonic() + 5
        while r.info("clients")["blocked_clients"] != 1:
            self.assertLess(time.monotonic(), deadline, "XREAD never blocked")
            time.sleep(0.01)
        r.xadd("s", {"new": "2"}, id="2-0")
        t.join(5)
        self.assertEqual(result, [[[b"s", [(b"2-0", {b"new": b"2"})]]]])
        started = time.monotonic()
        # Timeout: nil (redis-py's None for the null array... or an empty list).
        self.assertFalse(r.xread({"s": "$"}, block=200))
        self.assertGreaterEqual(time.monotonic() - started, 0.15)

    def test_consumer_group_flow(self):
        r = self.r
        self.assertTrue(r.xgroup_create("s", "g", id="0", mkstream=True))
        for i in range(3):
            r.xadd("s", {"n": str(i)}, id=f"{i + 1}-0")
        got = r.xreadgroup("g", "alice", {"s": ">"}, count=2)
        self.assertEqual([e[0] for e in got[0][1]], [b"1-0", b"2-0"])
        r.xreadgroup("g", "bob", {"s": ">"})
        summary = r.xpending("s", "g")
        self.assertEqual(summary["pending"], 3)
        self.assertEqual(summary["min"], b"1-0")
        self.assertEqual(summary["max"], b"3-0")
        self.assertEqual(sorted(c["name"] for c in summary["consumers"]), [b"alice", b"bob"])
        rows = r.xpending_range("s", "g", "-", "+", 10, consumername="alice")
        self.assertEqual([row["message_id"] for row in rows], [b"1-0", b"2-0"])
        self.assertEqual(r.xack("s", "g", "1-0"), 1)
        r.xdel("s", "2-0")
        claimed = self.server.redis().execute_command("XAUTOCLAIM", "s", "g", "bob", "0", "0")
        self.assertEqual(claimed[0], b"0-0")
        self.assertEqual([e[0] for e in claimed[1]], [b"3-0"])
        self.assertEqual(claimed[2], [b"2-0"])
        info = r.xinfo_stream("s")
        self.assertEqual(info["length"], 2)
        self.assertEqual(info["groups"], 1)
        self.assertEqual(info["last-generated-id"], b"3-0")
        self.assertEqual(info["first-entry"][0], b"1-0")
        groups = r.xinfo_groups("s")
        self.assertEqual(groups[0]["name"], b"g")
        self.assertEqual(groups[0]["pending"], 1)
        self.assertEqual(groups[0]["last-delivered-id"], b"3-0")
        consumers = r.xinfo_consumers("s", "g")
        self.assertEqual({c["name"]: c["pending"] for c in consumers}, {b"alice": 0, b"bob": 1})
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "^BUSYGROUP"):
            r.xgroup_create("s", "g")
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP"):
            r.xreadgroup("nog", "c", {"s": ">"})

    def test_redis_cli_renders_a_range(self):
        self.r.xadd("cli:s", {"field": "value"}, id="5-1")
        res = self.server.redis_cli("XRANGE", "cli:s", "-", "+")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout, "5-1\nfield\nvalue\n")
        res = self.server.redis_cli("XADD", "cli:s", "5-1", "a", "b")
        self.assertEqual(res.stdout, "ERR The ID specified in XADD is equal or smaller than the "
                                     "target stream top item\n\n")


if __name__ == "__main__":
    unittest.main()
