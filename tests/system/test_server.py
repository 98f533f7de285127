"""The binary as an operator meets it: CLI flags, config forms, HTTP API envelopes, /metrics,
startup logs, both etcd listeners, env overrides and signal handling."""

import json
import os
import re
import signal
import socket
import time
import unittest

from aio_harness import (ServerTestCase, aio_only, free_ports, port_accepts, run_aio,
                         wait_until)

VERSION_RE = re.compile(r"\d+\.\d+\.\d+")


@aio_only
class CliTest(ServerTestCase):
    def test_version(self):
        res = run_aio(["--version"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertRegex(res.stdout, VERSION_RE)
        single = run_aio(["-version"])  # the seed README's spelling
        self.assertEqual(single.returncode, 0, single.stderr)
        self.assertEqual(single.stdout, res.stdout)

    def test_help(self):
        res = run_aio(["--help"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("--config", res.stdout)
        self.assertIn("--version", res.stdout)

    def test_unknown_flag_is_a_usage_error(self):
        res = run_aio(["--no-such-flag"])
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("no-such-flag", res.stdout + res.stderr)


@aio_only
class RunningServerTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def envelope(self, path):
        status, ctype, body = self.server.http(path)
        self.assertEqual(status, 200, body)
        self.assertIn("application/json", ctype)
        doc = json.loads(body)
        self.assertEqual(doc.get("code"), 20000, doc)
        self.assertEqual(doc.get("msg"), "success", doc)
        self.assertIn("data", doc)
        return doc["data"]

    def test_health_ready_version(self):
        self.envelope("/api/health")
        self.envelope("/api/ready")
        data = self.envelope("/api/version")
        version = VERSION_RE.search(run_aio(["--version"]).stdout).group(0)
        self.assertIn(version, json.dumps(data))

    def test_unknown_route_is_an_error_envelope(self):
        status, _, body = self.server.http("/api/no/such/route")
        self.assertEqual(status, 404, body)
        doc = json.loads(body)
        self.assertNotEqual(doc.get("code"), 20000, doc)
        self.assertTrue(doc.get("msg"), doc)

    def test_metrics(self):
        self.server.etcdctl_ok("put", "/metrics/k", "v")
        status, ctype, body = self.server.http("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", ctype)
        names = set()
        for line in body.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( \d+)?$", line)
            self.assertIsNotNone(m, f"not Prometheus text format: {line!r}")
            float(m.group(3))  # the sample value parses as a number
            names.add(m.group(1))
        self.assertTrue(any(n.startswith("aio_store_") for n in names), sorted(names))
        self.assertTrue(any(n.startswith("process_") for n in names), sorted(names))
        self.assertRegex(body, r"(?m)^# TYPE aio_store_\w+ (counter|gauge|histogram|summary)$")

    def test_one_log_line_per_listener(self):
        log = self.server.log_text()
        for what, port in [("http", self.server.http_port), ("etcd", self.server.etcd_port),
                           ("protocol", self.server.protocol_port)]:
            lines = [l for l in log.splitlines()
                     if re.search(rf"[:\s]{port}\b", l) and "harness" not in l]
            self.assertGreaterEqual(len(lines), 1, f"no log line names the {what} listener on "
                                                   f"{port}:\n{log}")

    def test_second_listener_serves_the_same_store(self):
        srv = self.server
        self.assertEqual(srv.etcdctl_ok("put", "/two/k", "via-protocol-port",
                                        port=srv.protocol_port), "OK\n")
        self.assertEqual(srv.etcdctl_ok("get", "/two/k"), "/two/k\nvia-protocol-port\n")
        client = srv.client(port=srv.protocol_port)
        self.assertEqual(client.get("/two/k")[0], b"via-protocol-port")

    def test_data_dir_holds_the_store(self):
        self.assertTrue(os.path.isdir(self.server.data_dir))
        self.assertNotEqual(os.listdir(self.server.data_dir), [])


@aio_only
class LifecycleTest(ServerTestCase):
    def test_sigterm_exits_zero_within_5s_with_open_streams(self):
        server = self.start_server()
        for _ in range(3):  # open Watch streams must not hold the shutdown
            server.etcdctl_popen("watch", "--prefix", "/")
        keepalive_lease = re.match(r"lease ([0-9a-f]+)",
                                   server.etcdctl_ok("lease", "grant", "30")).group(1)
        server.etcdctl_popen("lease", "keep-alive", keepalive_lease)
        server.etcdctl_ok("put", "/sig/k", "v")
        time.sleep(0.3)  # let the streams get established
        rc, took = server.terminate(signal.SIGTERM, timeout=10)
        self.assertEqual(rc, 0, server.log_tail())
        self.assertLess(took, 5.0)
        self.assertFalse(port_accepts(server.etcd_port))
        self.assertFalse(port_accepts(server.http_port))
        # Whether the watchers resume after a restart: test_durability.

    def test_sigint_exits_zero_within_5s(self):
        server = self.start_server()
        server.etcdctl_ok("put", "/sig/k", "v")
        rc, took = server.terminate(signal.SIGINT, timeout=10)
        self.assertEqual(rc, 0, server.log_tail())
        self.assertLess(took, 5.0)

    def test_config_directory_form_with_single_dash(self):
        server = self.start_server(start=False)
        server.config_arg = ["-config", server.tmp]  # the directory holding aio.yaml
        server.start()
        self.assertEqual(server.etcdctl_ok("put", "/dir/k", "v"), "OK\n")
        self.assertEqual(server.etcdctl_ok("get", "/dir/k"), "/dir/k\nv\n")

    def test_env_override_of_etcd_port(self):
        server = self.start_server(start=False)
        configured = server.etcd_port
        (override,) = free_ports(1)
        server.env["AIO_STORE_ETCD_COMPAT_PORT"] = str(override)
        server.etcd_port = override
        # Hold the configured port (bound, not listening) so no parallel test takes it: an aio
        # that ignored the override would fail to bind it and not start.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
            held.bind(("127.0.0.1", configured))
            server.start()
            self.assertEqual(server.etcdctl_ok("put", "/env/k", "v"), "OK\n")
            self.assertFalse(port_accepts(configured), "the configured port is served")

    def test_logger_file(self):
        server = self.start_server(start=False)
        path = os.path.join(server.tmp, "logs", "aio.log")
        server.overrides["logger.file"] = path
        server.write_config()
        server.start()
        server.etcdctl_ok("put", "/log/k", "v")
        self.assertTrue(os.path.isfile(path), "logger.file was not created")

        def logged():
            with open(path) as f:
                return str(server.etcd_port) in f.read()

        # Lines may be buffered briefly, but a tail -f must see the listeners within seconds.
        wait_until(logged, timeout=5, message=f"the etcd listener's line in {path}")


if __name__ == "__main__":
    unittest.main()
