#!/usr/bin/env bash
# Starts and stops the real servers rathaus runs on: Redis 7 (AOF on) and a single-node KRaft
# Apache Kafka, both on loopback, all state under one folder. Used by `make up`, by the ctest
# fixtures and by the fault tests (which kill and restart a server on purpose).
#
#   scripts/servers.sh start DIR          # both; writes DIR/servers.env; prints versions
#   scripts/servers.sh stop DIR           # both, graceful, then SIGKILL; removes nothing
#   scripts/servers.sh versions           # the versions the tests and `make up` run
#   scripts/servers.sh start-redis DIR | kill-redis DIR | stop-redis DIR
#   scripts/servers.sh start-kafka DIR | kill-kafka DIR | stop-kafka DIR
#
# Ports are picked free at the first start and kept in DIR/ports, so a restarted server comes
# back on the same address with the same data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: servers.sh start|stop|start-redis|kill-redis|stop-redis|start-kafka|kill-kafka|stop-kafka DIR}
if [ "$cmd" = versions ]; then
  kafka_dir=$("$root/scripts/deps.sh" --print-kafka-dir)
  echo "servers: Redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), Apache Kafka $(basename "$kafka_dir" | sed 's/kafka-//') (KRaft), Java $(java -version 2>&1 | sed -n '1s/.*"\(.*\)".*/\1/p')"
  exit 0
fi
dir=${2:?usage: servers.sh $cmd DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "servers: $*" >&2; }

# A port no socket uses, below the kernel's ephemeral range (so that no client connection can
# take it between two starts of a server that keeps its port).
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 21000 ] || low=32768
  while :; do
    p=$((20000 + RANDOM % (low - 20000)))
    if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q . && ! grep -qx "$p" "$dir/ports.used" 2>/dev/null; then
      echo "$p" >> "$dir/ports.used"
      echo "$p"
      return
    fi
  done
}

in_use() { ss -Htan "sport = :$1" 2>/dev/null | grep -q .; }

ports() {
  if [ ! -f "$dir/ports" ]; then
    {
      echo "REDIS_PORT=${RATHAUS_REDIS_PORT:-$(free_port)}"
      echo "KAFKA_PORT=${RATHAUS_KAFKA_PORT:-$(free_port)}"
      echo "KAFKA_CONTROLLER_PORT=$(free_port)"
    } > "$dir/ports"
  fi
  # shellcheck disable=SC1091
  . "$dir/ports"
}

wait_port() {  # port seconds name
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "$3 did not open port $1 within $2 s; see its log under $dir"
  return 1
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() {  # pidfile signal
  local pidfile=$1 sig=${2:-TERM} pid i
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

start_redis() {
  ports
  mkdir -p "$dir/redis"
  if alive "$dir/redis.pid"; then return 0; fi
  setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir/redis" \
      --appendonly yes --appendfsync always --save "" --protected-mode yes \
      --logfile "$dir/redis/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
  echo $! > "$dir/redis.pid"
  wait_port "$REDIS_PORT" 20 redis
  log "Redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p') on 127.0.0.1:$REDIS_PORT (AOF, fsync always, data in $dir/redis)"
}

start_kafka() {
  ports
  local kafka_dir; kafka_dir=$("$root/scripts/deps.sh" --print-kafka-dir)
  [ -f "$kafka_dir/.complete" ] || "$root/scripts/deps.sh"
  if alive "$dir/kafka.pid"; then return 0; fi
  # The controller port is ours alone (clients never see it): if something took it since the
  # last start, move the controller to a new one.
  if in_use "$KAFKA_CONTROLLER_PORT"; then
    local moved; moved=$(free_port)
    sed -i "s/^KAFKA_CONTROLLER_PORT=.*/KAFKA_CONTROLLER_PORT=$moved/" "$dir/ports"
    KAFKA_CONTROLLER_PORT=$moved
  fi
  mkdir -p "$dir/kafka"
  cat > "$dir/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/kafka/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.ms=1000
PROPS
  cat > "$dir/kafka/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$dir/kafka/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=WARN
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
PROPS
  local cp="$kafka_dir/libs/*"
  local java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Xshare:auto
                   "-Dlog4j2.configurationFile=$dir/kafka/log4j2.properties")
  if [ ! -f "$dir/kafka/data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
        -c "$dir/kafka/server.properties" >"$dir/kafka/format.log" 2>&1
  fi
  setsid java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$dir/kafka/server.properties" \
      </dev/null >"$dir/kafka/stdout.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  wait_port "$KAFKA_PORT" 90 kafka
  log "Apache Kafka $(basename "$kafka_dir" | sed 's/kafka-//') (KRaft, single node) on 127.0.0.1:$KAFKA_PORT (data in $dir/kafka/data)"
}

write_env() {
  ports
  {
    echo "RATHAUS_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "RATHAUS_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  } > "$dir/servers.env"
}

case "$cmd" in
  start) start_redis; start_kafka; write_env ;;
  stop) stop_pid "$dir/kafka.pid" TERM; stop_pid "$dir/redis.pid" TERM ;;
  start-redis) start_redis; write_env ;;
  stop-redis) stop_pid "$dir/redis.pid" TERM ;;
  kill-redis) stop_pid "$dir/redis.pid" KILL ;;
  start-kafka) start_kafka; write_env ;;
  stop-kafka) stop_pid "$dir/kafka.pid" TERM ;;
  kill-kafka) stop_pid "$dir/kafka.pid" KILL ;;
  *) echo "servers.sh: unknown command '$cmd'" >&2; exit 2 ;;
esac
