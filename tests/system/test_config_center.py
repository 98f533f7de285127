"""The config center through the real binary: /api/config over HTTP (history, diff, rollback that
writes a new version and refuses unknown versions without changing anything, soft delete and
restore, environment fallback, typed value validation, encrypted values masked unless revealed
for a caller holding read on the key, long-poll watch on change and on timeout, import/export
round trip) and aio.v1.ConfigService over gRPC (Put/Get/History, a Watch stream, auth)."""

import json
import threading
import time
import unittest

import test_auth
import test_registry
from aio_harness import ServerTestCase, aio_only, generated_pb2

ADMIN_PASSWORD = "admin-pw-config"
SALT = "config-salt-for-tests-0123456789"


def config_pb2():
    return generated_pb2("aio/v1/config.proto")[0]


class ConfigCase(ServerTestCase):
    @classmethod
    def start(cls, salt=SALT):
        cls.server = cls.start_class_server(config={
            "auth.initial_admin_password": ADMIN_PASSWORD, "system.config_salt": salt})

    call = test_auth.AuthHttpTest.call
    login = test_auth.AuthHttpTest.login

    def setUp(self):
        self.admin = self.login("admin", ADMIN_PASSWORD)

    ok = test_registry.RegistryHttpTest.ok
    fails = test_registry.RegistryHttpTest.fails

    def put(self, key, value, type_="string", env="default", **extra):
        return self.ok(f"/api/config/items/{key}", "PUT",
                       dict(env=env, type=type_, value=value, **extra))


