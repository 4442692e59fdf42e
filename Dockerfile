# syntax=docker/dockerfile:1
# One image for the four services; docker-compose.yml picks the entry point per service:
#   command: node dist/apps/<intake|routing|notification|history>/src/main.js

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools
# A clean stage: no dist/ (.dockerignore), so a full build; its build info stays out of the image.
RUN npm run build \
  && rm dist/.tsbuildinfo \
  && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the service user: the code cannot be changed at run time.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The routing rule set is data read at start-up (ROUTING_RULES_FILE, relative to /app).
COPY --from=build /app/libs/rules/default.rules.json ./libs/rules/default.rules.json
USER node
EXPOSE 3001 3002 3003 3004
# docker-compose.yml runs it with `init: true`, so SIGTERM reaches node and shutdown is graceful.
CMD ["node", "dist/apps/intake/src/main.js"]
