#!/bin/sh
# release.sh builds Portolan's release archives and their SHA256SUMS, from
# this checkout and the module cache only (GOPROXY=off, GOFLAGS=-mod=readonly):
# a release can be cut on a machine without network access.
#
#   scripts/release.sh [-o DIR] [-v VERSION] [OS/ARCH ...]
#
# DIR defaults to dist/, VERSION to `git describe --tags --always --dirty`
# (it names the archives; the binary's own `portolan version` comes from the
# build information Go stamps into it), and the pairs to the five released
# ones. Each archive holds the static binary (CGO_ENABLED=0) and README.md:
# portolan_VERSION_OS_ARCH.tar.gz, or .zip for Windows.
set -eu

out=dist
version=
while getopts o:v: opt; do
	case $opt in
	o) out=$OPTARG ;;
	v) version=$OPTARG ;;
	*) echo "usage: $0 [-o DIR] [-v VERSION] [OS/ARCH ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$version" ]; then
	version=$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo devel)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# No network: every module must already be in the cache (go mod download
# on a connected machine fills it).
export GOPROXY=off GOFLAGS="-mod=readonly -buildvcs=auto" CGO_ENABLED=0

archives=
for pair in "$@"; do
	goos=${pair%/*}
	goarch=${pair#*/}
	name=portolan_${version}_${goos}_${goarch}
	exe=portolan
	[ "$goos" = windows ] && exe=portolan.exe
	mkdir -p "$work/$name"
	(cd "$root" && GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags='-s -w' -o "$work/$name/$exe" ./cmd/portolan)
	cp "$root/README.md" "$work/$name/"
	if [ "$goos" = windows ]; then
		archive=$name.zip
		(cd "$work" && rm -f "$out/$archive" && zip -qr "$out/$archive" "$name")
	else
		archive=$name.tar.gz
		tar -C "$work" -czf "$out/$archive" "$name"
	fi
	archives="$archives $archive"
	echo "built $out/$archive"
done

# SHA256SUMS in the format `sha256sum -c` (and `shasum -a 256 -c`) read.
cd "$out"
if command -v sha256sum >/dev/null; then
	sha256sum $archives >SHA256SUMS
else
	shasum -a 256 $archives >SHA256SUMS
fi
echo "wrote $out/SHA256SUMS"
