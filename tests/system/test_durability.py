"""Durability: every acknowledged write survives kill -9; a restart keeps the revision counter,
MVCC history, the compaction point and leases."""

import re
import threading
import time
import unittest

from aio_harness import ServerTestCase, unb64, wait_until
from watch_reader import WatchReader

WRITERS = 4
WRITE_SECONDS = 2.0


class Writer(threading.Thread):
    """Writes its own keys until stopped or the server dies; records what was acknowledged.

    Every third step also deletes its previous key. acked[key] = (value or None, revision) for
    the last acknowledged operation on the key; `uncertain` is the key whose request was in
    flight when the connection broke (it may or may not have been applied).
    """

    def __init__(self, server, index, stop):
        super().__init__(daemon=True)
        self.client = server.client(timeout=5)
        self.index = index
        self.stop = stop
        self.acked = {}
        self.uncertain = None
        self.error = None

    def run(self):
        n = 0
        while not self.stop.is_set():
            key = f"/dur/w{self.index}/{n:06d}"
            value = f"value-{self.index}-{n}"
            try:
                self.uncertain = key
                rev = self.client.put(key, value).header.revision
                self.acked[key] = (value, rev)
                if n % 3 == 2:
                    victim = f"/dur/w{self.index}/{n - 1:06d}"
                    self.uncertain = victim
                    resp = self.client.delete(victim, return_response=True)
                    if resp.deleted != 1:
                        self.error = f"delete of {victim} deleted {resp.deleted} keys"
                        return
                    self.acked[victim] = (None, resp.header.revision)
                self.uncertain = None
            except Exception as err:  # noqa: BLE001 - the server is killed under us
                self.error = err
                return
            n += 1


