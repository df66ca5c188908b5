#!/usr/bin/env bash
# Cloud Map side by side: moto_server and Portolan, the same Go client
# (bench/cloudmapload, aws-sdk-go-v2) and the same load, each server pinned
# to core 0 and the client to core 1. Prints ops/s and latency per phase
# for both, then the ratios. The DiscoverRaw phases repeat DiscoverInstances
# from a plain HTTP client that does not decode the answers, so that the
# SDK's decoding on the client's one core does not cap the fast server.
# Stops everything it started.
#
#   bench/cloudmap.sh [register=2000] [large=10000] [seconds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
register=${1:-2000} large=${2:-10000} seconds=${3:-5}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/portolan" ./cmd/portolan
go build -o "$work/load" ./bench/cloudmapload
command -v moto_server >/dev/null || { echo "moto_server not found (pip install 'moto[server]')" >&2; exit 1; }

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

run() { # run NAME URL
  taskset -c 1 "$work/load" -name "$1" -endpoint "$2" -register "$register" -large "$large" -d "${seconds}s" -c 16 | tee -a "$work/results"
  taskset -c 1 "$work/load" -name "$1" -endpoint "$2" -register 200 -large "$large" -d "${seconds}s" -c 1 | sed 's/Discover\(Instances\|Raw\)\//&c=1,/' | grep '/c=1,big' | tee -a "$work/results"
}

moto_port=$(port)
taskset -c 0 moto_server -p "$moto_port" >"$work/moto.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$moto_port/moto-api/"
run moto "http://localhost:$moto_port"

p_port=$(port)
taskset -c 0 "$work/portolan" server --data-dir "$work/data" --api "127.0.0.1:$p_port" --log-level warn & pids+=($!)
wait_http "http://127.0.0.1:$p_port/_portolan/health"
run portolan "http://localhost:$p_port"

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  { for (i = 3; i <= NF; i++) if ($i ~ /^ops\/s=/) { split($i, a, "="); rate[$1, $2] = a[2] } ; phases[$2] = 1 }
  END { for (p in phases) if (rate["moto", p] > 0) printf "ratio portolan/moto %-26s %.1fx\n", p, rate["portolan", p] / rate["moto", p] }
' "$work/results" | sort
