# syntax=docker/dockerfile:1
# The event center (store, query API, web UI, alerts). Build from the repository root:
#   docker build -f docker/eventcenter.Dockerfile -t ack-npd/eventcenter:0.1.0 .
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
# The same script assembles the app directory without Docker (tests run it).
RUN bash scripts/assemble-app eventcenter /app

# Distroless Node 24: no shell, no package manager, runs as the non-root user 65532.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /app /app
ENV NODE_ENV=production
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/main.js"]
