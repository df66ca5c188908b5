#!/usr/bin/env bash
# REST API front door side by side, the same chain length on both sides:
#
#   portolan: wrk -> REST API gateway (Host selects the API, stage prod,
#             resource {proxy+}, HTTP_PROXY over a VPC link) -> the link's
#             Network Load Balancer (TCP listener, ip target) -> backend,
#             one process, configured through the Go APIs (bench/restapi)
#   peer:     wrk -> nginx (keep-alive HTTP reverse proxy, one worker)
#             -> HAProxy (TCP mode, one thread: the NLB's part; this nginx
#             has no stream module) -> backend
#
# Both proxy chains run alone on core 0; wrk and the backend (bench/
# gateway's) share core 1. Rounds alternate between the two chains.
# Prints per run and as medians: requests/s, p50 and p99 latency, CPU time
# per request of the whole chain (utime+stime of its processes), then the
# ratios portolan/peer, and the load average before and after.
#
#   bench/restapi.sh [seconds=10] [connections=64] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} conns=${2:-64} rounds=${3:-3}
for tool in wrk nginx haproxy taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }
source bench/lib.sh

go build -o "$work/gw" ./bench/gateway
go build -o "$work/restapi" ./bench/restapi
start_ready backend 1 "$work/gw" -mode backend -addr 127.0.0.1:0
backend=$ready_addr
start_ready portolan 0 "$work/restapi" -addr 127.0.0.1:0 -backend "$backend"
p_addr=$ready_addr p_host=$ready_host p_pid=$ready_pid

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
h_port=$(free_port) n_port=$(free_port)
cat >"$work/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 4096
defaults
  mode tcp
  option splice-auto
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen nlb
  bind 127.0.0.1:$h_port
  server target $backend
CFG
taskset -c 0 haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.out" 2>&1 &
h_pid=$!
pids+=("$h_pid")

mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream nlb {
    server 127.0.0.1:$h_port;
    keepalive 256;
    keepalive_requests 1000000000;
  }
  server {
    listen 127.0.0.1:$n_port;
    # The stage prefix is stripped, as {proxy} does.
    location /prod/ {
      proxy_pass http://nlb/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
EOF
taskset -c 0 nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx.err" &
n_master=$!
pids+=("$n_master")
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$n_port/prod/pets/7" && break; sleep 0.05; done
n_worker=$(cat "/proc/$n_master/task/$n_master/children" | tr -s ' ' '\n' | grep -m1 .)
[[ -n "$n_worker" ]] || { echo "no nginx worker" >&2; cat "$work/nginx.err" >&2; exit 1; }
curl -fs -o /dev/null -H "Host: $p_host" "http://$p_addr/prod/pets/7" || { echo "portolan does not answer" >&2; cat "$work/portolan.err" >&2; exit 1; }

hz=$(getconf CLK_TCK)
# run NAME URL HOST PID...: one wrk run; appends a result line.
run() {
  local name=$1 url=$2 host=$3; shift 3
  local t0=0 t1=0 p
  for p in "$@"; do t0=$((t0 + $(ticks "$p"))); done
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Host: $host" "$url" >"$work/wrk.out"
  for p in "$@"; do t1=$((t1 + $(ticks "$p"))); done
  awk -v name="$name" -v dt=$((t1 - t0)) -v hz="$hz" "$wrk_awk"'
    END { printf "%-9s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f requests=%d non2xx=%d\n",
          name, rps, p50, p99, dt / hz * 1e6 / reqs, reqs, bad }' "$work/wrk.out" | tee -a "$work/results"
}

url_p="http://$p_addr/prod/pets/7" url_n="http://127.0.0.1:$n_port/prod/pets/7"
taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $p_host" "$url_p" >/dev/null
taskset -c 1 wrk -t1 -c"$conns" -d2s "$url_n" >/dev/null

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "backend $backend, portolan $p_addr (Host: $p_host), nginx 127.0.0.1:$n_port -> haproxy 127.0.0.1:$h_port; ${secs}s x $rounds rounds, $conns connections"
for r in $(seq "$rounds"); do
  run portolan "$url_p" "$p_host" "$p_pid"
  run peer "$url_n" "localhost" "$n_master" "$n_worker" "$h_pid"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
awk "$medians_awk"'
  END {
    for (name in names) printf "median %-9s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f requests=%s\n",
      name, median(name, "rps"), median(name, "p50_ms"), median(name, "p99_ms"), median(name, "cpu_us_per_req"), median(name, "requests")
    printf "ratio portolan/peer rps=%.2f p50=%.2f p99=%.2f cpu_per_req=%.2f\n",
      median("portolan", "rps") / median("peer", "rps"), median("portolan", "p50_ms") / median("peer", "p50_ms"),
      median("portolan", "p99_ms") / median("peer", "p99_ms"), median("portolan", "cpu_us_per_req") / median("peer", "cpu_us_per_req")
  }' "$work/results"
echo "load average before: $load_before, after: $load_after ($(nproc) cores)"
