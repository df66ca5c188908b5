#!/usr/bin/env bash
# What the I/O model costs: the gateway and nginx as in bench/gateway.sh,
# beside the two cost floors of bench/floor (the least a Go keep-alive
# proxy does, once with a goroutine per connection, once as one epoll
# loop). All four run alone on core 0 in turn, against the same backend,
# with wrk on core 1; rounds alternate. Prints each run, the medians and
# each one's CPU per request as a ratio to nginx's.
#
#   bench/floor.sh [seconds=8] [connections=50] [rounds=3]
#
# SPINS="5us 20us" adds an epoll floor per duration that polls that long
# before it sleeps (floor -spin), named epoll-5us and so on.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8} conns=${2:-50} rounds=${3:-3}
for tool in wrk nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }
source bench/lib.sh

start_gateway
start_nginx "$backend" "$nginx_to_backend"
go build -o "$work/floor" ./bench/floor
start_ready goroutines 0 "$work/floor" -model goroutines -backend "$backend"
g_addr=$ready_addr g_pid=$ready_pid
start_ready epoll 0 "$work/floor" -model epoll -backend "$backend"
e_addr=$ready_addr e_pid=$ready_pid
start_ready coroutines 0 "$work/floor" -model coroutines -backend "$backend"
c_addr=$ready_addr c_pid=$ready_pid

runs=("portolan http://$p_addr/pets/7 $p_host $p_pid"
  "nginx http://127.0.0.1:$n_port/pets/7 localhost $n_master $n_worker"
  "goroutines http://$g_addr/pets/7 floor $g_pid"
  "epoll http://$e_addr/pets/7 floor $e_pid"
  "coroutines http://$c_addr/pets/7 floor $c_pid")
for spin in ${SPINS:-}; do
  start_ready "epoll-$spin" 0 "$work/floor" -model epoll -spin "$spin" -backend "$backend"
  runs+=("epoll-$spin http://$ready_addr/pets/7 floor $ready_pid")
done
for run in "${runs[@]}"; do
  read -r _ url host _ <<<"$run"
  taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $host" "$url" >/dev/null
done
echo "backend $backend; ${secs}s x $rounds rounds, $conns connections"
for _ in $(seq "$rounds"); do
  for run in "${runs[@]}"; do
    # shellcheck disable=SC2086 # the run's fields, pids last
    wrk_run $run
  done
done
echo
awk "$medians_awk"'
  END {
    for (name in names) printf "median %-10s cpu_us_per_req=%.2f p99_ms=%.3f non2xx=%s ratio_to_nginx=%.2f\n",
      name, median(name, "cpu_us_per_req"), median(name, "p99_ms"), median(name, "non2xx"),
      median(name, "cpu_us_per_req") / median("nginx", "cpu_us_per_req")
  }' "$work/results" | sort -t= -k5 -n
