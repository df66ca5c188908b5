#!/usr/bin/env bash
# The store on bolt and on a local 3-member etcd, side by side in one run
# (issue 19):
#
#   1. API write latency: BenchmarkStoreWriteLatency (internal/server/onetcd)
#      on bolt and on the 3-member etcd, c=1 and c=16.
#   2. RunTask → RUNNING, one task at a time (bench/storeload).
#   3. A service scaled 0 → N (default 1,000) tasks: time until all run, and
#      the store operations that cost (bench/storeload reads the counters
#      before and after).
#
# Steps 2 and 3 run real `portolan server` processes on the process runtime
# (--task-addresses ports: 1,000 tasks do not fit one node's /24 of task
# addresses), each task a copy of /bin/sleep: on bolt, one process with
# every role; on etcd, as docs/cluster.md lays out, one server (api,
# controller, gateway, dns) and three agents in three zones. The store
# operations: on bolt the server's commits (portolan_store_commit_duration_
# seconds_count); on etcd the requests the members answered, summed over
# the members (grpc_server_handled_total: Txn is a Commit or a lease or
# election write, Range a Get or a page of a List), and the API server's
# commits (the agents serve no metrics).
#
# Prints each result line, then the ratios etcd/bolt.
#
#   bench/store.sh [tasks=1000] [runtask-rounds=30] [latency-calls=1000]
#
# Addresses: etcd on 127.0.20.1-3, Portolan on 127.0.21.1 (bolt), 127.0.21.2
# (the etcd server) and 127.0.21.11-13 (the agents).
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=${1:-1000} rounds=${2:-30} calls=${3:-1000}
for tool in etcd curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt install etcd-server curl)" >&2; exit 1; }
done
source bench/lib.sh

go build -o "$work/portolan" ./cmd/portolan
go build -o "$work/storeload" ./bench/storeload
# A copy of its own, so that stray task processes are this run's alone.
cp /bin/sleep "$work/tinytask"
results=$work/results

port() { python3 -c "import socket; s=socket.socket(); s.bind(('$1',0)); print(s.getsockname()[1])"; }
wait_http() { for _ in $(seq 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

# kill_tasks: the task processes outlive a killed server (they are their
# own sessions); this run's are the ones running its copy of sleep.
kill_tasks() {
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/exe" 2>/dev/null) == "$work/tinytask" ]] && kill "${p#/proc/}" 2>/dev/null || true
  done
}
trap 'kill_tasks; cleanup' EXIT

# server NAME IP ARGS...: a portolan server on IP, its API on a free port
# (sets $api_url).
server() {
  local name=$1 ip=$2; shift 2
  local api="$ip:$(port "$ip")"
  "$work/portolan" server --api "$api" --gateway "$ip:0" --dns "$ip:0" --registry-addr "$ip:0" \
    --data-dir "$work/$name" --task-addresses ports --node-cpu 1000000 --node-memory 1000000 \
    --log-level warn "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_http "http://$api/_portolan/health"
  api_url=http://$api
}

echo "== API write latency (BenchmarkStoreWriteLatency, $calls calls)"
go test ./internal/server/onetcd/ -run '^$' -bench 'BenchmarkStoreWriteLatency/(bolt|etcd3)/' -benchtime "${calls}x" |
  awk '/^BenchmarkStoreWriteLatency/ {
    split($1, n, "/"); sub(/-[0-9]+$/, "", n[3]); name = (n[2] == "etcd3" ? "etcd" : n[2])
    for (i = 3; i < NF; i++) { if ($(i+1) == "p50-µs") p50 = $i / 1000; if ($(i+1) == "p99-µs") p99 = $i / 1000; if ($(i+1) == "ns/op") ns = $i }
    printf "%s write-%s p50_ms=%.2f p99_ms=%.2f calls_per_s=%.0f\n", name, n[3], p50, p99, 1e9 / ns
  }' | tee -a "$results"

echo "== bolt: one server, every role"
server bolt 127.0.21.1
"$work/storeload" -name bolt -endpoint "$api_url" -task "$work/tinytask" -runtask "$rounds" -scale "$tasks" \
  -metrics "$api_url/metrics" -count portolan_store_commit_duration_seconds_count | tee -a "$results"
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()
kill_tasks

echo "== etcd: 3 members, one server, three agents"
initial="" members=()
for i in 1 2 3; do
  ip=127.0.20.$i
  members+=("$ip:$(port "$ip")")
  peer="$ip:$(port "$ip")"
  peers+=("$peer")
  initial+="${initial:+,}e$i=http://$peer"
done
for i in 0 1 2; do
  etcd --name "e$((i + 1))" --data-dir "$work/etcd$i" \
    --listen-client-urls "http://${members[$i]}" --advertise-client-urls "http://${members[$i]}" \
    --listen-peer-urls "http://${peers[$i]}" --initial-advertise-peer-urls "http://${peers[$i]}" \
    --initial-cluster "$initial" --max-txn-ops 4096 --logger zap --log-level warn >"$work/etcd$i.log" 2>&1 &
  pids+=($!)
done
for m in "${members[@]}"; do wait_http "http://$m/health"; done
store="etcd://$(IFS=,; echo "${members[*]}")"
server etcd-server 127.0.21.2 --store "$store" --roles api,controller,gateway,dns --node-name server
api=$api_url
for i in 1 2 3; do
  server "etcd-agent$i" "127.0.21.1$i" --store "$store" --roles agent --node-name "agent$i" \
    --zone "us-east-1$(echo abc | cut -c$i)" --advertise "127.0.21.1$i"
done
metrics="$api/metrics"
for m in "${members[@]}"; do metrics+=",http://$m/metrics"; done
grpc='grpc_server_handled_total{grpc_code="OK",grpc_method='
"$work/storeload" -name etcd -endpoint "$api" -task "$work/tinytask" -runtask "$rounds" -scale "$tasks" -metrics "$metrics" \
  -count "portolan_store_commit_duration_seconds_count;${grpc}\"Txn\";${grpc}\"Range\";${grpc}\"Put\";${grpc}\"DeleteRange\"" | tee -a "$results"

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$1, $2, kv[1]] = kv[2]; keys[$2, kv[1]] = 1 } }
  END {
    for (k in keys) {
      split(k, pk, SUBSEP)
      if (pk[2] ~ /^(tasks|n|polls|server_commits)$/ || v["bolt", pk[1], pk[2]] == "" || v["etcd", pk[1], pk[2]] == "" || v["bolt", pk[1], pk[2]] == 0) continue
      printf "ratio etcd/bolt %-8s %-45s %.2fx\n", pk[1], pk[2], v["etcd", pk[1], pk[2]] / v["bolt", pk[1], pk[2]]
    }
    if (v["bolt", "ops_per_task", "server_commits"] > 0)
      printf "ratio etcd/bolt %-8s %-45s %.2fx\n", "ops_per_task", "etcd Txn / bolt commits", v["etcd", "ops_per_task", "Txn"] / v["bolt", "ops_per_task", "server_commits"]
  }' "$results" | sort
