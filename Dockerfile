# geminicli2api container image.
#   Multi-stage: dependencies and the TypeScript build stay in the build stage; the runtime stage
#   holds only production node_modules and dist/. Runs as uid/gid 10001, writes nothing to disk
#   (works with a read-only root filesystem; /tmp may be a tmpfs/emptyDir), answers its own
#   HEALTHCHECK with node (no curl in the image).
#
#   docker build -t geminicli2api:local .
#   docker run -d --name geminicli2api --read-only --tmpfs /tmp --cap-drop ALL \
#     --security-opt no-new-privileges -p 8888:8888 -p 9464:9464 --env-file .env geminicli2api:local
#
# No `# syntax=` line: the frontend built into the engine is enough (an offline build cannot pull
# another). Behind a TLS-inspecting proxy, give npm the proxy's CA as a build secret; it is mounted
# for that one RUN and never stored in a layer:
#   docker build --secret id=npmca,src=/etc/ssl/certs/ca-certificates.crt -t geminicli2api:local .
#
# Kept consistent with the chart and docker-compose.yml (env names, ports 8888/9464, probe paths,
# uid) by test/integration/deploy/container-files.int-spec.ts, and built and run for real by
# test/container/check.sh (`npm run test:container`; docs/deployment.md). Pin NODE_IMAGE to a
# digest in your own builds for reproducibility.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# Dependencies first, so source edits do not invalidate this layer. No install scripts: nothing
# we depend on needs one, and it keeps third-party code from running at build time.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npmca \
    if [ -s /run/secrets/npmca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npmca; fi \
 && npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && test -f dist/apps/gateway/src/main.js

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8888 \
    METRICS_PORT=9464 \
    METRICS_HOST=0.0.0.0
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/gateway --create-home --shell /usr/sbin/nologin gateway
WORKDIR /app
# Owned by root and not writable by the app user: the process cannot modify its own code.
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
USER 10001:10001
# 8888: API (PORT). 9464: Prometheus metrics (METRICS_PORT, path /metrics).
EXPOSE 8888 9464
# Liveness only (process up); readiness (/health/ready) is for load balancers, not for restarts.
# Probes the address HOST binds; a wildcard (0.0.0.0, ::) also answers on 127.0.0.1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const bound = (process.env.HOST || '').replace(/^\\[|\\]$/g, ''); const host = ['', '0.0.0.0', '::'].includes(bound) ? '127.0.0.1' : bound; require('http').get({ host, port: process.env.PORT || 8888, path: '/health/live', timeout: 4000 }, (response) => process.exit(response.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).on('timeout', () => process.exit(1))"]
# SIGTERM starts the drain (not ready at once, DRAIN_DELAY_MS, streams up to DRAIN_TIMEOUT_MS).
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/apps/gateway/src/main.js"]
