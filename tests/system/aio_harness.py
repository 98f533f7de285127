"""Black-box harness for the `aio` binary: free ports, a temp dir with aio.yaml, start/stop/kill,
and the real clients (etcdctl 3.4, python3-etcd3, plain HTTP) pointed at it.

The binary comes from $AIO_BINARY (CTest passes $<TARGET_FILE:aio>). With
AIO_SYSTEST_REFERENCE=etcd the same etcd tests run against Debian's etcd-server instead, which is
how the tests themselves are checked: a test that fails against real etcd is a wrong test.
Tests that exercise aio-only surface (HTTP API, config loader, CLI) are skipped in that mode.
"""

import atexit
import base64
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import yaml

# python3-etcd3 clients live in this process while servers are started and killed: keep gRPC's
# fork handlers out of every subprocess spawn.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

REFERENCE = os.environ.get("AIO_SYSTEST_REFERENCE", "")  # "" (aio) or "etcd"
ETCDCTL = shutil.which("etcdctl", path="/usr/bin:/usr/local/bin") or "etcdctl"
ETCD = shutil.which("etcd", path="/usr/bin:/usr/local/bin") or "etcd"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Every server started by this process, so failures can show logs and exit always cleans up.
_LIVE_SERVERS = []


@atexit.register
def _close_leftover_servers():
    for server in list(_LIVE_SERVERS):
        server.close()



def _quiet_closed_watch_threads(args, _default=threading.excepthook):
    """python3-etcd3's watch thread dies with "Channel closed" once its client is closed: noise."""
    if (args.thread is not None and args.thread.name.startswith("etcd3_watch_")
            and issubclass(args.exc_type, ValueError)):
        return
    _default(args)


threading.excepthook = _quiet_closed_watch_threads

aio_only = unittest.skipIf(REFERENCE == "etcd", "exercises aio-only surface")


def _die_with_parent(cmd):
    """cmd, wrapped so the child gets SIGKILL when the test process dies (a CTest timeout).

    setpriv execs the command (same pid). Not a preexec_fn: that forces fork() and runs gRPC's
    fork handlers in a process full of gRPC threads.
    """
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    return ([setpriv, "--pdeathsig", "KILL", "--"] + cmd) if setpriv else cmd


def aio_binary():
    """Path of the aio binary under test: $AIO_BINARY, else the newest build/*/src/server/aio."""
    path = os.environ.get("AIO_BINARY")
    if path:
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"AIO_BINARY={path} is not an executable file")
        return path
    found = sorted(glob.glob(os.path.join(REPO_ROOT, "build", "*", "src", "server", "aio")),
                   key=os.path.getmtime)
    if not found:
        raise RuntimeError("set AIO_BINARY to the aio binary (no build/*/src/server/aio found)")
    return found[-1]


def free_ports(n):
    """n distinct ports that were free a moment ago (bound to port 0 together, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def b64(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def unb64(text):
    return base64.b64decode(text or "").decode()


def deep_set(config, dotted_key, value):
    """deep_set(cfg, "store.max_request_bytes", 1024) sets cfg["store"]["max_request_bytes"]."""
    node = config
    parts = dotted_key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def run_aio(args, timeout=15, env=None):
    """Runs the binary to completion (for --version, bad configs); returns CompletedProcess.

    The working directory is a fresh temp dir, so relative defaults (./data, ./logs) land there.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    cwd = tempfile.mkdtemp(prefix="aio-run-")
    try:
        return subprocess.run([aio_binary()] + list(args), capture_output=True, text=True,
                              timeout=timeout, env=full_env, cwd=cwd)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


def etcdctl_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env["ETCDCTL_API"] = "3"
    return env


