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
#   bench/gateway.sh [seconds=10] [connections=64] [rounds=3] [--access-log]
#
# GW=path uses a bench/gateway binary built elsewhere (another commit, to
# compare two builds against the same peer).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} conns=${2:-64} rounds=${3:-3}
gwflags=()
[[ "${4:-}" == "--access-log" ]] && gwflags+=(-access-log)
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

n_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
  upstream backend {
    server $backend;
    keepalive 256;
    # nginx closes an upstream connection after 1000 requests by default;
    # Portolan never does, so neither does the peer.
    keepalive_requests 1000000000;
  }
  server {
    listen 127.0.0.1:$n_port;
    location / {
      proxy_pass http://backend;
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
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$n_port/pets/7" && break; sleep 0.05; done
n_worker=$(cat "/proc/$n_master/task/$n_master/children" | tr -s ' ' '\n' | grep -m1 .)
[[ -n "$n_worker" ]] || { echo "no nginx worker" >&2; cat "$work/nginx.err" >&2; exit 1; }

conns() { curl -fs "http://$backend/__conns"; }
hz=$(getconf CLK_TCK)

# run NAME URL HOST PID...: one wrk run; appends a result line.
run() {
  local name=$1 url=$2 host=$3; shift 3
  local c0 t0=0 t1=0 p
  c0=$(conns)
  for p in "$@"; do t0=$((t0 + $(ticks "$p"))); done
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Host: $host" "$url" >"$work/wrk.out"
  for p in "$@"; do t1=$((t1 + $(ticks "$p"))); done
  local c1; c1=$(conns)
  awk -v name="$name" -v dt=$((t1 - t0)) -v hz="$hz" -v newc=$((c1 - c0 - 1)) "$wrk_awk"'
    END { printf "%-9s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f new_upstream_conns=%d requests=%d non2xx=%d\n",
          name, rps, p50, p99, dt / hz * 1e6 / reqs, newc, reqs, bad }' "$work/wrk.out" | tee -a "$work/results"
}

url_p="http://$p_addr/pets/7" url_n="http://127.0.0.1:$n_port/pets/7"
# Warm both (connections, caches, the Go heap).
taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $p_host" "$url_p" >/dev/null
taskset -c 1 wrk -t1 -c"$conns" -d2s "$url_n" >/dev/null

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "backend $backend, portolan $p_addr (Host: $p_host), nginx 127.0.0.1:$n_port; ${secs}s x $rounds rounds, $conns connections"
for r in $(seq "$rounds"); do
  run portolan "$url_p" "$p_host" "$p_pid"
  run nginx "$url_n" "localhost" "$n_master" "$n_worker"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
awk "$medians_awk"'
  END {
    for (name in names) printf "median %-9s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f new_upstream_conns=%s requests=%s\n",
      name, median(name, "rps"), median(name, "p50_ms"), median(name, "p99_ms"), median(name, "cpu_us_per_req"), median(name, "new_upstream_conns"), median(name, "requests")
    printf "ratio portolan/nginx rps=%.2f p50=%.2f p99=%.2f cpu_per_req=%.2f\n",
      median("portolan", "rps") / median("nginx", "rps"), median("portolan", "p50_ms") / median("nginx", "p50_ms"),
      median("portolan", "p99_ms") / median("nginx", "p99_ms"), median("portolan", "cpu_us_per_req") / median("nginx", "cpu_us_per_req")
    printf "portolan new upstream connections per 10,000 requests: %.3f\n", median("portolan", "new_upstream_conns") * 10000 / median("portolan", "requests")
  }' "$work/results"
echo "load average before: $load_before, after: $load_after ($(nproc) cores)"
