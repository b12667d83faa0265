#!/bin/sh
# Renders tfserving-lb.conf.template into an nginx http-context file.
#
# Environment:
#   LB_REPLICAS     space-separated HOST:GRPC_PORT:REST_PORT (HOST a name or IPv4 address),
#                   e.g. "tfserving:8500:8501"
#   LB_GRPC_PORT    port nginx listens on for gRPC (default 8500)
#   LB_REST_PORT    port nginx listens on for REST (default 8501)
#   LB_ACCESS_LOG   access log path (default /dev/stdout)
#   LB_TEMPLATE     the template (default: beside this script)
#   LB_OUTPUT       where to write (default /etc/nginx/conf.d/default.conf)
#
# The nginx image runs it from /docker-entrypoint.d/ before nginx starts (compose); tests
# and benchmarks run it with sh. Example:
#   LB_REPLICAS="127.0.0.1:9000:9001 127.0.0.1:9002:9003" LB_OUTPUT=/tmp/lb.conf \
#       sh deploy/nginx/render.sh
set -eu
: "${LB_REPLICAS:?LB_REPLICAS must list HOST:GRPC_PORT:REST_PORT for each replica}"
template=${LB_TEMPLATE:-$(dirname "$0")/tfserving-lb.conf.template}
output=${LB_OUTPUT:-/etc/nginx/conf.d/default.conf}
for replica in $LB_REPLICAS; do
    case $replica in
        *:*[!0-9]*:* | *:*:*[!0-9]* | *::* | *: | :*)
            echo "render.sh: LB_REPLICAS entry '$replica' is not HOST:GRPC_PORT:REST_PORT" >&2
            exit 1 ;;
        *:*:*) ;;
        *)
            echo "render.sh: LB_REPLICAS entry '$replica' is not HOST:GRPC_PORT:REST_PORT" >&2
            exit 1 ;;
    esac
done
awk -v replicas="$LB_REPLICAS" -v grpc="${LB_GRPC_PORT:-8500}" -v rest="${LB_REST_PORT:-8501}" \
    -v logpath="${LB_ACCESS_LOG:-/dev/stdout}" '
/^[ \t]*@EACH_REPLICA@ / {
    count = split(replicas, list, " ")
    for (i = 1; i <= count; i++) {
        split(list[i], part, ":")
        line = $0
        sub(/@EACH_REPLICA@ /, "", line)
        gsub(/@HOST@/, part[1], line)
        gsub(/@GRPC_PORT@/, part[2], line)
        gsub(/@REST_PORT@/, part[3], line)
        print line
    }
    next
}
{
    gsub(/@LB_GRPC_PORT@/, grpc)
    gsub(/@LB_REST_PORT@/, rest)
    gsub(/@ACCESS_LOG@/, logpath)
    print
}' "$template" > "$output.partial"
mv "$output.partial" "$output"
