#!/usr/bin/env bash
# How long Portolan's image takes to serve: from `docker run` to the first
# 200 of GET /_portolan/health, on the host network with the engine's
# socket mounted (README: "Run it as a container"). The first start of a
# data dir makes the docker runtime's DNS network; later starts on the same
# data dir find it (restarts, as with a kept -v .portolan volume). Prints
# each start in ms (and, in brackets, the part inside the container: from
# the engine's StartedAt to the server's "portolan ready" log line), then
# the medians; last, for comparison, the same binary started on the host
# (no container) on the same data dir.
#
#   bench/image-start.sh [restarts=5]
#
# Address: 127.0.12.50 (ports 14566, 18080, 18600).
set -euo pipefail
cd "$(dirname "$0")/.."
restarts=${1:-5}
tag=portolan-bench:start
name=portolan-bench-start
data=$(mktemp -d)
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  if [[ -f $data/node-id ]]; then
    docker network ls -q --filter "label=portolan.owner=$(cat "$data/node-id")" | xargs -r docker network rm >/dev/null
  fi
  docker rmi "$tag" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
scripts/image.sh "$tag" 2>/dev/null

now() { date +%s%N; }
start() {
  local t0 t1
  t0=$(now)
  docker run -d --name "$name" --network host -v /var/run/docker.sock:/var/run/docker.sock -v "$data:/var/lib/portolan" \
    -e PORTOLAN_ACCESS_KEY_ID=test -e PORTOLAN_SECRET_ACCESS_KEY=test -e PORTOLAN_DOCKER_TASK_CREDENTIALS=false \
    -e PORTOLAN_API=127.0.12.50:14566 -e PORTOLAN_GATEWAY=127.0.12.50:18080 -e PORTOLAN_DNS=127.0.12.50:18600 \
    -e PORTOLAN_REGISTRY_ADDR=127.0.12.50:0 "$tag" >/dev/null
  until curl -sf -o /dev/null http://127.0.12.50:14566/_portolan/health; do sleep 0.005; done
  t1=$(now)
  local started ready
  started=$(date -d "$(docker inspect --format '{{.State.StartedAt}}' "$name")" +%s%N)
  ready=$(docker logs "$name" 2>&1 | sed -n 's/^time=\([^ ]*\) .*msg="portolan ready".*/\1/p')
  ready=$(date -d "$ready" +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) [$(( (ready - started) / 1000000 ))]"
  docker rm -f "$name" >/dev/null
}

first=$(start)
echo "first start (makes the DNS network): $first ms"
runs=()
for i in $(seq "$restarts"); do
  runs+=("$(start)")
  echo "restart $i: ${runs[-1]} ms"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
total=$(printf '%s\n' "${runs[@]}" | cut -d' ' -f1 | median)
inside=$(printf '%s\n' "${runs[@]}" | cut -d' ' -f2 | tr -d '[]' | median)
echo "median restart: $total ms, $inside ms of it inside the container (load average $(cut -d' ' -f1-3 /proc/loadavg))"

bin=$(mktemp -d)/portolan
CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/portolan
host=()
for i in $(seq "$restarts"); do
  t0=$(now)
  "$bin" server --runtime docker --data-dir "$data" --docker-task-credentials=false --access-key-id test --secret-access-key test \
    --api 127.0.12.50:14566 --gateway 127.0.12.50:18080 --dns 127.0.12.50:18600 --registry-addr 127.0.12.50:0 2>/dev/null &
  pid=$!
  until curl -sf -o /dev/null http://127.0.12.50:14566/_portolan/health; do sleep 0.005; done
  host+=("$(( ($(now) - t0) / 1000000 ))")
  kill "$pid"; wait "$pid" || true
  echo "on the host $i: ${host[-1]} ms"
done
rm -rf "$(dirname "$bin")"
echo "median on the host: $(printf '%s\n' "${host[@]}" | median) ms"
