#!/usr/bin/env bash
# DNS side by side: dnsperf against Portolan, NSD and Knot serving the same
# zone — 10 Cloud Map services × 5 instances (half A, half SRV), set up in
# Portolan through the AWS SDK by bench/dns and written out as a zone file
# for the other two. Each server is pinned to core 0, dnsperf to core 1;
# the servers alternate round by round so that background load hits all of
# them alike. Prints, per round and as medians: the most queries/s each
# answers, the p99 latency at a fixed rate (dnsperf -Q), and the ratios.
# Installs nsd, knot and dnsperf with apt-get if they are missing. Stops
# everything it started. ROUTE53=N also loads a Route 53 hosted zone of N
# record sets in every server (not asked for: it shows what hosted zones
# cost the Cloud Map answers).
#
#   [ROUTE53=1000] bench/dns.sh [rounds=3] [seconds=10] [rate=20000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} seconds=${2:-10} rate=${3:-20000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if ! command -v nsd >/dev/null || ! command -v knotd >/dev/null || ! command -v dnsperf >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "need nsd, knot and dnsperf: sudo apt-get install nsd knot dnsperf" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nsd knot dnsperf >/dev/null
fi
export PATH=$PATH:/usr/sbin

go build -o "$work/dnsbench" ./bench/dns

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }
# wait_dns PORT: until the server answers the zone's first service.
wait_dns() {
  printf 'svc0.bench.local A\n' >"$work/probe.txt"
  for _ in $(seq 100); do
    dnsperf -s 127.0.0.1 -p "$1" -d "$work/probe.txt" -n 1 -t 1 2>/dev/null | grep -q 'NOERROR 1' && return 0
    sleep 0.1
  done
  echo "no DNS answer on port $1" >&2; exit 1
}

# Portolan: the API and the DNS server in one process; the zone through the API.
api=$(port) p_port=$(port)
taskset -c 0 "$work/dnsbench" serve -api "127.0.0.1:$api" -dns "127.0.0.1:$p_port" -data "$work/data" & pids+=($!)
wait_http "http://127.0.0.1:$api/_portolan/health"
"$work/dnsbench" setup -endpoint "http://localhost:$api" -zone "$work/bench.local.zone" -queries "$work/queries.txt" \
  -route53 "${ROUTE53:-0}" -route53-zone "$work/r53.bench.zone"
nsd_r53="" knot_r53=""
if [ "${ROUTE53:-0}" -gt 0 ]; then
  nsd_r53=$(printf 'zone:\n  name: r53.bench\n  zonefile: "%s"' "$work/r53.bench.zone")
  knot_r53=$(printf '  - domain: r53.bench\n    file: "%s"\n    journal-content: none\n    zonefile-sync: -1' "$work/r53.bench.zone")
fi
wait_dns "$p_port"

# NSD: one server process, no response rate limiting (on by default).
n_port=$(port)
cat >"$work/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$n_port
  port: $n_port
  server-count: 1
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "$work/nsd-zone.list"
  xfrdfile: "$work/nsd-xfrd.state"
  xfrdir: "$work"
  pidfile: "$work/nsd.pid"
  logfile: "$work/nsd.log"
  do-ip6: no
  verbosity: 0
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.local
  zonefile: "$work/bench.local.zone"
$nsd_r53
EOF
taskset -c 0 nsd -d -c "$work/nsd.conf" & pids+=($!)
wait_dns "$n_port"

# Knot: one UDP and one TCP worker, as the one core allows.
k_port=$(port)
mkdir -p "$work/knot"
cat >"$work/knot.conf" <<EOF
server:
    rundir: "$work/knot"
    listen: 127.0.0.1@$k_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: "$work/knot"
zone:
  - domain: bench.local
    file: "$work/bench.local.zone"
    journal-content: none
    zonefile-sync: -1
$knot_r53
EOF
taskset -c 0 knotd -c "$work/knot.conf" & pids+=($!)
wait_dns "$k_port"

