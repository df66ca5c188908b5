#!/usr/bin/env bash
# ECR's registry side by side with the distribution project's own
# registry (Debian's docker-registry, `registry serve`): the same client
# (bench/registry: the distribution API as docker push/pull speaks it)
# pushes an image of fresh random layers to each and pulls it back. Both
# registries store on their filesystem driver in the same temp dir and run
# pinned to core 0; the client runs on core 1. Portolan's is the real
# binary (`portolan server`), behind ECR's token and repository checks;
# the repository is made with `aws ecr create-repository` and the token
# comes from `aws ecr get-login-password`. Rounds alternate between the
# two registries.
#
# Prints each run, the medians of push and pull MiB/s, and the ratios
# Portolan/registry (target: >= 0.9x).
#
#   bench/registry.sh [rounds=5] [layers=4] [layer-MiB=32]
#
# Addresses: 127.0.80.1 (Portolan) and 127.0.80.2 (registry).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5} layers=${2:-4} mb=${3:-32}
for tool in docker-registry aws taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt install docker-registry awscli)" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "needs two cores" >&2; exit 1; }

source bench/lib.sh

go build -o "$work/portolan" ./cmd/portolan
go build -o "$work/client" ./bench/registry

api=127.0.80.1:14566 p_reg=127.0.80.1:15001 r_reg=127.0.80.2:15002
taskset -c 0 "$work/portolan" server --data-dir "$work/portolan-data" --api "$api" --gateway 127.0.80.1:0 --dns 127.0.80.1:0 \
  --registry-addr "$p_reg" --log-level warn >"$work/portolan.out" 2>&1 &
pids+=($!)
cat >"$work/registry.yml" <<CONF
version: 0.1
log:
  level: error
  accesslog: {disabled: true}
storage:
  filesystem: {rootdirectory: $work/registry-data}
  maintenance:
    uploadpurging: {enabled: false}
http:
  addr: $r_reg
CONF
taskset -c 0 docker-registry serve "$work/registry.yml" >"$work/registry.out" 2>&1 &
pids+=($!)

for _ in $(seq 200); do
  curl -fs "http://$api/_portolan/health" >/dev/null 2>&1 && curl -fs "http://$r_reg/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://$api/_portolan/health" >/dev/null || { echo "portolan did not start:" >&2; cat "$work/portolan.out" >&2; exit 1; }
curl -fs "http://$r_reg/v2/" >/dev/null || { echo "docker-registry did not start:" >&2; cat "$work/registry.out" >&2; exit 1; }

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws --endpoint-url "http://$api" ecr create-repository --repository-name bench >/dev/null
password=$(aws --endpoint-url "http://$api" ecr get-login-password)

echo "# $rounds rounds, $layers layers of $mb MiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  taskset -c 1 "$work/client" -name portolan -registry "http://$p_reg" -user AWS -password "$password" -layers "$layers" -layer-mb "$mb" -round "$r" | tee -a "$work/results"
  taskset -c 1 "$work/client" -name registry -registry "http://$r_reg" -layers "$layers" -layer-mb "$mb" -round "$r" | tee -a "$work/results"
done
awk "$medians_awk"'END {
  pp = median("portolan", "push_mbps"); rp = median("registry", "push_mbps")
  pl = median("portolan", "pull_mbps"); rl = median("registry", "pull_mbps")
  printf "median push MiB/s: portolan %.1f  registry %.1f  ratio %.2fx\n", pp, rp, pp / rp
  printf "median pull MiB/s: portolan %.1f  registry %.1f  ratio %.2fx\n", pl, rl, pl / rl
}' "$work/results"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
