#!/usr/bin/env bash
# NLB data plane side by side: the same load through Portolan's Network
# Load Balancer (an internal NLB with a TCP listener and an ip target
# group, configured through ELBv2's API, its target health-checked) and
# through HAProxy in TCP mode (one thread), to the same echo target. Both
# proxies run alone on core 0; the load generator and the target share
# core 1. Rounds alternate between the two proxies.
#
# Two phases per round: "stream" (16 connections writing 64 KiB chunks,
# the echo read back: CPU per MB moved) and "conns" (16 clients opening a
# connection, sending 64 bytes, reading them back and closing: CPU per
# connection, p99 of that round trip). Prints per run and as medians, then
# the ratios Portolan/HAProxy, and the load average before and after.
#
#   bench/nlb.sh [seconds=5] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5} rounds=${2:-3}
for tool in haproxy taskset; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install haproxy)" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }
source bench/lib.sh
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

go build -o "$work/nlb" ./bench/nlb
start_ready backend 1 "$work/nlb" -mode backend -addr 127.0.0.1:0
backend=$ready_addr
start_ready portolan 0 "$work/nlb" -mode nlb -backend "$backend" -port 18090
p_addr=$ready_addr p_pid=$ready_pid

h_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 4096
defaults
  mode tcp
  # Let the kernel move the bytes, as Portolan's proxy does (splice).
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
sleep 0.5
h_addr=127.0.0.1:$h_port

run() { # name pid addr phase
  local before after out
  before=$(ticks "$2")
  # A run that does not end dumps its goroutines (SIGQUIT) and fails the script.
  out=$(timeout -s QUIT $((secs + 30)) taskset -c 1 "$work/nlb" -mode load -addr "$3" -phase "$4" -c 16 -d "${secs}s")
  after=$(ticks "$2")
  echo "$out" | awk -v name="$1-$4" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    cpu = t / hz * 1e6
    printf "%s mb_s=%.1f conns_s=%.0f cpu_us_per_mb=%.1f cpu_us_per_conn=%.1f p99_ms=%.3f\n", name,
      f["bytes"] / 1e6 / f["seconds"], f["conns"] / f["seconds"], cpu / (f["bytes"] / 1e6), (f["conns"] ? cpu / f["conns"] : 0), f["p99_ms"]
  }'
}
for round in $(seq "$rounds"); do
  for phase in stream conns; do
    run portolan "$p_pid" "$p_addr" "$phase"
    run haproxy "$h_pid" "$h_addr" "$phase"
  done
done | tee "$work/results"
echo
awk "$medians_awk"'END {
  for (p = 0; p < 2; p++) {
    ph = p ? "conns" : "stream"
    for (s = 0; s < 2; s++) {
      nm = (s ? "haproxy" : "portolan") "-" ph
      printf "median %-16s mb_s=%.1f conns_s=%.0f cpu_us_per_mb=%.1f cpu_us_per_conn=%.1f p99_ms=%.3f\n", nm,
        median(nm, "mb_s"), median(nm, "conns_s"), median(nm, "cpu_us_per_mb"), median(nm, "cpu_us_per_conn"), median(nm, "p99_ms")
    }
  }
  printf "ratio portolan/haproxy stream: cpu_per_mb=%.2f mb_s=%.2f\n", median("portolan-stream", "cpu_us_per_mb") / median("haproxy-stream", "cpu_us_per_mb"), median("portolan-stream", "mb_s") / median("haproxy-stream", "mb_s")
  printf "ratio portolan/haproxy conns:  cpu_per_conn=%.2f conns_s=%.2f p99=%.2f\n", median("portolan-conns", "cpu_us_per_conn") / median("haproxy-conns", "cpu_us_per_conn"), median("portolan-conns", "conns_s") / median("haproxy-conns", "conns_s"), median("portolan-conns", "p99_ms") / median("haproxy-conns", "p99_ms")
}' "$work/results"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
