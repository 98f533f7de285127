"""The Redis-protocol cache driven by Debian's redis-cli (redis-tools): the answers a user sees."""

import unittest

from aio_harness import ServerTestCase, aio_only


@aio_only
class RedisCliTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def cli(self, *args, input=None):
        res = self.server.redis_cli(*args, input=input)
        self.assertEqual(res.returncode, 0, f"redis-cli {args}: {res.stderr}")
        return res.stdout

    def cli_error(self, *args):
        """An error reply as redis-cli prints it when not on a terminal (text, blank line)."""
        out = self.cli(*args)
        self.assertTrue(out.endswith("\n\n"), repr(out))
        return out.strip("\n")

    def test_ping_set_get(self):
        self.assertEqual(self.cli("PING"), "PONG\n")
        self.assertEqual(self.cli("SET", "cli:k", "hello world"), "OK\n")
        self.assertEqual(self.cli("GET", "cli:k"), "hello world\n")
        self.assertEqual(self.cli("GET", "cli:missing"), "\n")

    def test_errors_have_redis_texts(self):
        self.assertEqual(self.cli_error("NOSUCHCMD", "a"),
                         "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ")
        self.assertEqual(self.cli_error("GET"), "ERR wrong number of arguments for 'get' command")
        self.cli("RPUSH", "cli:list", "x")
        self.assertEqual(self.cli_error("GET", "cli:list"),
                         "WRONGTYPE Operation against a key holding the wrong kind of value")
        self.assertEqual(self.cli_error("SET", "cli:k", "v", "NX", "XX"), "ERR syntax error")

    def test_pipe_mode_loads_many_keys(self):
        commands = "".join(f"SET cli:pipe:{i} value{i}\r\n" for i in range(2000))
        res = self.server.redis_cli("--pipe", input=commands)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("errors: 0, replies: 2000", res.stdout)
        self.assertEqual(self.cli("GET", "cli:pipe:1999"), "value1999\n")

    def test_resp3_hello(self):
        out = self.cli("-3", "HELLO", "3")
        self.assertIn("proto", out)
        self.cli("HSET", "cli:h", "f", "v")
        self.assertEqual(self.cli("-3", "HGETALL", "cli:h"), "f v\n")  # a RESP3 map, as Redis

    def test_value_from_stdin_and_info(self):
        big = "x" * 100000
        self.assertEqual(self.server.redis_cli("-x", "SET", "cli:big", input=big).stdout, "OK\n")
        self.assertEqual(self.cli("STRLEN", "cli:big"), "100000\n")
        info = self.cli("INFO", "keyspace")
        self.assertIn("db0:keys=", info)

    def test_ttl_and_types(self):
        self.cli("SET", "cli:ttl", "v", "EX", "100")
        self.assertIn(self.cli("TTL", "cli:ttl"), ("100\n", "99\n"))
        self.cli("ZADD", "cli:z", "1", "a", "2", "b")
        self.assertEqual(self.cli("ZRANGE", "cli:z", "0", "-1", "WITHSCORES"), "a\n1\nb\n2\n")
        self.assertEqual(self.cli("TYPE", "cli:z"), "zset\n")


if __name__ == "__main__":
    unittest.main()
