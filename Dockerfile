# syntax=docker/dockerfile:1
# Capturebox capture service. Multi-stage: build with dev dependencies, ship only the runtime ones.
# Runs as a non-root user with a read-only root filesystem: it writes only to /data (the embedded store,
# generated certificate) and /tmp.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native addon when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages/limits/package.json packages/limits/
COPY apps/capture/package.json apps/capture/
COPY e2e/package.json e2e/
# Only the image's workspaces: the lockfile's test tooling (Playwright, Testcontainers, the operator's client)
# is neither installed nor shipped.
RUN npm ci --no-audit --no-fund --workspace packages/limits --workspace apps/capture --include-workspace-root=false
COPY packages/limits packages/limits
COPY apps/capture apps/capture
RUN npm run build --workspace packages/limits \
 && npm run build:app --workspace apps/capture \
 && npm prune --omit=dev --no-audit --no-fund --workspace packages/limits --workspace apps/capture --include-workspace-root=false

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="capturebox" \
      org.opencontainers.image.description="Self-hosted email capture: a fake SMTP relay with a Mailsac-compatible API" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/capturebox/capturebox"
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 capturebox && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin capturebox \
 && mkdir -p /data && chown 10001:10001 /data
ENV NODE_ENV=production \
    CAPTUREBOX_DATA_DIR=/data
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages/limits/package.json ./packages/limits/package.json
COPY --from=build /src/packages/limits/dist ./packages/limits/dist
COPY --from=build /src/apps/capture/package.json ./apps/capture/package.json
COPY --from=build /src/apps/capture/dist ./apps/capture/dist
USER 10001:10001
VOLUME ["/data"]
EXPOSE 5587 8080
# tini reaps zombies and forwards SIGTERM, so the graceful SMTP drain runs.
ENTRYPOINT ["/usr/bin/tini", "--"]
# The heap flags of `npm start` (docs/ARCHITECTURE.md, "A bounded heap"): peak RSS under load ~220 -> ~140 MB.
CMD ["node", "--max-semi-space-size=8", "--no-allocation-site-pretenuring", "--heap-growing-percent=100", "apps/capture/dist/main.js"]
