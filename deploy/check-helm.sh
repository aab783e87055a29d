#!/usr/bin/env bash
# ctest deploy.helm: the chart lints strictly, renders with the default values and every variant
# in deploy/values/*.yaml plus helm/rathaus/examples/values-production.yaml, and every rendered
# document is validated offline against the Kubernetes API types (deploy/validate/k8s-validate
# -policy: strict decoding with k8s.io/api, references, hardening). The variants must contain
# what they switch on; the Strimzi examples are validated too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/deploy/tools.sh")
helm="$bin/helm"
chart="$root/helm/rathaus"
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
kube=(--kube-version 1.31.0 --namespace rathaus)
fail() { echo "check-helm: FAIL: $*" >&2; exit 1; }

"$helm" lint --strict "$chart" "${kube[@]}" >/dev/null || { "$helm" lint --strict "$chart"; fail "helm lint --strict (default values)"; }

render() {  # name [helm args...]
  local name=$1; shift
  "$helm" lint --strict "$chart" "$@" >"$out/$name.lint" 2>&1 || { cat "$out/$name.lint"; fail "helm lint --strict ($name)"; }
  "$helm" template rathaus "$chart" "${kube[@]}" "$@" >"$out/$name.yaml" || fail "helm template ($name)"
  echo -n "check-helm: $name: "
  "$bin/k8s-validate" -policy "$out/$name.yaml" || fail "rendered manifests ($name) are not valid"
}
count() { grep -c "^kind: $2\$" "$out/$1.yaml" || true; }

render default
render ingress -f "$root/deploy/values/ingress.yaml"
render mtls -f "$root/deploy/values/mtls.yaml"
render autoscaling -f "$root/deploy/values/autoscaling.yaml"
# The production example runs on the city's own files (here: the demo files, as a city would pass its own).
city_files=(--set-file "services.appointments.configFiles.RATHAUS_APPOINTMENTS_CATALOG_FILE.content=$root/services/appointments/catalog/kiel.json"
            --set-file "services.e-invoice.configFiles.RATHAUS_EINVOICE_ROUTING_FILE.content=$root/services/e-invoice/routing/kiel.txt"
            --set-file "services.e-file.configFiles.RATHAUS_EFILE_PLAN_FILE.content=$root/services/e-file/aktenplan/kiel.json")
render production -f "$chart/examples/values-production.yaml" "${city_files[@]}"
render all -f "$root/deploy/values/ingress.yaml" -f "$root/deploy/values/mtls.yaml" -f "$root/deploy/values/autoscaling.yaml"

# Each variant switches on what it says, and only that.
[ "$(count default Ingress)" = 0 ] && [ "$(count default Certificate)" = 0 ] && [ "$(count default HorizontalPodAutoscaler)" = 0 ] \
  || fail "default values render optional objects"
# Default: appointments, e-file, e-invoice, id-documents, registrations and the gateway.
# e-invoice and e-file run one replica by default (no shared blob volume), so they have no PDB.
[ "$(count default Deployment)" = 7 ] && [ "$(count default PodDisruptionBudget)" = 5 ] || fail "default: 7 Deployments + 5 PDBs expected"
[ "$(count production PodDisruptionBudget)" = 7 ] || fail "production example: 7 PDBs expected"
# More than one replica with an emptyDir for data is refused, naming the fix.
if msg=$("$helm" template rathaus "$chart" "${kube[@]}" --set 'services.e-invoice.replicas=2' 2>&1); then
  fail "two e-invoice replicas without a shared volume were accepted"
fi
grep -q 'existingClaim' <<<"$msg" || fail "the refusal of two replicas without a shared volume does not name data.existingClaim: $msg"
# A PodDisruptionBudget on one replica would block every node drain: refused, naming the fix.
for set in 'gateway.replicas=1' 'services.appointments.replicas=1' 'serviceDefaults.replicas=1'; do
  if msg=$("$helm" template rathaus "$chart" "${kube[@]}" --set "$set" 2>&1); then
    fail "a PDB with one replica was accepted ($set)"
  fi
  grep -q 'pdb.enabled=false' <<<"$msg" || fail "the refusal of a PDB on one replica does not say what to do ($set): $msg"
