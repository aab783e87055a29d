# rathaus: ONE image with every binary; the command chosen at run time picks the process:
#   docker run rathaus rathaus-appointments      (a gRPC service)
#   docker run rathaus rathaus-gateway           (the HTTP gateway, the default command)
#   docker run rathaus rathaus-e-invoice         (the e-invoice gRPC service)
#   docker run rathaus rathaus-e-invoice validate --json FILE...   (the XRechnung CLI, a tool)
# One image because all binaries share the same runtime libraries (gRPC, protobuf, librdkafka,
# hiredis, OpenSSL): separate images would repeat the same layers, and one tag means the gateway
# and the services it calls always come from the same commit. See README.md "Deploy".

# Base images pinned by digest (the multi-platform index), one dated Debian 12 release for all
# three: the same digests, with where each was read, are in deploy/base-images.txt and
# deploy/check-dockerfile.sh keeps both equal. To move on, take the new digests from
# docker-library/repo-info (repos/<image>/remote/<tag>.md) or `docker buildx imagetools inspect`.
# No `# syntax=` line: the builder's own frontend parses this file, so no unpinned
# docker/dockerfile image is pulled.
ARG DEBIAN_IMAGE=debian:bookworm-20260918@sha256:f37a335e82bca302e955fa39f9dfe28f1be618f016f8a2b56318e5a5111afc26
ARG RUNTIME_IMAGE=debian:bookworm-20260918-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
# The web pages need Node.js >= 20.19 (Vite 7); Debian 12 ships 18. Node 22.23.2 on the same
# Debian 12 base (bookworm-20260918).
ARG NODE_IMAGE=node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9

# ---------------------------------------------------------------------------------------------
# Build stage: the Debian packages that build rathaus (deps/apt-packages.txt, filtered exactly as
# scripts/deps.sh does; tests/deploy checks it; the servers, browsers and benchmark tools of
# deps/apt-packages-dev.txt stay out), then CMake + Ninja.
FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
COPY deps/apt-packages.txt /tmp/apt-packages.txt
RUN apt-get update -q \
 && grep -vE '^\s*(#|$)' /tmp/apt-packages.txt | xargs apt-get install -y -q --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
ARG BUILD_TYPE=RelWithDebInfo
ARG JOBS=
# Every deployable binary: rathaus-<name> for each services/<name>/ that defines that target, the
# gateway, the developer key tool and the operator tool rathaus-outbox; a new service needs no
# change here.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DRATHAUS_BUILD_BENCH=OFF \
 && targets="rathaus-gateway rathaus-dev-token rathaus-outbox" \
 && for dir in services/*/; do \
      name=$(basename "$dir"); \
      if ninja -C /build -t targets all | grep -q "^rathaus-$name: phony"; then targets="$targets rathaus-$name"; fi; \
      if ninja -C /build -t targets all | grep -q "^rathaus-$name-service: phony"; then targets="$targets rathaus-$name-service"; fi; \
    done \
 && echo "building: $targets" \
 && cmake --build /build ${JOBS:+-j $JOBS} --target $targets \
 && mkdir -p /out/bin \
 && for t in $targets; do \
      find /build -type f -name "$t" -perm -u+x -exec cp {} /out/bin/ \; ; \
      test -x "/out/bin/$t" || { echo "no binary $t" >&2; exit 1; }; \
    done \
 && g++ -std=c++20 -O2 -o /out/bin/rathaus-grpc-health deploy/docker/grpc_health.cc $(pkg-config --cflags --libs grpc++) \
 && mkdir -p /out/descriptors && cp /build/descriptors/*.pb /out/descriptors/ \
 && strip --strip-unneeded /out/bin/rathaus-* \
 && install -m 0755 deploy/docker/rathaus-healthcheck /out/bin/rathaus-healthcheck \
 && deploy/docker/runtime-packages.sh $(find /out/bin -type f -name 'rathaus-*' ! -name rathaus-healthcheck) > /out/runtime-packages.txt \
 && echo "runtime packages:" && cat /out/runtime-packages.txt \
 && ls -l /out/bin

# ---------------------------------------------------------------------------------------------
# Web stage: the citizen pages (gateway/web), `npm ci` from the committed lockfile, then the
# production build into /web/dist (hashed assets with .gz siblings).
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY gateway/web/package.json gateway/web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY gateway/web/ ./
RUN npm run build && test -f dist/index.html

# ---------------------------------------------------------------------------------------------
# Runtime stage: only the shared libraries the binaries load (computed above with ldd + dpkg),
# CA certificates, tzdata and the Meldebestätigung's font (fonts-dejavu-core); no compilers, no
# -dev packages, no package lists; non-root.
FROM ${RUNTIME_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update -q \
 && xargs apt-get install -y -q --no-install-recommends ca-certificates tzdata fonts-dejavu-core \
      < /tmp/runtime-packages.txt \
 && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 rathaus \
 && useradd --system --uid 10001 --gid rathaus --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin rathaus \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/rathaus /var/lib/rathaus/secrets /var/lib/rathaus/blobs
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=web /web/dist/ /usr/share/rathaus/web/
# The services' descriptor sets: the gateway routes every service whose address is configured
# (RATHAUS_<NAME>_ADDR, the chart sets one per values service) from these, so a service added to
# the image and the values needs no change of the gateway (gateway/descriptors.h).
COPY --from=build /out/descriptors/ /usr/share/rathaus/descriptors/
LABEL org.opencontainers.image.title="rathaus" \
      org.opencontainers.image.description="OZG online services: gRPC services, HTTP gateway, e-invoice CLI"
# Inside a container the processes must listen beyond loopback.
ENV RATHAUS_HTTP_LISTEN=0.0.0.0:8080 \
    RATHAUS_WEB_ROOT=/usr/share/rathaus/web \
    RATHAUS_GATEWAY_DESCRIPTOR_DIR=/usr/share/rathaus/descriptors \
    RATHAUS_GRPC_LISTEN=0.0.0.0:50051 \
    RATHAUS_LOG_LEVEL=info \
    TZ=Europe/Berlin
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080 50051
# Checks whatever runs as PID 1: /healthz for the gateway, grpc.health.v1 for a service.
# (Kubernetes uses its own probes instead, see helm/rathaus.)
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["rathaus-healthcheck"]
STOPSIGNAL SIGTERM
CMD ["rathaus-gateway"]
