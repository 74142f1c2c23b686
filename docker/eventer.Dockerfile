# syntax=docker/dockerfile:1
# The event shipper. Build from the repository root:
#   docker build -f docker/eventer.Dockerfile -t ack-npd/eventer:0.1.0 .
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
# The same script assembles the app directory without Docker (tests run it).
RUN bash scripts/assemble-app eventer /app

# Distroless Node 24: no shell, no package manager, runs as the non-root user 65532.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /app /app
ENV NODE_ENV=production
USER 65532:65532
# V8 flags chosen by scripts/bench-eventer.ts (docs/benchmarks.md): a 1 MiB young generation and
# smaller code/heap layouts keep the idle RSS under 80 MiB at no measurable cost in delivery lag.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--optimize-for-size", "/app/dist/main.js"]
