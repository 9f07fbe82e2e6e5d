#!/usr/bin/env bash
# Run a real single-node Apache Kafka broker (KRaft, combined broker+controller)
# on loopback, for local development and for CI's Kafka-facing tests.
#
# The broker is fetched only through Maven (org.apache.kafka:kafka_2.13 and its
# runtime dependencies), so it needs nothing but Java 17+ and Maven.
#
# Usage: deploy/local/apache-kafka.sh fetch|start|stop|restart|status
#
# `start` prints "KAFKA_BOOTSTRAP_SERVERS=host:port" on stdout (all other
# messages go to stderr), so a caller can do:
#   eval "$(deploy/local/apache-kafka.sh start)"; export KAFKA_BOOTSTRAP_SERVERS
#
# Environment (defaults in brackets):
#   KAFKA_VERSION          Apache Kafka version [4.1.1]
#   KAFKA_PORT             client (PLAINTEXT) port on 127.0.0.1 [19092]
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 [19093]
#   KAFKA_CACHE_DIR        where the jars are cached
#                          [$HOME/.cache/commissioning/kafka-$KAFKA_VERSION]
#   KAFKA_STATE_DIR        config, data, logs and pid file [/tmp/commissioning-kafka]
#   KAFKA_READY_TIMEOUT    seconds to wait for the broker to be ready [90]
#   KAFKA_HEAP_OPTS        JVM heap options [-Xms256m -Xmx512m]
#   KAFKA_JVM_OPTS         extra JVM options [G1, small pauses, exit on OOM]
#   KAFKA_LOG_LEVEL        root log level of the broker's log file [INFO]
#   PYTHON                 python used for the readiness probe if it can import
#                          aiokafka; otherwise a small Java probe is used [python3]
#   MVN                    Maven executable [mvn]
set -euo pipefail

readonly SCALA_BINARY_VERSION=2.13
readonly DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
readonly HOST=127.0.0.1

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-$HOME/.cache/commissioning/kafka-$KAFKA_VERSION}"
KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-/tmp/commissioning-kafka}"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
KAFKA_LOG_LEVEL="${KAFKA_LOG_LEVEL:-INFO}"
PYTHON="${PYTHON:-python3}"
MVN="${MVN:-mvn}"

LIBS_DIR="$KAFKA_CACHE_DIR/libs"
PROBE_DIR="$KAFKA_CACHE_DIR/probe"
FETCH_MARKER="$LIBS_DIR/.fetched"
CONFIG_DIR="$KAFKA_STATE_DIR/config"
DATA_DIR="$KAFKA_STATE_DIR/data"
LOG_DIR="$KAFKA_STATE_DIR/logs"
PID_FILE="$KAFKA_STATE_DIR/kafka.pid"
SERVER_PROPERTIES="$CONFIG_DIR/server.properties"
LOG4J2_CONFIG="$CONFIG_DIR/log4j2.properties"
CONSOLE_LOG="$LOG_DIR/console.log"
SERVER_LOG="$LOG_DIR/server.log"
BOOTSTRAP="$HOST:$KAFKA_PORT"

log() { printf 'apache-kafka: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $0 fetch|start|stop|restart|status

  fetch    resolve Apache Kafka $KAFKA_VERSION via Maven into $LIBS_DIR
  start    fetch if needed, then run a KRaft broker+controller on $BOOTSTRAP
  stop     stop the broker and remove its data
  restart  stop, then start
  status   say whether the broker is running (exit 0 if so, 3 if not)
EOF
}

require() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH ($2)"
}

# ---------------------------------------------------------------- fetch ----

is_fetched() {
  [[ -f "$FETCH_MARKER" ]] && [[ "$(cat "$FETCH_MARKER")" == "$KAFKA_VERSION" ]]
}

