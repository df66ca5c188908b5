#!/usr/bin/env bash
# The JWT authorizer's cost, side by side: wrk against two Portolan
# gateways in one run, identical but for a JWT authorizer on the route
# (RS256 token from an issuer on loopback, one token reused as clients
# reuse theirs). Both gateways are pinned to core 0 and loaded in turn;
# wrk and the backend share core 1. Both get the same Authorization header,
# so they read the same bytes.
#
# Prints per run and as medians: requests/s, p50 and p99 latency, the
# gateway's CPU time per request, then the on/off ratios (target: rps with
# the authorizer ≥ 0.8× without).
#
#   bench/jwt.sh [seconds=10] [connections=64] [rounds=3]
#   ISSUER=cognito bench/jwt.sh ...   # the token is a Cognito user pool's
#                                      # ID token, the pool in-process
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} conns=${2:-64} rounds=${3:-3}
case ${ISSUER:-oidc} in
  oidc) issuer_flag=jwt ;;
  cognito) issuer_flag=cognito ;;
  *) echo "ISSUER is oidc or cognito" >&2; exit 1 ;;
esac
for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }

source bench/lib.sh
go build -o "$work/gw" ./bench/gateway

start_ready backend 1 "$work/gw" -mode backend -addr 127.0.0.1:0
backend=$ready_addr
start_ready on 0 "$work/gw" -mode gateway -addr 127.0.0.1:0 -backend "$backend" -data "$work/on" "-${issuer_flag}"
on_addr=$ready_addr on_host=$ready_host on_pid=$ready_pid
token=$(grep -m1 '^token ' "$work/on.out" | cut -d' ' -f2)
start_ready off 0 "$work/gw" -mode gateway -addr 127.0.0.1:0 -backend "$backend" -data "$work/off"
off_addr=$ready_addr off_host=$ready_host off_pid=$ready_pid

# The authorizer must really be on: no token, no entry.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $on_host" "http://$on_addr/pets/7")
[[ $code == 401 ]] || { echo "authorizer not enforced: $code without a token" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $on_host" -H "Authorization: Bearer $token" "http://$on_addr/pets/7")
[[ $code == 200 ]] || { echo "token refused: $code" >&2; exit 1; }

hz=$(getconf CLK_TCK)

run() { # NAME ADDR HOST PID
  local name=$1 addr=$2 host=$3 pid=$4 t0 t1
  t0=$(ticks "$pid")
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Host: $host" -H "Authorization: Bearer $token" "http://$addr/pets/7" >"$work/wrk.out"
  t1=$(ticks "$pid")
  awk -v name="$name" -v dt=$((t1 - t0)) -v hz="$hz" "$wrk_awk"'
    END { printf "%-4s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f requests=%d non2xx=%d\n",
          name, rps, p50, p99, dt / hz * 1e6 / reqs, reqs, bad }' "$work/wrk.out" | tee -a "$work/results"
}

for a in "$on_addr $on_host" "$off_addr $off_host"; do
  set -- $a
  taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $2" -H "Authorization: Bearer $token" "http://$1/pets/7" >/dev/null
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "issuer ${ISSUER:-oidc}; backend $backend; authorizer on $on_addr, off $off_addr; ${secs}s x $rounds rounds, $conns connections"
for r in $(seq "$rounds"); do
  run on "$on_addr" "$on_host" "$on_pid"
  run off "$off_addr" "$off_host" "$off_pid"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo
awk "$medians_awk"'
  END {
    for (name in names) printf "median %-4s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f non2xx=%s\n",
      name, median(name, "rps"), median(name, "p50_ms"), median(name, "p99_ms"), median(name, "cpu_us_per_req"), median(name, "non2xx")
    printf "ratio authorizer on/off rps=%.2f p50=%.2f p99=%.2f cpu_per_req=%.2f\n",
      median("on", "rps") / median("off", "rps"), median("on", "p50_ms") / median("off", "p50_ms"),
      median("on", "p99_ms") / median("off", "p99_ms"), median("on", "cpu_us_per_req") / median("off", "cpu_us_per_req")
  }' "$work/results"
echo "load average before: $load_before, after: $load_after ($(nproc) cores)"
