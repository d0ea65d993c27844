# One image for both processes: `node dist/apps/ingest/main.js` or `node dist/apps/api/main.js`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall applies these (KafkaJS's record headers decoded in linear time).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# The PDF letters draw Greek, Cyrillic, Arabic and Hebrew names in Noto (OFL), CJK names in
# Droid Sans Fallback (Apache 2.0); without these files they fall back to "?" for those
# characters.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-core fonts-droid-fallback \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