@aio_only
class ConfigHttpTest(ConfigCase):
    @classmethod
    def setUpClass(cls):
        cls.start()

    def test_history_diff_and_rollback_never_delete(self):
        for value in ("a", "b", "c"):
            self.put("app.mode", value, description=f"set {value}")
        history = self.ok("/api/config/items/app.mode/history")
        self.assertEqual([(h["version"], h["value"], h["op"]) for h in history],
                         [(1, "a", "put"), (2, "b", "put"), (3, "c", "put")])
        self.assertTrue(all(h["updated_by"] == "admin" and h["updated_at"] > 0 for h in history))
        diff = self.ok("/api/config/items/app.mode/diff?from=1&to=3")
        self.assertEqual({c["field"]: (c["from"], c["to"]) for c in diff["changes"]},
                         {"value": ("a", "c"), "description": ("set a", "set c")})

        rolled = self.ok("/api/config/items/app.mode/rollback", "POST", {"version": 1})
        self.assertEqual((rolled["version"], rolled["value"], rolled["op"],
                          rolled["source_version"]), (4, "a", "rollback", 1))
        self.assertEqual(self.ok("/api/config/items/app.mode")["value"], "a")
        self.assertEqual(len(self.ok("/api/config/items/app.mode/history")), 4)

        self.fails("/api/config/items/app.mode/rollback", "POST", {"version": 99}, 404,
                   'config "app.mode" in environment "default" has no version 99 (versions 1..4)')
        current = self.ok("/api/config/items/app.mode")
        self.assertEqual((current["version"], current["value"]), (4, "a"))
        self.assertEqual(len(self.ok("/api/config/items/app.mode/history")), 4)
        self.fails("/api/config/items/app.mode/diff?from=1&to=x", "GET", None, 400,
                   'query parameter to must be an integer, not "x"')

    def test_json_diff_gives_a_patch(self):
        self.put("svc.limits", {"rps": 10, "burst": 5}, "json")
        self.put("svc.limits", {"rps": 20, "burst": 5}, "json")
        diff = self.ok("/api/config/items/svc.limits/diff?from=1&to=2")
        self.assertEqual(diff["json_patch"], [{"op": "replace", "path": "/rps", "value": 20}])

    def test_invalid_values_are_rejected_and_nothing_is_stored(self):
        status, env = self.call("/api/config/items/bad.json", "PUT",
                                {"type": "json", "value": '{"a": '}, self.admin)
        self.assertEqual((status, env["code"]), (400, 40000))
        self.assertTrue(env["msg"].startswith('config "bad.json": invalid JSON value: '), env)
        self.fails("/api/config/items/bad.int", "PUT", {"type": "int", "value": "12x"}, 400,
                   'config "bad.int": value "12x" is not an int (base-10 64-bit integer)')
        self.fails("/api/config/items/bad.bool", "PUT", {"type": "bool", "value": "yes"}, 400,
                   'config "bad.bool": value "yes" is not a bool (true or false)')
        self.fails("/api/config/items/bad.type", "PUT", {"type": "date", "value": "x"}, 400,
                   'value type "date" is not one of string, int, float, bool, json, encrypted')
        self.fails("/api/config/items/bad.env", "PUT", {"env": "qa", "value": "x"}, 400,
                   'environment "qa" is not one of default, dev, test, staging, prod')
        for key in ("bad.json", "bad.int", "bad.bool", "bad.type", "bad.env"):
            self.fails(f"/api/config/items/{key}", "GET", None, 404)
        self.assertEqual(self.put("good.int", 42, "int")["value"], "42")

    def test_environment_falls_back_to_default(self):
        self.put("db.url", "postgres://shared")
        got = self.ok("/api/config/items/db.url?env=prod")
        self.assertEqual((got["env"], got["value"]), ("default", "postgres://shared"))
        self.put("db.url", "postgres://prod", env="prod")
        self.assertEqual(self.ok("/api/config/items/db.url?env=prod")["value"], "postgres://prod")
        self.assertEqual(self.ok("/api/config/items/db.url?env=dev")["value"], "postgres://shared")
        self.fails("/api/config/items/nope?env=prod", "GET", None, 404,
                   'config "nope" not found in environment "prod" or "default"')

    def test_soft_delete_restore_and_purge(self):
        self.put("feature.x", "true", "bool")
        self.fails("/api/config/items/feature.x/purge", "POST", None, 409,
                   'config "feature.x" in environment "default" is not deleted: delete it before '
                   "purging")
        deleted = self.ok("/api/config/items/feature.x", "DELETE")
        self.assertEqual((deleted["version"], deleted["deleted"]), (2, True))
        self.fails("/api/config/items/feature.x", "GET", None, 404)
        keys = [i["key"] for i in self.ok("/api/config/items?prefix=feature.")]
        self.assertNotIn("feature.x", keys)
        keys = [i["key"] for i in self.ok("/api/config/items?prefix=feature.&include_deleted=true")]
        self.assertIn("feature.x", keys)
        restored = self.ok("/api/config/items/feature.x/restore", "POST")
        self.assertEqual((restored["version"], restored["deleted"]), (3, False))
        self.assertEqual(self.ok("/api/config/items/feature.x")["value"], "true")
        self.ok("/api/config/items/feature.x", "DELETE")
        self.assertEqual(self.ok("/api/config/items/feature.x/purge", "POST"),
                         {"versions_removed": 4})
        self.fails("/api/config/items/feature.x/history", "GET", None, 404)

    def test_encrypted_values_are_masked_unless_revealed_to_a_reader(self):
        self.put("db.password", "hunter2", "encrypted", env="prod")
        self.assertEqual(self.ok("/api/config/items/db.password?env=prod")["value"], "hunter2")
        listed = {i["key"]: i for i in self.ok("/api/config/items?env=prod&prefix=db.")}
        self.assertEqual((listed["db.password"]["value"], listed["db.password"]["masked"]),
                         ("******", True))
        history = self.ok("/api/config/items/db.password/history?env=prod")
        self.assertEqual(history[0]["value"], "******")
        revealed = self.ok("/api/config/items/db.password/history?env=prod&reveal=true")
        self.assertEqual(revealed[0]["value"], "hunter2")

        # dave may read db.* keys; erin may read only app.* keys.
        self.ok("/api/auth/roles", "POST", {"name": "db-reader", "permissions": [
            {"resource": "config", "pattern": "db.*", "actions": ["read"]}]})
        self.ok("/api/auth/roles", "POST", {"name": "app-reader", "permissions": [
            {"resource": "config", "pattern": "app.*", "actions": ["read"]}]})
        self.ok("/api/auth/users", "POST", {"name": "dave", "password": "dave-pw",
                                            "roles": ["db-reader"]})
        self.ok("/api/auth/users", "POST", {"name": "erin", "password": "erin-pw",
                                            "roles": ["app-reader"]})
        dave = self.login("dave", "dave-pw")
        erin = self.login("erin", "erin-pw")
        listed = self.ok("/api/config/items?env=prod&prefix=db.password&reveal=true", token=dave)
        self.assertEqual([i["value"] for i in listed], ["hunter2"])
        self.assertEqual(self.ok("/api/config/items?env=prod&prefix=db.&reveal=true",
                                 token=erin), [])
        self.fails("/api/config/items/db.password?env=prod", "GET", None, 403, token=erin)
        self.fails("/api/config/items/db.password", "PUT", {"value": "x"}, 403, token=dave)
        status, env = self.call("/api/config/items/db.password?env=prod")  # no token
        self.assertEqual((status, env["code"]), (401, 40100))

    def test_long_poll_returns_on_change_and_on_timeout(self):
        first = self.put("watch.me", "1", env="dev")
        results = {}

        def poll():
            results["started"] = time.monotonic()
            results["answer"] = self.ok(
                f"/api/config/watch?env=dev&keys=watch.me,other&version={first['revision']}"
                "&timeout=10s")
            results["took"] = time.monotonic() - results["started"]

        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.3)
        # The HTTP server keeps answering while the poll is parked.
        self.assertEqual(self.ok("/api/config/items/watch.me?env=dev")["value"], "1")
        second = self.put("watch.me", "2", env="dev")
        thread.join(10)
        answer = results["answer"]
        self.assertLess(results["took"], 5)
        self.assertFalse(answer["timed_out"])
        self.assertEqual([(c["key"], c["env"], c["old_version"], c["new_version"])
                          for c in answer["changes"]], [("watch.me", "dev", 1, 2)])
        self.assertGreaterEqual(answer["version"], second["revision"])

        start = time.monotonic()
        quiet = self.ok(f"/api/config/watch?env=dev&keys=watch.me&version={answer['version']}"
                        "&timeout=400ms")
        self.assertGreaterEqual(time.monotonic() - start, 0.4)
        self.assertEqual((quiet["changes"], quiet["timed_out"]), ([], True))

        # A change the caller missed answers at once.
        missed = self.ok(f"/api/config/watch?env=dev&keys=watch.me&version={first['revision']}"
                         "&timeout=10s")
        self.assertEqual([(c["old_version"], c["new_version"]) for c in missed["changes"]],
                         [(1, 2)])
        self.fails("/api/config/watch?env=dev&version=1", "GET", None, 400,
                   "keys is required: a comma-separated list of config keys")
        self.fails("/api/config/watch?keys=a&timeout=10y", "GET", None, 400)

    def test_export_import_round_trip_keeps_ciphertext(self):
        self.put("exp.port", "8080", "int", env="staging", metadata={"owner": "ops"})
        self.put("exp.secret", "s3cret", "encrypted", env="staging")
        exported = self.ok("/api/config/export?env=staging")
        self.assertEqual(exported["format"], "aio-config/v1")
        items = {i["key"]: i for i in exported["items"]}
        self.assertTrue(items["exp.secret"]["value"].startswith("aes256gcm:"))
        self.assertNotIn("s3cret", json.dumps(exported))

        self.assertEqual(self.ok("/api/config/import", "POST", exported),
                         {"created": 0, "updated": 0, "unchanged": 2})
        self.assertEqual(self.ok("/api/config/import?env=test", "POST", exported),
                         {"created": 2, "updated": 0, "unchanged": 0})
        self.assertEqual(self.ok("/api/config/items/exp.secret?env=test")["value"], "s3cret")
        port = self.ok("/api/config/items/exp.port?env=test")
        self.assertEqual((port["value"], port["type"], port["metadata"], port["op"]),
                         ("8080", "int", {"owner": "ops"}, "import"))

        broken = dict(exported, items=exported["items"] + [{"key": "exp.bad", "type": "float",
                                                           "value": "fast"}])
        self.fails("/api/config/import?env=dev", "POST", broken, 400,
                   'import item 2: config "exp.bad": value "fast" is not a float (finite number)')
        self.fails("/api/config/items/exp.port?env=dev", "GET", None, 404)


