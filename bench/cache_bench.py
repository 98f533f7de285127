"""aio's Redis-protocol cache vs redis-server, driven by the peer's own redis-benchmark.

For -P 1 and -P 16: requests/s, p50 and p99 per test and the aio/redis ratio; the server CPU
seconds per million requests, per test and over all tests (utime+stime from /proc/<pid>/stat
around each test: one redis-benchmark run per test, which is less sensitive to load than req/s);
and the RSS of each server after loading 1M keys (16-byte keys, 32-byte values) through
redis-cli --pipe.
"""

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TESTS = "set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset"
N = int(os.environ.get("N", "1000000"))
CLIENTS = int(os.environ.get("CLIENTS", "50"))
KEYS = int(os.environ.get("KEYS", "1000000"))
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"port {port} not ready")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cli(port, *args, input=None):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), input=input,
                          capture_output=True, check=True).stdout


def benchmark(port, pid, pipeline):
    """{test: (req/s, p50 ms, p99 ms, server CPU s per 1M requests)}, one run per test.

    redis-benchmark runs N LPUSHes ("LPUSH (needed to benchmark LRANGE)") before LRANGE_*: their
    CPU, as measured by the LPUSH test just before, is taken off the LRANGE figure."""
    rows = {}
    for test in TESTS.split(","):
        before = cpu_seconds(pid)
        out = subprocess.run(
            ["redis-benchmark", "-p", str(port), "-t", test, "-c", str(CLIENTS), "-n", str(N),
             "-P", str(pipeline), "--csv"], capture_output=True, text=True, check=True).stdout
        cpu = (cpu_seconds(pid) - before) * 1e6 / N
        for row in csv.DictReader(io.StringIO(out)):
            name = row["test"].split(" ")[0]
            if "needed to benchmark" in row["test"]:
                cpu -= rows.get(name, (0, 0, 0, 0))[3]
                continue
            rows[name] = (float(row["rps"]), float(row["p50_latency_ms"]),
                          float(row["p99_latency_ms"]), cpu)
    return rows


def load_keys(port):
    value = "v" * 32
    payload = "".join(f"SET key:{i:012d} {value}\r\n" for i in range(KEYS)).encode()
    cli(port, "FLUSHALL")
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=payload, capture_output=True,
                   check=True)
    return int(cli(port, "DBSIZE").strip())


def main():
    aio_binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/release/src/server/aio")
    tmp = tempfile.mkdtemp(prefix="aio-bench-cache-")
    aio_port, redis_port = free_port(), free_port()
    config = os.path.join(tmp, "aio.yaml")
    with open(config, "w") as f:
        f.write(f"""system: {{data_dir: {tmp}/data}}
network: {{bind_ip: 127.0.0.1, http_port: {free_port()}, http_allow_external: false}}
protocol: {{port: {free_port()}}}
store: {{etcd_compat_port: {free_port()}}}
mq: {{enabled: false}}
cache: {{port: {aio_port}}}
logger: {{file: "", level: warn}}
""")
    servers = {
        "aio": subprocess.Popen([aio_binary, "--config", config], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=tmp),
        "redis": subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                                   "--appendonly", "no", "--bind", "127.0.0.1"],
                                  stdout=subprocess.DEVNULL, cwd=tmp),
    }
    ports = {"aio": aio_port, "redis": redis_port}
    try:
        for name, proc in servers.items():
            wait_port(ports[name], proc)
        version = subprocess.run(["redis-server", "--version"], capture_output=True,
                                 text=True).stdout.split()[2]
        print(f"# redis-benchmark -t {TESTS} -c {CLIENTS} -n {N} -P <1|16>; peer: redis-server "
              f"{version}; {os.cpu_count()} cores")
        for pipeline in (1, 16):
            results = {}
            for name in ("aio", "redis"):
                cli(ports[name], "FLUSHALL")
                results[name] = benchmark(ports[name], servers[name].pid, pipeline)
            print(f"\n## -P {pipeline}\n")
            print("| test | aio req/s | redis req/s | ratio | aio p50/p99 ms | redis p50/p99 ms "
                  "| CPU s/1M aio / redis |")
            print("| --- | ---: | ---: | ---: | --- | --- | --- |")
            for test in results["redis"]:
                a = results["aio"].get(test, (0, 0, 0, 0))
                r = results["redis"][test]
                print(f"| {test} | {a[0]:,.0f} | {r[0]:,.0f} | {a[0] / r[0]:.2f} | "
                      f"{a[1]:.3f} / {a[2]:.3f} | {r[1]:.3f} / {r[2]:.3f} | "
                      f"{a[3]:.2f} / {r[3]:.2f} |")
            cpu = {name: sum(row[3] for row in rows.values()) / len(rows)
                   for name, rows in results.items()}
            print(f"\nserver CPU s per 1M requests: aio {cpu['aio']:.2f}, "
                  f"redis {cpu['redis']:.2f}")
        print("\n## memory\n")
        for name in ("aio", "redis"):
            keys = load_keys(ports[name])
            print(f"{name}: RSS {rss_mb(servers[name].pid):.0f} MB after loading {keys:,} keys "
                  f"(16-byte keys, 32-byte values)")
    finally:
        for proc in servers.values():
            proc.terminate()
        for proc in servers.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
