#!/bin/sh
# Builds Portolan's own image (the Dockerfile at the repository's root)
# without network access: the static binary is compiled here, for the
# engine's architecture, and the build context holds only it and the
# Dockerfile, FROM scratch, so nothing is pulled.
#   scripts/image.sh [TAG]        TAG defaults to portolan:latest
set -eu
tag=${1:-portolan:latest}
root=$(cd "$(dirname "$0")/.." && pwd)
arch=$(docker version --format '{{.Server.Arch}}')
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
(cd "$root" && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -o "$context/portolan" ./cmd/portolan)
cp "$root/Dockerfile" "$context/Dockerfile"
docker build --quiet --tag "$tag" "$context" >/dev/null
echo "built $tag"