declare -A ports=([portolan]=$p_port [nsd]=$n_port [knot]=$k_port)
declare -A pids_of=([portolan]=${pids[0]} [nsd]=${pids[1]} [knot]=${pids[2]})
# cpu_ticks PID: CPU time (user+system, clock ticks) of PID and all its
# descendants (NSD answers from a grandchild process).
tree() { local c; echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
cpu_ticks() {
  local t=0 p
  for p in $(tree "$1"); do
    # Fields after the command name, which may hold spaces ("nsd: server 1").
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$t"
}
# maxqps PORT PID: queries/s with dnsperf keeping 500 queries in flight,
# and the server's CPU time per query (µs) meanwhile. On a two-core machine
# one dnsperf thread tops out near 140k queries/s, so when all servers reach
# that, the CPU per query is what still tells them apart.
maxqps() {
  local before after
  before=$(cpu_ticks "$2")
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -l "$seconds" -c 8 -q 500 -T 1 >"$work/max.out" 2>&1
  after=$(cpu_ticks "$2")
  awk -v d=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /Queries completed/ { n = $3 } /Queries per second/ { q = $4 }
    END { printf "%d %.2f\n", q, d / hz * 1e6 / n }' "$work/max.out"
}
# fixed PORT PID: at $rate queries/s for 5 s, the p99 latency (µs) from
# dnsperf's per-query report, and the server's CPU time per query (µs).
fixed() {
  local before after
  before=$(cpu_ticks "$2")
  # Everything on core 1, so that only the server runs on core 0.
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -l 5 -c 8 -Q "$rate" -T 1 -v >"$work/fixed.out" 2>&1
  after=$(cpu_ticks "$2")
  taskset -c 1 awk '/^> / { print $NF }' "$work/fixed.out" | taskset -c 1 sort -g |
    taskset -c 1 awk '{ v[NR] = $1 } END { if (NR) printf "%d", v[int(NR * 0.99)] * 1e6; else printf "nan" }'
  awk -v d=$((after - before)) -v hz="$(getconf CLK_TCK)" '/Queries completed/ { printf " %.2f\n", d / hz * 1e6 / $3 }' "$work/fixed.out"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  for s in portolan nsd knot; do
    read -r q cq < <(maxqps "${ports[$s]}" "${pids_of[$s]}")
    read -r l c < <(fixed "${ports[$s]}" "${pids_of[$s]}")
    printf 'round %d %-9s qps=%-7s cpu/query@max=%sus p99@%dqps=%sus cpu/query@%dqps=%sus load=%s\n' \
      "$r" "$s" "$q" "$cq" "$rate" "$l" "$rate" "$c" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$work/results"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
awk -v rate="$rate" '
  { for (i = 4; i <= 7; i++) { split($i, kv, "="); sub(/us$/, "", kv[2]); v[$3, i, ++n[$3, i]] = kv[2] } ; servers[$3] = 1 }
  function median(s, i,   k, j, t, m, c) {
    c = n[s, i]; for (k = 1; k <= c; k++) m[k] = v[s, i, k]
    for (k = 1; k <= c; k++) for (j = k + 1; j <= c; j++) if (m[j] + 0 < m[k] + 0) { t = m[k]; m[k] = m[j]; m[j] = t }
    return m[int((c + 1) / 2)]
  }
  END {
    for (s in servers) { Q[s] = median(s, 4); CM[s] = median(s, 5); L[s] = median(s, 6); C[s] = median(s, 7)
      printf "median %-9s qps=%d cpu/query@max=%.2fus p99@%dqps=%dus cpu/query@%dqps=%.2fus\n", s, Q[s], CM[s], rate, L[s], rate, C[s] }
    for (i = 0; i < 2; i++) { p = i ? "knot" : "nsd"
      printf "ratio portolan/%-4s qps %.2fx  cpu/query@max %.2fx  p99 %.2fx  cpu/query@%d %.2fx\n", p,
        Q["portolan"] / Q[p], CM["portolan"] / CM[p], L["portolan"] / L[p], rate, C["portolan"] / C[p] }
  }
' "$work/results"
