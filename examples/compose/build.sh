#!/bin/sh
# Builds app/ into the image docker compose runs for both services, FROM
# scratch (no base image to pull), tagged as compose names a built image:
#   examples/compose/build.sh && docker compose -f examples/compose/docker-compose.yml up
# `portolan up --compose` needs none of this: it builds app/ itself.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
arch=$(docker version --format '{{.Server.Arch}}')
(cd "$dir/app" && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -o app .)
trap 'rm -f "$dir/app/app"' EXIT
for svc in front back; do
	docker build --quiet --tag "pingpong-$svc" "$dir/app" >/dev/null
	echo "built pingpong-$svc"
done
