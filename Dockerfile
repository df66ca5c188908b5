# Portolan itself, FROM scratch: nothing but the static binary, which
# scripts/image.sh compiles on the host (CGO_ENABLED=0) and puts beside
# this file in an otherwise empty build context, so the build pulls nothing.
#
#   scripts/image.sh portolan:latest
#   docker run --rm --network host -v /var/run/docker.sock:/var/run/docker.sock \
#     -e PORTOLAN_ACCESS_KEY_ID=test -e PORTOLAN_SECRET_ACCESS_KEY=test portolan:latest
#
# Tasks run on the docker runtime, as containers of the engine whose socket
# is mounted, beside this one. With --network host the server shares the
# host's network: the gateway reaches the tasks' addresses on their cluster
# networks, the DNS server binds the DNS network's gateway (an address of
# the host) for the tasks' resolv.conf, and load balancers get their own
# loopback addresses, as when the binary runs on the host (README: "Run it
# as a container").
FROM scratch
COPY portolan /portolan
# Every listener on all addresses: with --network host those are the
# host's, on a network of its own (-p) the container's. Beyond loopback the
# server wants credentials (PORTOLAN_ACCESS_KEY_ID/_SECRET_ACCESS_KEY) or
# PORTOLAN_INSECURE=true. The registry stays on loopback: the engine pulls
# from it over plain HTTP only there.
ENV PORTOLAN_API=0.0.0.0:4566 \
    PORTOLAN_GATEWAY=0.0.0.0:8080 \
    PORTOLAN_DNS=0.0.0.0:8600 \
    PORTOLAN_RUNTIME=docker \
    PORTOLAN_DATA_DIR=/var/lib/portolan
EXPOSE 4566 8080 8600/tcp 8600/udp
ENTRYPOINT ["/portolan"]
CMD ["server"]