class ServerProcess:
    """One server process on free ports in its own temp dir; the data dir survives restarts.

    config: {"store.max_request_bytes": 4096, ...} (dotted keys) merged over the defaults.
    """

    CLEAN_EXIT_CODES = (0,)  # exit status after SIGTERM

    def __init__(self, config=None, env=None, args=None, name="aio"):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix=f"{name}-systest-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.http_port, self.etcd_port, self.protocol_port, self.peer_port = free_ports(4)
        self.mq_port = free_ports(1)[0]
        self.cache_port = free_ports(1)[0]
        self.overrides = dict(config or {})
        self.env = dict(env or {})
        self.args = list(args or [])
        self.proc = None
        self.starts = 0
        self.saved_log = ""
        self._clients = []
        self._children = []
        _LIVE_SERVERS.append(self)

    # --- lifecycle -------------------------------------------------------------------------
    def command(self):
        raise NotImplementedError

    def is_ready(self):
        raise NotImplementedError

    def start(self, wait=True, timeout=30):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        full_env = dict(os.environ)
        full_env.update(self.env)
        with open(self.log_path, "a") as log:
            log.write(f"=== harness: start #{self.starts}: {' '.join(self.command())}\n")
            log.flush()
            self.proc = subprocess.Popen(_die_with_parent(self.command()), stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=full_env, cwd=self.tmp)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(f"{self.name} exited with {rc} before it was ready; log:\n"
                                     f"{self.log_tail()}")
            if self.is_ready():
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.name} not ready after {timeout}s; log:\n{self.log_tail()}")

    def terminate(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig and waits; returns (exit code, seconds it took). Kills after timeout."""
        if self.proc is None or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        return rc, time.monotonic() - start

    def kill(self):
        """kill -9: no chance to flush or clean up."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_clients()

    def restart(self, graceful=True, timeout=30):
        if graceful:
            rc, _ = self.terminate()
            if rc not in self.CLEAN_EXIT_CODES:
                raise AssertionError(f"{self.name} exited {rc} on SIGTERM; log:\n{self.log_tail()}")
        else:
            self.kill()
        self._close_clients()
        self.start(timeout=timeout)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        """Stops everything this server started; keeps the log text in saved_log."""
        for child in self._children:
            if child.poll() is None:
                child.kill()
            try:
                child.communicate(timeout=5)
            except (subprocess.TimeoutExpired, ValueError, OSError):
                pass
        self._children = []
        self._close_clients()
        if self.proc is not None and self.proc.poll() is None:
            self.terminate(timeout=5)
        self.saved_log = self.log_text()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self in _LIVE_SERVERS:
            _LIVE_SERVERS.remove(self)

    # --- logs ------------------------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return self.saved_log

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    # --- clients ---------------------------------------------------------------------------
    def etcdctl(self, *args, input=None, timeout=20, port=None):
        """Runs etcdctl (API v3) against this server; returns the CompletedProcess."""
        cmd = [ETCDCTL, f"--endpoints=127.0.0.1:{port or self.etcd_port}", "--dial-timeout=3s",
               "--command-timeout=10s"] + [str(a) for a in args]
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              env=etcdctl_env())

    def etcdctl_ok(self, *args, **kwargs):
        res = self.etcdctl(*args, **kwargs)
        if res.returncode != 0:
            raise AssertionError(f"etcdctl {' '.join(map(str, args))} failed "
                                 f"(exit {res.returncode}):\nstdout: {res.stdout}\n"
                                 f"stderr: {res.stderr}")
        return res.stdout

    def etcdctl_json(self, *args, **kwargs):
        out = self.etcdctl_ok(*args, "-w", "json", **kwargs)
        try:
            return json.loads(out)
        except ValueError:
            raise AssertionError(f"etcdctl {' '.join(map(str, args))} -w json: not JSON: {out!r}")

    def etcdctl_popen(self, *args):
        """Background etcdctl (watch, keep-alive); killed at close()."""
        cmd = [ETCDCTL, f"--endpoints=127.0.0.1:{self.etcd_port}", "--dial-timeout=3s"] + [
            str(a) for a in args]
        child = subprocess.Popen(_die_with_parent(cmd), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=etcdctl_env())
        self._children.append(child)
        return child

    def revision(self):
        """The store's current revision, as etcdctl endpoint status reports it."""
        status = self.etcdctl_json("endpoint", "status")
        return int(status[0]["Status"]["header"]["revision"])

    def client(self, timeout=10, port=None):
        """A python3-etcd3 client; closed at kill/restart/close."""
        import etcd3  # imported lazily: only the tests that need it pay for grpc.

        c = etcd3.client("127.0.0.1", port or self.etcd_port, timeout=timeout)
        self._clients.append(c)
        return c

    def _close_clients(self):
        for c in self._clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001 - best effort on teardown
                pass
        self._clients = []

    def redis(self, **kwargs):
        """A redis-py client on the cache port (python3-redis); closed at kill/restart/close."""
        import redis  # imported lazily: only the cache tests need it.

        c = redis.Redis(host="127.0.0.1", port=self.cache_port, socket_timeout=10, **kwargs)
        self._clients.append(c)
        return c

    def redis_cli(self, *args, input=None, timeout=20):
        """Runs redis-cli (redis-tools) against the cache port; returns the CompletedProcess."""
        cmd = [shutil.which("redis-cli") or "redis-cli", "-h", "127.0.0.1", "-p",
               str(self.cache_port)] + [str(a) for a in args]
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)

    def http(self, path, method="GET", timeout=5):
        """(status, content-type, body text) of an HTTP request to the HTTP listener."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type", ""), err.read().decode()


class AioServer(ServerProcess):
    """The aio binary with a generated aio.yaml: 127.0.0.1, free ports, data dir in the temp dir."""

    def __init__(self, config=None, env=None, args=None, config_arg=None):
        super().__init__(config=config, env=env, args=args, name="aio")
        self.config_path = os.path.join(self.tmp, "aio.yaml")
        self.config_arg = config_arg  # None: "--config <file>"; or a full argument list
        self.write_config()

    def config(self):
        cfg = {
            "system": {"data_dir": self.data_dir},
            # Loopback only, HTTP included (its seed default is to listen on every interface).
            "network": {"bind_ip": "127.0.0.1", "http_port": self.http_port,
                        "http_allow_external": False},
            "protocol": {"port": self.protocol_port},
            "store": {"etcd_compat_port": self.etcd_port},
            "mq": {"port": self.mq_port},
            "cache": {"port": self.cache_port},
            "logger": {"console": True, "file": "", "level": "info"},
        }
        for key, value in self.overrides.items():
            deep_set(cfg, key, value)
        return cfg

    def write_config(self):
        with open(self.config_path, "w") as f:
            yaml.safe_dump(self.config(), f, default_flow_style=False)

    def command(self):
        config_arg = self.config_arg or ["--config", self.config_path]
        return [aio_binary()] + config_arg + self.args

    def is_ready(self):
        if not port_accepts(self.etcd_port):
            return False
        try:
            status, _, body = self.http("/api/health", timeout=1)
        except OSError:
            return False
        if status != 200:
            return False
        try:
            return json.loads(body).get("code") == 20000
        except ValueError:
            return False


class EtcdReference(ServerProcess):
    """Debian's etcd-server with the store.* settings mapped to its flags (checks the tests)."""

    FLAGS = {
        "store.max_request_bytes": "--max-request-bytes",
        "store.quota_backend_bytes": "--quota-backend-bytes",
        "store.auto_compaction_mode": "--auto-compaction-mode",
        "store.auto_compaction_retention": "--auto-compaction-retention",
    }

    CLEAN_EXIT_CODES = (0, -signal.SIGTERM)  # etcd re-raises SIGTERM after its clean stop

    def __init__(self, config=None, env=None, args=None, **_):
        super().__init__(config=config, env=env, args=args, name="etcd")

    def command(self):
        peer = f"http://127.0.0.1:{self.peer_port}"
        client = f"http://127.0.0.1:{self.etcd_port}"
        cmd = [ETCD, "--name", "default", "--data-dir", self.data_dir,
               "--listen-client-urls", client, "--advertise-client-urls", client,
               "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
               "--initial-cluster", f"default={peer}", "--log-level", "warn"]
        for key, value in self.overrides.items():
            if key in self.FLAGS:
                cmd += [self.FLAGS[key], str(value)]
        return cmd + self.args

    def is_ready(self):
        if not port_accepts(self.etcd_port):
            return False
        return self.etcdctl("get", "harness-probe", timeout=5).returncode == 0


