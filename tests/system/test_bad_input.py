"""Bad input gets etcd's error text and changes nothing stored; bad config and an unusable data
dir stop the binary with a message that names the problem."""

import contextlib
import os
import socket
import subprocess
import unittest

import grpc
import yaml

from aio_harness import ServerTestCase, aio_only, run_aio

MAX_REQUEST_BYTES = 8192
QUOTA_BYTES = 2 * 1024 * 1024


class BadRequestTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config={"store.max_request_bytes": MAX_REQUEST_BYTES})

    def setUp(self):
        self.server.etcdctl_ok("put", "/bad/canary", "alive")
        self.etcd = self.server.client()

    @contextlib.contextmanager
    def nothing_changes(self):
        """The revision, the canary and the lease list are the same after the block."""
        srv = self.server
        before = (srv.revision(), srv.etcdctl_ok("get", "--prefix", "/bad/"),
                  srv.etcdctl_ok("lease", "list"))
        yield
        after = (srv.revision(), srv.etcdctl_ok("get", "--prefix", "/bad/"),
                 srv.etcdctl_ok("lease", "list"))
        self.assertEqual(after, before, "a rejected request changed the store")

    def assertRpcFails(self, call, message, code=None):
        """A python3-etcd3 call fails with the gRPC error carrying etcd's message."""
        try:
            call()
        except grpc.RpcError as err:
            rpc = err
        except Exception as err:  # noqa: BLE001 - etcd3 re-raises some codes as its own types
            rpc = err.__context__
            if not isinstance(rpc, grpc.RpcError):
                raise
        else:
            self.fail(f"expected an error with {message!r}")
        self.assertIn(message, rpc.details())
        if code is not None:
            self.assertEqual(rpc.code(), code)

    def test_empty_key(self):
        srv = self.server
        t = self.etcd.transactions
        with self.nothing_changes():
            self.assertEtcdctlFails(srv.etcdctl("put", "", "v"), "etcdserver: key is not provided")
            self.assertRpcFails(lambda: self.etcd.put("", "v"), "etcdserver: key is not provided",
                                grpc.StatusCode.INVALID_ARGUMENT)
            self.assertRpcFails(lambda: self.etcd.get(""), "etcdserver: key is not provided")
            self.assertRpcFails(lambda: self.etcd.delete(""), "etcdserver: key is not provided")
            self.assertRpcFails(lambda: self.etcd.transaction(
                compare=[], success=[t.put("/bad/txn-ok", "x"), t.put("", "v")], failure=[]),
                "etcdserver: key is not provided")

    def test_request_too_large(self):
        srv = self.server
        big = "x" * (MAX_REQUEST_BYTES * 2)
        with self.nothing_changes():
            self.assertEtcdctlFails(srv.etcdctl("put", "/bad/big", input=big),
                                    "etcdserver: request is too large")
            self.assertRpcFails(lambda: self.etcd.put("/bad/big", big),
                                "etcdserver: request is too large",
                                grpc.StatusCode.INVALID_ARGUMENT)
        # Below the limit is fine.
        srv.etcdctl_ok("put", "/bad/fits", input="y" * (MAX_REQUEST_BYTES // 2))
        self.assertEqual(self.etcd.get("/bad/fits")[0], b"y" * (MAX_REQUEST_BYTES // 2))
        srv.etcdctl_ok("del", "/bad/fits")

    def test_too_many_txn_ops(self):
        t = self.etcd.transactions
        with self.nothing_changes():
            self.assertRpcFails(lambda: self.etcd.transaction(
                compare=[], success=[t.put(f"/bad/op{i}", "v") for i in range(129)], failure=[]),
                "etcdserver: too many operations in txn request",
                grpc.StatusCode.INVALID_ARGUMENT)
        ok, _ = self.etcd.transaction(compare=[], failure=[],
                                      success=[t.put(f"/bad/op{i}", "v") for i in range(128)])
        self.assertTrue(ok)
        self.assertEqual(len(list(self.etcd.get_prefix("/bad/op"))), 128)
        self.etcd.delete_prefix("/bad/op")

    def test_duplicate_key_in_txn(self):
        t = self.etcd.transactions
        with self.nothing_changes():
            self.assertRpcFails(lambda: self.etcd.transaction(
                compare=[], success=[t.put("/bad/dup", "a"), t.put("/bad/dup", "b")],
                failure=[]), "etcdserver: duplicate key given in txn request")

    def test_put_with_unknown_lease(self):
        with self.nothing_changes():
            self.assertEtcdctlFails(self.server.etcdctl("put", "--lease=1234abcd", "/bad/l", "v"),
                                    "etcdserver: requested lease not found")
            self.assertRpcFails(lambda: self.etcd.put("/bad/l", "v", lease=0x1234abcd),
                                "etcdserver: requested lease not found",
                                grpc.StatusCode.NOT_FOUND)
            self.assertRpcFails(lambda: self.etcd.revoke_lease(0x1234abcd),
                                "etcdserver: requested lease not found")

    def test_lease_ttl_too_large(self):
        with self.nothing_changes():
            self.assertEtcdctlFails(self.server.etcdctl("lease", "grant", "9000000001"),
                                    "etcdserver: too large lease TTL")

    def test_revision_compacted_and_future(self):
        srv = self.server
        r1 = int(srv.etcdctl_json("put", "/bad/h", "1")["header"]["revision"])
        r2 = int(srv.etcdctl_json("put", "/bad/h", "2")["header"]["revision"])
        srv.etcdctl_ok("compaction", r2)
        with self.nothing_changes():
            self.assertEtcdctlFails(srv.etcdctl("get", "/bad/h", "--rev", r1),
                                    "etcdserver: mvcc: required revision has been compacted")
            self.assertEtcdctlFails(srv.etcdctl("get", "/bad/h", "--rev", r2 + 100000),
                                    "etcdserver: mvcc: required revision is a future revision")
        srv.etcdctl_ok("del", "/bad/h")


class QuotaTest(ServerTestCase):
    def test_space_exceeded_then_recovered_by_compact_defrag_disarm(self):
        srv = self.start_server(config={"store.quota_backend_bytes": QUOTA_BYTES})
        etcd = srv.client()
        srv.etcdctl_ok("put", "/quota/canary", "alive")
        value = "q" * 16384
        failure = None
        for _ in range(QUOTA_BYTES * 4 // len(value)):
            try:
                etcd.put("/quota/k", value)
            except grpc.RpcError as err:
                failure = err
                break
        self.assertIsNotNone(failure, f"{QUOTA_BYTES * 4} bytes written under a "
                                      f"{QUOTA_BYTES}-byte quota and no write failed")
        self.assertEqual(failure.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("etcdserver: mvcc: database space exceeded", failure.details())

        rev = srv.revision()
        self.assertEtcdctlFails(srv.etcdctl("put", "/quota/other", "small"),
                                "etcdserver: mvcc: database space exceeded")
        self.assertEqual(srv.revision(), rev)
        self.assertEqual(srv.etcdctl_ok("get", "/quota/canary"), "/quota/canary\nalive\n")
        self.assertEqual(srv.etcdctl_ok("get", "/quota/other"), "")
        alarms = srv.etcdctl_ok("alarm", "list")
        self.assertRegex(alarms, r"^memberID:\d+ alarm:NOSPACE")

        srv.etcdctl_ok("compaction", rev)
        srv.etcdctl_ok("defrag")
        self.assertIn("alarm:NOSPACE", srv.etcdctl_ok("alarm", "disarm"))
        self.assertEqual(srv.etcdctl_ok("alarm", "list"), "")
        self.assertEqual(srv.etcdctl_ok("put", "/quota/other", "small"), "OK\n")
        self.assertEqual(srv.etcdctl_ok("get", "/quota/canary"), "/quota/canary\nalive\n")


@aio_only
class BadConfigTest(ServerTestCase):
    """The binary refuses to start: exit code 2 and a message that names the key."""

    def run_with_config(self, mutate, env=None, expect_code=2):
        """Writes the harness config changed by mutate(cfg) and runs aio on it to completion."""
        server = self.start_server(start=False)
        cfg = server.config()
        mutate(cfg)
        with open(server.config_path, "w") as f:
            yaml.safe_dump(cfg, f)
        try:
            res = run_aio(["--config", server.config_path], timeout=10, env=env)
        except subprocess.TimeoutExpired:
            self.fail("aio kept running with an invalid configuration")
        if expect_code is not None:
            self.assertEqual(res.returncode, expect_code,
                             f"stdout={res.stdout!r} stderr={res.stderr!r}")
        return res

    def test_unknown_key(self):
        res = self.run_with_config(lambda c: c["store"].update(no_such_option=1))
        self.assertIn("store.no_such_option", res.stderr)

    def test_unknown_section(self):
        res = self.run_with_config(lambda c: c.update(nosuchsection={"a": 1}))
        self.assertIn("nosuchsection", res.stderr)

    def test_wrong_type(self):
        res = self.run_with_config(lambda c: c["network"].update(http_port="not-a-port"))
        self.assertIn("network.http_port", res.stderr)
        res = self.run_with_config(lambda c: c["logger"].update(console={"nested": True}))
        self.assertIn("logger.console", res.stderr)

    def test_bad_value(self):
        res = self.run_with_config(lambda c: c["network"].update(http_port=70000))
        self.assertIn("network.http_port", res.stderr)
        res = self.run_with_config(lambda c: c["store"].update(max_request_bytes=-5))
        self.assertIn("store.max_request_bytes", res.stderr)
        res = self.run_with_config(lambda c: c["logger"].update(level="loudest"))
        self.assertIn("logger.level", res.stderr)
        res = self.run_with_config(lambda c: c["store"].update(auto_compaction_mode="weekly"))
        self.assertIn("store.auto_compaction_mode", res.stderr)

    def test_bad_env_override(self):
        res = self.run_with_config(lambda c: None, env={"AIO_STORE_ETCD_COMPAT_PORT": "abc"})
        self.assertTrue("store.etcd_compat_port" in res.stderr or
                        "AIO_STORE_ETCD_COMPAT_PORT" in res.stderr, res.stderr)

    def test_yaml_syntax_error(self):
        server = self.start_server(start=False)
        with open(server.config_path, "w") as f:
            f.write("system:\n  data_dir: [unclosed\nnetwork: {\n")
        res = run_aio(["--config", server.config_path], timeout=10)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn(server.config_path, res.stderr)

    def test_missing_config_file(self):
        server = self.start_server(start=False)
        path = os.path.join(server.tmp, "nope.yaml")
        res = run_aio(["--config", path], timeout=10)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(path, res.stderr)

    def test_data_dir_under_a_regular_file(self):
        blocker = []

        def mutate(cfg):
            data = cfg["system"]["data_dir"]
            parent = os.path.dirname(data)
            with open(os.path.join(parent, "plainfile"), "w") as f:
                f.write("not a directory\n")
            cfg["system"]["data_dir"] = os.path.join(parent, "plainfile", "data")
            blocker.append(cfg["system"]["data_dir"])

        res = self.run_with_config(mutate, expect_code=None)
        self.assertNotEqual(res.returncode, 0, res.stderr)
        self.assertIn(blocker[0], res.stderr, "the message does not name the data dir")

    def test_data_dir_is_a_regular_file(self):
        blocker = []

        def mutate(cfg):
            path = cfg["system"]["data_dir"]
            with open(path, "w") as f:
                f.write("not a directory\n")
            blocker.append(path)

        res = self.run_with_config(mutate, expect_code=None)
        self.assertNotEqual(res.returncode, 0, res.stderr)
        self.assertIn(blocker[0], res.stderr)
        with open(blocker[0]) as f:
            self.assertEqual(f.read(), "not a directory\n", "aio overwrote a file it was given")


@aio_only
class StartupConflictTest(ServerTestCase):
    """Mistakes an operator makes with a valid config: a busy port, a data dir already in use."""

    def test_port_in_use(self):
        server = self.start_server(start=False)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
            busy.bind(("127.0.0.1", server.etcd_port))
            busy.listen(1)
            try:
                res = run_aio(["--config", server.config_path], timeout=10)
            except subprocess.TimeoutExpired:
                self.fail("aio kept running without its etcd listener")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(str(server.etcd_port), res.stderr)

    def test_second_process_on_the_same_data_dir(self):
        first = self.start_server()
        first.etcdctl_ok("put", "/owner/k", "first")
        second = self.start_server(start=False,
                                   config={"system.data_dir": first.data_dir})
        try:
            res = run_aio(["--config", second.config_path], timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("a second aio started on a data dir that is in use")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(first.data_dir, res.stderr)
        self.assertEqual(first.etcdctl_ok("get", "/owner/k"), "/owner/k\nfirst\n")
        first.restart()
        self.assertEqual(first.etcdctl_ok("get", "/owner/k"), "/owner/k\nfirst\n")



if __name__ == "__main__":
    unittest.main()
