# syntax=docker/dockerfile:1

# Build: install everything, generate the Prisma clients, compile, build the dashboard and the in-process
# provider package (npm ci's postinstall, which needs packages/ as an npm workspace),
# then copy what the service loads, and nothing else, to /runtime (npm run build:runtime, which
# test/runtime-files.test.ts runs and starts the service from, on SQLite and PostgreSQL).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY deploy ./deploy
COPY src ./src
COPY web ./web
COPY packages ./packages
# The npm in this image (10) runs @prisma/engines' install script, which would download a schema engine
# this service never uses; naming an existing file instead skips it, as prisma/generate.mjs does.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/app/prisma/generate.mjs
RUN npm ci && npm run build:runtime -- /runtime

# Run: the compiled service, the modules it loads and its migrations (about 26 MB), as a non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    DATABASE_URL=file:/data/flags.db
WORKDIR /app
COPY --from=build /runtime ./
RUN mkdir -p /data && chown node:node /data
USER node
# SQLite lives here; mount a volume to keep flags across restarts (or set DATABASE_URL to PostgreSQL).
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command as `npm start`, without npm in between so SIGTERM reaches node (graceful shutdown);
# HOST=0.0.0.0 above, since the container's port is reached from outside it.
CMD ["node", "dist/server.js"]
