"""etcd's Auth service through the real binary and etcdctl 3.4: users and roles managed with
`etcdctl user|role` (they are AIO's users and roles), `auth enable` (needs a `root` user, as etcd),
then `--user name:password` requests checked against the user's key-range permissions with etcd's
error texts, requests without credentials refused, and `auth disable` opening the KV API again."""

import json
import unittest
import urllib.error
import urllib.request

from aio_harness import ServerTestCase, aio_only

ADMIN_PASSWORD = "admin-pw-etcd-systest"
ADMIN = f"--user=admin:{ADMIN_PASSWORD}"


@aio_only
class EtcdAuthTest(ServerTestCase):
    def start(self):
        return self.start_server(config={"auth.initial_admin_password": ADMIN_PASSWORD})

    def fails_with(self, server, text, *args, **kwargs):
        res = server.etcdctl(*args, **kwargs)
        self.assertNotEqual(res.returncode, 0, f"etcdctl {args} succeeded: {res.stdout}")
        self.assertIn(text, res.stderr, f"etcdctl {args}")

    def test_users_and_roles_through_etcdctl(self):
        server = self.start()
        # AIO's users reach every protocol, so managing them needs an AIO admin even before
        # `auth enable`.
        self.fails_with(server, "etcdserver: user name is empty", "user", "add", "eve:eve-pw")
        self.assertIn("User alice created",
                      server.etcdctl_ok(ADMIN, "user", "add", "alice:alice-pw"))
        self.fails_with(server, "etcdserver: user name already exists",
                        ADMIN, "user", "add", "alice:other")
        self.assertIn("Role app created", server.etcdctl_ok(ADMIN, "role", "add", "app"))
        self.fails_with(server, "etcdserver: role name already exists", ADMIN, "role", "add", "app")
        server.etcdctl_ok(ADMIN, "role", "grant-permission", "app", "readwrite", "/app/",
                          "--prefix")
        server.etcdctl_ok(ADMIN, "role", "grant-permission", "app", "read", "/shared")
        perms = server.etcdctl_json(ADMIN, "role", "get", "app")["perm"]
        self.assertEqual(len(perms), 2, perms)
        self.assertIn("Role app is granted to user alice",
                      server.etcdctl_ok(ADMIN, "user", "grant-role", "alice", "app"))
        self.assertIn("Roles: app", server.etcdctl_ok(ADMIN, "user", "get", "alice"))
        users = server.etcdctl_ok(ADMIN, "user", "list").split()
        self.assertIn("alice", users)
        self.assertIn("admin", users)
        self.assertIn("app", server.etcdctl_ok(ADMIN, "role", "list").split())
        self.fails_with(server, "etcdserver: user name not found", ADMIN, "user", "get", "nobody")
        self.fails_with(server, "etcdserver: role name not found", ADMIN, "role", "get", "nope")
        self.fails_with(server, "etcdserver: role name not found",
                        ADMIN, "user", "grant-role", "alice", "nope")
        # The same user is an AIO user: it logs in over HTTP with its etcd password.
        self.assertEqual(self.http_login(server, "alice", "alice-pw"), 200)
        server.etcdctl_ok(ADMIN, "user", "passwd", "alice", "--interactive=false",
                          input="alice-pw2\n")
        self.assertEqual(self.http_login(server, "alice", "alice-pw2"), 200)
        server.etcdctl_ok(ADMIN, "role", "revoke-permission", "app", "/shared")
        self.assertEqual(len(server.etcdctl_json(ADMIN, "role", "get", "app")["perm"]), 1)
        self.fails_with(server, "etcdserver: permission is not granted to the role",
                        ADMIN, "role", "revoke-permission", "app", "/shared")
        server.etcdctl_ok(ADMIN, "user", "revoke-role", "alice", "app")
        self.assertNotIn("app", server.etcdctl_ok(ADMIN, "user", "get", "alice"))
        server.etcdctl_ok(ADMIN, "role", "delete", "app")
        server.etcdctl_ok(ADMIN, "user", "delete", "alice")
        self.fails_with(server, "etcdserver: user name not found", ADMIN, "user", "get", "alice")

    def http_login(self, server, user, password):
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.http_port}/api/auth/login", method="POST",
            data=json.dumps({"username": user, "password": password}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    def test_auth_enable_checks_kv_requests(self):
        server = self.start()
        # Open until `auth enable`, as etcd.
        server.etcdctl_ok("put", "/other/k", "before")
        self.fails_with(server, "etcdserver: root user does not exist", ADMIN, "auth", "enable")
        server.etcdctl_ok(ADMIN, "user", "add", "root:root-pw")
        server.etcdctl_ok(ADMIN, "role", "add", "app")
        server.etcdctl_ok(ADMIN, "role", "grant-permission", "app", "readwrite", "/app/",
                          "--prefix")
        server.etcdctl_ok(ADMIN, "user", "add", "alice:alice-pw")
        server.etcdctl_ok(ADMIN, "user", "grant-role", "alice", "app")
        self.assertIn("Authentication Enabled", server.etcdctl_ok(ADMIN, "auth", "enable"))
        self.assertIn("Roles: root", server.etcdctl_ok("--user=root:root-pw", "user", "get",
                                                        "root"))

        alice = "--user=alice:alice-pw"
        server.etcdctl_ok(alice, "put", "/app/k", "v1")
        self.assertEqual(server.etcdctl_ok(alice, "get", "/app/k", "--print-value-only").strip(),
                         "v1")
        self.assertIn("/app/k", server.etcdctl_ok(alice, "get", "/app/", "--prefix"))
        self.fails_with(server, "etcdserver: permission denied", alice, "put", "/other/k", "x")
        self.fails_with(server, "etcdserver: permission denied", alice, "get", "/other/k")
        self.fails_with(server, "etcdserver: permission denied", alice, "get", "", "--prefix")
        self.fails_with(server, "etcdserver: permission denied", alice, "del", "/other/k")
        self.fails_with(server, "etcdserver: permission denied", alice, "txn",
                        input='value("/app/k") = "v1"\n\nput /other/k y\n\nput /app/k z\n\n')
        server.etcdctl_ok(alice, "txn",
                          input='value("/app/k") = "v1"\n\nput /app/t y\n\nput /app/k z\n\n')
        self.assertEqual(server.etcdctl_ok(alice, "get", "/app/t", "--print-value-only").strip(),
                         "y")
        self.fails_with(server, "etcdserver: permission denied", alice, "compaction", "1")
        # A watch on keys the user may not read is refused as etcd does (created and canceled).
        res = server.etcdctl(alice, "watch", "/other/k", timeout=10)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("etcdserver: permission denied", res.stderr + res.stdout)
        # Management is root's (admin's).
        self.fails_with(server, "etcdserver: permission denied", alice, "user", "add", "x:y")
        self.fails_with(server, "etcdserver: permission denied", alice, "auth", "disable")
        # No credentials, bad credentials.
        self.fails_with(server, "etcdserver: user name is empty", "get", "/app/k")
        self.fails_with(server, "etcdserver: user name is empty", "put", "/app/k", "x")
        self.fails_with(server, "etcdserver: authentication failed, invalid user ID or password",
                        "--user=alice:wrong", "get", "/app/k")
        # root and AIO's admin may do everything.
        self.assertEqual(
            server.etcdctl_ok("--user=root:root-pw", "get", "/other/k",
                              "--print-value-only").strip(), "before")
        server.etcdctl_ok(ADMIN, "put", "/other/k", "by-admin")

        self.assertIn("Authentication Disabled",
                      server.etcdctl_ok("--user=root:root-pw", "auth", "disable"))
        server.etcdctl_ok("put", "/other/k", "after")
        self.assertEqual(server.etcdctl_ok("get", "/other/k", "--print-value-only").strip(),
                         "after")

    def test_auth_enabled_survives_restart(self):
        server = self.start()
        server.etcdctl_ok(ADMIN, "user", "add", "root:root-pw")
        server.etcdctl_ok(ADMIN, "auth", "enable")
        server.restart()
        self.fails_with(server, "etcdserver: user name is empty", "get", "k")
        server.etcdctl_ok("--user=root:root-pw", "put", "k", "v")


if __name__ == "__main__":
    unittest.main()
