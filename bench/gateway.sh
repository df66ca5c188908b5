#!/usr/bin/env bash
# HTTP API data plane side by side: wrk through Portolan's gateway (Host
# selects the API, the router matches GET /pets/{id}, a Cloud Map instance
# is picked, the request is proxied) and through nginx configured as the
# equivalent keep-alive reverse proxy, to the same tiny backend. Both
# proxies run alone on core 0 (nginx: one worker, not daemonized); wrk and
# the backend share core 1. Rounds alternate between the two proxies.
#
# Prints per run and as medians: requests/s, p50 and p99 latency, the
# proxy's CPU time per request (from /proc/<pid>/stat utime+stime), the new
# upstream connections the backend accepted, then the ratios, and the load
# average before and after (the machine may be shared).
#
#   bench/gateway.sh [seconds=10] [connections=64] [rounds=3] [--access-log] [--metrics]
#
# GW=path uses a bench/gateway binary built elsewhere (another commit, to
# compare two builds against the same peer).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} conns=${2:-64} rounds=${3:-3}
gwflags=()
for opt in "${@:4}"; do
  case "$opt" in
    --access-log) gwflags+=(-access-log) ;;
    --metrics) gwflags+=(-metrics) ;;   # the gateway's Prometheus series on
  esac
done
for tool in wrk nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }

source bench/lib.sh

if [[ -n "${GW:-}" ]]; then cp "$GW" "$work/gw"; else go build -o "$work/gw" ./bench/gateway; fi

start_ready backend 1 "$work/gw" -mode backend -addr 127.0.0.1:0
backend=$ready_addr
start_ready portolan 0 "$work/gw" -mode gateway -addr 127.0.0.1:0 -backend "$backend" -data "$work/data" "${gwflags[@]}"
p_addr=$ready_addr p_host=$ready_host p_pid=$ready_pid

# The equivalent keep-alive reverse proxy: every path to the backend.
# With --access-log, nginx formats the same JSON line Portolan's stage
# does for every request and writes it, buffered, where Portolan's goes
# (/dev/null).
nginx_log=()
if [[ " ${gwflags[*]:-} " == *" -access-log "* ]]; then
  nginx_log=("log_format apigw escape=json '{\"requestId\":\"\$request_id\",\"ip\":\"\$remote_addr\",\"requestTime\":\"\$time_local\",\"routeKey\":\"\$request_method \$uri\",\"status\":\"\$status\",\"responseLength\":\"\$body_bytes_sent\",\"integrationLatency\":\"\$upstream_response_time\"}';
  access_log /dev/null apigw buffer=64k flush=1s;")
fi
start_nginx "$backend" '
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }' "${nginx_log[@]}"

wrk_compare "http://$p_addr/pets/7" "$p_host" "$p_pid"
