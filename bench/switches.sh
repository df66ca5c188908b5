#!/usr/bin/env bash
# Where the gateway's CPU per request goes, next to nginx's: for each
# proxy alone on core 0 (wrk and the backend on core 1, as in
# bench/gateway.sh), per request: voluntary and involuntary context
# switches (summed over the proxy's threads, /proc/PID/task/*/status),
# and user and system CPU time (/proc/PID/stat), around a wrk run after a
# warm-up. Rounds alternate between the two proxies.
#
#   bench/switches.sh [seconds=5] [connections=50] [rounds=2]
#
# GWENV="GOGC=off ..." runs the gateway with that environment; GW=path
# uses a bench/gateway binary built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5} conns=${2:-50} rounds=${3:-2}
for tool in wrk nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
source bench/lib.sh

start_gateway
start_nginx "$backend" "$nginx_to_backend"

# counters PID: voluntary, involuntary switches over its threads; user,
# system ticks.
counters() {
  local v=0 n=0 a b
  for f in /proc/"$1"/task/*/status; do
    read -r a b < <(awk '/^voluntary_ctxt/{v=$2} /^nonvoluntary_ctxt/{n=$2} END{print v, n}' "$f")
    v=$((v + a)) n=$((n + b))
  done
  echo "$v $n $(sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}')"
}

tick_us=$((1000000 / $(getconf CLK_TCK)))
measure() {
  local name=$1 url=$2 host=$3 pid=$4 v0 n0 u0 s0 v1 n1 u1 s1 reqs
  taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $host" "$url" >/dev/null
  read -r v0 n0 u0 s0 < <(counters "$pid")
  reqs=$(taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" -H "Host: $host" "$url" | awk '/requests in/{print $1}')
  read -r v1 n1 u1 s1 < <(counters "$pid")
  awk -v name="$name" -v r="$reqs" -v v=$((v1 - v0)) -v n=$((n1 - n0)) -v u=$(((u1 - u0) * tick_us)) -v s=$(((s1 - s0) * tick_us)) \
    'BEGIN { printf "%-9s requests=%d voluntary=%.3f involuntary=%.3f user_us=%.2f sys_us=%.2f cpu_us=%.2f\n", name, r, v/r, n/r, u/r, s/r, (u+s)/r }'
}

echo "portolan http://$p_addr/pets/7 (Host: $p_host), nginx 127.0.0.1:$n_port; ${secs}s x $rounds rounds, $conns connections, per request:"
for _ in $(seq "$rounds"); do
  measure portolan "http://$p_addr/pets/7" "$p_host" "$p_pid"
  measure nginx "http://127.0.0.1:$n_port/pets/7" "127.0.0.1:$n_port" "$n_worker"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