write_pom() {
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Throwaway pom: lists the runtime of an Apache Kafka broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.commissioning</groupId>
  <artifactId>apache-kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_BINARY_VERSION</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

# Runs Maven with its output in $KAFKA_CACHE_DIR/maven.log, shown only on failure.
run_mvn() {
  local mvn_log="$KAFKA_CACHE_DIR/maven.log"
  if ! "$MVN" --batch-mode --no-transfer-progress -f "$KAFKA_CACHE_DIR/pom.xml" "$@" >>"$mvn_log" 2>&1; then
    log "---- last 60 lines of $mvn_log ----"
    tail -n 60 "$mvn_log" >&2
    return 1
  fi
}

# Kafka's published pom brings slf4j-api and log4j-core but no binding between
# them (the binary distribution adds it), and without one the broker logs
# nothing. Add the log4j2 binding that matches the slf4j-api and log4j-core
# versions that Kafka itself resolved.
fetch_slf4j_binding() {
  local staging="$1" slf4j log4j binding
  slf4j="$(jar_version "$staging" slf4j-api)" || die "slf4j-api is missing from Kafka's runtime dependencies"
  log4j="$(jar_version "$staging" log4j-core)" || die "log4j-core is missing from Kafka's runtime dependencies"
  if [[ "$slf4j" == 1.* ]]; then
    binding="log4j-slf4j-impl"
  else
    binding="log4j-slf4j2-impl"
  fi
  log "adding the slf4j $slf4j binding org.apache.logging.log4j:$binding:$log4j"
  run_mvn "$DEPENDENCY_PLUGIN:copy" \
    -Dartifact="org.apache.logging.log4j:$binding:$log4j" \
    -DoutputDirectory="$staging" ||
    die "Maven could not fetch org.apache.logging.log4j:$binding:$log4j"
}

# The version of the one jar NAME-VERSION.jar in DIR.
jar_version() {
  local dir="$1" name="$2" jar
  for jar in "$dir/$name"-[0-9]*.jar; do
    [[ -f "$jar" ]] || return 1
    jar="${jar##*/}"
    jar="${jar#"$name"-}"
    printf '%s\n' "${jar%.jar}"
    return 0
  done
  return 1
}

cmd_fetch() {
  if is_fetched; then
    log "Apache Kafka $KAFKA_VERSION already fetched in $LIBS_DIR"
    return 0
  fi
  require java "Java 17+ is needed"
  require "$MVN" "Maven is needed to fetch Apache Kafka"
  mkdir -p "$KAFKA_CACHE_DIR"
  local pom="$KAFKA_CACHE_DIR/pom.xml"
  local staging="$KAFKA_CACHE_DIR/libs.partial"
  write_pom "$pom"
  rm -rf "$staging"
  log "fetching org.apache.kafka:kafka_$SCALA_BINARY_VERSION:$KAFKA_VERSION and its runtime dependencies via Maven"
  local started=$SECONDS
  : >"$KAFKA_CACHE_DIR/maven.log"
  if ! run_mvn "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime \
    -DoutputDirectory="$staging"; then
    rm -rf "$staging"
    die "Maven could not resolve org.apache.kafka:kafka_$SCALA_BINARY_VERSION:$KAFKA_VERSION (see above)"
  fi
  compgen -G "$staging/kafka_$SCALA_BINARY_VERSION-$KAFKA_VERSION.jar" >/dev/null ||
    die "Maven ran but kafka_$SCALA_BINARY_VERSION-$KAFKA_VERSION.jar is missing from $staging"
  fetch_slf4j_binding "$staging"
  printf '%s\n' "$KAFKA_VERSION" >"$staging/.fetched"
  rm -rf "$LIBS_DIR"
  mv "$staging" "$LIBS_DIR"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1)) in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------- state ----

# The pid of our running broker, or nothing. A pid file whose process is gone,
# or is no longer our broker (pid reuse), does not count.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$SERVER_PROPERTIES"; then
    printf '%s\n' "$pid"
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

log_tail() {
  local file
  for file in "$SERVER_LOG" "$CONSOLE_LOG"; do
    if [[ -s "$file" ]]; then
      log "---- last 40 lines of $file ----"
      tail -n 40 "$file" >&2
    fi
  done
}

# ---------------------------------------------------------------- start ----

# A random cluster id in Kafka's form: 16 random bytes, base64url, unpadded.
# Kafka refuses ids that start with '-' (they look like command line flags).
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && break
  done
  printf '%s\n' "$id"
}

write_config() {
  mkdir -p "$CONFIG_DIR" "$LOG_DIR"
  cat >"$SERVER_PROPERTIES" <<EOF
# Written by $0: a single combined broker+controller for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# One node: every internal topic has a single replica.
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# A small machine (2 cores).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
  cat >"$LOG4J2_CONFIG" <<EOF
# Written by $0: the broker logs to a file only.
status = warn
name = commissioning-kafka

appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $SERVER_LOG
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n

rootLogger.level = $KAFKA_LOG_LEVEL
rootLogger.appenderRef.file.ref = FILE

# Quieten the chattiest loggers.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
EOF
}

# Sets JAVA_CMD: java with the broker's JVM options and classpath.
build_java_cmd() {
  local -a heap jvm
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a jvm <<<"$KAFKA_JVM_OPTS"
  JAVA_CMD=(java "${heap[@]}" "${jvm[@]}"
    -Dlog4j2.configurationFile="$LOG4J2_CONFIG"
    -Dkafka.logs.dir="$LOG_DIR"
    -cp "$LIBS_DIR/*")
}

format_storage() {
  local cluster_id
  cluster_id="$(random_cluster_id)"
  rm -rf "$DATA_DIR"
  log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
  # A short-lived tool: a small heap and the quick (C1) compiler start faster.
  if ! java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.level=WARN \
    -cp "$LIBS_DIR/*" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$SERVER_PROPERTIES" \
    >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "kafka.tools.StorageTool format failed"
  fi
}

