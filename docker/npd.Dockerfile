# syntax=docker/dockerfile:1
# The node agent. Build from the repository root (see README "Images"):
#   docker build -f docker/npd.Dockerfile -t ack-npd/npd:0.1.0 .
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

# Node, journalctl (the node's journal: journald monitors, restart counters), tini as PID 1
# (Node does not reap the orphaned grandchildren of the plug-ins it runs) and busybox as /bin/sh
# for custom plug-in scripts; each with the shared libraries it loads, nothing else.
FROM build AS rootfs
RUN sh docker/rootfs.sh /rootfs /usr/local/bin/node "$(command -v journalctl)" "$(command -v tini)" "$(command -v busybox)" \
 && for applet in $(busybox --list); do [ -e "/rootfs/usr/bin/$applet" ] || ln -s busybox "/rootfs/usr/bin/$applet"; done \
 && mkdir -p /rootfs/app && cp /app/npd.* /app/log-counter.* /rootfs/app/

FROM scratch
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/ack-npd/ack-node-problem-detector
LABEL org.opencontainers.image.title="ack-npd-npd" \
      org.opencontainers.image.description="Node problem detector agent (ack-node-problem-detector)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=rootfs /rootfs/ /
ENV NODE_ENV=production NODE_COMPILE_CACHE=/tmp/node-compile-cache
# Root (uid 0) because /dev/kmsg and the journal are root-only on the host; the chart drops
# every capability but SYSLOG and DAC_READ_SEARCH and mounts host paths read-only.
USER 0
# --max-opt=1: Sparkplug, no Maglev/TurboFan. The agent's code runs a few times a minute; optimising
# it costs more CPU than it saves and touches ~9 MiB more of node's binary (docs/benchmarks.md).
# --lite-mode: no feedback vectors until a function is hot, less code kept (about 0.5 MiB less RSS).
# Not in NODE_OPTIONS: Node refuses these V8 flags there. The chart sets the rest (npd.nodeOptions).
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/node", "--max-opt=1", "--lite-mode", "/app/npd.mjs"]
