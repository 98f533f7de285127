"""python3-etcd3 0.12 (Debian's, /usr/bin/python3), unmodified, against one aio server."""

import queue
import threading
import unittest

import grpc

from aio_harness import ServerTestCase

import etcd3  # noqa: E402  (after the harness: the same interpreter checks grpc first)
import etcd3.events
import etcd3.exceptions
import etcd3.transactions


class PythonEtcd3Test(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def setUp(self):
        self.etcd = self.server.client()

    # --- KV --------------------------------------------------------------------------------
    def test_put_get_delete(self):
        etcd = self.etcd
        resp = etcd.put("/py/kv/a", "hello")
        rev = resp.header.revision
        self.assertGreater(rev, 1)
        value, meta = etcd.get("/py/kv/a")
        self.assertEqual(value, b"hello")
        self.assertEqual(meta.key, b"/py/kv/a")
        self.assertEqual((meta.create_revision, meta.mod_revision, meta.version), (rev, rev, 1))
        self.assertEqual(meta.lease_id, 0)

        prev = etcd.put("/py/kv/a", b"\x00bin\xff", prev_kv=True)
        self.assertEqual(prev.prev_kv.value, b"hello")
        self.assertEqual(prev.header.revision, rev + 1)
        value, meta = etcd.get("/py/kv/a")
        self.assertEqual(value, b"\x00bin\xff")
        self.assertEqual((meta.create_revision, meta.mod_revision, meta.version),
                         (rev, rev + 1, 2))

        self.assertEqual(etcd.get("/py/kv/missing"), (None, None))
        self.assertTrue(etcd.delete("/py/kv/a"))
        self.assertFalse(etcd.delete("/py/kv/a"))
        self.assertEqual(etcd.get("/py/kv/a"), (None, None))

        etcd.put("/py/kv/b", "B")
        resp = etcd.delete("/py/kv/b", prev_kv=True, return_response=True)
        self.assertEqual(resp.deleted, 1)
        self.assertEqual([(kv.key, kv.value) for kv in resp.prev_kvs], [(b"/py/kv/b", b"B")])

    def test_get_prefix_range_sort_keys_only_delete_prefix(self):
        etcd = self.etcd
        for key, value in [("c", "3"), ("a", "1"), ("b", "2")]:
            etcd.put(f"/py/pre/{key}", value)
        etcd.put("/py/pre0", "outside")
        got = [(m.key, v) for v, m in etcd.get_prefix("/py/pre/")]
        self.assertEqual(got, [(b"/py/pre/a", b"1"), (b"/py/pre/b", b"2"), (b"/py/pre/c", b"3")])
        by_mod = [m.key for _, m in etcd.get_prefix("/py/pre/", sort_order="descend",
                                                    sort_target="mod")]
        self.assertEqual(by_mod, [b"/py/pre/b", b"/py/pre/a", b"/py/pre/c"])
        keys_only = list(etcd.get_prefix("/py/pre/", keys_only=True))
        self.assertEqual([(m.key, v) for v, m in keys_only],
                         [(b"/py/pre/a", b""), (b"/py/pre/b", b""), (b"/py/pre/c", b"")])
        ranged = [m.key for _, m in etcd.get_range("/py/pre/a", "/py/pre/c")]
        self.assertEqual(ranged, [b"/py/pre/a", b"/py/pre/b"])

        all_keys = [m.key for _, m in etcd.get_all()]
        self.assertEqual(all_keys, sorted(all_keys))
        self.assertTrue({b"/py/pre/a", b"/py/pre/b", b"/py/pre/c", b"/py/pre0"} <= set(all_keys))

        resp = etcd.delete_prefix("/py/pre/")
        self.assertEqual(resp.deleted, 3)
        self.assertEqual(list(etcd.get_prefix("/py/pre/")), [])
        self.assertEqual(etcd.get("/py/pre0")[0], b"outside")

    def test_replace_and_put_if_not_exists(self):
        etcd = self.etcd
        self.assertTrue(etcd.put_if_not_exists("/py/rep", "v1"))
        self.assertFalse(etcd.put_if_not_exists("/py/rep", "other"))
        self.assertTrue(etcd.replace("/py/rep", "v1", "v2"))
        self.assertFalse(etcd.replace("/py/rep", "v1", "v3"))
        self.assertEqual(etcd.get("/py/rep")[0], b"v2")

    # --- transactions ----------------------------------------------------------------------
    def test_transactions_compare_value_version_create_mod(self):
        etcd = self.etcd
        t = etcd.transactions
        rev = etcd.put("/py/txn/k", "v").header.revision

        ok, responses = etcd.transaction(
            compare=[t.value("/py/txn/k") == "v", t.version("/py/txn/k") == 1,
                     t.create("/py/txn/k") == rev, t.mod("/py/txn/k") < rev + 1,
                     t.version("/py/txn/none") == 0],
            success=[t.put("/py/txn/k", "v2"), t.put("/py/txn/s", "yes"),
                     etcd3.transactions.Get("/py/txn/k")],
            failure=[t.put("/py/txn/f", "yes")])
        self.assertTrue(ok)
        self.assertEqual(len(responses), 3)
        txn_rev = responses[0].response_put.header.revision
        self.assertEqual(txn_rev, rev + 1)
        # A read in the same txn sees the txn's own write.
        self.assertEqual([(v, m.mod_revision) for v, m in responses[2]], [(b"v2", rev + 1)])
        self.assertEqual(etcd.get("/py/txn/s")[1].mod_revision, rev + 1)
        self.assertEqual(etcd.get("/py/txn/f"), (None, None))

        ok, responses = etcd.transaction(
            compare=[t.value("/py/txn/k") == "v"],
            success=[t.put("/py/txn/k", "never")],
            failure=[t.put("/py/txn/f", "yes"), etcd3.transactions.Delete("/py/txn/s"),
                     etcd3.transactions.Get("/py/txn/k")])
        self.assertFalse(ok)
        self.assertEqual(responses[1].response_delete_range.deleted, 1)
        self.assertEqual([v for v, _ in responses[2]], [b"v2"])
        self.assertEqual(etcd.get("/py/txn/k")[0], b"v2")
        self.assertEqual(etcd.get("/py/txn/f")[0], b"yes")
        self.assertEqual(etcd.get("/py/txn/s"), (None, None))

        # Greater-than on mod and create, not-equal on value.
        ok, _ = etcd.transaction(compare=[t.mod("/py/txn/k") > rev, t.create("/py/txn/k") > 0,
                                          t.value("/py/txn/k") != "v"],
                                 success=[], failure=[])
        self.assertTrue(ok)
        ok, _ = etcd.transaction(compare=[t.version("/py/txn/k") > 5], success=[], failure=[])
        self.assertFalse(ok)

    def test_nested_transaction(self):
        etcd = self.etcd
        t = etcd.transactions
        etcd.put("/py/nest/a", "1")
        inner = etcd3.transactions.Txn(compare=[t.value("/py/nest/a") == "1"],
                                       success=[t.put("/py/nest/b", "inner-ok")],
                                       failure=[t.put("/py/nest/b", "inner-failed")])
        ok, responses = etcd.transaction(compare=[t.version("/py/nest/a") > 0],
                                         success=[inner], failure=[])
        self.assertTrue(ok)
        self.assertTrue(responses[0].response_txn.succeeded)
        self.assertEqual(etcd.get("/py/nest/b")[0], b"inner-ok")

    # --- watch -----------------------------------------------------------------------------
    def test_watch_prefix_iterator_from_revision(self):
        etcd = self.etcd
        r1 = etcd.put("/py/w/a", "1").header.revision
        events_iter, cancel = etcd.watch_prefix("/py/w/", start_revision=r1)
        got = queue.Queue()

        def consume():
            try:
                for event in events_iter:
                    got.put(event)
            except Exception as err:  # noqa: BLE001 - surfaced through the queue
                got.put(err)

        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        first = got.get(timeout=10)
        self.assertIsInstance(first, etcd3.events.PutEvent)
        self.assertEqual((first.key, first.value, first.mod_revision), (b"/py/w/a", b"1", r1))

        r2 = etcd.put("/py/w/b", "2").header.revision
        etcd.put("/py/wx", "outside")
        r3 = etcd.delete("/py/w/a", return_response=True).header.revision
        events = [got.get(timeout=10) for _ in range(2)]
        self.assertIsInstance(events[0], etcd3.events.PutEvent)
        self.assertEqual((events[0].key, events[0].value, events[0].mod_revision),
                         (b"/py/w/b", b"2", r2))
        self.assertIsInstance(events[1], etcd3.events.DeleteEvent)
        self.assertEqual((events[1].key, events[1].mod_revision), (b"/py/w/a", r3))
        cancel()
        consumer.join(timeout=10)
        self.assertFalse(consumer.is_alive(), "watch iterator did not end after cancel()")

    def test_watch_callback_prev_kv_and_cancel(self):
        etcd = self.etcd
        etcd.put("/py/cb/k", "v0")
        seen_a, seen_b = queue.Queue(), queue.Queue()
        watch_a = etcd.add_watch_callback("/py/cb/k", seen_a.put, prev_kv=True)
        watch_b = etcd.add_watch_callback("/py/cb/k", seen_b.put)
        self.assertNotEqual(watch_a, watch_b)

        rev = etcd.put("/py/cb/k", "v1").header.revision
        resp = seen_a.get(timeout=10)
        self.assertNotIsInstance(resp, Exception, resp)
        self.assertEqual(len(resp.events), 1)
        event = resp.events[0]
        self.assertEqual((event.key, event.value, event.mod_revision), (b"/py/cb/k", b"v1", rev))
        self.assertEqual(event.prev_value, b"v0")
        self.assertGreaterEqual(resp.header.revision, rev)
        seen_b.get(timeout=10)

        etcd.cancel_watch(watch_b)
        # Requests on the watch stream are handled in order: once a newer watch is created,
        # the cancel has been processed.
        seen_c = queue.Queue()
        watch_c = etcd.add_watch_callback("/py/cb/k", seen_c.put)
        etcd.put("/py/cb/k", "v2")
        self.assertEqual(seen_c.get(timeout=10).events[0].value, b"v2")
        self.assertEqual(seen_a.get(timeout=10).events[0].value, b"v2")
        self.assertTrue(seen_b.empty(), "a cancelled watch still got events")
        etcd.cancel_watch(watch_a)
        etcd.cancel_watch(watch_c)

    def test_watch_sees_every_write_in_order_under_load(self):
        etcd = self.etcd
        writers, per_writer = 3, 150
        seen = queue.Queue()
        watch_id = etcd.add_watch_prefix_callback("/py/load/", seen.put)
        clients = [self.server.client() for _ in range(writers)]
        acked, lock = [], threading.Lock()

        def write(i):
            for n in range(per_writer):
                rev = clients[i].put(f"/py/load/{i}/{n:04d}", str(n)).header.revision
                with lock:
                    acked.append(rev)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        events = []
        while len(events) < writers * per_writer:
            resp = seen.get(timeout=15)
            self.assertNotIsInstance(resp, Exception, resp)
            events.extend(resp.events)
        for t in threads:
            t.join()
        etcd.cancel_watch(watch_id)
        self.assertEqual(len(acked), writers * per_writer)
        self.assertEqual([e.mod_revision for e in events], sorted(acked))
        for i in range(writers):
            mine = [int(e.value) for e in events if e.key.startswith(f"/py/load/{i}/".encode())]
            self.assertEqual(mine, list(range(per_writer)))

    def test_watch_once_and_range(self):
        etcd = self.etcd
        rev = etcd.put("/py/once/x", "1").header.revision
        event = etcd.watch_prefix_once("/py/once/", timeout=10, start_revision=rev)
        self.assertEqual((event.key, event.value), (b"/py/once/x", b"1"))
        with self.assertRaises(etcd3.exceptions.WatchTimedOut):
            etcd.watch_once("/py/once/never", timeout=0.5)

    # --- leases ----------------------------------------------------------------------------
    def test_lease_grant_refresh_ttl_keys_revoke(self):
        etcd = self.etcd
        lease = etcd.lease(30)
        self.assertNotEqual(lease.id, 0)
        self.assertEqual(lease.ttl, 30)
        etcd.put("/py/lease/a", "1", lease=lease)
        etcd.put("/py/lease/b", "2", lease=lease.id)
        etcd.put("/py/lease/c", "3")
        self.assertEqual(etcd.get("/py/lease/a")[1].lease_id, lease.id)
        self.assertEqual(lease.granted_ttl, 30)
        self.assertTrue(25 <= lease.remaining_ttl <= 30, lease.remaining_ttl)
        self.assertEqual(sorted(lease.keys), [b"/py/lease/a", b"/py/lease/b"])

        refreshed = lease.refresh()
        self.assertEqual(len(refreshed), 1)
        self.assertEqual((refreshed[0].ID, refreshed[0].TTL), (lease.id, 30))

        lease.revoke()
        self.assertEqual([m.key for _, m in etcd.get_prefix("/py/lease/")], [b"/py/lease/c"])
        info = etcd.get_lease_info(lease.id)
        self.assertEqual(info.TTL, -1)
        self.assertEqual(list(info.keys), [])
        # Keep-alive of a revoked lease answers TTL 0 (etcd's "lease not found" on the stream).
        self.assertEqual([r.TTL for r in lease.refresh()], [0])

    def test_lease_with_requested_id(self):
        etcd = self.etcd
        lease = etcd.lease(20, lease_id=0x5eed)
        self.assertEqual(lease.id, 0x5eed)
        # FAILED_PRECONDITION: etcd3 raises PreconditionFailedError from the gRPC error.
        with self.assertRaises(etcd3.exceptions.PreconditionFailedError) as ctx:
            etcd.lease(20, lease_id=0x5eed)
        self.assertIsInstance(ctx.exception.__context__, grpc.RpcError)
        self.assertIn("lease already exists", ctx.exception.__context__.details())
        lease.revoke()

    # --- maintenance -----------------------------------------------------------------------
    def test_status_and_members(self):
        etcd = self.etcd
        members = list(etcd.members)
        self.assertEqual(len(members), 1)
        self.assertTrue(any(f":{self.server.etcd_port}" in url for url in members[0].client_urls),
                        members[0].client_urls)
        status = etcd.status()
        self.assertTrue(status.version)
        self.assertGreater(status.db_size, 0)
        self.assertIsNotNone(status.leader, "status names no leader among the members")
        self.assertEqual(status.leader.id, members[0].id)

    def test_compact_and_defragment(self):
        etcd = self.etcd
        r1 = etcd.put("/py/cmp", "1").header.revision
        etcd.put("/py/cmp", "2")
        etcd.compact(r1 + 1)
        # A watch from below the compaction point is refused with the compact revision.
        # etcd3 0.12 raises it from add_watch_callback (compact revision in the created
        # response) or hands it to the callback (a separate cancel response): both are etcd's.
        resp_q = queue.Queue()
        try:
            etcd.add_watch_callback("/py/cmp", resp_q.put, start_revision=r1)
            err = resp_q.get(timeout=10)
        except etcd3.exceptions.RevisionCompactedError as raised:
            err = raised
        self.assertIsInstance(err, etcd3.exceptions.RevisionCompactedError)
        self.assertEqual(err.compacted_revision, r1 + 1)
        etcd.defragment()
        self.assertEqual(etcd.get("/py/cmp")[0], b"2")


if __name__ == "__main__":
    unittest.main()