def new_server(**kwargs):
    """An unstarted server: aio, or real etcd under AIO_SYSTEST_REFERENCE=etcd."""
    if REFERENCE == "etcd":
        return EtcdReference(**kwargs)
    if REFERENCE:
        raise RuntimeError(f"unknown AIO_SYSTEST_REFERENCE={REFERENCE!r} (want 'etcd' or unset)")
    return AioServer(**kwargs)


class ServerTestCase(unittest.TestCase):
    """TestCase that owns its servers: always stopped and removed, logs printed on failure.

    A class-wide server: `cls.server = cls.start_class_server(config={...})` in setUpClass.
    A per-test server: `server = self.start_server(...)`.
    """

    _class_servers = ()

    @classmethod
    def start_class_server(cls, **kwargs):
        server = new_server(**kwargs)
        cls.addClassCleanup(server.close)
        cls._class_servers = tuple(cls._class_servers) + (server,)
        server.start()
        return server

    def start_server(self, start=True, **kwargs):
        server = new_server(**kwargs)
        self.addCleanup(server.close)
        self._test_servers.append(server)
        if start:
            server.start()
        return server

    def run(self, result=None):
        self._test_servers = []
        before = (len(result.failures) + len(result.errors)) if result is not None else 0
        outcome = super().run(result)
        after = (len(result.failures) + len(result.errors)) if result is not None else 0
        if after > before:
            for server in list(self._test_servers) + list(self._class_servers):
                text = server.log_text() if server.running() else (server.saved_log or
                                                                    server.log_text())
                tail = "\n".join(text.splitlines()[-80:])
                sys.stderr.write(f"\n----- {server.name} log ({self.id()}) -----\n{tail}\n"
                                 f"----- end of {server.name} log -----\n")
        return outcome

    # --- assertions shared by the suites ---------------------------------------------------
    def assertEtcdctlFails(self, res, message):
        """etcdctl exited non-zero and its error output carries etcd's message."""
        self.assertNotEqual(res.returncode, 0, f"expected failure with {message!r}, got "
                                               f"stdout={res.stdout!r}")
        self.assertIn(message, res.stderr, f"stdout={res.stdout!r}")


def wait_until(predicate, timeout=10, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
