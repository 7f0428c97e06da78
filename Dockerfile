# Decoy as a CI sidecar: stubs mounted at /stubs, HTTP on 8080 (and HTTPS on 8443 with DECOY_HTTPS_PORT=8443).
# Every CLI flag is also an environment variable (--some-flag is DECOY_SOME_FLAG), so
#   docker run -p 8080:8080 -v "$PWD/stubs:/stubs" -e DECOY_VERBOSE=true ghcr.io/decoy-mock/decoy:0.1.0
# needs no command line. The commands below are run outside Docker by test/ci/dockerfile.ci.ts (in .ci/run).
# The image's one name, as the docs use it; until it is published, build it from this folder: docker build -t ghcr.io/decoy-mock/decoy:0.1.0 .

# Build: the full install (TypeScript, esbuild), the build (tsc, the UI, the command bundled into dist/cli/), then the dev dependencies dropped.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY admin-ui ./admin-ui
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Run: Node, the production dependencies and the built JavaScript, as the unprivileged user `node`.
FROM node:24-slim
ENV NODE_ENV=production \
    DECOY_PORT=8080 \
    DECOY_HOST=0.0.0.0 \
    DECOY_STUBS=/stubs
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Owned by `node`, so that POST /__admin/mappings/save can write into the example stubs (a mount keeps its own owner).
COPY --chown=node:node stubs /stubs
USER node
EXPOSE 8080 8443
# Node is PID 1 and handles SIGTERM itself: in-flight requests finish, then it exits 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=2s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.DECOY_PORT || 8080) + '/__admin/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
