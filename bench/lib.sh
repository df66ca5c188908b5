# Shared by the bench scripts that start their own processes; source it
# after `cd` to the repository root. It makes $work (removed on exit, with
# every process in $pids killed) and defines:
#
#   start_ready NAME CORE CMD...   run CMD pinned to CORE, wait for its
#                                  "ready <addr> <host>" line; sets
#                                  $ready_addr, $ready_host, $ready_pid
#   ticks PID                      utime+stime of PID, in clock ticks
#   $wrk_awk                       awk rules that read `wrk --latency` output
#   start_gateway [FLAGS...]      bench/gateway's backend on core 1 and its
#                                  gateway (with FLAGS) on core 0; sets
#                                  $backend, $p_addr, $p_host, $p_pid
#   $nginx_to_backend              the location block that makes nginx the
#                                  gateway's equivalent, for start_nginx
#   start_nginx, wrk_run, wrk_report, wrk_compare
#                                  nginx as the peer of an HTTP proxy, one
#                                  wrk run, the medians and ratios, the
#                                  whole side-by-side (described where
#                                  they are defined)

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
  for _ in $(seq 400); do
    if read -r _ ready_addr ready_host < <(grep '^ready ' "$work/$name.out" 2>/dev/null); then return 0; fi
    kill -0 "$ready_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name did not start:" >&2; cat "$work/$name.err" >&2; exit 1
}

# start_gateway [FLAGS...]: $GW, or bench/gateway built now, started as
# the backend on core 1 and as the gateway in front of it on core 0, the
# gateway with the environment $GWENV ("GOGC=off ...") if set.
start_gateway() {
  if [[ -n "${GW:-}" ]]; then cp "$GW" "$work/gw"; else go build -o "$work/gw" ./bench/gateway; fi
  start_ready backend 1 "$work/gw" -mode backend -addr 127.0.0.1:0
  backend=$ready_addr
  # shellcheck disable=SC2086 # GWENV is a list of assignments
  start_ready portolan 0 env ${GWENV:-} "$work/gw" -mode gateway -addr 127.0.0.1:0 -backend "$backend" -data "$work/data" "$@"
  p_addr=$ready_addr p_host=$ready_host p_pid=$ready_pid
}

# The equivalent keep-alive reverse proxy: every path to the backend.
# shellcheck disable=SC2016 # nginx's variable, not the shell's
nginx_to_backend='
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }'

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

# start_nginx BACKEND LOCATIONS [HTTP]: nginx on core 0 (one worker, not
# daemonized, no access log unless HTTP or LOCATIONS configure one) as a
# keep-alive reverse proxy to BACKEND (upstream "backend"), its server
# block holding LOCATIONS and its http block HTTP; waits until it answers
# and sets $n_port, $n_master and $n_worker.
start_nginx() {
  local backend=$1 locations=$2 http_extra=${3:-}
  n_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/nginx/logs"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  ${http_extra:-access_log off;}
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
$locations
  }
}
CONF
  taskset -c 0 nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx.err" &
  n_master=$!
  pids+=("$n_master")
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$n_port/pets/7" && break; sleep 0.05; done
  n_worker=$(tr -s ' ' '\n' <"/proc/$n_master/task/$n_master/children" | grep -m1 .)
  [[ -n "$n_worker" ]] || { echo "no nginx worker" >&2; cat "$work/nginx.err" >&2; exit 1; }
}

# wrk_run NAME URL HOST PID...: one wrk run of $secs seconds with $conns
# connections from core 1 against URL (Host: HOST), the CPU time of the
# PIDs measured around it and the backend's ($backend) accepted
# connections read before and after; appends a result line to
# $work/results.
wrk_run() {
  local name=$1 url=$2 host=$3; shift 3
  local c0 c1 t0=0 t1=0 p
  c0=$(curl -fs "http://$backend/__conns")
  for p in "$@"; do t0=$((t0 + $(ticks "$p"))); done
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Host: $host" "$url" >"$work/wrk.out"
  for p in "$@"; do t1=$((t1 + $(ticks "$p"))); done
  c1=$(curl -fs "http://$backend/__conns")
  awk -v name="$name" -v dt=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v newc=$((c1 - c0 - 1)) "$wrk_awk"'
    END { printf "%-9s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f new_upstream_conns=%d requests=%d non2xx=%d\n",
          name, rps, p50, p99, dt / hz * 1e6 / reqs, newc, reqs, bad }' "$work/wrk.out" | tee -a "$work/results"
}

# wrk_report A B: the medians of wrk_run's lines for A and B, and the
# ratios A/B.
wrk_report() {
  awk -v a="$1" -v b="$2" "$medians_awk"'
    END {
      for (name in names) printf "median %-9s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f new_upstream_conns=%s requests=%s non2xx=%s\n",
        name, median(name, "rps"), median(name, "p50_ms"), median(name, "p99_ms"), median(name, "cpu_us_per_req"), median(name, "new_upstream_conns"), median(name, "requests"), median(name, "non2xx")
      printf "ratio %s/%s rps=%.2f p50=%.2f p99=%.2f cpu_per_req=%.2f\n", a, b,
        median(a, "rps") / median(b, "rps"), median(a, "p50_ms") / median(b, "p50_ms"),
        median(a, "p99_ms") / median(b, "p99_ms"), median(a, "cpu_us_per_req") / median(b, "cpu_us_per_req")
      printf "%s new upstream connections per 10,000 requests: %.3f\n", a, median(a, "new_upstream_conns") * 10000 / median(a, "requests")
    }' "$work/results"
}

# wrk_compare URL_P HOST_P PID_P: warms Portolan (URL_P, Host: HOST_P,
# process PID_P) and nginx (started by start_nginx, serving the same path
# as URL_P), runs $rounds alternating wrk_run rounds of each, and reports
# the medians, the ratios and the load average before and after.
wrk_compare() {
  local url_p=$1 host_p=$2 pid_p=$3 url_n load_before load_after
  url_n="http://127.0.0.1:$n_port/${url_p#http://*/}"
  # Warm both (connections, caches, the Go heap).
  taskset -c 1 wrk -t1 -c"$conns" -d2s -H "Host: $host_p" "$url_p" >/dev/null
  taskset -c 1 wrk -t1 -c"$conns" -d2s "$url_n" >/dev/null
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "backend $backend, portolan $url_p (Host: $host_p), nginx $url_n; ${secs}s x $rounds rounds, $conns connections"
  for _ in $(seq "$rounds"); do
    wrk_run portolan "$url_p" "$host_p" "$pid_p"
    wrk_run nginx "$url_n" "localhost" "$n_master" "$n_worker"
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  echo
  wrk_report portolan nginx
  echo "load average before: $load_before, after: $load_after ($(nproc) cores)"
}
