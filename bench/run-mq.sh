#!/usr/bin/env bash
# Runs the same core NATS workloads (aio-nats-bench, on nats.c) against aio and Debian's
# nats-server (started with -js and a temp store dir), both on free loopback ports, and prints
# msgs/s, MB/s, request/reply p50/p99 and the aio/nats-server ratios (docs/benchmarks.md).
#
#   bench/run-mq.sh <aio-nats-bench> <aio> [--quick]
#
# NATS_SERVER overrides the nats-server binary. --quick = fewer messages (a smoke run).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '6p' "$0" | sed 's/^# *//' >&2; exit 2; }
bench=$(realpath "$1")
aio=$(realpath "$2")
nats=${NATS_SERVER:-/usr/sbin/nats-server}
scale=1
[ "${3:-}" = "--quick" ] && scale=10
for f in "$bench" "$aio" "$nats"; do
  [ -x "$f" ] || { echo "run-mq: not an executable: $f" >&2 && exit 2; }
done

work=$(mktemp -d /tmp/aio-bench-mq.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "run-mq: port $1 did not open" >&2 && exit 1
}

start_aio() {
  local port=$1 dir=$work/aio
  mkdir -p "$dir"
  cat >"$dir/aio.yaml" <<YAML
system: {data_dir: $dir/data}
network: {bind_ip: 127.0.0.1, http_port: $(free_port), http_allow_external: false}
protocol: {port: $(free_port)}
store: {etcd_compat_port: $(free_port)}
auth: {enabled: false}
logger: {console: false, file: "$dir/aio.log"}
mq: {port: $port}
YAML
  (cd "$dir" && exec "$aio" --config "$dir/aio.yaml") &
  pid=$!
  wait_port "$port"
}

start_nats() {
  local port=$1
  mkdir -p "$work/nats"
  "$nats" -a 127.0.0.1 -p "$port" -js -sd "$work/nats" >"$work/nats.log" 2>&1 &
  pid=$!
  wait_port "$port"
}

stop_server() { kill "$pid" && wait "$pid" 2>/dev/null || true; pid=""; }

# load:subs:size:msgs
loads=(
  pub:0:16:2000000 pub:0:128:2000000 pub:0:1024:500000
  pubsub:1:16:1000000 pubsub:1:128:1000000 pubsub:1:1024:300000
  fanout:10:16:200000 fanout:10:128:200000 fanout:10:1024:50000
  queue:4:16:1000000 queue:4:128:1000000 queue:4:1024:300000
  jspub:0:16:200000 jspub:0:128:200000 jspub:0:1024:100000
)

run_all() {
  local url=$1 out=$2
  : >"$out"
  for l in "${loads[@]}"; do
    IFS=: read -r load subs size msgs <<<"$l"
    "$bench" --url "$url" --load "$load" --subs "$subs" --size "$size" \
      --msgs $((msgs / scale)) >>"$out"
  done
  for size in 16 128 1024; do
    "$bench" --url "$url" --load reqrep --size "$size" --seconds $((3 / scale + 1)) >>"$out"
  done
}

port=$(free_port)
start_aio "$port"
run_all "nats://127.0.0.1:$port" "$work/aio.json"
stop_server
port=$(free_port)
start_nats "$port"
run_all "nats://127.0.0.1:$port" "$work/nats.json"
stop_server

python3 - "$work/aio.json" "$work/nats.json" <<'PY'
import json, sys
aio = [json.loads(l) for l in open(sys.argv[1])]
nats = [json.loads(l) for l in open(sys.argv[2])]
print(f"{'workload':<22}{'aio msgs/s':>14}{'nats msgs/s':>14}{'aio MB/s':>10}{'nats MB/s':>10}{'ratio':>8}")
for a, n in zip(aio, nats):
    if a["load"] == "reqrep":
        continue
    name = (f"{a['load']} {a['size']}B" if a["load"] in ("pub", "jspub")
            else f"{a['load']} x{a['subs']} {a['size']}B")
    ok = "" if a["delivered"] == n["delivered"] else "  (delivered differs)"
    print(f"{name:<22}{a['msgs_per_s']:>14,.0f}{n['msgs_per_s']:>14,.0f}{a['mb_per_s']:>10.1f}"
          f"{n['mb_per_s']:>10.1f}{a['msgs_per_s']/n['msgs_per_s']:>8.2f}{ok}")
print(f"\n{'request/reply':<22}{'aio req/s':>12}{'nats req/s':>12}{'aio p50/p99 us':>18}{'nats p50/p99 us':>18}{'p99 ratio':>10}")
for a, n in zip(aio, nats):
    if a["load"] != "reqrep":
        continue
    print(f"{str(a['size'])+'B':<22}{a['req_per_s']:>12,.0f}{n['req_per_s']:>12,.0f}"
          f"{a['p50_us']:>9.0f}/{a['p99_us']:<8.0f}{n['p50_us']:>9.0f}/{n['p99_us']:<8.0f}"
          f"{a['p99_us']/n['p99_us']:>10.2f}")
PY
