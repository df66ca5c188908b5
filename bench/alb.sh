#!/usr/bin/env bash
# Application Load Balancer data plane side by side: wrk through
# Portolan's ALB (an internal ALB, an HTTP listener whose priority-1 rule
# forwards path-pattern /pets/* to an ip target group, its default a
# fixed-response 404; configured through ELBv2's Go API, the target
# health-checked; bench/nlb -mode alb) and through nginx configured as the
# equivalent keep-alive reverse proxy (location /pets/ proxied with the
# headers an ALB adds, every other path a 404), to the same tiny backend
# (bench/gateway's). Both proxies run alone on core 0 (nginx: one worker,
# not daemonized); wrk and the backend share core 1. Rounds alternate
# between the two proxies.
#
# Prints per run and as medians: requests/s, p50 and p99 latency, the
# proxy's CPU time per request (from /proc/<pid>/stat utime+stime), the new
# upstream connections the backend accepted, then the ratios, and the load
# average before and after (the machine may be shared).
#
#   bench/alb.sh [seconds=10] [connections=64] [rounds=3]
#
# LB=path uses a bench/nlb binary built elsewhere (another commit, to
# compare two builds against the same peer).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} conns=${2:-64} rounds=${3:-3}
for tool in wrk nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }

source bench/lib.sh

go build -o "$work/gw" ./bench/gateway
if [[ -n "${LB:-}" ]]; then cp "$LB" "$work/lb"; else go build -o "$work/lb" ./bench/nlb; fi

start_ready backend 1 "$work/gw" -mode backend -addr 127.0.0.1:0
backend=$ready_addr
start_ready portolan 0 "$work/lb" -mode alb -backend "$backend" -port 18092
p_addr=$ready_addr p_host=$ready_host p_pid=$ready_pid

start_nginx "$backend" '
    location /pets/ {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Amzn-Trace-Id "Root=$request_id";
    }
    location / {
      return 404 "not found";
    }'

for u in "http://$p_addr/pets/7" "http://127.0.0.1:$n_port/pets/7"; do
  curl -fs -o /dev/null "$u" || { echo "$u does not answer 200" >&2; exit 1; }
done
wrk_compare "http://$p_addr/pets/7" "$p_host" "$p_pid"
