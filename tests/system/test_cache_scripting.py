"""Lua scripting of the cache (EVAL / EVALSHA / EVAL_RO / SCRIPT) driven by redis-py and
redis-cli as applications use it: register_script, the Lock that ships Lua scripts, cjson, and
the error texts compared with Debian's redis-server 7.0 running the same scripts."""

import threading
import time
import unittest

import redis

from aio_harness import CacheTestCase, aio_only, start_reference_redis


def outcome(call):
    """A reply, or the error text a user sees in ResponseError."""
    try:
        return ("ok", call())
    except redis.exceptions.ResponseError as err:
        return ("error", str(err))


@aio_only
class ScriptingTest(CacheTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ref = start_reference_redis(cls.addClassCleanup)

    def setUp(self):
        super().setUp()
        self.r.script_flush()
        self.ref.flushall()
        self.ref.script_flush()

    def test_eval_keys_args_and_conversions(self):
        r = self.r
        self.assertEqual(r.eval("return {KEYS[1], ARGV[1], 3.7, true, false, 'x'}", 1, "k", "a"),
                         [b"k", b"a", 3, 1, None, b"x"])  # false is nil, not the end
        r.set("n", "5")
        self.assertEqual(r.eval("return redis.call('incrby', KEYS[1], ARGV[1])", 1, "n", 10), 15)
        self.assertEqual(r.eval("return redis.status_reply('FINE')", 0), b"FINE")

    def test_register_script_falls_back_to_eval_after_flush(self):
        r = self.r
        incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
        self.assertEqual(incr(keys=["c"], args=[2]), 2)
        self.assertEqual(r.script_exists(incr.sha), [True])
        r.script_flush()
        self.assertEqual(r.script_exists(incr.sha), [False])
        self.assertEqual(incr(keys=["c"], args=[3]), 5)  # NOSCRIPT -> SCRIPT LOAD -> EVALSHA
        self.assertEqual(r.script_exists(incr.sha), [True])

    def test_lock_acquire_extend_release(self):
        holder = self.server.redis()
        other = self.server.redis()
        lock = holder.lock("name", timeout=5)
        self.assertTrue(lock.acquire(blocking=False))
        self.assertFalse(other.lock("name", timeout=5).acquire(blocking=False))
        self.assertTrue(lock.extend(10))
        self.assertGreater(holder.pttl("name"), 10000)
        self.assertTrue(lock.owned())
        lock.release()
        self.assertIsNone(holder.get("name"))
        second = other.lock("name", timeout=5)
        self.assertTrue(second.acquire(blocking=False))
        # Releasing a lock that another client now holds fails through the Lua script's check.
        with self.assertRaises(redis.exceptions.LockError):
            lock.release()
        second.release()

    def test_cjson_round_trip(self):
        doc = '{"a":[1,2.5,"s",true,null],"b":"x\\/y"}'
        body = "local t = cjson.decode(ARGV[1]); return cjson.encode(t.a) .. ' ' .. t.b"
        self.assertEqual(self.r.eval(body, 0, doc), self.ref.eval(body, 0, doc))
        self.assertEqual(self.r.eval(body, 0, doc), b'[1,2.5,"s",true,null] x/y')

    def test_same_replies_and_errors_as_redis_server(self):
        self.r.set("s", "abc")
        self.ref.set("s", "abc")
        scripts = [
            ("return x", 0), ("x = 1", 0), ("return (", 0), ("error('boom')", 0),
            ("error({err='CUSTOM thing'})", 0), ("return redis.call('nosuch')", 0),
            ("return redis.call('incr', 's')", 0), ("return redis.pcall('incr', 's')", 0),
            ("return redis.call('set', 'a')", 0), ("return redis.call('multi')", 0),
            ("return redis.call('blpop', 'q', 0)", 0), ("return redis.call()", 0),
            ("return redis.call('set', 'x', {})", 0), ("return redis.error_reply('noprefix')", 0),
            ("return redis.error_reply('MY err')", 0), ("return redis.setresp(4)", 0),
            ("return {1, 2, 3.7, 'x', true, false, nil, 5}", 0), ("return 1", -1),
            ("return 1", 2), ("return os", 0), ("return cjson.decode('nul')", 0),
            ("return cjson.encode(1/0)", 0),
            ("return cjson.decode('[1,')", 0), ("return cjson.decode('{\"a\" 1}')", 0),
            ("return cjson.decode('[1 2]')", 0), ("return cjson.decode('\"\\\\q\"')", 0),
            ("return cjson.decode('[1] x')", 0), ("return cjson.decode('')", 0),
            ("return cjson.decode('\"abc')", 0), ("return cjson.decode('\"a\\\\u12\"')", 0),
            ("return cjson.decode('-x')", 0), ("return cjson.decode('[1,{\"a\":}]')", 0),
            ("return tostring(cjson.decode('Infinity'))", 0),
            ("return cjson.decode('[\"\\\\u00e9\", 1e2, -0.5]')[1]", 0),
            ("return redis.sha1hex('abc')", 0),
            ("return bit.bxor(5, 3) .. bit.tohex(-1)", 0),
        ]
        for body, numkeys in scripts:
            args = ["k"] if numkeys == 2 else []
            with self.subTest(script=body):
                self.assertEqual(outcome(lambda: self.r.eval(body, numkeys, *args)),
                                 outcome(lambda: self.ref.eval(body, numkeys, *args)))
        for name in ("eval_ro", "evalsha"):
            body = "return redis.call('set', 'k', 'v')"
            arg = body if name == "eval_ro" else "f" * 40
            with self.subTest(command=name):
                self.assertEqual(outcome(lambda: self.r.execute_command(name, arg, 0)),
                                 outcome(lambda: self.ref.execute_command(name, arg, 0)))

    def test_script_kill_stops_a_looping_script(self):
        # Two I/O threads, the looping client and the killer on different ones (round robin).
        server = self.start_server(config={"cache.io_threads": 2})
        looper, killer = server.redis(), server.redis()
        looper.ping()
        killer.ping()
        result = {}

        def loop():
            try:
                looper.eval("while true do end", 0)
            except redis.exceptions.ResponseError as err:
                result["error"] = str(err)

        thread = threading.Thread(target=loop)
        thread.start()
        deadline = time.monotonic() + 10
        while True:  # NOTBUSY until the script runs
            try:
                self.assertTrue(killer.script_kill())
                break
            except redis.exceptions.ResponseError as err:
                if "NOTBUSY" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        thread.join(10)
        self.assertEqual(result["error"], "Script killed by user with SCRIPT KILL... script: "
                         "694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.")
        self.assertTrue(looper.ping())

    def test_redis_cli_eval_and_script_commands(self):
        res = self.server.redis_cli("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", 1, "k",
                                    "v")
        self.assertEqual(res.stdout.strip(), "OK")
        res = self.server.redis_cli("SCRIPT", "LOAD", "return 42")
        sha = res.stdout.strip()
        self.assertEqual(len(sha), 40)
        self.assertEqual(self.server.redis_cli("EVALSHA", sha, 0).stdout.strip(), "42")
        self.assertEqual(self.server.redis_cli("SCRIPT", "KILL").stdout.strip(),
                         "NOTBUSY No scripts in execution right now.")


if __name__ == "__main__":
    unittest.main()
