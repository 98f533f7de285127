"""Reads `etcdctl watch -w json` output from a background process, one event at a time."""

import json
import queue
import threading
import time

from aio_harness import unb64


class WatchReader:
    """Collects events of a running `etcdctl watch ... -w json` (a harness etcdctl_popen child).

    Each event is a dict: type ("PUT"/"DELETE"), key, value, mod_revision, create_revision,
    version, and prev (None or (key, value)) when --prev-kv was given.
    """

    def __init__(self, proc):
        self.proc = proc
        self.events = []
        self._lines = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self):
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _absorb(self, line):
        line = line.strip()
        if not line:
            return
        resp = json.loads(line)
        for ev in resp.get("Events") or []:
            kv = ev.get("kv", {})
            prev = ev.get("prev_kv")
            self.events.append({
                "type": "DELETE" if ev.get("type", 0) == 1 else "PUT",
                "key": unb64(kv.get("key")),
                "value": unb64(kv.get("value")),
                "mod_revision": int(kv.get("mod_revision", 0)),
                "create_revision": int(kv.get("create_revision", 0)),
                "version": int(kv.get("version", 0)),
                "prev": (unb64(prev.get("key")), unb64(prev.get("value"))) if prev else None,
            })

    def wait_for(self, predicate, timeout=10):
        """Reads until predicate(events) holds; returns the events. Fails on timeout or exit."""
        deadline = time.monotonic() + timeout
        while not predicate(self.events):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"watch: timed out; events so far: {self.events}")
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                err = self.proc.stderr.read() if self.proc.poll() is not None else ""
                raise AssertionError(f"watch process ended (exit {self.proc.poll()}): {err}; "
                                     f"events so far: {self.events}")
            self._absorb(line)
        return self.events

    def wait_for_key(self, key, timeout=10):
        return self.wait_for(lambda evs: any(e["key"] == key for e in evs), timeout)
