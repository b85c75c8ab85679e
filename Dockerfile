# syntax=docker/dockerfile:1
# Roster controller image. Build: docker build -t ghcr.io/workjet/roster:0.1.0 .
# The start command (ENTRYPOINT + CMD) is exercised outside Docker by
# test/kubernetes/dockerfile.test.ts, which runs the same command with node against dist/.

# ---- build: dev dependencies, a C++ toolchain for better-sqlite3, the TypeScript build ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here; better-sqlite3's own install
# step (its native addon) is run explicitly right after.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY controller ./controller
COPY crds ./crds
RUN npx tsc -p tsconfig.build.json \
  && chmod +x dist/controller/cli/main.js \
  && npm prune --omit=dev

# ---- runtime: production dependencies only, non-root ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# git: the Git source clones and fetches with the git CLI.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 10001 roster \
  && useradd --uid 10001 --gid 10001 --home-dir /var/lib/roster --no-create-home --shell /usr/sbin/nologin roster \
  && mkdir -p /var/lib/roster \
  && chown 10001:10001 /var/lib/roster
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/crds ./crds
RUN ln -s /app/dist/controller/cli/main.js /usr/local/bin/roster
USER 10001:10001
WORKDIR /var/lib/roster
EXPOSE 9090
ENTRYPOINT ["roster"]
CMD ["--help"]
