# syntax=docker/dockerfile:1
# Switchboard's container image: built from this repository by Maven, run on a JRE as a non-root user.
#   docker build -t switchboard .
#   docker run --rm -p 8080:8080 -p 50051:50051 switchboard                  # one node
#   docker run --rm -p 8080:8080 switchboard serve --redis redis://redis:6379 # any serve options after the image
# A three-node cluster with Redis, nginx, Prometheus and Grafana: deploy/compose.yaml.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# the cli module and what it needs; its shade plugin writes target/switchboard.jar (self-contained)
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl cli -am package

FROM eclipse-temurin:17-jre
# curl for the HEALTHCHECK below; nothing else is added to the JRE image
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin switchboard
COPY --from=build /src/target/switchboard.jar /opt/switchboard/switchboard.jar
USER 10001
# The heap follows the container's memory limit (75% of it, leaving room for Netty's direct buffers, thread
# stacks and metaspace); a JVM out of heap exits so the runtime restarts it. JAVA_TOOL_OPTIONS is read by the
# JVM itself, so the exec-form ENTRYPOINT needs no shell; set it to replace these.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    PORT=8080 \
    SWITCHBOARD_GRPC_PORT=50051 \
    SWITCHBOARD_LOG_FORMAT=json
EXPOSE 8080 50051
# /ready is 503 while draining or cut off from the cluster: the runtime sees the node as unhealthy. A shell
# runs it so that it follows PORT when a deployment changes it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/ready" || exit 1
# exec form: java is PID 1 and gets the runtime's SIGTERM itself, so the node drains (--drain-timeout) and exits
ENTRYPOINT ["java", "-jar", "/opt/switchboard/switchboard.jar"]
CMD ["serve"]
