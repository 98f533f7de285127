#!/usr/bin/env bash
# Runs Debian's redis-benchmark against aio's cache and against Debian's redis-server 7 (no
# persistence, loopback) with the same flags, in one run, and prints both with their ratio.
# Usage: bench/run-cache.sh path/to/aio   (env: N=1000000 requests per test, CLIENTS=50,
#        ROUNDS=3 interleaved rounds whose medians are printed)
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/cache_bench.py" "$@"
