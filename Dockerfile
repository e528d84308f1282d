# syntax=docker/dockerfile:1
# An image for running the app on any container host (an extra: the README's main paths are
# `npm run build && npm start` and Vercel). Multi-stage: build with dev dependencies, run the
# standalone server (NEXT_OUTPUT=standalone) as an unprivileged user.
#
#   docker build -t oauth-next-app .
#   docker build --target migrate -t oauth-next-app-migrate .   # one-off: npm run db:migrate
#   docker run --env-file .env.production -p 3000:3000 oauth-next-app

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma/schema.prisma ./prisma/schema.prisma
COPY scripts/db-generate.ts ./scripts/db-generate.ts
# postinstall generates the Prisma client into prisma/generated.
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 NEXT_OUTPUT=standalone
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/prisma/generated ./prisma/generated
COPY . .
RUN npm run build

# Applies prisma/migrations to DATABASE_URL and exits; run it before each release.
FROM build AS migrate
ENV NODE_ENV=production
CMD ["npm", "run", "db:migrate"]

FROM ${NODE_IMAGE} AS run
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0
RUN groupadd --system --gid 1001 app && useradd --system --uid 1001 --gid app --home-dir /app app
COPY --from=build --chown=app:app /app/.next/standalone ./
COPY --from=build --chown=app:app /app/.next/static ./.next/static
USER app
EXPOSE 3000
# /api/health answers 200 only when the database does (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node (not npm) as PID 1 receives SIGTERM directly: in-flight requests finish, the pool closes.
CMD ["node", "server.js"]
