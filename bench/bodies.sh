#!/usr/bin/env bash
# Bodies both ways through the HTTP API gateway, side by side with nginx:
# wrk POSTs a body of each size to /echo (the ANY /{proxy+} route, a Cloud
# Map integration), the backend (bench/gateway's) sends the same bytes
# back, and each proxy streams both directions (nginx with request and
# response buffering off, as Portolan streams). Both proxies run alone on
# core 0, wrk and the backend on core 1, rounds alternating.
#
# Prints per size and run: requests/s, MB/s through the proxy (request
# plus response bodies), the proxy's CPU milliseconds per MB, and per size
# the medians and the ratio Portolan/nginx of CPU per MB, with the load
# average before and after.
#
#   bench/bodies.sh [seconds=10] [connections=16] [rounds=3] [sizes="1024 65536 1048576"]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} conns=${2:-16} rounds=${3:-3} sizes=${4:-"1024 65536 1048576"}
for tool in wrk nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }

source bench/lib.sh
go build -o "$work/gw" ./bench/gateway

start_ready backend 1 "$work/gw" -mode backend -addr 127.0.0.1:0
backend=$ready_addr
start_ready portolan 0 "$work/gw" -mode gateway -addr 127.0.0.1:0 -backend "$backend" -data "$work/data"
p_addr=$ready_addr p_host=$ready_host p_pid=$ready_pid
start_nginx "$backend" '
    client_max_body_size 16m;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_request_buffering off;
      proxy_buffering off;
    }'

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", tonumber(os.getenv("BODY_SIZE")))
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# run NAME URL HOST SIZE PID...: one wrk run; appends "NAME-SIZE key=value..." to $work/results.
run() {
  local name=$1 url=$2 host=$3 size=$4; shift 4
  local t0=0 t1=0 p
  for p in "$@"; do t0=$((t0 + $(ticks "$p"))); done
  BODY_SIZE=$size taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" -H "Host: $host" "$url" >"$work/wrk.out"
  for p in "$@"; do t1=$((t1 + $(ticks "$p"))); done
  awk -v name="$name-$size" -v size="$size" -v dt=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" "$wrk_awk"'
    END { mb = 2 * size * reqs / 1e6
          printf "%-18s rps=%.0f mb_per_s=%.1f cpu_ms_per_mb=%.3f p99_ms=%.2f requests=%d non2xx=%d\n",
            name, rps, mb / '"$secs"', dt / hz * 1e3 / mb, p99, reqs, bad }' "$work/wrk.out" | tee -a "$work/results"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for size in $sizes; do
  # Warm both, and check the body comes back whole.
  got=$(head -c "$size" /dev/zero | curl -fs -H "Host: $p_host" --data-binary @- "http://$p_addr/echo" | wc -c)
  [[ $got == "$size" ]] || { echo "portolan echoed $got bytes of $size" >&2; exit 1; }
  BODY_SIZE=$size taskset -c 1 wrk -t1 -c"$conns" -d2s -s "$work/post.lua" -H "Host: $p_host" "http://$p_addr/echo" >/dev/null
  BODY_SIZE=$size taskset -c 1 wrk -t1 -c"$conns" -d2s -s "$work/post.lua" "http://127.0.0.1:$n_port/echo" >/dev/null
  for _ in $(seq "$rounds"); do
    run portolan "http://$p_addr/echo" "$p_host" "$size" "$p_pid"
    run nginx "http://127.0.0.1:$n_port/echo" localhost "$size" "$n_master" "$n_worker"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo
for size in $sizes; do
  awk -v a="portolan-$size" -v b="nginx-$size" "$medians_awk"'
    END {
      printf "median %-18s mb_per_s=%.1f cpu_ms_per_mb=%.3f p99_ms=%.2f\n", a, median(a, "mb_per_s"), median(a, "cpu_ms_per_mb"), median(a, "p99_ms")
      printf "median %-18s mb_per_s=%.1f cpu_ms_per_mb=%.3f p99_ms=%.2f\n", b, median(b, "mb_per_s"), median(b, "cpu_ms_per_mb"), median(b, "p99_ms")
      printf "ratio %s/%s cpu_per_mb=%.2f mb_per_s=%.2f\n", a, b, median(a, "cpu_ms_per_mb") / median(b, "cpu_ms_per_mb"), median(a, "mb_per_s") / median(b, "mb_per_s")
    }' "$work/results"
done
echo "load average before: $load_before, after: $load_after ($(nproc) cores)"
