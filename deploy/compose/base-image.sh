#!/usr/bin/env bash
# Makes the Dockerfile's base image, python:3.11-slim, available to the local Docker engine.
# It pulls the real image; where Docker Hub cannot be reached (this project's CI), it
# builds an offline stand-in under the same tag from Debian bookworm packages, whose
# python3 is 3.11: mmdebstrap with the host's own apt sources, `docker import`, then
# standin.Dockerfile (a venv first on PATH; the host's CA bundle, so that pip inside
# `docker build` trusts what the host trusts, a TLS-intercepting proxy's CA included).
#
# Example:
#   deploy/compose/base-image.sh
set -euo pipefail

image=python:3.11-slim
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "base image: $image is present"
    exit 0
fi
if timeout 300 docker pull --quiet "$image" >/dev/null 2>&1; then
    echo "base image: pulled $image"
    exit 0
fi
echo "base image: $image cannot be pulled; building an offline stand-in from Debian bookworm"

if ! command -v mmdebstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
fi
# The host's apt sources name the Debian mirror this machine reaches; deb822 first.
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list
[ -f "$sources" ] || { echo "base image: no apt sources on this host" >&2; exit 1; }
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || { echo "base image: no CA bundle at $ca_bundle" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mmdebstrap --quiet --variant=minbase \
    --include=python3,python3-pip,python3-venv,ca-certificates,passwd \
    bookworm "$work/rootfs.tar" "$sources"
docker import "$work/rootfs.tar" mnist-serving/bookworm-python3:standin >/dev/null
rm "$work/rootfs.tar"

cp "$ca_bundle" "$work/ca-certificates.crt"
docker build --quiet --file "$(dirname "$0")/standin.Dockerfile" --tag "$image" "$work" >/dev/null
docker run --rm "$image" python -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
echo "base image: built the stand-in $image"