class DurabilityTest(ServerTestCase):
    def etcd_kv(self, server, key, *args):
        """(value, mod_revision, create_revision, version) or None."""
        out = server.etcdctl_json("get", key, *args)
        kvs = out.get("kvs") or []
        if not kvs:
            return None
        kv = kvs[0]
        return unb64(kv.get("value")), kv["mod_revision"], kv["create_revision"], kv["version"]

    def lease_grant(self, server, ttl):
        out = server.etcdctl_ok("lease", "grant", ttl)
        return re.match(r"lease ([0-9a-f]+) granted", out).group(1)

    def put_rev(self, server, key, value, *flags):
        return int(server.etcdctl_json("put", key, value, *flags)["header"]["revision"])

    def test_kill9_keeps_every_acknowledged_write(self):
        server = self.start_server()
        long_lease = self.lease_grant(server, 60)
        short_lease = self.lease_grant(server, 5)
        server.etcdctl_ok("put", f"--lease={long_lease}", "/dur/lease/long", "L")
        server.etcdctl_ok("put", f"--lease={short_lease}", "/dur/lease/short", "S")
        h1 = self.put_rev(server, "/dur/hist", "h1")
        h2 = self.put_rev(server, "/dur/hist", "h2")
        server.etcdctl_ok("compaction", h2)

        stop = threading.Event()
        writers = [Writer(server, i, stop) for i in range(WRITERS)]
        for w in writers:
            w.start()
        time.sleep(WRITE_SECONDS)
        for w in writers:  # the writers are still going when the server dies
            self.assertIsNone(w.error, f"writer {w.index} failed before the kill: {w.error}")
        server.kill()
        stop.set()
        for w in writers:
            w.join(timeout=15)
            self.assertFalse(w.is_alive(), "a writer hung after the server was killed")

        acked = {}
        uncertain = set()
        for w in writers:
            acked.update(w.acked)
            if w.uncertain:
                uncertain.add(w.uncertain)
        self.assertGreaterEqual(len(acked), 20, "too few acknowledged writes to mean anything")
        all_revs = [rev for w in writers for (_, rev) in w.acked.values()]
        self.assertEqual(len(all_revs), len(set(all_revs)), "two writes got the same revision")
        max_acked = max(all_revs)

        server.start()
        client = server.client()
        stored = {m.key.decode(): (v.decode(), m.mod_revision, m.create_revision, m.version)
                  for v, m in client.get_prefix("/dur/w")}
        lost, wrong = [], []
        for key, (value, rev) in sorted(acked.items()):
            if key in uncertain:
                continue
            got = stored.get(key)
            if value is None:
                if got is not None:
                    wrong.append((key, "deleted at", rev, "but present", got))
            elif got is None:
                lost.append((key, rev))
            elif got != (value, rev, rev, 1):
                wrong.append((key, (value, rev, rev, 1), got))
        self.assertEqual(lost, [], f"{len(lost)} acknowledged puts lost after kill -9")
        self.assertEqual(wrong, [], "keys differ from what was acknowledged")
        # Nothing appeared that no writer tried to write.
        for key, (value, *_rest) in stored.items():
            self.assertTrue(key in acked or key in uncertain, f"unexpected key {key}={value}")

        self.assertGreaterEqual(server.revision(), max_acked)
        new_rev = client.put("/dur/after", "x").header.revision
        self.assertGreater(new_rev, max_acked, "the revision counter went backwards")

        # History, compaction point and leases made before the crash.
        self.assertEqual(self.etcd_kv(server, "/dur/hist", "--rev", h2)[0], "h2")
        self.assertEtcdctlFails(server.etcdctl("get", "/dur/hist", "--rev", h1),
                                "required revision has been compacted")
        ttl = server.etcdctl_json("lease", "timetolive", long_lease, "--keys")
        self.assertEqual([unb64(k) for k in ttl["keys"]], ["/dur/lease/long"])
        self.assertGreater(ttl["ttl"], 0)
        # The short lease still expires after the restart and takes its key with it.
        wait_until(lambda: self.etcd_kv(server, "/dur/lease/short") is None, timeout=15,
                   message="the 5 s lease's key to be deleted after the restart")
        self.assertEqual(self.etcd_kv(server, "/dur/lease/long")[0], "L")

        # A second crash right after an acknowledged write.
        last = client.put("/dur/last", "z").header.revision
        server.kill()
        server.start()
        self.assertEqual(self.etcd_kv(server, "/dur/last"), ("z", last, last, 1))
        self.assertGreater(self.put_rev(server, "/dur/after2", "y"), last)

    def test_graceful_restart_keeps_revision_history_compaction_and_leases(self):
        server = self.start_server()
        r1 = self.put_rev(server, "/gr/k", "v1")
        r2 = self.put_rev(server, "/gr/k", "v2")
        r3 = self.put_rev(server, "/gr/k", "v3")
        server.etcdctl_ok("del", "/gr/k")
        self.put_rev(server, "/gr/k", "v4")
        server.etcdctl_ok("compaction", r2)
        lease = self.lease_grant(server, 30)
        server.etcdctl_ok("put", f"--lease={lease}", "/gr/leased/a", "1")
        server.etcdctl_ok("put", f"--lease={lease}", "/gr/leased/b", "2")
        before = server.revision()
        ttl_before = server.etcdctl_json("lease", "timetolive", lease)["ttl"]

        server.restart(graceful=True)

        self.assertEqual(server.revision(), before)
        self.assertEqual(self.etcd_kv(server, "/gr/k")[0], "v4")
        self.assertEqual(self.etcd_kv(server, "/gr/k", "--rev", r2), ("v2", r2, r1, 2))
        self.assertEqual(self.etcd_kv(server, "/gr/k", "--rev", r3), ("v3", r3, r1, 3))
        self.assertIsNone(self.etcd_kv(server, "/gr/k", "--rev", r3 + 1))  # deleted there
        self.assertEtcdctlFails(server.etcdctl("get", "/gr/k", "--rev", r1),
                                "required revision has been compacted")
        self.assertEtcdctlFails(server.etcdctl("compaction", r2),
                                "required revision has been compacted")

        self.assertIn(lease, server.etcdctl_ok("lease", "list").split("\n")[1:])
        ttl = server.etcdctl_json("lease", "timetolive", lease, "--keys")
        self.assertEqual(ttl["granted-ttl"], 30)
        self.assertTrue(0 < ttl["ttl"] <= 30, ttl)
        self.assertGreaterEqual(ttl["ttl"], ttl_before - 5, "remaining TTL shrank over restart")
        self.assertEqual(sorted(unb64(k) for k in ttl["keys"]), ["/gr/leased/a", "/gr/leased/b"])
        self.assertEqual(server.etcdctl_ok("lease", "keep-alive", "--once", lease),
                         f"lease {lease} keepalived with TTL(30)\n")

        self.assertEqual(self.put_rev(server, "/gr/next", "n"), before + 1)
        server.etcdctl_ok("lease", "revoke", lease)
        self.assertEqual(server.etcdctl_json("get", "--prefix", "/gr/leased/").get("count", 0), 0)

    def test_watchers_resume_across_a_restart(self):
        """clientv3 (etcdctl) reconnects after a restart and resumes from its last revision."""
        server = self.start_server()
        first = self.put_rev(server, "/resume/k", "before")
        watches = [WatchReader(server.etcdctl_popen("watch", "--rev", first, "--prefix",
                                                    "/resume/", "-w", "json"))
                   for _ in range(3)]
        for watch in watches:
            watch.wait_for_key("/resume/k")
        server.restart(graceful=True)
        after = self.put_rev(server, "/resume/after", "restart")
        for i, watch in enumerate(watches):
            events = watch.wait_for_key("/resume/after", timeout=15)
            self.assertEqual([(e["key"], e["mod_revision"]) for e in events],
                             [("/resume/k", first), ("/resume/after", after)],
                             f"watcher {i}")


if __name__ == "__main__":
    unittest.main()
