"""The Redis-protocol cache driven by redis-py (Debian's python3-redis): pipelines, transactions
with WATCH, pub/sub, blocking pops, expiry, eviction, tracking, large values, binary keys, errors
and AUTH."""

import socket
import threading
import time
import unittest

import redis

from aio_harness import CacheTestCase, ServerTestCase, aio_only, wait_until


@aio_only
class RedisPyTest(CacheTestCase):
    def test_strings_hashes_lists_sets_zsets(self):
        r = self.r
        self.assertTrue(r.set("s", "v", ex=100))
        self.assertEqual(r.get("s"), b"v")
        self.assertEqual(r.incrby("n", 5), 5)
        self.assertEqual(r.hset("h", mapping={"a": "1", "b": "2"}), 2)
        self.assertEqual(r.hgetall("h"), {b"a": b"1", b"b": b"2"})
        self.assertEqual(r.rpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.lrange("l", 0, -1), [b"a", b"b", b"c"])
        self.assertEqual(r.sadd("set", "x", "y"), 2)
        self.assertEqual(r.smembers("set"), {b"x", b"y"})
        self.assertEqual(r.zadd("z", {"a": 1, "b": 2.5}), 2)
        self.assertEqual(r.zrange("z", 0, -1, withscores=True), [(b"a", 1.0), (b"b", 2.5)])
        self.assertEqual(r.zscore("z", "b"), 2.5)
        self.assertEqual(sorted(r.keys("*")), [b"h", b"l", b"n", b"s", b"set", b"z"])
        self.assertEqual(r.dbsize(), 6)

    def test_pipeline_of_many_commands(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(5000):
            pipe.set(f"p:{i}", i)
        for i in range(5000):
            pipe.get(f"p:{i}")
        results = pipe.execute()
        self.assertEqual(results[:5000], [True] * 5000)
        self.assertEqual(results[5000:], [str(i).encode() for i in range(5000)])

    def test_transaction_with_watch(self):
        r = self.r
        other = self.server.redis()
        r.set("balance", 10)
        with r.pipeline() as pipe:
            pipe.watch("balance")
            other.set("balance", 99)  # a concurrent write invalidates the WATCH
            pipe.multi()
            pipe.set("balance", 0)
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(r.get("balance"), b"99")
        with r.pipeline() as pipe:
            pipe.watch("balance")
            pipe.multi()
            pipe.incr("balance")
            self.assertEqual(pipe.execute(), [100])

    def test_pubsub_channels_and_patterns(self):
        sub = self.server.redis().pubsub()
        sub.subscribe("news")
        sub.psubscribe("n*")
        for _ in range(2):
            self.assertIsNotNone(sub.get_message(timeout=2))  # the confirmations
        self.assertEqual(self.r.publish("news", "hello"), 2)
        got = [sub.get_message(timeout=2) for _ in range(2)]
        kinds = sorted((m["type"], m["data"]) for m in got)
        self.assertEqual(kinds, [("message", b"hello"), ("pmessage", b"hello")])
        self.assertEqual(self.r.pubsub_numsub("news"), [(b"news", 1)])
        sub.close()

    def test_blocking_pop_times_out_and_wakes(self):
        start = time.monotonic()
        self.assertIsNone(self.r.blpop("queue", timeout=1))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 3)
        pusher = self.server.redis()
        threading.Timer(0.3, lambda: pusher.rpush("queue", "job")).start()
        self.assertEqual(self.r.blpop("queue", timeout=5), (b"queue", b"job"))
        threading.Timer(0.3, lambda: pusher.zadd("zq", {"m": 7})).start()
        self.assertEqual(self.r.bzpopmin("zq", timeout=5), (b"zq", b"m", 7.0))

    def test_untouched_expired_keys_go_away(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(300):
            pipe.set(f"e:{i}", "v", px=100)
        pipe.set("keep", "v")
        pipe.execute()
        # DBSIZE counts keys not yet reclaimed: only active expiry brings it down.
        wait_until(lambda: self.r.dbsize() == 1, timeout=10, message="active expiry")
        self.assertGreaterEqual(int(self.r.info("stats")["expired_keys"]), 300)

    def test_eviction_under_maxmemory(self):
        r = self.r
        r.config_set("maxmemory", "1mb")
        try:
            r.config_set("maxmemory-policy", "noeviction")
            with self.assertRaises(redis.exceptions.ResponseError) as err:
                for i in range(5000):
                    r.set(f"big:{i}", "x" * 1000)
            self.assertIn("command not allowed when used memory > 'maxmemory'", str(err.exception))
            r.flushall()
            r.config_set("maxmemory-policy", "allkeys-lru")
            for i in range(5000):
                r.set(f"big:{i}", "x" * 1000)
            self.assertLessEqual(int(r.info("memory")["used_memory"]), 1024 * 1024 + 2000)
            self.assertGreater(int(r.info("stats")["evicted_keys"]), 0)
            self.assertEqual(r.get("big:4999"), b"x" * 1000)
        finally:
            r.config_set("maxmemory", "0")
            r.config_set("maxmemory-policy", "noeviction")

    def test_tracking_invalidation_via_redirect(self):
        listener = self.server.redis()
        listener_id = listener.client_id()
        sub = listener.pubsub()
        sub.subscribe("__redis__:invalidate")
        self.assertIsNotNone(sub.get_message(timeout=2))
        reader = self.server.redis(single_connection_client=True)
        reader.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", listener_id)
        reader.set("tracked", "1")
        reader.get("tracked")
        self.r.set("tracked", "2")
        msg = sub.get_message(timeout=2)
        self.assertIsNotNone(msg)
        self.assertEqual(msg["data"], [b"tracked"])
        sub.close()

    def test_resp3_push_invalidation_on_raw_socket(self):
        with socket.create_connection(("127.0.0.1", self.server.cache_port), timeout=5) as s:
            f = s.makefile("rb")
            s.sendall(b"HELLO 3\r\nCLIENT TRACKING on\r\nGET rk\r\n")
            line = f.readline()
            self.assertTrue(line.startswith(b"%"), line)
            for _ in range(int(line[1:]) * 2):  # skip the HELLO map
                item = f.readline()
                if item.startswith(b"$"):
                    f.readline()
                elif item.startswith(b"*"):
                    pass
            self.assertEqual(f.readline(), b"+OK\r\n")
            self.assertEqual(f.readline(), b"_\r\n")
            self.r.set("rk", "changed")
            self.assertEqual(f.readline(), b">2\r\n")
            self.assertEqual(f.readline() + f.readline(), b"$10\r\ninvalidate\r\n")
            self.assertEqual(f.readline(), b"*1\r\n")
            self.assertEqual(f.readline() + f.readline(), b"$2\r\nrk\r\n")

    def test_large_values_and_binary_keys(self):
        big = bytes(range(256)) * 40000  # 10 MB, every byte value
        self.assertTrue(self.r.set(b"\x00bin\r\nkey\xff", big))
        self.assertEqual(self.r.get(b"\x00bin\r\nkey\xff"), big)
        self.assertEqual(self.r.strlen(b"\x00bin\r\nkey\xff"), len(big))

    def test_wrong_type_and_arity_errors(self):
        self.r.rpush("list", "a")
        with self.assertRaises(redis.exceptions.ResponseError) as err:
            self.r.get("list")
        self.assertEqual(str(err.exception),
                         "WRONGTYPE Operation against a key holding the wrong kind of value")
        with self.assertRaises(redis.exceptions.ResponseError) as err:
            self.r.execute_command("GET")
        self.assertEqual(str(err.exception), "wrong number of arguments for 'get' command")

    def test_auth_without_password_answers_as_redis(self):
        with self.assertRaises(redis.exceptions.ResponseError) as err:
            self.r.execute_command("AUTH", "secret")
        self.assertIn("called without any password configured", str(err.exception))


@aio_only
class PersistenceTest(ServerTestCase):
    """cache.persistence: the snapshot is loaded at start and written at shutdown and by SAVE."""

    def test_keys_survive_a_restart_and_saved_keys_survive_kill_9(self):
        server = self.start_server(config={"cache.persistence": True,
                                           "cache.snapshot_interval": "0"})
        r = server.redis()
        r.set("s", "v", ex=1000)
        r.hset("h", mapping={"a": "1"})
        r.rpush("l", "x", "y")
        r.zadd("z", {"m": 2.5})
        server.restart(graceful=True)
        r = server.redis()
        self.assertEqual(r.get("s"), b"v")
        self.assertGreater(r.ttl("s"), 990)
        self.assertEqual(r.hgetall("h"), {b"a": b"1"})
        self.assertEqual(r.lrange("l", 0, -1), [b"x", b"y"])
        self.assertEqual(r.zscore("z", "m"), 2.5)

        before = r.lastsave()
        time.sleep(1.1)  # LASTSAVE has a one-second resolution
        r.set("saved", "1")
        self.assertTrue(r.save())
        self.assertGreater(r.lastsave(), before)
        r.set("unsaved", "1")
        server.restart(graceful=False)  # kill -9: only what SAVE wrote survives
        r = server.redis()
        self.assertEqual(r.get("saved"), b"1")
        self.assertIsNone(r.get("unsaved"))

    def test_save_is_refused_without_persistence(self):
        server = self.start_server()
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "persistence is disabled"):
            server.redis().save()


@aio_only
class RedisAuthTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config={
            "cache.require_auth": True, "auth.enabled": True,
            "auth.initial_admin_password": "s3cret-Pass"})

    def test_noauth_until_authenticated(self):
        r = self.server.redis()
        with self.assertRaises(redis.exceptions.AuthenticationError):
            r.get("k")
        good = self.server.redis(username="admin", password="s3cret-Pass")
        self.assertTrue(good.set("k", "v"))
        self.assertEqual(good.get("k"), b"v")
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "^WRONGPASS invalid"):
            self.server.redis(username="admin", password="wrong").ping()

    def test_hello_auth(self):
        res = self.server.redis_cli("HELLO", "3", "AUTH", "admin", "s3cret-Pass")
        self.assertIn("proto", res.stdout)
        res = self.server.redis_cli("HELLO", "3", "AUTH", "admin", "nope")
        self.assertIn("WRONGPASS", res.stdout)


if __name__ == "__main__":
    unittest.main()
