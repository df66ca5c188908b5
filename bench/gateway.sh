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

start_gateway "${gwflags[@]}"

# nginx as the gateway's equivalent. With --access-log, nginx formats the same JSON line Portolan's stage
# does for every request and writes it, buffered, where Portolan's goes
# (/dev/null).
nginx_log=()
if [[ " ${gwflags[*]:-} " == *" -access-log "* ]]; then
  nginx_log=("log_format apigw escape=json '{\"requestId\":\"\$request_id\",\"ip\":\"\$remote_addr\",\"requestTime\":\"\$time_local\",\"routeKey\":\"\$request_method \$uri\",\"status\":\"\$status\",\"responseLength\":\"\$body_bytes_sent\",\"integrationLatency\":\"\$upstream_response_time\"}';
  access_log /dev/null apigw buffer=64k flush=1s;")
fi
start_nginx "$backend" "$nginx_to_backend" "${nginx_log[@]}"

wrk_compare "http://$p_addr/pets/7" "$p_host" "$p_pid"
