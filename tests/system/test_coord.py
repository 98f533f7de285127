"""Locks, elections and ID generation through the real binary: `etcdctl lock` with two contenders
(the second gets the lock only when the first releases it or its process dies and its lease
expires), `etcdctl elect` with failover when the leader's process is killed and an observer that
sees the new leader, etcd's v3lockpb/v3electionpb gRPC services, aio.v1 LockService / IdService,
the HTTP lock with try-lock timeout, and two OS processes allocating sequence segments
concurrently over HTTP without ever overlapping."""

import json
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
import unittest
import urllib.error
import urllib.request

import grpc

from aio_harness import ServerTestCase, aio_only, generated_pb2

pb = {}  # generated modules by name: lock_pb2, id_pb2, v3lock_pb2, v3election_pb2


def setUpModule():
    lock, id_, _, _, v3lock, v3election = generated_pb2(
        "aio/v1/lock.proto", "aio/v1/id.proto", "etcd/kv.proto", "etcd/rpc.proto",
        "etcd/v3lock.proto", "etcd/v3election.proto")
    pb.update(lock=lock, id=id_, v3lock=v3lock, v3election=v3election)


def unary(channel, path, request, response_type, timeout=10):
    call = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_type.FromString)
    return call(request, timeout=timeout)


def http_call(server, path, method="GET", body=None, timeout=15):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}", data=data,
                                 method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


_readers = {}


def read_line(proc, timeout):
    """The next stdout line of `proc` within `timeout` s, or None (one reader thread per process:
    select() on a buffered pipe would miss lines already read into the buffer)."""
    if proc not in _readers:
        lines = queue.Queue()

        def pump():
            for line in proc.stdout:
                lines.put(line.strip())

        threading.Thread(target=pump, daemon=True).start()
        _readers[proc] = lines
    try:
        return _readers[proc].get(timeout=timeout)
    except queue.Empty:
        return None


# The coordination routes with auth off (auth is covered by test_auth*; here: the behaviour).
OPEN = {"auth.enabled": False}


@aio_only
class EtcdctlLockElectTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_lock_second_contender_waits_for_release_and_for_a_killed_holder(self):
        first = self.server.etcdctl_popen("lock", "jobs", "--ttl=2")
        held = read_line(first, 10)
        self.assertTrue(held and held.startswith("jobs/"), held)
        second = self.server.etcdctl_popen("lock", "jobs", "--ttl=2")
        self.assertIsNone(read_line(second, 1.5), "second contender got a held lock")
        first.send_signal(signal.SIGINT)  # etcdctl unlocks and closes its session
        got = read_line(second, 10)
        self.assertTrue(got and got.startswith("jobs/") and got != held, got)

        # A holder killed outright keeps the lock until its lease (ttl 2 s) expires.
        third = self.server.etcdctl_popen("lock", "jobs", "--ttl=2")
        self.assertIsNone(read_line(third, 1.0))
        killed_at = time.monotonic()
        second.kill()
        got = read_line(third, 15)
        self.assertTrue(got and got.startswith("jobs/"), got)
        self.assertGreater(time.monotonic() - killed_at, 1.0)
        third.send_signal(signal.SIGINT)

    def test_elect_fails_over_when_the_leader_is_killed(self):
        observer = self.server.etcdctl_popen("elect", "-l", "db-primary")
        alice = self.server.etcdctl_popen("elect", "db-primary", "alice")
        self.assertTrue(read_line(alice, 10).startswith("db-primary/"))
        self.assertEqual(read_line(alice, 5), "alice")
        bob = self.server.etcdctl_popen("elect", "db-primary", "bob")
        self.assertIsNone(read_line(bob, 1.5), "bob leads while alice does")
        self.assertTrue(read_line(observer, 5).startswith("db-primary/"))
        self.assertEqual(read_line(observer, 5), "alice")

        alice.send_signal(signal.SIGTERM)  # the leader's process is killed: it resigns
        self.assertTrue(read_line(bob, 10).startswith("db-primary/"))
        self.assertEqual(read_line(bob, 5), "bob")
        self.assertTrue(read_line(observer, 10).startswith("db-primary/"))
        self.assertEqual(read_line(observer, 5), "bob")
        self.assertIn("bob", self.server.etcdctl_ok("get", "--prefix", "db-primary/"))
        bob.send_signal(signal.SIGTERM)
        observer.kill()


