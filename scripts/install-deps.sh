#!/usr/bin/env bash
# Installs every Debian package that AIO's build, tests and benchmarks need. Idempotent: packages
# already present are skipped, and apt is not touched when nothing is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format
  # libraries
  libboost1.81-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  librocksdb-dev libabsl-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libcli11-dev libssl-dev libjwt-dev libargon2-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  liblua5.1-0-dev
  # peers for system tests and benchmarks
  etcd-server etcd-client python3 python3-etcd3 procps
  # message queue: nats.c for system tests and aio-bench, nats-server as the benchmark peer
  libnats-dev nats-server
  # cache: redis-cli/redis-benchmark and redis-py for system tests, redis-server as the peer
  redis-server redis-tools python3-redis
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]; then
  $sudo apt-get update -q
fi
echo "install-deps: installing ${missing[*]}"
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
