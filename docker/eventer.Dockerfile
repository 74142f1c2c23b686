# syntax=docker/dockerfile:1
# The event shipper. Build from the repository root (see README "Images"):
#   docker build -f docker/eventer.Dockerfile -t ack-npd/eventer:0.1.0 .
# BUILD_BASE is any Debian bookworm image with Node 24 at /usr/local/bin/node (the public
# default below, or the offline one scripts/images makes with mmdebstrap).
ARG BUILD_BASE=docker.io/library/node:24.21.0-bookworm-slim

# The build stage is the same in every Dockerfile of docker/, so a builder with a layer cache
# builds it once for all images.
FROM ${BUILD_BASE} AS build
RUN if ! (command -v journalctl && command -v tini && command -v strip && command -v busybox) >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends systemd tini binutils busybox-static \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY . .
# The CA bundle (a TLS-intercepting proxy's, for instance) is a build secret: it reaches this
# RUN step only, never a layer of the final image. Node's release binary carries 18 MB of
# symbols an image does not need.
RUN --mount=type=secret,id=ca --mount=type=cache,target=/root/.cache/pnpm-store \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; fi; \
    sh docker/pnpm.sh install --frozen-lockfile --store-dir=/root/.cache/pnpm-store --reporter=append-only \
 && sh docker/pnpm.sh exec node scripts/bundle.ts --out=/app npd log-counter eventer eventcenter \
 && sh docker/pnpm.sh --filter @ack-npd/eventcenter-ui build && cp -r packages/eventcenter/ui/dist /app/ui \
 && strip --strip-all /usr/local/bin/node

# Node and the C/C++ runtime it links, nothing else: no shell, no package manager.
FROM build AS rootfs
RUN sh docker/rootfs.sh /rootfs /usr/local/bin/node \
 && mkdir -p /rootfs/app && cp /app/eventer.* /rootfs/app/

FROM scratch
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/ack-npd/ack-node-problem-detector
LABEL org.opencontainers.image.title="ack-npd-eventer" \
      org.opencontainers.image.description="Kubernetes event shipper (ack-node-problem-detector)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=rootfs /rootfs/ /
# glibc's malloc raises its mmap threshold after the first large free, so the parser's and
# compiler's zone memory from loading the bundle stays on the brk heap and is never returned
# (about 25 MiB of idle RSS); a fixed 32 KiB threshold hands those blocks back
# (scripts/bench-eventer.ts runs the eventer with this environment).
ENV NODE_ENV=production NODE_COMPILE_CACHE=/tmp/node-compile-cache MALLOC_MMAP_THRESHOLD_=32768
USER 65532:65532
# V8 flags chosen by scripts/bench-eventer.ts (docs/benchmarks.md): a 1 MiB young generation and
# size-optimized code keep the idle RSS down at no measurable cost in delivery lag.
ENTRYPOINT ["/usr/local/bin/node", "--max-semi-space-size=1", "--optimize-for-size", "/app/eventer.mjs"]