done
# Scaling values that cannot work are refused too.
for set in 'services.appointments.autoscaling.enabled=true,services.appointments.autoscaling.minReplicas=5,services.appointments.autoscaling.maxReplicas=3' \
           'gateway.pdb.maxUnavailable=null,gateway.pdb.minAvailable=2'; do
  if "$helm" template rathaus "$chart" "${kube[@]}" --set "$set" >/dev/null 2>&1; then
    fail "accepted: $set"
  fi
done
"$helm" template rathaus "$chart" "${kube[@]}" --set gateway.replicas=1 --set gateway.pdb.enabled=false >/dev/null \
  || fail "one gateway replica without a PDB must render"
# Liveness and start-up ask for the process ("liveness"), readiness for the dependencies; each
# container pauses before SIGTERM (k8s-validate -policy checks every workload; here the counts).
[ "$(grep -c '^ *service: liveness$' "$out/default.yaml")" = 12 ] || fail "default: 6 services x (startup + liveness) must ask for \"liveness\""
[ "$(grep -c '"--service","liveness"' "$out/mtls.yaml")" = 12 ] || fail "mtls: 6 services x (startup + liveness) must ask for \"liveness\""
[ "$(grep -c '^ *preStop:$' "$out/default.yaml")" = "$(count default Deployment)" ] || fail "default: every Deployment needs a preStop pause"
[ "$(grep -c '^ *unhealthyPodEvictionPolicy: AlwaysAllow$' "$out/default.yaml")" = "$(count default PodDisruptionBudget)" ] \
  || fail "default: every PDB needs unhealthyPodEvictionPolicy AlwaysAllow"
grep -q 'name: RATHAUS_EINVOICE_BLOB_DIR' "$out/default.yaml" && grep -q 'mountPath: /var/lib/rathaus/blobs' "$out/default.yaml" \
  || fail "default: e-invoice must get its blob folder"
[ "$(count ingress Ingress)" = 1 ] || fail "ingress variant: no Ingress"
[ "$(count mtls Certificate)" = 7 ] || fail "mtls variant: 7 Certificates expected (appointments, e-file, e-invoice, id-documents, registrations, notifications, gateway)"
grep -q 'RATHAUS_GRPC_TLS_CLIENT_CA_FILE' "$out/mtls.yaml" || fail "mtls variant: services do not require client certificates"
grep -q 'rathaus-grpc-health' "$out/mtls.yaml" || fail "mtls variant: probes must use the TLS health client"
grep -q '^ *grpc:$' "$out/default.yaml" || fail "default: services must have gRPC probes"
grep -q 'path: /readyz' "$out/default.yaml" && grep -q 'path: /healthz' "$out/default.yaml" || fail "gateway probes"
# autoscaling variant adds `notifications` as one map entry: it gets everything appointments gets.
[ "$(count autoscaling HorizontalPodAutoscaler)" = 7 ] || fail "autoscaling variant: 7 HPAs expected"
[ "$(count autoscaling Deployment)" = 7 ] || fail "autoscaling variant: one more service = one more Deployment"
[ "$(count autoscaling KafkaTopic)" = 12 ] || fail "autoscaling variant: topic + DLQ per service"
grep -q 'name: RATHAUS_NOTIFICATIONS_ADDR' "$out/autoscaling.yaml" || fail "gateway does not learn the new service's address"
grep -q 'name: rathaus-notifications$' "$out/autoscaling.yaml" || fail "no objects for the new service"
if awk '/^kind: Deployment/{d=1} /^kind: /{if(!/Deployment/)d=0} d && /^  replicas:/{found=1} END{exit !found}' "$out/autoscaling.yaml"; then
  fail "autoscaling variant: Deployments must leave replicas to the HPA"
