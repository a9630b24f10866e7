# jobq container image: one image for the coordinator, the workers and the client CLI.
#   docker build -t jobq .
#   docker run --rm jobq workflow coordinator          # the daemon (one per prefix)
#   docker run --rm jobq worker my-queue --concurrency 4
#   docker run --rm jobq workflow status my-workflow
# Configuration comes from the environment (JOBQ_WORKFLOW_PREFIX, JOBQ_WORKFLOW_QUEUES, ...) or a
# mounted jobq.yaml (JOBQ_WORKFLOW_CONFIG); on Azure use a managed identity (docs/operations.md).

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript with the dev dependencies -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
# tsc to dist/, then the CLI bundle in dist/bundle/ (scripts/bundle-cli.mjs).
RUN npm run build

# --- deps: production dependencies only --------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# bookworm-slim ships bash (tasks run with `bash -c`); tini reaps task process trees and forwards signals.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY examples ./examples
# `jobq` on PATH so task commands can call `jobq task output set ...` (DECISIONS §5).
RUN chmod 0755 bin/jobq.js && ln -s /app/bin/jobq.js /usr/local/bin/jobq
# The base image's unprivileged `node` user (uid 1000); tasks get a writable home and work dir.
RUN mkdir -p /work && chown node:node /work
USER node
WORKDIR /work
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/jobq.js"]
CMD ["--help"]
