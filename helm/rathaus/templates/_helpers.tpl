{{/*
Names and labels. Every object carries the recommended labels (app.kubernetes.io/*); selectors
use only the stable subset (name, instance, component).
*/}}

{{- define "rathaus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rathaus.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Object name of one component: <fullname>-<component>. Call with (dict "root" $ "component" "x"). */}}
{{- define "rathaus.componentName" -}}
{{- printf "%s-%s" (include "rathaus.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rathaus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of a component. (dict "root" $ "component" "x") */}}
{{- define "rathaus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rathaus.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All recommended labels of a component. (dict "root" $ "component" "x") */}}
{{- define "rathaus.labels" -}}
helm.sh/chart: {{ include "rathaus.chart" .root }}
{{ include "rathaus.selectorLabels" . }}
app.kubernetes.io/part-of: rathaus
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Image reference. (dict "root" $ "image" <per-component image values or nil>) */}}
{{- define "rathaus.image" -}}
{{- $img := mergeOverwrite (deepCopy .root.Values.image) (default dict .image) -}}
{{- $tag := default .root.Chart.AppVersion $img.tag -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The settings of one service: serviceDefaults merged with its entry in .Values.services. */}}
{{- define "rathaus.serviceValues" -}}
{{- $defaults := deepCopy .root.Values.serviceDefaults -}}
{{- toYaml (mergeOverwrite $defaults (deepCopy .svc)) -}}
{{- end -}}

{{/* RATHAUS_<NAME>_ADDR for a service name (e-file -> RATHAUS_E_FILE_ADDR). */}}
{{- define "rathaus.addrEnv" -}}
{{- printf "RATHAUS_%s_ADDR" (. | upper | replace "-" "_") -}}
{{- end -}}

{{/* Kafka topic of a service: rathaus.<service>.v1 */}}
{{- define "rathaus.topic" -}}
{{- printf "rathaus.%s.v1" . -}}
{{- end -}}

{{/* Pod security context shared by every workload. */}}
{{- define "rathaus.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context shared by every container. */}}
{{- define "rathaus.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Environment of a component: Redis (URL or a Secret reference), Kafka, log level, plain env,
and one *_FILE variable per secret file. (dict "root" $ "redis" <redis values> "env" <map>
"secretFiles" <map> "kafka" bool)
*/}}
{{- define "rathaus.commonEnv" -}}
{{- $redis := mergeOverwrite (deepCopy .root.Values.redis) (default dict .redis) -}}
{{- if not $redis.urlSecret.name }}
{{- if and (hasPrefix "redis://" $redis.url) (or $redis.tls.caSecret.name $redis.tls.clientCertSecret.name $redis.tls.serverName) }}
{{- fail (printf "redis.tls is set but redis.url %s is not rediss://: the TLS settings would do nothing" $redis.url) }}
{{- end }}
- name: RATHAUS_REDIS_URL
  value: {{ $redis.url | quote }}
{{- end }}
{{- if $redis.tls.serverName }}
- name: RATHAUS_REDIS_TLS_SERVER_NAME
  value: {{ $redis.tls.serverName | quote }}
{{- end }}
{{- if .kafka }}
- name: RATHAUS_KAFKA_BROKERS
  value: {{ .root.Values.kafka.brokers | quote }}
- name: RATHAUS_KAFKA_RETENTION
  value: {{ printf "%vms" (int64 .root.Values.kafka.strimziTopics.retentionMs) | quote }}
{{- with .root.Values.kafka.security }}
{{- if ne .protocol "plaintext" }}
- name: RATHAUS_KAFKA_SECURITY_PROTOCOL
  value: {{ .protocol | quote }}
{{- if hasPrefix "sasl" .protocol }}
{{- if or (not .username) (not .passwordSecret.name) }}
{{- fail "kafka.security: a sasl protocol needs username and passwordSecret.name" }}
{{- end }}
- name: RATHAUS_KAFKA_SASL_MECHANISM
  value: {{ .saslMechanism | quote }}
- name: RATHAUS_KAFKA_SASL_USERNAME
  value: {{ .username | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
- name: RATHAUS_LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- with .root.Values.oidc }}
{{- if .issuer }}
- name: RATHAUS_OIDC_ISSUER
  value: {{ .issuer | quote }}
{{- end }}
{{- if .jwksUrl }}
- name: RATHAUS_JWKS_URL
  value: {{ .jwksUrl | quote }}
{{- end }}
- name: RATHAUS_JWKS_REFRESH
  value: {{ .refresh | default "10m" | quote }}
- name: RATHAUS_JWT_MAX_LIFETIME
  value: {{ .maxTokenLifetime | default "12h" | quote }}
{{- end }}
{{- range $k, $v := .env }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- range $k, $ref := .secretFiles }}
- name: {{ $k }}
  value: {{ printf "/run/secrets/rathaus/%s/%s" ($k | lower | replace "_" "-") $ref.key | quote }}
{{- end }}
{{- end -}}

{{/* A component's secret files, plus RATHAUS_REDIS_URL_FILE when the Redis URL (with its
     password) comes from a Secret: mounted as a file, never in the environment; and the Redis
     TLS CA and client certificate files (redis.tls).
     With "kafka" true also the Kafka SASL password and CA files (kafka.security).
     (dict "root" $ "redis" <redis values> "files" <secretFiles> "kafka" bool) -> YAML map */}}
{{- define "rathaus.secretFilesWithRedis" -}}
{{- $redis := mergeOverwrite (deepCopy .root.Values.redis) (default dict .redis) -}}
{{- $files := deepCopy (default dict .files) -}}
{{- if $redis.urlSecret.name }}
{{- $_ := set $files "RATHAUS_REDIS_URL_FILE" (dict "secretName" $redis.urlSecret.name "key" $redis.urlSecret.key) }}
{{- end }}
{{- if $redis.tls.caSecret.name }}
{{- $_ := set $files "RATHAUS_REDIS_TLS_CA_FILE" (dict "secretName" $redis.tls.caSecret.name "key" $redis.tls.caSecret.key) }}
{{- end }}
{{- if $redis.tls.clientCertSecret.name }}
{{- $_ := set $files "RATHAUS_REDIS_TLS_CERT_FILE" (dict "secretName" $redis.tls.clientCertSecret.name "key" "tls.crt") }}
{{- $_ := set $files "RATHAUS_REDIS_TLS_KEY_FILE" (dict "secretName" $redis.tls.clientCertSecret.name "key" "tls.key") }}
{{- end }}
{{- $sec := .root.Values.kafka.security }}
{{- if and .kafka $sec }}
{{- if and (hasPrefix "sasl" $sec.protocol) $sec.passwordSecret.name }}
{{- $_ := set $files "RATHAUS_KAFKA_SASL_PASSWORD_FILE" (dict "secretName" $sec.passwordSecret.name "key" $sec.passwordSecret.key) }}
{{- end }}
{{- if and (hasSuffix "ssl" $sec.protocol) $sec.caSecret.name }}
{{- $_ := set $files "RATHAUS_KAFKA_SSL_CA_FILE" (dict "secretName" $sec.caSecret.name "key" $sec.caSecret.key) }}
{{- end }}
{{- if and (hasSuffix "ssl" $sec.protocol) $sec.clientCertSecret $sec.clientCertSecret.name }}
{{- $_ := set $files "RATHAUS_KAFKA_SSL_CERT_FILE" (dict "secretName" $sec.clientCertSecret.name "key" ($sec.clientCertSecret.certKey | default "user.crt")) }}
{{- $_ := set $files "RATHAUS_KAFKA_SSL_KEY_FILE" (dict "secretName" $sec.clientCertSecret.name "key" ($sec.clientCertSecret.keyKey | default "user.key")) }}
{{- end }}
{{- end }}
{{- toYaml $files }}
{{- end -}}

{{/* Volumes for secret files: one projected Secret per *_FILE variable. */}}
{{- define "rathaus.secretVolumes" -}}
{{- range $k, $ref := . }}
- name: {{ $k | lower | replace "_" "-" | trunc 63 | trimSuffix "-" }}
  secret:
    secretName: {{ $ref.secretName }}
    defaultMode: 0440
    items:
      - key: {{ $ref.key }}
        path: {{ $ref.key }}
{{- end }}
{{- end -}}

{{- define "rathaus.secretMounts" -}}
{{- range $k, $ref := . }}
- name: {{ $k | lower | replace "_" "-" | trunc 63 | trimSuffix "-" }}
  mountPath: {{ printf "/run/secrets/rathaus/%s" ($k | lower | replace "_" "-") }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* Scaling that cannot work: an HPA whose minimum is above its maximum; a PodDisruptionBudget
     on fewer than two pods (it blocks every drain of the node) or with minAvailable not below
     the replicas.
     dict "name" <values path> "v" <component values> */}}
{{- define "rathaus.checkPdb" -}}
{{- $v := .v }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- fail (printf "%s.autoscaling: minReplicas %d is above maxReplicas %d" .name (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- end }}
{{- if $v.pdb.enabled }}
{{- $least := ternary (int $v.autoscaling.minReplicas) (int $v.replicas) $v.autoscaling.enabled }}
{{- if lt $least 2 }}
{{- fail (printf "%s: a PodDisruptionBudget (pdb.enabled) needs at least 2 replicas (%d): with one it blocks every node drain; raise replicas or set pdb.enabled=false" .name $least) }}
{{- end }}
{{- if and $v.pdb.minAvailable $v.pdb.maxUnavailable }}
{{- fail (printf "%s.pdb: set maxUnavailable or minAvailable, not both" .name) }}
{{- end }}
{{- if and (not (kindIs "string" $v.pdb.minAvailable)) $v.pdb.minAvailable (ge (int $v.pdb.minAvailable) $least) }}
{{- fail (printf "%s.pdb.minAvailable %d is not below the replicas (%d): no pod could ever be evicted" .name (int $v.pdb.minAvailable) $least) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The PDB's spec without the selector: maxUnavailable (default 1) or minAvailable; an
     unhealthy pod may always be evicted, so a drain never waits for it. */}}
{{- define "rathaus.pdbSpec" -}}
{{- if .minAvailable }}
minAvailable: {{ .minAvailable }}
{{- else }}
maxUnavailable: {{ .maxUnavailable | default 1 }}
{{- end }}
unhealthyPodEvictionPolicy: AlwaysAllow
{{- end }}

{{/* topologySpreadConstraints: the values' own, or (topologySpread.enabled) nodes and zones,
     each component with its own selector. dict "ctx" <component context> "v" <values> */}}
{{- define "rathaus.topologySpread" -}}
{{- if .v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml .v.topologySpreadConstraints | nindent 2 }}
{{- else if and .v.topologySpread .v.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
  - maxSkew: {{ $.v.topologySpread.maxSkew | default 1 }}
    topologyKey: {{ $key }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "rathaus.selectorLabels" $.ctx | nindent 8 }}
  {{- end }}
{{- end }}
{{- end }}
