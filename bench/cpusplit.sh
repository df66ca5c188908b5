#!/usr/bin/env bash
# Where each proxy's CPU goes, per request, next to nginx's: kernel and
# user-space time sampled by the kernel's software clock (perf record -e
# cpu-clock, split by DSO), exact on-CPU time over all the proxy's threads
# (/proc/PID/task/*/schedstat) with the second-busiest thread's share (for
# Go: sysmon, or a worker the runtime handed the work to), and the system calls and
# context switches it makes (perf stat on syscall tracepoints). Same
# pinning as bench/gateway.sh: each proxy alone on core 0, wrk and the
# backend on core 1; rounds alternate.
#
#   bench/cpusplit.sh [seconds=4] [connections=50] [rounds=2]
#
# Needs perf (linux-perf) with tracepoints; hardware counters are not
# needed. GW=path uses a bench/gateway binary built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-4} conns=${2:-50} rounds=${3:-2}
for tool in wrk nginx taskset curl perf; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
source bench/lib.sh

start_gateway
start_nginx "$backend" "$nginx_to_backend"

# oncpu PID: "TID NS" per thread, nanoseconds on CPU so far.
oncpu() { for t in /proc/"$1"/task/*; do echo "${t##*/} $(cut -d' ' -f1 "$t/schedstat")"; done; }

events=syscalls:sys_enter_read,syscalls:sys_enter_recvfrom,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep,context-switches

measure() {
  local name=$1 url=$2 host=$3 pid=$4 reqs
  taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $host" "$url" >/dev/null
  # The counters and the profile cover exactly the wrk run.
  oncpu "$pid" >"$work/cpu0"
  perf stat -x, -e "$events" -p "$pid" -o "$work/stat" -- \
    perf record -q -e cpu-clock -F 4999 -p "$pid" -o "$work/perf.data" -- \
    taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" -H "Host: $host" "$url" >"$work/wrk.out" 2>/dev/null
  oncpu "$pid" >"$work/cpu1"
  reqs=$(awk '/requests in/ {print $1}' "$work/wrk.out")
  perf report -i "$work/perf.data" --no-children --sort dso -q --stdio -g none 2>/dev/null |
    awk '{gsub(/%/, "", $1); if ($2 ~ /kernel/) k += $1; else u += $1} END {print k, u}' >"$work/split"
  join "$work/cpu0" "$work/cpu1" | awk -v name="$name" -v r="$reqs" \
    -v ku_line="$(cat "$work/split")" -v stat="$(tr '\n' ';' <"$work/stat")" '
    { d = $3 - $2; total += d; if (d > top[1]) { top[2] = top[1]; top[1] = d } else if (d > top[2]) top[2] = d }
    END {
      split(ku_line, ku, " "); n = split(stat, lines, ";")
      for (i = 1; i <= n; i++) { split(lines[i], f, ","); ev = f[3]; sub(/^syscalls:sys_enter_/, "", ev); if (f[1] ~ /^[0-9]+$/) c[ev] += f[1] }
      printf "%-9s requests=%d cpu_us=%.2f kernel_us=%.2f user_us=%.2f second_thread_share=%.3f", name, r, total / r / 1000,
        total * ku[1] / 100 / r / 1000, total * ku[2] / 100 / r / 1000, top[2] / total
      printf " reads=%.2f writes=%.2f epoll=%.2f futex=%.3f nanosleep=%.3f switches=%.3f\n",
        (c["read"] + c["recvfrom"]) / r, (c["write"] + c["writev"] + c["sendto"]) / r, (c["epoll_wait"] + c["epoll_pwait"]) / r,
        c["futex"] / r, c["nanosleep"] / r, c["context-switches"] / r
    }'
}

echo "portolan http://$p_addr/pets/7 (Host: $p_host), nginx 127.0.0.1:$n_port; ${secs}s x $rounds rounds, $conns connections, per request (kernel and user from cpu-clock samples):"
for _ in $(seq "$rounds"); do
  measure portolan "http://$p_addr/pets/7" "$p_host" "$p_pid"
  measure nginx "http://127.0.0.1:$n_port/pets/7" "127.0.0.1:$n_port" "$n_worker"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
