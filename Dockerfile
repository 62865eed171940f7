# telepipe services image (ingest, processor, worker): `docker compose` builds it.
# The OTLP .proto files come from Maven Central, like on the native path.
FROM maven:3.9-eclipse-temurin-17 AS protos
WORKDIR /src
COPY infra/otlp/pom.xml infra/otlp/pom.xml
RUN mvn -q -B -f infra/otlp/pom.xml package

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY . .
COPY --from=protos /src/.telepipe/proto .telepipe/proto
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/telepipe.js"]
CMD ["--help"]
