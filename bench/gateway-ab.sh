#!/usr/bin/env bash
# Two builds of bench/gateway side by side on the same backend, for a
# change's effect on the gateway's CPU per request: both gateways on core
# 0 (one idle while the other is measured), wrk and the backend on core
# 1, rounds alternating, the medians and the ratio NEW/OLD. Build each
# with `go build -o FILE ./bench/gateway` on its commit.
#
#   bench/gateway-ab.sh OLD NEW [seconds=8] [rounds=5] [connections=50]
#
# GWFLAGS="-access-log" (any bench/gateway flags) configures both alike.
#
# Against nginx, run bench/gateway.sh (GW=FILE picks a build).
set -euo pipefail
old=${1:?old gateway binary} new=${2:?new gateway binary}
secs=${3:-8} rounds=${4:-5} conns=${5:-50}
old=$(realpath "$old") new=$(realpath "$new")
cd "$(dirname "$0")/.."
for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
source bench/lib.sh

# shellcheck disable=SC2086 # GWFLAGS is a list of flags
GW=$old start_gateway ${GWFLAGS:-}
o_addr=$p_addr o_host=$p_host o_pid=$p_pid
start_ready new 0 "$new" -mode gateway -addr 127.0.0.1:0 -backend "$backend" -data "$work/data-new" ${GWFLAGS:-}
n_addr=$ready_addr n_host=$ready_host n_pid=$ready_pid
for pair in "$o_addr $o_host" "$n_addr $n_host"; do
  read -r addr host <<<"$pair"
  taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $host" "http://$addr/pets/7" >/dev/null
done
echo "backend $backend; old $old, new $new; ${secs}s x $rounds rounds, $conns connections"
for _ in $(seq "$rounds"); do
  wrk_run old "http://$o_addr/pets/7" "$o_host" "$o_pid"
  wrk_run new "http://$n_addr/pets/7" "$n_host" "$n_pid"
done
echo
wrk_report new old
