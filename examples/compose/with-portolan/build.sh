#!/bin/sh
# Builds app/ into the image the compose file names, FROM scratch:
#   examples/compose/with-portolan/build.sh [TAG]   (default with-portolan-app)
set -eu
tag=${1:-with-portolan-app}
dir=$(cd "$(dirname "$0")" && pwd)
arch=$(docker version --format '{{.Server.Arch}}')
(cd "$dir/app" && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -o app .)
trap 'rm -f "$dir/app/app"' EXIT
docker build --quiet --tag "$tag" "$dir/app" >/dev/null
echo "built $tag"
