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
#   scripts/servers.sh start-kafka-tls DIR   # Kafka with two more listeners, certificates from a
#       CA made here: SSL with client certificates required, and SASL_SSL with PLAIN (user
#       rathaus); writes DIR/kafka-ssl.env and DIR/kafka-sasl-ssl.env with the RATHAUS_KAFKA_*
#       settings a service needs for each (the Kafka TLS tests)
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
      echo "KAFKA_SSL_PORT=$(free_port)"
      echo "KAFKA_SASL_SSL_PORT=$(free_port)"
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
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
  local advertised="PLAINTEXT://127.0.0.1:$KAFKA_PORT"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [ "${tls:-}" = 1 ]; then
    kafka_tls_material
    listeners+=",SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT"
    advertised+=",SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT"
    protocols+=",SSL:SSL,SASL_SSL:SASL_SSL"
  fi
  cat > "$dir/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols
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
  if [ "${tls:-}" = 1 ]; then
    local t="$dir/kafka/tls"
    cat >> "$dir/kafka/server.properties" <<PROPS
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=$t/broker.pem
listener.name.ssl.ssl.truststore.type=PEM
listener.name.ssl.ssl.truststore.location=$t/ca.crt
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$t/broker.pem
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_rathaus="$(cat "$t/password")";
PROPS
  fi
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
  if [ "${tls:-}" = 1 ]; then
    local t="$dir/kafka/tls"
    wait_port "$KAFKA_SSL_PORT" 30 kafka
    wait_port "$KAFKA_SASL_SSL_PORT" 30 kafka
    {
      echo "RATHAUS_KAFKA_BROKERS=127.0.0.1:$KAFKA_SSL_PORT"
      echo "RATHAUS_KAFKA_SECURITY_PROTOCOL=ssl"
      echo "RATHAUS_KAFKA_SSL_CA_FILE=$t/ca.crt"
      echo "RATHAUS_KAFKA_SSL_CERT_FILE=$t/client.crt"
      echo "RATHAUS_KAFKA_SSL_KEY_FILE=$t/client.key"
    } > "$dir/kafka-ssl.env"
    {
      echo "RATHAUS_KAFKA_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT"
      echo "RATHAUS_KAFKA_SECURITY_PROTOCOL=sasl_ssl"
      echo "RATHAUS_KAFKA_SASL_MECHANISM=PLAIN"
      echo "RATHAUS_KAFKA_SASL_USERNAME=rathaus"
      echo "RATHAUS_KAFKA_SASL_PASSWORD_FILE=$t/password"
      echo "RATHAUS_KAFKA_SSL_CA_FILE=$t/ca.crt"
    } > "$dir/kafka-sasl-ssl.env"
    log "  and SSL with client certificates on 127.0.0.1:$KAFKA_SSL_PORT, SASL_SSL (PLAIN, user rathaus) on 127.0.0.1:$KAFKA_SASL_SSL_PORT"
  fi
  log "Apache Kafka $(basename "$kafka_dir" | sed 's/kafka-//') (KRaft, single node) on 127.0.0.1:$KAFKA_PORT (data in $dir/kafka/data)"
}

# A CA, the broker's certificate (IP 127.0.0.1) with its key in one PEM file (Kafka's PEM
# keystore), a client certificate, and the PLAIN password of the user rathaus; made once per DIR.
kafka_tls_material() {
  local t="$dir/kafka/tls"
  [ -f "$t/broker.pem" ] && return 0
  mkdir -p "$t"
  (
    cd "$t"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
        -subj /CN=rathaus-test-kafka-ca -days 30 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > broker.ext
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout broker.key -out broker.csr \
        -subj /CN=127.0.0.1 2>/dev/null
    openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out broker.crt -days 30 \
        -extfile broker.ext 2>/dev/null
    cat broker.key broker.crt > broker.pem
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
        -subj /CN=rathaus 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 30 \
        -extfile client.ext 2>/dev/null
    openssl rand -hex 16 > password
    chmod 0600 ca.key broker.key broker.pem client.key password
  )
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
  start-kafka-tls) tls=1 start_kafka; write_env ;;
  stop-kafka) stop_pid "$dir/kafka.pid" TERM ;;
  kill-kafka) stop_pid "$dir/kafka.pid" KILL ;;
  *) echo "servers.sh: unknown command '$cmd'" >&2; exit 2 ;;
esac
