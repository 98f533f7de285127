"""The service registry through the real binary: every seed 003 route over HTTP (shapes, defaults,
each error), and aio.v1.RegistryService over gRPC: a HeartbeatStream that goes silent leaves its
instance to go offline after the TTL and a renewal brings it back; Watch delivers register,
offline and deregister."""

import datetime
import queue
import re
import threading
import time
import unittest

import test_auth
from aio_harness import ServerTestCase, aio_only, generated_pb2

ADMIN_PASSWORD = "admin-pw-registry"
TTL_S = 2
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_time(text):
    """An RFC 3339 "Z" timestamp as Go writes it (trailing fraction zeros trimmed)."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def registry_pb2():
    return generated_pb2("aio/v1/registry.proto")[0]


@aio_only
class RegistryHttpTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(config={
            "auth.initial_admin_password": ADMIN_PASSWORD,
            "registry.ttl": f"{TTL_S}s", "registry.renew_interval": "200ms"})

    call = test_auth.AuthHttpTest.call
    login = test_auth.AuthHttpTest.login

    def setUp(self):
        self.admin = self.login("admin", ADMIN_PASSWORD)

    def ok(self, path, method="GET", body=None, token=None):
        status, env = self.call(path, method, body, token or self.admin)
        self.assertEqual((status, env["code"], env["msg"]), (200, 20000, "success"), env)
        return env["data"]

    def fails(self, path, method, body, http_status, msg=None, token=None):
        status, env = self.call(path, method, body, token or self.admin)
        self.assertEqual((status, env["code"], env["data"]), (http_status, http_status * 100, None),
                         env)
        if msg is not None:
            self.assertEqual(env["msg"], msg)

    def register(self, **fields):
        return self.ok("/api/registry/services", "POST", fields)

    def test_register_get_renew_unregister(self):
        inst = self.register(name="user-service", address="127.0.0.1:8080",
                             metadata={"version": "1.0.2", "region": "us-east-1"})
        self.assertRegex(inst["id"], r"^user-service-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                     r"[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual((inst["protocol"], inst["weight"], inst["status"]), ("http", 100, "active"))
        self.assertEqual(inst["metadata"], {"version": "1.0.2", "region": "us-east-1"})
        for field in ("register_time", "start_time", "last_renew_time"):
            self.assertRegex(inst[field], RFC3339)
        self.assertNotIn("offline_time", inst)
        path = f"/api/registry/services/{inst['id']}"
        self.assertEqual(self.ok(path), inst)
        self.assertIn("user-service", self.ok("/api/registry/services"))
        time.sleep(0.01)
        self.assertEqual(self.ok(path + "/renew", "PUT"), "服务续约成功")
        renewed = self.ok(path)
        self.assertGreater(parse_time(renewed["last_renew_time"]),
                           parse_time(inst["last_renew_time"]))
        self.assertEqual(renewed["register_time"], inst["register_time"])
        health = self.ok(path + "/health")
        self.assertEqual({k: health[k] for k in ("service_id", "service_name", "status", "healthy")},
                         {"service_id": inst["id"], "service_name": "user-service",
                          "status": "active", "healthy": True})
        self.assertRegex(health["uptime"], r"^(\d+h)?(\d+m)?\d+s$")
        self.assertRegex(health["register_duration"], r"^(\d+h)?(\d+m)?\d+s$")
        self.assertRegex(health["last_check"], RFC3339)
        self.assertEqual(self.ok(path, "DELETE"), "服务注销成功")
        self.fails(path, "GET", None, 404, "service not found")
        self.fails(path, "DELETE", None, 404, "service not found")
        self.fails(path + "/renew", "PUT", None, 404, "service not found")
        self.fails(path + "/health", "GET", None, 404, "service not found")

    def test_reregistering_an_id_keeps_register_time(self):
        first = self.register(id="fixed-1", name="fixed", address="10.0.0.1:80")
        time.sleep(0.05)
        second = self.register(id="fixed-1", name="fixed", address="10.0.0.2:80", weight=5)
        self.assertEqual(second["register_time"], first["register_time"])
        self.assertEqual((second["address"], second["weight"]), ("10.0.0.2:80", 5))
        self.assertEqual(len(self.ok("/api/registry/discovery/fixed")), 1)

    def test_validation_errors_store_nothing(self):
        cases = [
            ({"address": "127.0.0.1:1"}, "name is required"),
            ({"name": "v"}, "address is required"),
            ({"name": "v", "address": "no-port"}, 'address must be host:port, got "no-port"'),
            ({"name": "v", "address": "h:99999"}, 'address must be host:port, got "h:99999"'),
            ({"name": "v", "address": "h:1", "status": "sleeping"},
             'status must be one of active, inactive, maintenance, got "sleeping"'),
            ({"name": "v", "address": "h:1", "weight": "heavy"},
             'field "weight" must be an integer'),
            ({"name": "v", "address": "h:1", "metadata": {"a": 1}},
             'field "metadata" must be an object of strings'),
        ]
        for body, msg in cases:
            self.fails("/api/registry/services", "POST", body, 400, msg)
        self.fails("/api/registry/services", "POST", "not an object", 400,
                   "request body must be a JSON object")
        self.assertNotIn("v", self.ok("/api/registry/services"))

    def test_discovery_filters_and_stats(self):
        for i, (protocol, status) in enumerate([("http", "active"), ("grpc", "active"),
                                                ("http", "maintenance")]):
            self.register(id=f"orders-{i}", name="orders", address=f"10.1.0.{i}:90",
                          protocol=protocol, status=status)
        ids = lambda items: sorted(i["id"] for i in items)  # noqa: E731
        self.assertEqual(ids(self.ok("/api/registry/discovery/orders")), ["orders-0", "orders-1"])
        self.assertEqual(ids(self.ok("/api/registry/discovery/orders?protocol=grpc")),
                         ["orders-1"])
        self.assertEqual(ids(self.ok("/api/registry/discovery/orders?status=maintenance")),
                         ["orders-2"])
        self.assertEqual(self.ok("/api/registry/discovery/nobody"), [])
        stats = self.ok("/api/registry/services/orders/stats")
        self.assertEqual({k: stats[k] for k in ("service_name", "total_instances",
                                                "healthy_instances", "unhealthy_instances",
                                                "protocols", "statuses")},
                         {"service_name": "orders", "total_instances": 3, "healthy_instances": 2,
                          "unhealthy_instances": 1, "protocols": {"http": 2, "grpc": 1},
                          "statuses": {"active": 2, "maintenance": 1}})
        self.assertEqual(ids(stats["instances"]), ["orders-0", "orders-1", "orders-2"])
        self.assertRegex(stats["timestamp"], RFC3339)
        self.fails("/api/registry/services/nobody/stats", "GET", None, 404,
                   "service nobody not found")
        glob = self.ok("/api/registry/stats")
        self.assertEqual(glob["service_stats"]["orders"], 3)
        self.assertEqual(glob["total_services"], len(glob["service_stats"]))
        self.assertEqual(glob["total_instances"],
                         glob["healthy_instances"] + glob["unhealthy_instances"])

    def test_admin_routes_need_admin(self):
        self.ok("/api/auth/roles", "POST", {"name": "billing-rw", "permissions": [
            {"resource": "registry", "pattern": "billing*", "actions": ["read", "write"]}]})
        self.ok("/api/auth/users", "POST", {"name": "carol", "password": "carol-pw",
                                            "roles": ["billing-rw"]})
        carol = self.login("carol", "carol-pw")
        mine = self.register(name="billing", address="10.2.0.1:1")
        other = self.register(name="secret", address="10.2.0.2:1")
        # carol reaches billing, not secret, and no admin route.
        self.ok(f"/api/registry/services/{mine['id']}", token=carol)
        self.fails(f"/api/registry/services/{other['id']}", "GET", None, 403, token=carol)
        self.fails("/api/registry/services", "POST", {"name": "secret", "address": "h:1"}, 403,
                   token=carol)
        # Nor can she move secret's instance into billing by re-registering its id.
        self.fails("/api/registry/services", "POST",
                   {"id": other["id"], "name": "billing", "address": "h:1"}, 403, token=carol)
        self.assertEqual(self.ok(f"/api/registry/services/{other['id']}")["name"], "secret")
        names = self.ok("/api/registry/services", token=carol)
        self.assertIn("billing", names)
        self.assertNotIn("secret", names)
        self.fails("/api/registry/admin/all", "GET", None, 403, token=carol)
        self.fails("/api/registry/admin/services/billing", "DELETE", None, 403, token=carol)
        status, env = self.call("/api/registry/services")  # no token at all
        self.assertEqual((status, env["code"]), (401, 40100))
        # The admin sees everything grouped by name, then removes a whole service.
        everything = self.ok("/api/registry/admin/all")
        self.assertEqual([i["id"] for i in everything["billing"]], [mine["id"]])
        self.register(name="billing", address="10.2.0.3:1")
        removed = self.ok("/api/registry/admin/services/billing", "DELETE")
        self.assertEqual(removed, {"service_name": "billing", "total_instances": 2,
                                   "removed_count": 2, "errors": []})
        self.assertNotIn("billing", self.ok("/api/registry/services"))
        self.fails("/api/registry/admin/services/billing", "DELETE", None, 404,
                   "service billing not found")

    def test_sweep_marks_offline_and_renew_brings_back(self):
        inst = self.register(name="sleepy", address="10.3.0.1:1")
        path = f"/api/registry/services/{inst['id']}"
        deadline = time.time() + TTL_S + 5
        while self.ok(path)["status"] != "offline":
            self.assertLess(time.time(), deadline, "not offline after the TTL")
            time.sleep(0.1)
        offline = self.ok(path)
        self.assertRegex(offline["offline_time"], RFC3339)
        self.assertEqual(self.ok("/api/registry/discovery/sleepy"), [])
        self.assertEqual(len(self.ok("/api/registry/discovery/sleepy?status=offline")), 1)
        self.assertFalse(self.ok(path + "/health")["healthy"])
        self.ok(path + "/renew", "PUT")
        back = self.ok(path)
        self.assertEqual(back["status"], "active")
        self.assertNotIn("offline_time", back)


@aio_only
class RegistryGrpcTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        import grpc
        cls.grpc = grpc
        cls.pb = registry_pb2()
        cls.server = cls.start_class_server(config={
            "auth.initial_admin_password": ADMIN_PASSWORD,
            "registry.ttl": f"{TTL_S}s", "registry.renew_interval": "200ms"})
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.server.protocol_port}")
        cls.addClassCleanup(cls.channel.close)

    call = test_auth.AuthHttpTest.call
    login = test_auth.AuthHttpTest.login

    def setUp(self):
        self.metadata = [("authorization", f"Bearer {self.login('admin', ADMIN_PASSWORD)}")]

    def unary(self, method, request, response_type, metadata=None):
        call = self.channel.unary_unary(f"/aio.v1.RegistryService/{method}",
                                        request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=response_type.FromString)
        return call(request, metadata=self.metadata if metadata is None else metadata, timeout=10)

    def register(self, name, address):
        pb = self.pb
        response = self.unary("RegisterInstance", pb.RegisterInstanceRequest(
            instance=pb.ServiceInstance(name=name, address=address)), pb.RegisterInstanceResponse)
        self.assertEqual(response.ttl_ms, TTL_S * 1000)
        return response.instance

    def get(self, instance_id):
        return self.unary("GetService", self.pb.GetServiceRequest(instance_id=instance_id),
                          self.pb.GetServiceResponse).instance

    def test_unauthenticated_and_errors(self):
        pb = self.pb
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.unary("ListServices", pb.ListServicesRequest(), pb.ListServicesResponse,
                       metadata=[])
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.register("g", "bad address")
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(caught.exception.details(), 'address must be host:port, got "bad address"')
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.get("nope")
        self.assertEqual((caught.exception.code(), caught.exception.details()),
                         (self.grpc.StatusCode.NOT_FOUND, "service not found"))

    def test_discover_list_and_deregister(self):
        pb = self.pb
        inst = self.register("inventory", "10.4.0.1:7")
        self.assertEqual(inst.protocol, "http")
        self.assertEqual(inst.weight, 100)
        found = self.unary("Discover", pb.DiscoverRequest(name="inventory"), pb.DiscoverResponse)
        self.assertEqual([i.id for i in found.instances], [inst.id])
        listed = self.unary("ListServices", pb.ListServicesRequest(), pb.ListServicesResponse)
        self.assertIn("inventory", [s.name for s in listed.services])
        renewed = self.unary("Renew", pb.RenewInstanceRequest(instance_id=inst.id),
                             pb.RenewInstanceResponse)
        self.assertGreaterEqual(renewed.expires_at_ms, inst.last_renew_time_ms + TTL_S * 1000)
        self.unary("DeregisterInstance", pb.DeregisterInstanceRequest(instance_id=inst.id),
                   pb.DeregisterInstanceResponse)
        found = self.unary("Discover", pb.DiscoverRequest(name="inventory"), pb.DiscoverResponse)
        self.assertEqual(list(found.instances), [])

    def test_silent_heartbeat_stream_goes_offline_and_watch_sees_it(self):
        pb = self.pb
        events = queue.Queue()
        watch = self.channel.unary_stream(
            "/aio.v1.RegistryService/Watch", request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.WatchServicesResponse.FromString)(
                pb.WatchServicesRequest(name="beating"), metadata=self.metadata, timeout=30)

        def read_watch():
            try:
                for message in watch:
                    events.put(message)
            except self.grpc.RpcError:
                pass
        threading.Thread(target=read_watch, daemon=True).start()

        def next_event():
            return events.get(timeout=TTL_S + 5)

        snapshot = next_event()
        self.assertEqual((snapshot.type, list(snapshot.instances)),
                         (pb.WatchServicesResponse.SNAPSHOT, []))
        inst = self.register("beating", "10.5.0.1:1")
        event = next_event()
        self.assertEqual((event.type, event.instances[0].id),
                         (pb.WatchServicesResponse.REGISTER, inst.id))

        # Three heartbeats, each answered with an expiry, then the client goes silent.
        requests = queue.Queue()

        def heartbeats():
            while True:
                item = requests.get()
                if item is None:
                    return
                yield item
        stream = self.channel.stream_stream(
            "/aio.v1.RegistryService/HeartbeatStream",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.HeartbeatResponse.FromString)(
                heartbeats(), metadata=self.metadata, timeout=30)
        last_expiry = 0
        for _ in range(3):
            requests.put(pb.HeartbeatRequest(instance_id=inst.id))
            answer = next(stream)
            self.assertEqual(answer.instance_id, inst.id)
            self.assertGreater(answer.expires_at_ms, last_expiry)
            last_expiry = answer.expires_at_ms
            time.sleep(0.3)
        self.assertEqual(self.get(inst.id).status, "active")
        # Silent (stream still open): offline once the TTL has passed, and Watch says so.
        event = next_event()
        self.assertEqual((event.type, event.instances[0].status),
                         (pb.WatchServicesResponse.OFFLINE, "offline"))
        self.assertGreaterEqual(event.instances[0].offline_time_ms, last_expiry)
        self.assertEqual(self.get(inst.id).status, "offline")
        # One more heartbeat on the same stream brings it back.
        requests.put(pb.HeartbeatRequest(instance_id=inst.id))
        self.assertGreater(next(stream).expires_at_ms, last_expiry)
        event = next_event()
        self.assertEqual((event.type, event.instances[0].status),
                         (pb.WatchServicesResponse.UPDATE, "active"))
        requests.put(None)
        # A heartbeat for an unknown instance ends the stream with NOT_FOUND.
        bad = self.channel.stream_stream(
            "/aio.v1.RegistryService/HeartbeatStream",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.HeartbeatResponse.FromString)(
                iter([pb.HeartbeatRequest(instance_id="ghost")]), metadata=self.metadata,
                timeout=10)
        with self.assertRaises(self.grpc.RpcError) as caught:
            next(bad)
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.NOT_FOUND)

        self.unary("DeregisterInstance", pb.DeregisterInstanceRequest(instance_id=inst.id),
                   pb.DeregisterInstanceResponse)
        event = next_event()
        self.assertEqual((event.type, event.instances[0].id),
                         (pb.WatchServicesResponse.DEREGISTER, inst.id))
        watch.cancel()


if __name__ == "__main__":
    unittest.main()
