# syntax=docker/dockerfile:1
# The node agent. Build from the repository root:
#   docker build -f docker/npd.Dockerfile -t ack-npd/npd:0.1.0 .
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
# The same script assembles the app directory without Docker (tests run it).
RUN bash scripts/assemble-app npd /app

# journalctl reads the node's journal for the journald monitors and restart counters;
# the rest of the agent reads /host/proc, /host/sys and /dev/kmsg directly.
FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends systemd \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
COPY --from=build /app /app
ENV NODE_ENV=production
# Root (uid 0) because /dev/kmsg and the journal are root-only on the host; the chart drops
# every capability but SYSLOG and DAC_READ_SEARCH and mounts host paths read-only.
USER 0
ENTRYPOINT ["node", "/app/dist/main.js"]
