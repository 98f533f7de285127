#!/usr/bin/env bash
# Loads aio and a real etcd 3.4 (Debian's /usr/bin/etcd), one after the other, with the same
# aio-bench workloads, and prints a table of aio/etcd ratios (docs/benchmarks.md).
#
#   bench/run-kv.sh <aio-bench> <aio> [--quick] [--rounds 1] [--duration 10s] [--clients 64]
#     [--conns 8] [--watchers 1000] [--events 10000] [--load-keys 1000000] [--keep DIR]
#
# Each flag also reads an environment variable (BENCH_ROUNDS, BENCH_DURATION, BENCH_CLIENTS,
# BENCH_CONNS, BENCH_WATCHERS, BENCH_EVENTS, BENCH_LOAD_KEYS, BENCH_KEEP); ETCD overrides the etcd
# binary. --quick = 3s runs and 100,000 keys for the RSS run. Each round runs aio then etcd, each
# server twice in a fresh temp dir on free loopback ports: once for put/range/txn/watch, once for
# the RSS after loading the keys. The table shows medians over the rounds; --keep DIR keeps every
# run's JSON report.
set -euo pipefail

usage() {
  sed -n '5,6p' "$0" | sed 's/^# *//' >&2
  exit 2
}
[ $# -ge 2 ] || usage
bench=$(realpath "$1")
aio=$(realpath "$2")
shift 2
etcd=${ETCD:-/usr/bin/etcd}
rounds=${BENCH_ROUNDS:-1}
duration=${BENCH_DURATION:-10s}
clients=${BENCH_CLIENTS:-64}
conns=${BENCH_CONNS:-8}
watchers=${BENCH_WATCHERS:-1000}
events=${BENCH_EVENTS:-10000}
load_keys=${BENCH_LOAD_KEYS:-1000000}
keep=${BENCH_KEEP:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) duration=3s load_keys=100000 ;;
    --rounds) rounds=$2 && shift ;;
    --duration) duration=$2 && shift ;;
    --clients) clients=$2 && shift ;;
    --conns) conns=$2 && shift ;;
    --watchers) watchers=$2 && shift ;;
    --events) events=$2 && shift ;;
    --load-keys) load_keys=$2 && shift ;;
    --keep) keep=$2 && shift ;;
    *) usage ;;
  esac
  shift
done
for f in "$bench" "$aio" "$etcd"; do
  [ -x "$f" ] || { echo "run-kv: not an executable: $f" >&2 && exit 2; }
done

