"""aio's Redis-protocol cache vs redis-server, driven by the peer's own redis-benchmark.

For -P 1 and -P 16: requests/s, p50 and p99 per test and the aio/redis ratio; the server CPU
seconds per million requests, per test and over all tests (utime+stime from /proc/<pid>/stat
around each test: one redis-benchmark run per test, which is less sensitive to load than req/s);
how busy redis-benchmark itself was (its CPU time over the run's wall time: near 100 %, the
client, not the server, bounds the throughput); each figure the median of ROUNDS interleaved
rounds; and the RSS of each fresh server before and after loading 1M keys (16-byte keys,
32-byte values) through redis-cli --pipe, with the bytes per key.
"""

import csv
import io
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TESTS = "set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset"
N = int(os.environ.get("N", "1000000"))
CLIENTS = int(os.environ.get("CLIENTS", "50"))
KEYS = int(os.environ.get("KEYS", "1000000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
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


def client_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def benchmark(port, pid, test, pipeline):
    """{test: (req/s, p50 ms, p99 ms, server CPU s per 1M requests, redis-benchmark's CPU s per 1M
    requests)} for one redis-benchmark run of `test`.

    For LRANGE_* redis-benchmark first runs N LPUSHes ("LPUSH (needed to benchmark LRANGE)"):
    the LRANGE row's CPU figures are what the whole run took minus what the LPUSH run of the same
    round took."""
    before, client_before = cpu_seconds(pid), client_cpu_seconds()
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", test, "-c", str(CLIENTS), "-n", str(N),
         "-P", str(pipeline), "--csv"], capture_output=True, text=True, check=True).stdout
    cpu = (cpu_seconds(pid) - before) * 1e6 / N
    client_cpu = (client_cpu_seconds() - client_before) * 1e6 / N
    rows = {}
    for row in csv.DictReader(io.StringIO(out)):
        if "needed to benchmark" in row["test"]:
            continue
        rows[row["test"].split(" ")[0]] = [float(row["rps"]), float(row["p50_latency_ms"]),
                                            float(row["p99_latency_ms"]), cpu, client_cpu]
    return rows


def busy(row):
    """redis-benchmark's CPU time over its run time, in percent of one core."""
    return row[4] * row[0] / 1e4


def run_rounds(ports, pids, pipeline):
    """{server: {test: medians}} over ROUNDS rounds. In each round every test runs against both
    servers back to back, the order alternating between rounds, so a change in the machine's load
    (other processes, a busy VM host) falls on both alike."""
    samples = {name: {} for name in ports}
    for round_no in range(ROUNDS):
        order = list(ports) if round_no % 2 == 0 else list(reversed(ports))
        for name in ports:
            cli(ports[name], "FLUSHALL")
        for test in TESTS.split(","):
            for name in order:
                rows = benchmark(ports[name], pids[name], test, pipeline)
                if test.startswith("lrange"):
                    lpush = samples[name]["LPUSH"][-1]
                    for row in rows.values():
                        row[3] -= lpush[3]
                        row[4] -= lpush[4]
                for key, row in rows.items():
                    samples[name].setdefault(key, []).append(row)
    return {name: {test: [statistics.median(column) for column in zip(*rows)]
                   for test, rows in tests.items()}
            for name, tests in samples.items()}


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
        # Memory first, on fresh servers: RSS before and after the load, so the difference is
        # what the keys cost (after the throughput runs the allocators hold freed memory).
        memory = []
        for name in ("aio", "redis"):
            before = rss_mb(servers[name].pid)
            keys = load_keys(ports[name])
            after = rss_mb(servers[name].pid)
            memory.append(f"{name}: RSS {before:.0f} MB idle, {after:.0f} MB after loading "
                          f"{keys:,} keys (16-byte keys, 32-byte values): "
                          f"{(after - before) * 1048576 / keys:.0f} bytes per key")
            cli(ports[name], "FLUSHALL")
        for pipeline in (1, 16):
            results = run_rounds(ports, {name: proc.pid for name, proc in servers.items()},
                                 pipeline)
            print(f"\n## -P {pipeline} (medians of {ROUNDS} rounds)\n")
            print("| test | aio req/s | redis req/s | ratio | aio p50/p99 ms | redis p50/p99 ms "
                  "| server CPU s/1M aio / redis | redis-benchmark busy vs aio / redis |")
            print("| --- | ---: | ---: | ---: | --- | --- | --- | --- |")
            for test in results["redis"]:
                a = results["aio"].get(test, (0, 0, 0, 0, 0))
                r = results["redis"][test]
                print(f"| {test} | {a[0]:,.0f} | {r[0]:,.0f} | {a[0] / r[0]:.2f} | "
                      f"{a[1]:.3f} / {a[2]:.3f} | {r[1]:.3f} / {r[2]:.3f} | "
                      f"{a[3]:.2f} / {r[3]:.2f} | {busy(a):.0f} % / {busy(r):.0f} % |")
            cpu = {name: sum(row[3] for row in rows.values()) / len(rows)
                   for name, rows in results.items()}
            print(f"\nserver CPU s per 1M requests: aio {cpu['aio']:.2f}, "
                  f"redis {cpu['redis']:.2f}")
        print("\n## memory\n")
        print("\n".join(memory))
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
