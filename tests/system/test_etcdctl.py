"""etcdctl 3.4 (Debian etcd-client), unmodified, against one aio server: KV, txn, watch, leases,
compaction and the maintenance commands. Each test works under its own key prefix and asserts on
revisions it produced itself, so the tests do not depend on each other's order."""

import re
import time
import unittest

from aio_harness import ServerTestCase, b64, unb64, wait_until
from watch_reader import WatchReader


class EtcdctlTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    # --- helpers ---------------------------------------------------------------------------
    def put(self, key, value, *flags):
        """etcdctl put; returns the revision of the write (header of -w json)."""
        out = self.server.etcdctl_json("put", key, value, *flags)
        return int(out["header"]["revision"])

    def get_json(self, *args):
        return self.server.etcdctl_json("get", *args)

    def kvs(self, *args):
        """[(key, value)] of etcdctl get <args>."""
        return [(unb64(kv["key"]), unb64(kv.get("value"))) for kv in
                self.get_json(*args).get("kvs") or []]

    def lease_grant(self, ttl):
        out = self.server.etcdctl_ok("lease", "grant", str(ttl))
        m = re.match(r"lease ([0-9a-f]+) granted with TTL\((\d+)s\)", out)
        self.assertIsNotNone(m, f"unexpected lease grant output: {out!r}")
        self.assertEqual(int(m.group(2)), ttl)
        return m.group(1)

    # --- KV --------------------------------------------------------------------------------
    def test_put_get_value_and_revisions(self):
        srv = self.server
        self.assertEqual(srv.etcdctl_ok("put", "/pg/k", "v1"), "OK\n")
        self.assertEqual(srv.etcdctl_ok("get", "/pg/k"), "/pg/k\nv1\n")
        first = self.get_json("/pg/k")
        self.assertEqual(first["count"], 1)
        kv = first["kvs"][0]
        self.assertEqual((kv["key"], kv["value"]), (b64("/pg/k"), b64("v1")))
        self.assertEqual(kv["version"], 1)
        self.assertEqual(kv["create_revision"], kv["mod_revision"])
        self.assertEqual(first["header"]["revision"], kv["mod_revision"])

        rev2 = self.put("/pg/k", "v2")
        self.assertGreater(rev2, kv["mod_revision"])
        second = self.get_json("/pg/k")["kvs"][0]
        self.assertEqual(unb64(second["value"]), "v2")
        self.assertEqual(second["version"], 2)
        self.assertEqual(second["create_revision"], kv["create_revision"])
        self.assertEqual(second["mod_revision"], rev2)

        # Each write is exactly one revision.
        self.assertEqual(self.put("/pg/other", "x"), rev2 + 1)
        self.assertEqual(srv.etcdctl_ok("get", "/pg/k", "--print-value-only"), "v2\n")
        # A missing key is an empty result, not an error.
        self.assertEqual(srv.etcdctl_ok("get", "/pg/missing"), "")
        self.assertEqual(self.get_json("/pg/missing").get("count", 0), 0)
        # put --prev-kv returns the value it replaced.
        out = srv.etcdctl_ok("put", "--prev-kv", "/pg/k", "v3")
        self.assertEqual(out, "OK\n/pg/k\nv2\n")
        # A serializable read answers the same.
        self.assertEqual(srv.etcdctl_ok("get", "/pg/k", "--consistency=s"), "/pg/k\nv3\n")
        # Binary-safe values with spaces and newlines survive the round trip.
        srv.etcdctl_ok("put", "/pg/multi", input="line one\nline two")
        self.assertEqual(self.kvs("/pg/multi"), [("/pg/multi", "line one\nline two")])

    def test_get_prefix_range_limit_sort_keys_only_from_key(self):
        srv = self.server
        created = {}
        for key, value in [("c", "3"), ("a", "1"), ("d", "4"), ("b", "2")]:
            created[key] = self.put(f"/gr/{key}", value)
        self.put("/gr0", "outside")  # '0' sorts right after '/': next to the prefix, not in it
        self.put("/gq", "before")

        keys = [f"/gr/{k}" for k in "abcd"]
        self.assertEqual(srv.etcdctl_ok("get", "--prefix", "/gr/"),
                         "".join(f"/gr/{k}\n{v}\n" for k, v in zip("abcd", "1234")))
        self.assertEqual(srv.etcdctl_ok("get", "--prefix", "/gr/", "--keys-only"),
                         "".join(f"{k}\n\n" for k in keys))
        keys_only = self.get_json("--prefix", "/gr/", "--keys-only")
        self.assertEqual([unb64(kv["key"]) for kv in keys_only["kvs"]], keys)
        self.assertTrue(all("value" not in kv for kv in keys_only["kvs"]), keys_only)

        # [start, end): end excluded.
        self.assertEqual(self.kvs("/gr/b", "/gr/d"), [("/gr/b", "2"), ("/gr/c", "3")])

        limited = self.get_json("--prefix", "/gr/", "--limit", "2")
        self.assertEqual([unb64(kv["key"]) for kv in limited["kvs"]], keys[:2])
        self.assertTrue(limited.get("more"), limited)
        self.assertEqual(limited["count"], 4)
        whole = self.get_json("--prefix", "/gr/", "--limit", "4")
        self.assertFalse(whole.get("more", False), whole)

        by_create = self.kvs("--prefix", "/gr/", "--sort-by=CREATE", "--order=ASCEND")
        self.assertEqual([k for k, _ in by_create], [f"/gr/{k}" for k in "cadb"])
        by_mod_desc = self.kvs("--prefix", "/gr/", "--sort-by=MODIFY", "--order=DESCEND")
        self.assertEqual([k for k, _ in by_mod_desc], [f"/gr/{k}" for k in "bdac"])
        by_key_desc = self.kvs("--prefix", "/gr/", "--order=DESCEND")
        self.assertEqual([k for k, _ in by_key_desc], keys[::-1])
        by_value = self.kvs("--prefix", "/gr/", "--sort-by=VALUE", "--order=DESCEND")
        self.assertEqual([v for _, v in by_value], ["4", "3", "2", "1"])
        limited_sorted = self.kvs("--prefix", "/gr/", "--sort-by=CREATE", "--order=DESCEND",
                                  "--limit", "1")
        self.assertEqual(limited_sorted, [("/gr/b", "2")])  # the newest one, not the first key

        from_c = [k for k, _ in self.kvs("--from-key", "/gr/c")]
        self.assertEqual(from_c[:3], ["/gr/c", "/gr/d", "/gr0"])
        self.assertNotIn("/gr/a", from_c)
        self.assertNotIn("/gq", from_c)
        self.assertEqual(from_c, sorted(from_c))

    def test_whole_keyspace_listing_and_from_key_delete(self):
        srv = self.server
        for k in ["a", "b", "c"]:
            self.put(f"~zz/{k}", k)  # '~' sorts after every key the other tests write
        # `get "" --prefix` and `get --from-key ""` are how users list everything.
        listed = srv.etcdctl_ok("get", "", "--prefix", "--keys-only").split("\n\n")
        listed = [k for k in listed if k.strip()]
        self.assertEqual(listed, sorted(listed))
        self.assertEqual(listed[-3:], ["~zz/a", "~zz/b", "~zz/c"])
        everything = self.kvs("--from-key", "")
        self.assertEqual([k for k, _ in everything], listed)
        self.assertEqual(srv.etcdctl_ok("del", "--from-key", "~zz/b"), "2\n")
        self.assertEqual(self.kvs("--prefix", "~zz/"), [("~zz/a", "a")])

    def test_large_values_within_default_limits(self):
        srv = self.server
        big = "x" * 1_400_000  # under etcd's default 1.5 MiB request limit
        for i in range(3):
            srv.etcdctl_ok("put", f"/big/{i}", input=big)
        # One response larger than gRPC's 4 MiB default message size.
        out = self.get_json("--prefix", "/big/")
        self.assertEqual([len(unb64(kv["value"])) for kv in out["kvs"]], [len(big)] * 3)
        before = srv.revision()
        self.assertEtcdctlFails(srv.etcdctl("put", "/big/too", input="y" * 1_600_000),
                                "etcdserver: request is too large")
        self.assertEqual(srv.revision(), before)
        srv.etcdctl_ok("del", "--prefix", "/big/")

    def test_get_historical_revisions(self):
        r1 = self.put("/hist/k", "v1")
        r2 = self.put("/hist/k", "v2")
        self.put("/hist/later", "x")
        r3 = int(self.server.etcdctl_json("del", "/hist/k")["header"]["revision"])
        r4 = self.put("/hist/k", "v3")
        self.assertEqual(self.kvs("/hist/k", "--rev", r1), [("/hist/k", "v1")])
        self.assertEqual(self.kvs("/hist/k", "--rev", r2), [("/hist/k", "v2")])
        self.assertEqual(self.kvs("/hist/k", "--rev", r3), [])
        self.assertEqual(self.kvs("/hist/k", "--rev", r4), [("/hist/k", "v3")])
        self.assertEqual(self.kvs("--prefix", "/hist/", "--rev", r2), [("/hist/k", "v2")])
        self.assertEqual(self.kvs("--prefix", "/hist/", "--rev", r3), [("/hist/later", "x")])
        # The key was re-created: a new create_revision and version 1 again.
        kv = self.get_json("/hist/k")["kvs"][0]
        self.assertEqual((kv["create_revision"], kv["version"]), (r4, 1))
        old = self.get_json("/hist/k", "--rev", r2)["kvs"][0]
        self.assertEqual((old["create_revision"], old["mod_revision"], old["version"]),
                         (r1, r2, 2))

    def test_del_count_prefix_range_prev_kv(self):
        srv = self.server
        for k in ["a", "b", "c", "d"]:
            self.put(f"/del/{k}", k.upper())
        self.put("/del0", "outside")
        self.assertEqual(srv.etcdctl_ok("del", "/del/missing"), "0\n")
        self.assertEqual(srv.etcdctl_ok("del", "/del/a"), "1\n")
        self.assertEqual(srv.etcdctl_ok("del", "--prev-kv", "/del/b"), "1\n/del/b\nB\n")
        before = srv.revision()
        out = srv.etcdctl_json("del", "--prefix", "/del/")
        self.assertEqual(out["deleted"], 2)
        self.assertEqual(int(out["header"]["revision"]), before + 1)  # one revision for all
        self.assertEqual(self.kvs("--prefix", "/del/"), [])
        self.assertEqual(self.kvs("/del0"), [("/del0", "outside")])
        # Deleting nothing does not move the revision.
        srv.etcdctl_ok("del", "--prefix", "/del/")
        self.assertEqual(srv.revision(), before + 1)
        # Range delete [start, end).
        for k in ["a", "b", "c"]:
            self.put(f"/del/{k}", k)
        self.assertEqual(srv.etcdctl_ok("del", "/del/a", "/del/c"), "2\n")
        self.assertEqual(self.kvs("--prefix", "/del/"), [("/del/c", "c")])

    # --- txn -------------------------------------------------------------------------------
    def test_txn_success_and_failure_branches(self):
        srv = self.server
        create = self.put("/txn/k", "v")
        script = ('value("/txn/k") = "v"\n'
                  'mod("/txn/k") > "0"\n'
                  'version("/txn/k") = "1"\n'
                  f'create("/txn/k") = "{create}"\n'
                  'create("/txn/absent") = "0"\n'
                  "\n"
                  "put /txn/k v2\n"
                  "put /txn/other x\n"
                  "\n"
                  "put /txn/k wrong\n"
                  "\n")
        before = srv.revision()
        self.assertEqual(srv.etcdctl_ok("txn", input=script), "SUCCESS\n\nOK\n\nOK\n")
        self.assertEqual(self.kvs("--prefix", "/txn/"), [("/txn/k", "v2"), ("/txn/other", "x")])
        # All writes of one txn share one revision.
        self.assertEqual(srv.revision(), before + 1)
        mods = {unb64(kv["key"]): kv["mod_revision"] for kv in
                self.get_json("--prefix", "/txn/")["kvs"]}
        self.assertEqual(mods, {"/txn/k": before + 1, "/txn/other": before + 1})

        # Same compares again: value and version no longer match -> failure branch only.
        out = srv.etcdctl_ok("txn", input=script.replace(
            "put /txn/k wrong\n", "get /txn/k\nput /txn/failed yes\n"))
        self.assertEqual(out, "FAILURE\n\n/txn/k\nv2\n\nOK\n")
        self.assertEqual(self.kvs("--prefix", "/txn/"),
                         [("/txn/failed", "yes"), ("/txn/k", "v2"), ("/txn/other", "x")])

        # Ordering compares, delete inside a txn, -w json.
        res = srv.etcdctl_json("txn", input=('value("/txn/k") > "v1"\n'
                                             'version("/txn/k") < "3"\n'
                                             f'mod("/txn/k") = "{before + 1}"\n'
                                             "\n"
                                             "del /txn/other\n"
                                             "\n\n"))
        self.assertTrue(res.get("succeeded"), res)
        self.assertEqual(self.kvs("/txn/other"), [])
        res = srv.etcdctl_json("txn", input='value("/txn/k") < "v2"\n\nput /txn/k no\n\n\n')
        self.assertFalse(res.get("succeeded", False), res)
        self.assertEqual(self.kvs("/txn/k"), [("/txn/k", "v2")])

    # --- watch -----------------------------------------------------------------------------
    def test_watch_prefix_from_revision_replays_history_then_live_events(self):
        srv = self.server
        r1 = self.put("/w/a", "1")
        r2 = self.put("/w/b", "2")
        self.put("/wx", "outside")
        watch = WatchReader(srv.etcdctl_popen("watch", "--rev", r1, "--prefix", "/w/", "-w",
                                              "json"))
        # The replay proves the watch is established before the live writes.
        watch.wait_for_key("/w/b")
        r3 = self.put("/w/a", "3")
        r4 = int(srv.etcdctl_json("del", "/w/b")["header"]["revision"])
        srv.etcdctl_ok("txn", input="\nput /w/c 5\nput /w/d 6\n\n\n")
        r5 = r4 + 1
        self.put("/wy", "outside")
        r6 = self.put("/w/end", "sentinel")
        events = watch.wait_for_key("/w/end")
        got = [(e["type"], e["key"], e["value"], e["mod_revision"]) for e in events]
        self.assertEqual(got, [
            ("PUT", "/w/a", "1", r1),
            ("PUT", "/w/b", "2", r2),
            ("PUT", "/w/a", "3", r3),
            ("DELETE", "/w/b", "", r4),
            ("PUT", "/w/c", "5", r5),
            ("PUT", "/w/d", "6", r5),
            ("PUT", "/w/end", "sentinel", r6),
        ])
        self.assertEqual([(e["version"], e["create_revision"]) for e in events[:3]],
                         [(1, r1), (1, r2), (2, r1)])

    def test_watch_prev_kv(self):
        srv = self.server
        r1 = self.put("/wp/k", "v1")
        # Starting at r1+1 makes the events independent of when the stream gets established.
        watch = WatchReader(srv.etcdctl_popen("watch", "--prev-kv", "--rev", r1 + 1, "/wp/k",
                                              "-w", "json"))
        self.put("/wp/k", "v2")
        self.put("/wp/k2", "not watched")
        self.put("/wp/k", "v3")
        srv.etcdctl_ok("del", "/wp/k")
        events = watch.wait_for(lambda evs: len(evs) >= 3)
        self.assertEqual([(e["type"], e["value"], e["prev"]) for e in events], [
            ("PUT", "v2", ("/wp/k", "v1")),
            ("PUT", "v3", ("/wp/k", "v2")),
            ("DELETE", "", ("/wp/k", "v3")),
        ])

    # --- leases ----------------------------------------------------------------------------
    def test_lease_grant_attach_keepalive_timetolive_list_revoke(self):
        srv = self.server
        lease = self.lease_grant(60)
        srv.etcdctl_ok("put", f"--lease={lease}", "/lease/a", "1")
        srv.etcdctl_ok("put", f"--lease={lease}", "/lease/b", "2")
        srv.etcdctl_ok("put", "/lease/c", "3")
        self.assertEqual(self.get_json("/lease/a")["kvs"][0]["lease"], int(lease, 16))
        self.assertNotIn("lease", self.get_json("/lease/c")["kvs"][0])

        ttl = srv.etcdctl_json("lease", "timetolive", lease, "--keys")
        self.assertEqual(ttl["granted-ttl"], 60)
        self.assertTrue(50 <= ttl["ttl"] <= 60, ttl)
        self.assertEqual(sorted(unb64(k) for k in ttl["keys"]), ["/lease/a", "/lease/b"])
        text = srv.etcdctl_ok("lease", "timetolive", lease, "--keys")
        m = re.match(rf"^lease {lease} granted with TTL\(60s\), remaining\(\d+s\), "
                     r"attached keys\(\[(.*)\]\)\n$", text)
        self.assertIsNotNone(m, text)
        self.assertEqual(sorted(m.group(1).split(" ")), ["/lease/a", "/lease/b"])  # any order

        listed = srv.etcdctl_ok("lease", "list").split("\n")
        self.assertRegex(listed[0], r"^found \d+ leases$")
        self.assertIn(lease, listed[1:])

        self.assertEqual(srv.etcdctl_ok("lease", "keep-alive", "--once", lease),
                         f"lease {lease} keepalived with TTL(60)\n")

        before = srv.revision()
        self.assertEqual(srv.etcdctl_ok("lease", "revoke", lease), f"lease {lease} revoked\n")
        self.assertEqual(self.kvs("--prefix", "/lease/"), [("/lease/c", "3")])
        self.assertGreater(srv.revision(), before)  # the deletes are writes
        self.assertEqual(srv.etcdctl_ok("lease", "timetolive", lease),
                         f"lease {lease} already expired\n")
        self.assertNotIn(lease, srv.etcdctl_ok("lease", "list").split("\n")[1:])
        self.assertEtcdctlFails(srv.etcdctl("lease", "revoke", lease),
                                "etcdserver: requested lease not found")
        self.assertEtcdctlFails(srv.etcdctl("lease", "keep-alive", "--once", lease),
                                "not found")

    def test_lease_expires_unless_kept_alive(self):
        srv = self.server
        kept = self.lease_grant(2)
        dropped = self.lease_grant(2)
        srv.etcdctl_ok("put", f"--lease={kept}", "/exp/kept", "1")
        rev = self.put("/exp/dropped", "1", f"--lease={dropped}")
        watch = WatchReader(srv.etcdctl_popen("watch", "--rev", rev + 1, "--prefix", "/exp/",
                                              "-w", "json"))
        srv.etcdctl_popen("lease", "keep-alive", kept)
        start = time.monotonic()
        wait_until(lambda: not self.kvs("/exp/dropped"), timeout=10,
                   message="the key of the expired lease to be deleted")
        self.assertGreater(time.monotonic() - start, 1.0)
        time.sleep(max(0.0, 4.0 - (time.monotonic() - start)))  # two full TTLs
        self.assertEqual(self.kvs("/exp/kept"), [("/exp/kept", "1")])
        self.assertIn("already expired", srv.etcdctl_ok("lease", "timetolive", dropped))
        # Watchers see the expiry as a DELETE; keep-alives are not writes.
        end = self.put("/exp/end", "sentinel")
        events = watch.wait_for_key("/exp/end")
        self.assertEqual([(e["type"], e["key"]) for e in events],
                         [("DELETE", "/exp/dropped"), ("PUT", "/exp/end")])
        self.assertEqual(events[0]["mod_revision"], end - 1)

    # --- compaction and maintenance --------------------------------------------------------
    def test_compaction(self):
        srv = self.server
        r1 = self.put("/cmp/k", "v1")
        r2 = self.put("/cmp/k", "v2")
        r3 = self.put("/cmp/k", "v3")
        self.assertEqual(srv.etcdctl_ok("compaction", r2), f"compacted revision {r2}\n")
        self.assertEtcdctlFails(srv.etcdctl("get", "/cmp/k", "--rev", r1),
                                "etcdserver: mvcc: required revision has been compacted")
        self.assertEqual(self.kvs("/cmp/k", "--rev", r2), [("/cmp/k", "v2")])
        self.assertEqual(self.kvs("/cmp/k", "--rev", r3), [("/cmp/k", "v3")])
        self.assertEqual(self.kvs("/cmp/k"), [("/cmp/k", "v3")])
        self.assertEtcdctlFails(srv.etcdctl("compaction", r1),
                                "etcdserver: mvcc: required revision has been compacted")
        self.assertEtcdctlFails(srv.etcdctl("compaction", srv.revision() + 1000),
                                "etcdserver: mvcc: required revision is a future revision")
        # A watch from before the compaction point is cancelled with the same reason.
        watch = srv.etcdctl_popen("watch", "--rev", r1, "/cmp/k")
        try:
            _, err = watch.communicate(timeout=10)
        except Exception:  # noqa: BLE001
            watch.kill()
            self.fail("watch from a compacted revision kept running")
        self.assertNotEqual(watch.returncode, 0)
        self.assertIn("required revision has been compacted", err)

    def test_endpoint_status_member_list_health_defrag_alarm(self):
        srv = self.server
        rev = self.put("/maint/k", "v")
        status = srv.etcdctl_json("endpoint", "status")
        self.assertEqual(len(status), 1)
        self.assertEqual(status[0]["Endpoint"], f"127.0.0.1:{srv.etcd_port}")
        st = status[0]["Status"]
        self.assertEqual(int(st["header"]["revision"]), rev)
        self.assertGreater(int(st["dbSize"]), 0)
        self.assertTrue(st.get("version"), st)
        self.assertEqual(st["leader"], st["header"]["member_id"])  # a single member leads itself
        self.assertIn(f"127.0.0.1:{srv.etcd_port}", srv.etcdctl_ok("endpoint", "status",
                                                                   "-w", "table"))

        members = srv.etcdctl_json("member", "list")["members"]
        self.assertEqual(len(members), 1, members)
        self.assertEqual(members[0]["ID"], st["header"]["member_id"])
        self.assertTrue(any(f":{srv.etcd_port}" in url for url in members[0]["clientURLs"]),
                        members)
        line = srv.etcdctl_ok("member", "list").strip().split(", ")
        self.assertEqual(line[1], "started", line)

        health = srv.etcdctl("endpoint", "health")
        self.assertEqual(health.returncode, 0, health.stderr)
        self.assertIn(f"127.0.0.1:{srv.etcd_port} is healthy", health.stdout + health.stderr)

        self.assertEqual(srv.etcdctl_ok("defrag"),
                         f"Finished defragmenting etcd member[127.0.0.1:{srv.etcd_port}]\n")
        self.assertEqual(self.kvs("/maint/k"), [("/maint/k", "v")])
        self.assertEqual(srv.revision(), rev)  # maintenance is not a write

        alarms = srv.etcdctl("alarm", "list")
        self.assertEqual((alarms.returncode, alarms.stdout), (0, ""), alarms.stderr)

    def test_json_header_identity_is_stable(self):
        a = self.server.etcdctl_json("get", "/id/x")["header"]
        b = self.server.etcdctl_json("put", "/id/x", "y")["header"]
        self.assertNotEqual(a.get("cluster_id", 0), 0, a)
        self.assertNotEqual(a.get("member_id", 0), 0, a)
        self.assertEqual((a["cluster_id"], a["member_id"]), (b["cluster_id"], b["member_id"]))


class AutoCompactionTest(ServerTestCase):
    def test_periodic_auto_compaction(self):
        srv = self.start_server(config={"store.auto_compaction_mode": "periodic",
                                        "store.auto_compaction_retention": "1s"})
        r1 = int(srv.etcdctl_json("put", "/auto/k", "v1")["header"]["revision"])
        r2 = int(srv.etcdctl_json("put", "/auto/k", "v2")["header"]["revision"])
        wait_until(lambda: srv.etcdctl("get", "/auto/k", "--rev", r1).returncode != 0,
                   timeout=15, interval=0.3, message="revision r1 to be compacted automatically")
        self.assertEtcdctlFails(srv.etcdctl("get", "/auto/k", "--rev", r1),
                                "etcdserver: mvcc: required revision has been compacted")
        self.assertEqual(srv.etcdctl_ok("get", "/auto/k", "--rev", r2), "/auto/k\nv2\n")
        self.assertEqual(srv.etcdctl_ok("get", "/auto/k"), "/auto/k\nv2\n")


if __name__ == "__main__":
    unittest.main()