work=$(mktemp -d /tmp/aio-bench-kv.XXXXXX)
results=$work/results
mkdir -p "$results"
server_pid=""

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  if [ -n "$keep" ]; then
    mkdir -p "$keep"
    cp "$results"/*.json "$keep"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints N free loopback TCP ports.
free_ports() {
  /usr/bin/python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# start_server <aio|etcd> <dir>: starts a fresh server; sets server_pid and endpoint.
start_server() {
  local kind=$1 dir=$2
  mkdir -p "$dir/data"
  if [ "$kind" = aio ]; then
    local http grpc etcd_port
    read -r http grpc etcd_port <<<"$(free_ports 3)"
    cat >"$dir/aio.yaml" <<EOF
system:
  data_dir: $dir/data
network:
  bind_ip: 127.0.0.1
  http_allow_external: false
  http_port: $http
protocol:
  port: $grpc
store:
  etcd_compat_port: $etcd_port
logger:
  console: false
  file: ""
EOF
    "$aio" --config "$dir/aio.yaml" >"$dir/server.log" 2>&1 &
    endpoint=127.0.0.1:$etcd_port
  else
    local client peer
    read -r client peer <<<"$(free_ports 2)"
    "$etcd" --name bench --data-dir "$dir/data" \
      --listen-client-urls "http://127.0.0.1:$client" \
      --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "http://127.0.0.1:$peer" \
      --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "bench=http://127.0.0.1:$peer" \
      --logger zap --log-outputs stderr --log-level warn >"$dir/server.log" 2>&1 &
    endpoint=127.0.0.1:$client
  fi
  server_pid=$!
  # Ready once a put succeeds (the key is rewritten by the load run).
  for _ in $(seq 150); do
    if "$bench" kv --endpoint "$endpoint" --mix load --keys 1 --clients 1 --conns 1 \
      >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "run-kv: $kind did not start; log:" >&2
  tail -n 30 "$dir/server.log" >&2
  exit 1
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }
# CPU time (user + system, clock ticks) the server has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_s=$(getconf CLK_TCK)

# run <kind> <mix> [aio-bench flags...]: one aio-bench run; saves its report to
# results/<kind>-<mix>.<round>.json and the server CPU time it cost to
# results/<kind>-<mix>-cpu.<round>.json.
run() {
  local kind=$1 mix=$2 out cpu_before
  shift 2
  out=$results/$kind-$mix.$round.json
  echo "run-kv: round $round: $kind $mix" >&2
  cpu_before=$(cpu_ticks)
  if ! "$bench" kv --endpoint "$endpoint" --mix "$mix" --clients "$clients" --conns "$conns" \
    --key-size 16 --value-size 256 "$@" >"$out"; then
    echo "run-kv: $kind $mix failed: $(cat "$out")" >&2
  fi
  kill -0 "$server_pid" 2>/dev/null || {
    echo "run-kv: $kind died during $mix" >&2
    exit 1
  }
  awk -v ticks=$(($(cpu_ticks) - cpu_before)) -v hz="$ticks_per_s" \
    'BEGIN { printf "{\"cpu_s\": %.2f}\n", ticks / hz }' >"$results/$kind-$mix-cpu.$round.json"
}

for round in $(seq "$rounds"); do
  for kind in aio etcd; do
    start_server "$kind" "$work/$kind-ops-$round"
    run "$kind" put --keys 10000 --duration "$duration"
    run "$kind" range --keys 10000 --duration "$duration"
    run "$kind" txn --keys 10000 --duration "$duration"
    run "$kind" watch --watchers "$watchers" --events "$events"
    stop_server

    start_server "$kind" "$work/$kind-rss-$round"
    echo "{\"idle_rss_kib\": $(rss_kib)}" >"$results/$kind-idle.$round.json"
    run "$kind" load --keys "$load_keys"
    sleep 2
    echo "{\"rss_kib\": $(rss_kib)}" >"$results/$kind-rss.$round.json"
    stop_server
    rm -rf "$work/$kind-ops-$round" "$work/$kind-rss-$round"
  done
done

/usr/bin/python3 - "$results" "$rounds" "$clients" "$watchers" "$events" "$load_keys" <<'EOF'
import glob, json, os, statistics, sys

results, rounds, clients, watchers, events, load_keys = sys.argv[1:]

def reports(kind, mix):
    out = []
    for path in sorted(glob.glob(os.path.join(results, f"{kind}-{mix}.*.json"))):
        with open(path) as f:
            try:
                out.append(json.load(f))
            except ValueError:
                out.append({"error": "no report"})
    return out

def median(kind, mix, field):
    values = [r[field] for r in reports(kind, mix) if r.get(field) is not None]
    return statistics.median(values) if values else None

# Server CPU time per unit of work (us): CPU seconds of the run over the report's `count` field.
def cpu_per(kind, mix, count):
    values = []
    for report, cpu in zip(reports(kind, mix), reports(kind, f"{mix}-cpu")):
        if report.get(count) and cpu.get("cpu_s") is not None:
            values.append(cpu["cpu_s"] * 1e6 / report[count])
    return statistics.median(values) if values else None

# (label, mix, field, target: the aio/etcd ratio must be >= or <= the bound, or None)
rows = [
    (f"put throughput, {clients} clients (ops/s)", "put", "ops_per_s", (">=", 2)),
    ("put p99 (us)", "put", "p99_us", None),
    ("range throughput (ops/s)", "range", "ops_per_s", None),
    ("range p99, single key (us)", "range", "p99_us", ("<=", 1)),
    ("txn compare-and-put throughput (ops/s)", "txn", "ops_per_s", None),
    (f"watch delivery, {watchers} x {events} (events/s)", "watch", "events_per_s", (">=", 1)),
    ("watch: first put to last event (s)", "watch", "seconds", None),
    ("watch: put throughput during burst (ops/s)", "watch", "put_ops_per_s", None),
    ("idle RSS (MiB)", "idle", "idle_rss_kib", None),
    (f"RSS after {int(load_keys):,} keys (MiB)", "rss", "rss_kib", ("<=", 1)),
    ("load throughput (ops/s)", "load", "ops_per_s", None),
    ("server CPU per put (us)", "put", ("cpu", "ops"), None),
    ("server CPU per watch event delivered (us)", "watch", ("cpu", "events_received"), None),
    ("server CPU per loaded key (us)", "load", ("cpu", "ops"), None),
]

def show(value, field):
    if value is None:
        return "n/a"
    if isinstance(field, tuple) or field == "seconds":
        return f"{value:.2f}"
    if field.endswith("_kib"):
        return f"{value / 1024:.1f}"
    return f"{value:,.0f}"

print(f"median of {rounds} round(s)")
print(f"{'metric':<44} {'aio':>12} {'etcd':>12} {'aio/etcd':>9}  target")
for label, mix, field, target in rows:
    if isinstance(field, tuple):
        a, e = cpu_per("aio", mix, field[1]), cpu_per("etcd", mix, field[1])
    else:
        a, e = median("aio", mix, field), median("etcd", mix, field)
    ratio = f"{a / e:.2f}" if a is not None and e else "n/a"
    verdict = ""
    if target and ratio != "n/a":
        op, bound = target
        met = a / e >= bound if op == ">=" else a / e <= bound
        verdict = f"{op} {bound}  {'met' if met else 'MISSED'}"
    print(f"{label:<44} {show(a, field):>12} {show(e, field):>12} {ratio:>9}  {verdict}")

for kind in ("aio", "etcd"):
    watch = reports(kind, "watch")
    good = sum(1 for r in watch if r.get("ok"))
    counts = ", ".join(f"{r.get('events_received', 0):,}/{r.get('events_expected', 0):,}"
                       for r in watch)
    print(f"watch check, {kind}: {good}/{len(watch)} runs delivered every event once, in order"
          f" (received/expected: {counts})")
for path in sorted(glob.glob(os.path.join(results, "*.json"))):
    with open(path) as f:
        try:
            report = json.load(f)
        except ValueError:
            report = {"error": "no report"}
    for key, value in report.items():
        if key.endswith("error"):
            print(f"error: {os.path.basename(path)}: {value}")
EOF
