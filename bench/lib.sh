# Shared by the bench scripts that start their own processes; source it
# after `cd` to the repository root. It makes $work (removed on exit, with
# every process in $pids killed) and defines:
#
#   start_ready NAME CORE CMD...   run CMD pinned to CORE, wait for its
#                                  "ready <addr> <host>" line; sets
#                                  $ready_addr, $ready_host, $ready_pid
#   ticks PID                      utime+stime of PID, in clock ticks
#   $wrk_awk                       awk rules that read `wrk --latency` output

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_ready() {
  local name=$1 core=$2; shift 2
  taskset -c "$core" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  ready_pid=$!
  pids+=("$ready_pid")
  for _ in $(seq 200); do
    if read -r _ ready_addr ready_host < <(grep '^ready ' "$work/$name.out" 2>/dev/null); then return 0; fi
    kill -0 "$ready_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name did not start:" >&2; cat "$work/$name.err" >&2; exit 1
}

# Fields 14 and 15 of /proc/<pid>/stat, counted after the comm.
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# medians_awk reads result lines ("NAME key=value ...", one per run) and
# defines median(NAME, KEY) for an END block: awk "$medians_awk"'END {...}'.
medians_awk='
  { name = $1; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[name, kv[1], ++n[name, kv[1]]] = kv[2] } names[name] = 1 }
  function median(name, key,   k, a, m, i, j, t) {
    m = n[name, key]; for (i = 1; i <= m; i++) a[i] = v[name, key, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
'

# wrk_awk reads the output of `wrk --latency` and sets reqs, rps, p50 and
# p99 (in milliseconds) and bad (non-2xx answers) for an END block:
# awk "$wrk_awk"'END {...}'.
wrk_awk='
  function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
  /requests in/ { reqs = $1 }
  /Requests\/sec/ { rps = $2 }
  $1 == "50%" { p50 = ms($2) }
  $1 == "99%" { p99 = ms($2) }
  /Non-2xx/ { bad = $NF }
'