fi

# Strimzi examples: parsed, apiVersion/kind/metadata, topics with RF 3 and min ISR 2.
echo -n "check-helm: strimzi examples: "
"$bin/k8s-validate" "$chart/examples/strimzi-kafka.yaml" "$chart/examples/kafka-topics-example.yaml" || fail "Strimzi examples"
grep -q 'default.replication.factor: 3' "$chart/examples/strimzi-kafka.yaml" && grep -q 'min.insync.replicas: 2' "$chart/examples/strimzi-kafka.yaml" \
  || fail "strimzi-kafka.yaml: RF 3 / min.insync.replicas 2"
grep -q "^kind: Kafka\$" "$chart/examples/strimzi-kafka.yaml" && [ "$(grep -c '^kind: KafkaNodePool$' "$chart/examples/strimzi-kafka.yaml")" = 2 ] \
  || fail "strimzi-kafka.yaml: Kafka + 2 KafkaNodePools expected"

# The validator itself rejects what it should (a misspelt field, a wrong type, a missing hardening).
sed 's/^\(\s*\)containers:/\1containerz:/' "$out/default.yaml" >"$out/bad1.yaml"
! "$bin/k8s-validate" "$out/bad1.yaml" >/dev/null 2>&1 || fail "k8s-validate accepted an unknown field"
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' "$out/default.yaml" >"$out/bad2.yaml"
! "$bin/k8s-validate" -policy "$out/bad2.yaml" >/dev/null 2>&1 || fail "k8s-validate -policy accepted a writable root filesystem"
sed 's/maxUnavailable: 1$/maxUnavailable: [1]/' "$out/default.yaml" >"$out/bad3.yaml"
! "$bin/k8s-validate" "$out/bad3.yaml" >/dev/null 2>&1 || fail "k8s-validate accepted a wrong type"
# Calls spread over replicas: the gateway resolves a headless Service per service (every pod an
# address, round-robin in the gateway) instead of one ClusterIP connection pinned to one pod.
[ "$(grep -c '^  clusterIP: None$' "$out/default.yaml")" = 6 ] || fail "default: a headless Service per gRPC service expected"
[ "$(grep -cE 'value: "dns:///rathaus-[a-z-]+-headless\.rathaus\.svc:[0-9]+"' "$out/default.yaml")" = 11 ] \
  || fail "default: the gateway must reach each service (6), the e-file e-invoice and registrations, and notifications appointments, id-documents and registrations through dns:///<headless Service>"
# The e-file reads invoice originals from e-invoice (values reads: [e-invoice]): its address, and
# the NetworkPolicies let exactly that path through (e-file egress, e-invoice ingress).
[ "$(grep -c 'value: "dns:///rathaus-e-invoice-headless.rathaus.svc:50051"' "$out/default.yaml")" = 2 ] \
  || fail "default: the e-file must get RATHAUS_E_INVOICE_ADDR"
# One NetworkPolicy document (by its name). grep reads to the end (no -q: pipefail + SIGPIPE).
policy() { awk -v want="$2" 'BEGIN{RS="---\n"} /kind: NetworkPolicy/ && index($0, "\n  name: " want "\n") {print}' "$1"; }
policy "$out/default.yaml" rathaus-e-invoice | grep 'app.kubernetes.io/component: e-file' >/dev/null \
  || fail "default: e-invoice's NetworkPolicy does not let the e-file in"
policy "$out/default.yaml" rathaus-e-file | grep -A6 'egress:' | grep 'app.kubernetes.io/component: e-invoice' >/dev/null \
  || fail "default: the e-file's NetworkPolicy does not let it out to e-invoice"
# And the Meldebestätigungen from registrations (reads: [e-invoice, registrations]).
[ "$(grep -c 'value: "dns:///rathaus-registrations-headless.rathaus.svc:50051"' "$out/default.yaml")" = 3 ] \
  || fail "default: the gateway, the e-file and notifications must get RATHAUS_REGISTRATIONS_ADDR"
policy "$out/default.yaml" rathaus-registrations | grep 'app.kubernetes.io/component: e-file' >/dev/null \
  || fail "default: registrations' NetworkPolicy does not let the e-file in"
policy "$out/default.yaml" rathaus-e-file | grep -A20 'egress:' | grep 'app.kubernetes.io/component: registrations' >/dev/null \
  || fail "default: the e-file's NetworkPolicy does not let it out to registrations"
# Notifications reads addresses from appointments, id-documents and registrations (reads) and sends through the
# mail relay (extraEgress: port 587), and nothing else leaves it but Kafka and Redis.
policy "$out/default.yaml" rathaus-appointments | grep 'app.kubernetes.io/component: notifications' >/dev/null \
  || fail "default: appointments' NetworkPolicy does not let notifications in"
policy "$out/default.yaml" rathaus-notifications | grep -A20 'egress:' | grep 'app.kubernetes.io/component: appointments' >/dev/null \
  || fail "default: the notifications NetworkPolicy does not let it out to appointments"
policy "$out/default.yaml" rathaus-id-documents | grep 'app.kubernetes.io/component: notifications' >/dev/null \
  || fail "default: id-documents' NetworkPolicy does not let notifications in"
policy "$out/default.yaml" rathaus-registrations | grep 'app.kubernetes.io/component: notifications' >/dev/null \
  || fail "default: registrations' NetworkPolicy does not let notifications in"
policy "$out/default.yaml" rathaus-notifications | grep -A40 'egress:' | grep 'port: 587' >/dev/null \
  || fail "default: the notifications NetworkPolicy does not let it out to the mail relay"
# The Redis URL (with its password) from a Secret is a mounted file, not an environment value.
! grep -q 'secretKeyRef' "$out/production.yaml" || fail "production: a secret in the environment (secretKeyRef)"
[ "$(grep -c 'name: RATHAUS_REDIS_URL_FILE$' "$out/production.yaml")" = "$(count production Deployment)" ] \
  || fail "production: every component reads its Redis URL from a file (RATHAUS_REDIS_URL_FILE)"
# Redis over TLS (production): every component gets the CA as a mounted file; a client
# certificate Secret becomes the certificate and key files; TLS settings with a redis:// URL,
# where they would do nothing, are refused.
[ "$(grep -c 'name: RATHAUS_REDIS_TLS_CA_FILE$' "$out/production.yaml")" = "$(count production Deployment)" ] \
  || fail "production: every component verifies Redis's certificate (RATHAUS_REDIS_TLS_CA_FILE)"
"$helm" template rathaus "$chart" "${kube[@]}" --set redis.url=rediss://redis.rathaus.svc:6379 \
  --set redis.tls.clientCertSecret.name=rathaus-redis-client --set redis.tls.serverName=redis.internal >"$out/redis-tls.yaml" \
  || fail "helm template with a Redis client certificate"
for v in RATHAUS_REDIS_TLS_CERT_FILE RATHAUS_REDIS_TLS_KEY_FILE RATHAUS_REDIS_TLS_SERVER_NAME; do
  [ "$(grep -c "name: $v\$" "$out/redis-tls.yaml")" = "$(grep -c '^kind: Deployment$' "$out/redis-tls.yaml")" ] \
    || fail "redis.tls: not every component gets $v"
done
grep -q 'secretName: rathaus-redis-client$' "$out/redis-tls.yaml" || fail "redis.tls: the client certificate Secret is not mounted"
if msg=$("$helm" template rathaus "$chart" "${kube[@]}" --set redis.tls.caSecret.name=rathaus-redis-ca 2>&1); then
  fail "redis.tls with a redis:// URL was accepted"
fi
grep -q 'not rediss://' <<<"$msg" || fail "the refusal of redis.tls with redis:// does not say why: $msg"
# Metrics on their own port everywhere, the gateway's too (the Ingress routes the HTTP port).
[ "$(grep -cE 'name: RATHAUS_(GATEWAY_)?METRICS_LISTEN$' "$out/default.yaml")" = "$(count default Deployment)" ] \
  || fail "default: every component serves /metrics on its own port (RATHAUS_METRICS_LISTEN)"
# Behind the Ingress, X-Forwarded-For is believed from the Ingress controller only (else all
# citizens share one rate-limit bucket, or anyone can pick their own); suppliers sign in.
for v in ingress production; do
  grep -q 'name: RATHAUS_GATEWAY_TRUSTED_PROXIES$' "$out/$v.yaml" || fail "$v: the gateway must name the Ingress's CIDRs (gateway.trustedProxies)"
  ! grep -q 'RATHAUS_GATEWAY_TRUST_FORWARDED_FOR' "$out/$v.yaml" || fail "$v: X-Forwarded-For trusted from every peer"
done
grep -A1 'name: RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD$' "$out/production.yaml" | grep -q 'value: "off"' \
  || fail "production: anonymous invoice upload must be off"
if msg=$("$helm" template rathaus "$chart" "${kube[@]}" --set gateway.ingress.enabled=true 2>&1); then
  fail "an Ingress without gateway.trustedProxies rendered"
fi
grep -q 'trustedProxies' <<<"$msg" || fail "the refusal of an Ingress without trustedProxies does not name the value: $msg"
! grep -q "prometheus.io/port: \"8080\"" "$out/default.yaml" || fail "default: metrics scraped from the public HTTP port"
# The Ingress lets the 20 MiB invoice bodies through (ingress-nginx's default is 1 MiB).
for v in ingress production; do
  grep -q 'nginx.ingress.kubernetes.io/proxy-body-size: 21m' "$out/$v.yaml" || fail "$v: the Ingress must allow 20 MiB invoice bodies"
done
# The citizen pages' sign-in: on in the production example (client id, public URL from the
# Ingress host, the client secret as a file), off by default, refused without a provider.
grep -A1 'name: RATHAUS_GATEWAY_OIDC_CLIENT_ID$' "$out/production.yaml" | grep -q 'value: "rathaus-web"' \
  && grep -A1 'name: RATHAUS_GATEWAY_PUBLIC_URL$' "$out/production.yaml" | grep -q 'value: "https://' \
  && grep -q 'name: RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE$' "$out/production.yaml" \
  || fail "production: the gateway's sign-in (client id, public URL, secret file)"
! grep -q 'RATHAUS_GATEWAY_OIDC_CLIENT_ID' "$out/all.yaml" || fail "default values: sign-in must be off"
if "$helm" template rathaus "$chart" "${kube[@]}" --set gateway.signIn.clientId=rathaus-web >/dev/null 2>&1; then
  fail "gateway.signIn.clientId without oidc.issuer rendered"
fi
# Production configuration is the city's: without its files the production example is refused,
# with them each service mounts its ConfigMap and names the file.
if msg=$("$helm" template rathaus "$chart" "${kube[@]}" -f "$chart/examples/values-production.yaml" 2>&1); then
  fail "production example rendered without the city's catalog and routing (demo configuration)"
fi
grep -q 'configFiles' <<<"$msg" || fail "the refusal of the demo configuration does not say what to set: $msg"
[ "$(count production ConfigMap)" = 3 ] || fail "production: a ConfigMap each for the catalog, the routing table and the Aktenplan"
grep -q 'name: RATHAUS_APPOINTMENTS_CATALOG_FILE$' "$out/production.yaml" && grep -q 'name: RATHAUS_EINVOICE_ROUTING_FILE$' "$out/production.yaml" \
  && grep -q 'name: RATHAUS_EFILE_PLAN_FILE$' "$out/production.yaml" \
  || fail "production: the services must read the mounted files"
# Kafka over TLS with client certificates (Strimzi's TLS listener, `tls` KafkaUser): CA,
# certificate and key as mounted files. Not SCRAM: the services refuse it (librdkafka 2.0.2
# cannot log in to Kafka 4 with SCRAM), so the example must not use it.
"$helm" template rathaus "$chart" "${kube[@]}" -f "$chart/examples/values-production.yaml" "${city_files[@]}" >"$out/kafka-tls.yaml" \
  || fail "production example with Kafka TLS"
for v in RATHAUS_KAFKA_SECURITY_PROTOCOL RATHAUS_KAFKA_SSL_CA_FILE RATHAUS_KAFKA_SSL_CERT_FILE RATHAUS_KAFKA_SSL_KEY_FILE; do
  [ "$(grep -c "name: $v\$" "$out/kafka-tls.yaml")" = 6 ] || fail "production: every service needs $v (Kafka TLS with a client certificate)"
done
! grep -q 'SCRAM' "$out/kafka-tls.yaml" || fail "production: SCRAM, which the services refuse with librdkafka 2.0.2 against Kafka 4"
! grep -q 'type: scram' "$chart/examples/strimzi-kafka.yaml" || fail "the Strimzi example uses SCRAM, which the services cannot log in with"
# The production example runs images by digest: every image reference is repository@sha256:….
! grep -E '^ +image: ' "$out/production.yaml" | grep -qv '@sha256:[0-9a-f]\{64\}' \
  || fail "production: an image without a digest: $(grep -E '^ +image: ' "$out/production.yaml" | grep -v '@sha256:' | head -1)"
# Memory limits from measurement: each measured component's limit (default render) is at least
# 1.2x its peak in deploy/measured-memory.txt (20 MiB invoices in flight).
mi() { case "$1" in *Gi) echo $(( ${1%Gi} * 1024 ));; *Mi) echo "${1%Mi}";; *) echo 0;; esac; }
while read -r component peak; do
  case "$component" in ''|'#'*) continue;; esac
  limit=$(awk -v want="rathaus-$component" '/^kind: Deployment$/{dep=1} /^---/{dep=0; name=""}
            dep && /^  name: / && name == "" {name=$2} dep && name == want && /memory:/ {print $2; exit}' "$out/default.yaml")
  [ -n "$limit" ] || fail "default: no memory limit for $component"
  [ "$(mi "$limit")" -ge $(( peak * 12 / 10 )) ] \
    || fail "default: $component's memory limit $limit is below 1.2x its measured peak of ${peak} MiB (deploy/measured-memory.txt)"
done < "$root/deploy/measured-memory.txt"
# A service added in the values is routed by the gateway without code changes: it gets the
# service's address (and finds the routes in the image's descriptor sets, gateway/descriptors.h).
"$helm" template rathaus "$chart" "${kube[@]}" --set services.registrations.replicas=2 >"$out/added.yaml" \
  || fail "a service added in the values does not render"
grep -A1 'name: RATHAUS_REGISTRATIONS_ADDR$' "$out/added.yaml" | grep -q 'dns:///rathaus-registrations-headless' \
  || fail "the gateway does not get the address of a service added in the values"
# Production signs in with the city's identity provider: every component finds its keys by
# discovery (and none trusts a development key file alone).
[ "$(grep -c 'name: RATHAUS_OIDC_ISSUER$' "$out/production.yaml")" = "$(count production Deployment)" ] \
  || fail "production: every component needs RATHAUS_OIDC_ISSUER (oidc.issuer)"
grep -q 'name: rathaus-allow-oidc$' "$out/production.yaml" || fail "production: no egress to the identity provider (NetworkPolicy allow-oidc)"
if "$helm" template rathaus "$chart" "${kube[@]}" --set oidc.issuer=http://login.example.de >/dev/null 2>&1; then
  fail "an identity provider over plain http rendered"
fi
echo "check-helm: ok"
