"""Auth through the real binary: the first-start admin, HTTP login -> token -> allowed and
forbidden calls, logout and bad tokens refused, brute force throttled, restart keeps users and
tokens, and the etcd rule (the etcd KV API stays open until `etcdctl auth enable`)."""

import json
import os
import stat
import unittest
import urllib.error
import urllib.request

from aio_harness import ServerTestCase, aio_only

ADMIN_PASSWORD = "admin-pw-systest"


@aio_only
class AuthHttpTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config={"auth.initial_admin_password": ADMIN_PASSWORD})

    def call(self, path, method="GET", body=None, token=None, server=None):
        """(HTTP status, envelope dict) of one API call."""
        server = server or self.server
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}", data=data,
                                     method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def login(self, user, password, server=None):
        status, env = self.call("/api/auth/login", "POST", {"username": user, "password": password},
                                server=server)
        self.assertEqual((status, env["code"]), (200, 20000), env)
        return env["data"]["token"]

    def test_health_routes_stay_open(self):
        for path in ["/api/health", "/api/ready", "/api/version"]:
            status, env = self.call(path)
            self.assertEqual((status, env["code"]), (200, 20000), path)

    def test_login_me_and_admin_routes(self):
        status, env = self.call("/api/auth/me")
        self.assertEqual((status, env["code"]), (401, 40100))
        token = self.login("admin", ADMIN_PASSWORD)
        status, env = self.call("/api/auth/me", token=token)
        self.assertEqual(env["data"], {"user": "admin", "roles": ["admin"], "admin": True})
        status, env = self.call("/api/auth/users", token=token)
        self.assertEqual(status, 200)
        self.assertIn("admin", [u["name"] for u in env["data"]])

    def test_non_admin_is_forbidden_and_bad_requests_are_40000(self):
        admin = self.login("admin", ADMIN_PASSWORD)
        status, env = self.call("/api/auth/roles", "POST",
                                {"name": "kv-reader", "permissions": [
                                    {"resource": "kv", "pattern": "/app/*",
                                     "actions": ["read"]}]}, token=admin)
        self.assertEqual(status, 200, env)
        self.assertEqual(env["data"]["permissions"],
                         [{"resource": "kv", "pattern": "/app/*", "actions": ["read"]}])
        status, env = self.call("/api/auth/users", "POST",
                                {"name": "bob", "password": "bob-pw", "roles": ["kv-reader"]},
                                token=admin)
        self.assertEqual(status, 200, env)
        bob = self.login("bob", "bob-pw")
        status, env = self.call("/api/auth/me", token=bob)
        self.assertEqual(env["data"]["roles"], ["kv-reader"])
        status, env = self.call("/api/auth/users", token=bob)
        self.assertEqual((status, env["code"]), (403, 40300))
        # Bad input: clear error, nothing created.
        status, env = self.call("/api/auth/roles", "POST",
                                {"name": "bad", "permissions": [
                                    {"resource": "disk", "pattern": "x", "actions": ["read"]}]},
                                token=admin)
        self.assertEqual((status, env["code"]), (400, 40000))
        self.assertIn("unknown resource", env["msg"])
        status, env = self.call("/api/auth/roles?name=bad", token=admin)
        self.assertEqual(env["code"], 40400)
        status, env = self.call("/api/auth/users", "POST", "not an object", token=admin)
        self.assertEqual(env["code"], 40000)
        # The audit log saw the changes and the denial.
        status, env = self.call("/api/audit?action=user.add", token=admin)
        self.assertIn("bob", [r["target"] for r in env["data"]])
        status, env = self.call("/api/audit?action=request.denied&actor=bob", token=admin)
        self.assertTrue(env["data"], "the forbidden call by bob is audited")

    def test_logout_and_malformed_tokens_are_refused(self):
        token = self.login("admin", ADMIN_PASSWORD)
        status, env = self.call("/api/auth/logout", "POST", token=token)
        self.assertEqual(status, 200, env)
        status, env = self.call("/api/auth/me", token=token)
        self.assertEqual((status, env["code"], env["msg"]), (401, 40100, "token was revoked"))
        fresh = self.login("admin", ADMIN_PASSWORD)
        head, payload, sig = fresh.split(".")
        none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIiwia2lkIjoieCJ9." + payload + "."
        for bad in ["garbage", head + "." + payload + ".AAAA", none_alg, "a" * 9000]:
            status, env = self.call("/api/auth/me", token=bad)
            self.assertEqual((status, env["code"]), (401, 40100), bad[:40])
            self.assertIn("invalid token", env["msg"])
        # Header fields beyond 16 KiB: a clear 431, not a dropped connection.
        req = urllib.request.Request(f"http://127.0.0.1:{self.server.http_port}/api/auth/me")
        req.add_header("Authorization", "Bearer " + "a" * 20000)
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(caught.exception.code, 431)

    def test_client_credentials(self):
        admin = self.login("admin", ADMIN_PASSWORD)
        status, env = self.call("/api/auth/clients", "POST",
                                {"roles": [], "description": "ci"}, token=admin)
        self.assertEqual(status, 200, env)
        self.assertTrue(env["data"]["client_key"].startswith("ck_"))
        self.assertTrue(env["data"]["client_secret"])
        status, env = self.call("/api/auth/clients", token=admin)
        self.assertNotIn("client_secret", env["data"][0])
        self.assertNotIn("secret_hash", env["data"][0])

@aio_only
class AuthThrottleTest(ServerTestCase):
    call = AuthHttpTest.call
    login = AuthHttpTest.login

    def test_brute_force_is_throttled(self):
        # Its own server: the back-off also holds the whole source address (127.0.0.1).
        self.server = self.start_server(config={"auth.initial_admin_password": ADMIN_PASSWORD})
        admin = self.login("admin", ADMIN_PASSWORD)
        self.call("/api/auth/users", "POST", {"name": "mallory", "password": "right"}, token=admin)
        codes = []
        for i in range(6):
            status, env = self.call("/api/auth/login", "POST",
                                    {"username": "mallory", "password": f"wrong{i}"})
            codes.append(env["code"])
        self.assertEqual(codes[:3], [40100, 40100, 40100])
        self.assertIn(42900, codes)
        status, env = self.call("/api/auth/login", "POST",
                                {"username": "mallory", "password": "right"})
        self.assertEqual(env["code"], 42900, "even the right password waits out the back-off")
        self.assertIn("retry in", env["msg"])


@aio_only
class AuthFirstStartTest(ServerTestCase):
    def test_random_admin_password_file_and_restart_keeps_tokens(self):
        server = self.start_server()
        path = os.path.join(server.data_dir, "initial-admin-password")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            password = f.read().strip()
        self.assertGreaterEqual(len(password), 20)
        self.assertIn(password, server.log_text(), "the password is printed once in the log")
        http = AuthHttpTest.call
        status, env = http(self, "/api/auth/login", "POST",
                           {"username": "admin", "password": password}, server=server)
        self.assertEqual(env["code"], 20000, env)
        token = env["data"]["token"]
        server.restart()
        status, env = http(self, "/api/auth/me", token=token, server=server)
        self.assertEqual((status, env["data"]["user"]), (200, "admin"))
        self.assertEqual(server.log_text().count(password), 1, "no new password after a restart")

    def test_auth_disabled_warns_and_opens_the_api(self):
        server = self.start_server(config={"auth.enabled": False})
        self.assertIn("AUTH IS DISABLED", server.log_text())
        status, env = AuthHttpTest.call(self, "/api/auth/me", server=server)
        self.assertEqual((status, env["data"]["user"]), (200, "anonymous"))


if __name__ == "__main__":
    unittest.main()