@aio_only
class CoordGrpcTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config=OPEN)
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.server.protocol_port}")
        cls.addClassCleanup(cls.channel.close)

    def lease(self, ttl=30):
        out = self.server.etcdctl_ok("lease", "grant", str(ttl))
        return int(out.split()[1], 16)  # "lease 694d7b8c2a1c0b0e granted with TTL(30s)"

    def test_etcd_v3lock_blocks_until_unlock_and_cancel_leaves_no_key(self):
        v3 = pb["v3lock"]
        a, b = self.lease(), self.lease()
        first = unary(self.channel, "/v3lockpb.Lock/Lock",
                      v3.LockRequest(name=b"res", lease=a), v3.LockResponse)
        self.assertEqual(first.key, b"res/%x" % a)
        with self.assertRaises(grpc.RpcError) as caught:  # waits, then the client gives up
            unary(self.channel, "/v3lockpb.Lock/Lock", v3.LockRequest(name=b"res", lease=b),
                  v3.LockResponse, timeout=0.5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        time.sleep(0.3)
        self.assertNotIn(f"res/{b:x}", self.server.etcdctl_ok("get", "--prefix", "res/"))
        unary(self.channel, "/v3lockpb.Lock/Unlock", v3.UnlockRequest(key=first.key),
              v3.UnlockResponse)
        second = unary(self.channel, "/v3lockpb.Lock/Lock", v3.LockRequest(name=b"res", lease=b),
                       v3.LockResponse)
        self.assertEqual(second.key, b"res/%x" % b)
        self.assertGreater(second.header.revision, first.header.revision)

        with self.assertRaises(grpc.RpcError) as caught:
            unary(self.channel, "/v3lockpb.Lock/Lock", v3.LockRequest(name=b"x", lease=12345),
                  v3.LockResponse)
        self.assertEqual(caught.exception.details(), "etcdserver: requested lease not found")

    def test_etcd_v3election_campaign_leader_proclaim_resign(self):
        v3 = pb["v3election"]
        with self.assertRaises(grpc.RpcError) as caught:
            unary(self.channel, "/v3electionpb.Election/Leader", v3.LeaderRequest(name=b"el"),
                  v3.LeaderResponse)
        self.assertEqual(caught.exception.details(), "election: no leader")
        lease = self.lease()
        won = unary(self.channel, "/v3electionpb.Election/Campaign",
                    v3.CampaignRequest(name=b"el", lease=lease, value=b"n1"), v3.CampaignResponse)
        self.assertEqual(won.leader.key, b"el/%x" % lease)
        unary(self.channel, "/v3electionpb.Election/Proclaim",
              v3.ProclaimRequest(leader=won.leader, value=b"n1-v2"), v3.ProclaimResponse)
        leader = unary(self.channel, "/v3electionpb.Election/Leader",
                       v3.LeaderRequest(name=b"el"), v3.LeaderResponse)
        self.assertEqual(leader.kv.value, b"n1-v2")
        unary(self.channel, "/v3electionpb.Election/Resign", v3.ResignRequest(leader=won.leader),
              v3.ResignResponse)
        with self.assertRaises(grpc.RpcError) as caught:
            unary(self.channel, "/v3electionpb.Election/Proclaim",
                  v3.ProclaimRequest(leader=won.leader, value=b"late"), v3.ProclaimResponse)
        self.assertEqual(caught.exception.details(), "election: not leader")

    def test_aio_lock_service_try_lock_timeout_and_fencing_tokens(self):
        lk = pb["lock"]
        first = unary(self.channel, "/aio.v1.LockService/Lock",
                      lk.LockRequest(name="orders", ttl_seconds=10), lk.LockResponse)
        self.assertTrue(first.key.startswith("/aio/lock/orders/"))
        started = time.monotonic()
        with self.assertRaises(grpc.RpcError) as caught:
            unary(self.channel, "/aio.v1.LockService/Lock",
                  lk.LockRequest(name="orders", ttl_seconds=10, timeout_ms=300), lk.LockResponse)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertEqual(caught.exception.details(),
                         "coord: lock orders not acquired within 300 ms")
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        unary(self.channel, "/aio.v1.LockService/Unlock",
              lk.UnlockRequest(key=first.key, revoke_lease=True), lk.UnlockResponse)
        second = unary(self.channel, "/aio.v1.LockService/Lock",
                       lk.LockRequest(name="orders", timeout_ms=0), lk.LockResponse)
        self.assertGreater(second.fencing_token, first.fencing_token)
        with self.assertRaises(grpc.RpcError) as caught:
            unary(self.channel, "/aio.v1.LockService/Lock",
                  lk.LockRequest(name="orders", ttl_seconds=1), lk.LockResponse)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_aio_id_service(self):
        ids = pb["id"]
        got = unary(self.channel, "/aio.v1.IdService/NextIds", ids.NextIdsRequest(count=5000),
                    ids.NextIdsResponse)
        self.assertEqual(len(got.ids), 5000)
        self.assertEqual(list(got.ids), sorted(set(got.ids)))
        self.assertTrue(all((i >> 12) & 1023 == got.worker_id for i in got.ids))
        seg = unary(self.channel, "/aio.v1.IdService/NextSegment",
                    ids.NextSegmentRequest(name="invoice", count=100), ids.NextSegmentResponse)
        seq = unary(self.channel, "/aio.v1.IdService/NextSequence",
                    ids.NextSequenceRequest(name="invoice", count=10), ids.NextSequenceResponse)
        self.assertEqual((seg.start, seg.end), (1, 101))
        self.assertTrue(all(v >= 101 for v in seq.values))
        with self.assertRaises(grpc.RpcError) as caught:
            unary(self.channel, "/aio.v1.IdService/NextSegment",
                  ids.NextSegmentRequest(name="bad/name", count=1), ids.NextSegmentResponse)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


SEGMENT_CLIENT = textwrap.dedent("""
    import json, sys, urllib.request
    port, rounds = sys.argv[1], int(sys.argv[2])
    out = []
    for i in range(rounds):
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/id/segment/orders?count={1 + i % 5}", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            data = json.loads(resp.read())["data"]
        out.append([data["start"], data["end"]])
    print(json.dumps(out))
""")


@aio_only
class CoordHttpTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config=OPEN)

    def test_two_processes_allocating_segments_never_overlap(self):
        procs = [subprocess.Popen([sys.executable, "-c", SEGMENT_CLIENT,
                                   str(self.server.http_port), "150"],
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        ranges = []
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0)
            ranges += json.loads(out)
        ranges.sort()
        self.assertEqual(ranges[0][0], 1)
        for prev, cur in zip(ranges, ranges[1:]):
            self.assertEqual(cur[0], prev[1], f"{prev} and {cur} overlap or leave a gap")

    def test_http_lock_with_timeout_release_and_keepalive(self):
        status, env = http_call(self.server, "/api/lock/report", "POST", {"ttl": 5})
        self.assertEqual(status, 200, env)
        held = env["data"]
        started = time.monotonic()
        status, env = http_call(self.server, "/api/lock/report", "POST",
                                {"ttl": 5, "timeout_ms": 400})
        self.assertEqual((status, env["code"]), (504, 50400), env)
        self.assertEqual(env["msg"], "coord: lock report not acquired within 400 ms")
        self.assertGreaterEqual(time.monotonic() - started, 0.4)
        status, env = http_call(self.server, "/api/lock/report/keepalive", "POST",
                                {"key": held["key"]})
        self.assertEqual((status, env["data"]["ttl"]), (200, 5), env)
        status, env = http_call(self.server, f"/api/lock/report?key={held['key']}"
                                "&revoke_lease=true", "DELETE")
        self.assertEqual(status, 200, env)
        status, env = http_call(self.server, "/api/lock/report", "POST", {"timeout_ms": 0})
        self.assertEqual(status, 200, env)
        self.assertGreater(env["data"]["fencing_token"], held["fencing_token"])
        status, env = http_call(self.server, "/api/lock/report", "POST", {"timeout_ms": 60000})
        self.assertEqual(status, 400, env)

    def test_http_election_and_ids(self):
        status, env = http_call(self.server, "/api/election/sweeper")
        self.assertEqual((status, env["msg"]), (404, "election: no leader"))
        status, env = http_call(self.server, "/api/election/sweeper/campaign", "POST",
                                {"value": "n1", "ttl": 10})
        self.assertEqual(status, 200, env)
        lead = env["data"]
        status, env = http_call(self.server, "/api/election/sweeper/campaign", "POST",
                                {"value": "n2", "ttl": 10, "timeout_ms": 200})
        self.assertEqual(status, 504, env)
        status, env = http_call(self.server, "/api/election/sweeper/proclaim", "POST",
                                {**lead, "value": "n1b"})
        self.assertEqual(status, 200, env)
        status, env = http_call(self.server, "/api/election/sweeper")
        self.assertEqual(env["data"]["value"], "n1b")
        status, env = http_call(self.server, "/api/election/sweeper/resign", "POST", lead)
        self.assertEqual(status, 200, env)
        status, env = http_call(self.server, "/api/election/sweeper/proclaim", "POST",
                                {**lead, "value": "late"})
        self.assertEqual((status, env["msg"]), (409, "election: not leader"))

        status, env = http_call(self.server, "/api/id/snowflake?count=1000")
        self.assertEqual(status, 200, env)
        self.assertEqual(env["data"]["ids"], sorted(set(env["data"]["ids"])))
        status, env = http_call(self.server, "/api/id/snowflake?count=0")
        self.assertEqual(status, 400, env)
        status, env = http_call(self.server, "/api/id/sequence/tickets?count=3", "POST")
        self.assertEqual(env["data"]["values"], [1, 2, 3])


if __name__ == "__main__":
    unittest.main()
