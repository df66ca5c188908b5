#!/bin/sh
# Builds app/ into the image the template names, FROM scratch:
#   examples/service-discovery/build.sh [TAG]
# TAG defaults to portolan-example/discovery-app:latest.
set -eu
tag=${1:-portolan-example/discovery-app:latest}
dir=$(cd "$(dirname "$0")" && pwd)
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
# Static, for an image with nothing else in it, for the engine's architecture.
arch=$(docker version --format '{{.Server.Arch}}')
(cd "$dir/app" && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -o "$context/app" .)
docker build --quiet --file "$dir/Dockerfile" --tag "$tag" "$context" >/dev/null
echo "built $tag"