python_probe_usable() {
  command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -c 'import aiokafka' >/dev/null 2>&1
}

# Succeeds once a client can bootstrap and the metadata lists an (unfenced) broker.
python_probe() {
  "$PYTHON" - "$BOOTSTRAP" >/dev/null 2>&1 <<'EOF'
import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient


async def main(bootstrap: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await asyncio.wait_for(admin.start(), 10)
    try:
        cluster = await asyncio.wait_for(admin.describe_cluster(), 10)
        return 0 if cluster.get("brokers") else 1
    finally:
        await admin.close()


sys.exit(asyncio.run(main(sys.argv[1])))
EOF
}

# The same check with Kafka's own Admin client, compiled once into the cache.
java_probe() {
  local src="$PROBE_DIR/KafkaReady.java"
  if [[ ! -f "$PROBE_DIR/KafkaReady.class" ]]; then
    require javac "a JDK is needed to build the readiness probe (or give PYTHON with aiokafka)"
    mkdir -p "$PROBE_DIR"
    cat >"$src" <<'EOF'
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/** Exits 0 once the broker answers metadata requests and lists a live broker. */
public final class KafkaReady {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("request.timeout.ms", "5000");
        props.put("default.api.timeout.ms", "10000");
        try (Admin admin = Admin.create(props)) {
            System.exit(admin.describeCluster().nodes().get().isEmpty() ? 1 : 0);
        }
    }
}
EOF
    javac -nowarn -d "$PROBE_DIR" -cp "$LIBS_DIR/*" "$src" >&2
  fi
  java -Xmx64m -XX:TieredStopAtLevel=1 -Dlog4j2.level=OFF \
    -cp "$PROBE_DIR:$LIBS_DIR/*" KafkaReady "$BOOTSTRAP" >/dev/null 2>&1
}

wait_until_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_READY_TIMEOUT)) probe
  if python_probe_usable; then
    probe=python_probe
  else
    probe=java_probe
    log "($PYTHON cannot import aiokafka: using the Java readiness probe)"
  fi
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      log_tail
      rm -f "$PID_FILE"
      die "the broker exited during startup"
    fi
    if port_open "$KAFKA_PORT" && "$probe"; then
      return 0
    fi
    sleep 0.5
  done
  log_tail
  log "the broker was not ready within $KAFKA_READY_TIMEOUT s: stopping it"
  cmd_stop
  die "the broker was not ready within $KAFKA_READY_TIMEOUT s"
}

cmd_start() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid) on $BOOTSTRAP"
    wait_until_ready "$pid"
    printf 'KAFKA_BOOTSTRAP_SERVERS=%s\n' "$BOOTSTRAP"
    return 0
  fi
  rm -f "$PID_FILE"
  require java "Java 17+ is needed"
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$port"; then
      die "$HOST:$port is already in use by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
    fi
  done
  cmd_fetch
  local started=$SECONDS
  write_config
  format_storage
  build_java_cmd
  : >"$SERVER_LOG"
  log "starting Apache Kafka $KAFKA_VERSION (logs: $SERVER_LOG)"
  # A subshell that is not a process group leader: setsid detaches java from
  # our session in place, so $! is java's own pid.
  (
    cd "$KAFKA_STATE_DIR"
    exec setsid "${JAVA_CMD[@]}" kafka.Kafka "$SERVER_PROPERTIES"
  ) </dev/null >"$CONSOLE_LOG" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  wait_until_ready "$pid"
  log "ready (pid $pid) in $((SECONDS - started)) s"
  printf 'KAFKA_BOOTSTRAP_SERVERS=%s\n' "$BOOTSTRAP"
}

# ----------------------------------------------------------------- stop ----

# True while PID exists and is not a zombie (a zombie has already exited; its
# reaper may be slow, and it could never be killed anyway).
alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# Waits up to $2 seconds for PID $1 to exit.
wait_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

cmd_stop() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    log "not running"
  else
    log "stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_exit "$pid" 30; then
      log "still running after 30 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_exit "$pid" 10 || die "pid $pid survived SIGKILL"
    fi
    # Give its reaper a moment, so that no trace of it is left.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [[ -e "/proc/$pid" ]] || break
      sleep 0.2
    done
    log "stopped"
  fi
  rm -f "$PID_FILE"
  rm -rf "$DATA_DIR"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    log "running (pid $pid) on $BOOTSTRAP, Apache Kafka $KAFKA_VERSION, state in $KAFKA_STATE_DIR"
    printf 'KAFKA_BOOTSTRAP_SERVERS=%s\n' "$BOOTSTRAP"
    return 0
  fi
  log "not running"
  return 3
}

main() {
  case "${1:-}" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart)
      cmd_stop
      cmd_start
      ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