@aio_only
class ConfigWithoutSaltTest(ConfigCase):
    @classmethod
    def setUpClass(cls):
        cls.start(salt="")

    def test_encrypted_values_need_a_salt(self):
        self.fails("/api/config/items/secret", "PUT", {"type": "encrypted", "value": "x"}, 409,
                   "encrypted config values need system.config_salt: set it to a unique random "
                   "value in aio.yaml")
        self.fails("/api/config/items/secret", "GET", None, 404)
        self.put("plain", "x")


@aio_only
class ConfigGrpcTest(ConfigCase):
    @classmethod
    def setUpClass(cls):
        import grpc
        cls.grpc = grpc
        cls.pb = config_pb2()
        cls.start()
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.server.protocol_port}")
        cls.addClassCleanup(cls.channel.close)

    def setUp(self):
        super().setUp()
        self.metadata = [("authorization", f"Bearer {self.admin}")]

    def unary(self, method, request, response_type, metadata=None):
        call = self.channel.unary_unary(f"/aio.v1.ConfigService/{method}",
                                        request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=response_type.FromString)
        return call(request, metadata=self.metadata if metadata is None else metadata, timeout=10)

    def test_put_get_history_and_errors(self):
        pb = self.pb
        put = self.unary("Put", pb.PutConfigRequest(key="g.timeout", env="prod", type="int",
                                                    value="30"), pb.PutConfigResponse)
        self.assertEqual((put.item.version, put.item.env, put.item.updated_by), (1, "prod", "admin"))
        got = self.unary("Get", pb.GetConfigRequest(key="g.timeout", env="prod"),
                         pb.GetConfigResponse)
        self.assertEqual((got.item.value, got.item.type), ("30", "int"))
        self.unary("Put", pb.PutConfigRequest(key="g.timeout", env="prod", type="int", value="60"),
                   pb.PutConfigResponse)
        rolled = self.unary("Rollback", pb.RollbackConfigRequest(key="g.timeout", env="prod",
                                                                 version=1),
                            pb.RollbackConfigResponse)
        self.assertEqual((rolled.item.version, rolled.item.value), (3, "30"))
        history = self.unary("History", pb.ConfigHistoryRequest(key="g.timeout", env="prod"),
                             pb.ConfigHistoryResponse)
        self.assertEqual([v.value for v in history.versions], ["30", "60", "30"])

        with self.assertRaises(self.grpc.RpcError) as caught:
            self.unary("Put", pb.PutConfigRequest(key="g.timeout", type="int", value="x"),
                       pb.PutConfigResponse)
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(caught.exception.details(),
                         'config "g.timeout": value "x" is not an int (base-10 64-bit integer)')
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.unary("Get", pb.GetConfigRequest(key="g.timeout"), pb.GetConfigResponse,
                       metadata=[])
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.UNAUTHENTICATED)

    def test_watch_streams_changes_with_old_and_new_version(self):
        pb = self.pb
        self.unary("Put", pb.PutConfigRequest(key="g.flag", value="a"), pb.PutConfigResponse)
        watch = self.channel.unary_stream("/aio.v1.ConfigService/Watch",
                                          request_serializer=lambda m: m.SerializeToString(),
                                          response_deserializer=pb.ConfigChange.FromString)
        stream = watch(pb.WatchConfigRequest(env="staging", keys=["g.flag"]),
                       metadata=self.metadata, timeout=10)
        stream.initial_metadata()  # sent once the watch is in place
        self.unary("Put", pb.PutConfigRequest(key="g.flag", value="b"), pb.PutConfigResponse)
        self.unary("Put", pb.PutConfigRequest(key="g.other", value="b"), pb.PutConfigResponse)
        self.unary("Put", pb.PutConfigRequest(key="g.flag", env="staging", value="c"),
                   pb.PutConfigResponse)
        first, second = next(stream), next(stream)
        stream.cancel()
        self.assertEqual((first.env, first.key, first.old_version, first.new_version),
                         ("default", "g.flag", 1, 2))
        self.assertEqual((second.env, second.old_version, second.new_version), ("staging", 0, 1))


if __name__ == "__main__":
    unittest.main()
