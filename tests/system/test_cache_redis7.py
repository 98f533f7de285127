"""Redis 7 commands of the cache driven by redis-py and redis-cli as applications call them:
LMPOP / BLMPOP (with its timeout) / ZMPOP, ZRANGESTORE, SORT / SORT_RO, sharded pub/sub
(SSUBSCRIBE / SPUBLISH; Debian's redis-py 4.3 has no ssubscribe(), so over a raw socket),
COMMAND DOCS / LIST / GETKEYS and the ACL view of AIO's users."""

import socket
import threading
import time
import unittest

import redis

from aio_harness import CacheTestCase, ServerTestCase, aio_only


def resp_command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


@aio_only
class Redis7CommandsTest(CacheTestCase):
    def test_lmpop_and_blmpop_timeout(self):
        r = self.r
        r.rpush("b", "x", "y", "z")
        self.assertEqual(r.lmpop(2, "a", "b", direction="LEFT", count=2), [b"b", [b"x", b"y"]])
        self.assertIsNone(r.lmpop(1, "a", direction="RIGHT"))
        started = time.monotonic()
        self.assertIsNone(r.blmpop(0.2, 1, "a", direction="LEFT"))
        self.assertGreaterEqual(time.monotonic() - started, 0.15)
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^numkeys should be greater than 0$"):
            r.lmpop(0, "a", direction="LEFT")
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^count should be greater than 0$"):
            r.lmpop(1, "a", direction="LEFT", count=0)

    def test_blmpop_wakes_waiting_clients_one_element_each(self):
        clients = [self.server.redis(), self.server.redis()]
        results = []

        def pop(client):
            results.append(client.blmpop(5, 1, "q", direction="LEFT"))

        threads = [threading.Thread(target=pop, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        time.sleep(0.3)
        self.r.rpush("q", "one", "two")
        for t in threads:
            t.join(5)
        self.assertEqual(sorted(results), [[b"q", [b"one"]], [b"q", [b"two"]]])
        self.assertEqual(self.r.exists("q"), 0)

    def wait_blocked(self, n):
        deadline = time.monotonic() + 5
        while self.r.info("clients")["blocked_clients"] != n:
            self.assertLess(time.monotonic(), deadline, f"blocked_clients never reached {n}")
            time.sleep(0.01)

    def test_blocked_clients_are_served_in_the_order_they_blocked(self):
        # Redis's BLPOP "clients are served in order"; a client that disconnects while blocked
        # leaves the line and takes nothing.
        results = {}

        def pop(name):
            results[name] = self.server.redis().blpop(["q"], timeout=10)

        threads = []
        gone = socket.create_connection(("127.0.0.1", self.server.cache_port))
        for blocked, name in enumerate(("first", "gone", "second", "third"), start=1):
            if name == "gone":
                gone.sendall(resp_command("BLPOP", "q", "0"))
            else:
                threads.append(threading.Thread(target=pop, args=(name,)))
                threads[-1].start()
            self.wait_blocked(blocked)
        gone.close()
        self.wait_blocked(3)
        for i, name in enumerate(("first", "second", "third")):
            self.r.rpush("q", f"e{i}")
            threads[i].join(5)
            self.assertEqual(results.get(name), (b"q", f"e{i}".encode()), name)
        self.assertEqual(self.r.exists("q"), 0)

    def test_zmpop_and_zrangestore(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2, "c": 3})
        self.assertEqual(r.zrangestore("dst", "z", 1, 10, byscore=True, offset=0, num=2), 2)
        self.assertEqual(r.zrange("dst", 0, -1, withscores=True), [(b"a", 1.0), (b"b", 2.0)])
        self.assertEqual(r.zmpop(1, ["z"], max=True, count=2), [b"z", [[b"c", b"3"], [b"b", b"2"]]])
        self.assertIsNone(r.bzmpop(0.1, 1, ["nothing"], min=True))

    def test_sort(self):
        r = self.r
        r.rpush("ids", 3, 1, 2)
        r.mset({"weight_1": 30, "weight_2": 10, "weight_3": 20})
        r.hset("user:1", "name", "ann")
        r.hset("user:2", "name", "bob")
        self.assertEqual(r.sort("ids"), [b"1", b"2", b"3"])
        self.assertEqual(r.sort("ids", by="weight_*", desc=True), [b"1", b"3", b"2"])
        self.assertEqual(r.sort("ids", get=["#", "user:*->name"], start=0, num=2),
                         [b"1", b"ann", b"2", b"bob"])
        self.assertEqual(r.sort("ids", by="weight_*", store="sorted"), 3)
        self.assertEqual(r.lrange("sorted", 0, -1), [b"2", b"3", b"1"])
        self.assertEqual(r.sort_ro("ids", desc=True), [b"3", b"2", b"1"])
        r.rpush("words", "b", "a")
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^One or more scores can't be converted into double$"):
            r.sort("words")
        self.assertEqual(r.sort("words", alpha=True), [b"a", b"b"])

    def test_sharded_pubsub(self):
        sock = socket.create_connection(("127.0.0.1", self.server.cache_port), timeout=5)
        self.addCleanup(sock.close)
        sock.sendall(resp_command("SSUBSCRIBE", "orders"))
        expected = b"*3\r\n$10\r\nssubscribe\r\n$6\r\norders\r\n:1\r\n"
        got = b""
        while len(got) < len(expected):
            got += sock.recv(4096)
        self.assertEqual(got, expected)
        self.assertEqual(self.r.execute_command("SPUBLISH", "orders", "o-1"), 1)
        self.assertEqual(self.r.publish("orders", "not sharded"), 0)
        self.assertEqual(self.r.execute_command("PUBSUB", "SHARDNUMSUB", "orders"), [b"orders", 1])
        expected = b"*3\r\n$8\r\nsmessage\r\n$6\r\norders\r\n$3\r\no-1\r\n"
        got = b""
        while len(got) < len(expected):
            got += sock.recv(4096)
        self.assertEqual(got, expected)

    def test_command_docs_list_and_getkeys(self):
        # redis-py 4.3 leaves COMMAND DOCS unparsed: [name, [field, value, ...], ...] under RESP2.
        docs = self.r.execute_command("COMMAND DOCS", "lmpop", "nosuch")
        self.assertEqual(docs[0], b"lmpop")
        self.assertEqual(len(docs), 2)
        doc = pairs(docs[1])
        self.assertEqual(doc[b"summary"], b"Pop elements from a list")
        self.assertEqual(doc[b"since"], b"7.0.0")
        self.assertEqual(doc[b"group"], b"list")
        names = [pairs(a)[b"name"] for a in doc[b"arguments"]]
        self.assertEqual(names, [b"numkeys", b"key", b"where", b"count"])
        self.assertIn(b"sort_ro", self.r.command_list(category="dangerous"))
        self.assertEqual(self.r.command_getkeys("SORT", "ids", "STORE", "out"), ["ids", "out"])
        # redis-cli 7 reads COMMAND DOCS at start for its hints.
        res = self.server.redis_cli("COMMAND", "DOCS", "sort")
        self.assertIn("Sort the elements in a list, set or sorted set", res.stdout)

    def test_acl_on_an_open_cache(self):
        self.assertEqual(self.r.acl_whoami(), "default")
        self.assertEqual(self.r.acl_users(), ["default"])
        self.assertEqual(self.r.acl_list(), ["user default on nopass ~* &* +@all"])
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "/api/auth/users"):
            self.r.acl_setuser("bob", enabled=True)


@aio_only
class Redis7AclAuthTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config={
            "cache.require_auth": True, "auth.enabled": True,
            "auth.initial_admin_password": "s3cret-Pass"})

    def test_acl_shows_aio_users(self):
        r = self.server.redis(username="admin", password="s3cret-Pass")
        self.assertEqual(r.acl_whoami(), "admin")
        self.assertIn("admin", r.acl_users())
        self.assertIn("user admin on ~* &* +@all", r.acl_list())
        self.assertEqual(r.acl_getuser("admin")["categories"], ["+@all"])
        self.assertIsNone(r.acl_getuser("nobody"))


if __name__ == "__main__":
    unittest.main()
