#!/usr/bin/env bash
# The web console's first paint, locally: `portolan up examples/quickstart`
# (the quick start's API, VPC link, Cloud Map service and two tasks, so
# the first view has something to draw), then bench/consolepaint loads the
# console URL it prints N times in headless Chromium, each in a fresh
# browser context, and prints first paint, first contentful paint and the
# moment the first view from the event stream was drawn (medians last).
#
#   bench/console.sh [loads=11]
set -euo pipefail
cd "$(dirname "$0")/.."
loads=${1:-11}
for tool in chromium python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
source bench/lib.sh

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
go build -o "$work/portolan" ./cmd/portolan
go build -o "$work/consolepaint" ./bench/consolepaint
PORTOLAN_DATA_DIR="$work/data" PORTOLAN_API="127.0.0.1:$(port)" PORTOLAN_GATEWAY="127.0.0.1:$(port)" \
  PORTOLAN_DNS="127.0.0.1:$(port)" PORTOLAN_REGISTRY_ADDR=127.0.0.1:0 \
  setsid "$work/portolan" up examples/quickstart >"$work/up.out" 2>&1 &
up_pid=$!
# up's task processes outlive a killed server by design: stop it with
# Ctrl-C's signal, which deletes the stack, and wait for it.
trap 'kill -INT -- -$up_pid 2>/dev/null; wait $up_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 1200); do
  grep -qs 'Following task logs' "$work/up.out" && break
  kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.out" >&2; exit 1; }
  sleep 0.1
done
url=$(grep -o 'Console: http://[^ ]*' "$work/up.out" | head -1 | cut -d' ' -f2)
[[ -n "$url" ]] || { echo "no console URL:" >&2; cat "$work/up.out" >&2; exit 1; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/consolepaint" -url "$url" -n "$loads"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
