# Decoy as a CI sidecar: stubs mounted at /stubs, served on 8080.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY stubs /stubs
USER node
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=2s --start-period=5s \
  CMD node -e "fetch('http://127.0.0.1:8080/__admin/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--stubs", "/stubs", "--port", "8080"]
