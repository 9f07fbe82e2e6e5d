{{/* Labels every object carries. */}}
{{- define "commissioning.labels" -}}
app.kubernetes.io/part-of: commissioning
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one service's pods. Argument: dict root, name. */}}
{{- define "commissioning.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: commissioning
{{- end -}}

{{/* The image: repository@digest when a digest is set, else repository:tag. */}}
{{- define "commissioning.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* A service's settings: serviceDefaults merged under services.<name>. Argument: dict root, name. */}}
{{- define "commissioning.service" -}}
{{- $own := index .root.Values.services .name -}}
{{- $merged := mustMergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $own) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* The Kafka user of a service or agency: the Strimzi KafkaUser and its password Secret. */}}
{{- define "commissioning.kafkaUser" -}}
{{- printf "commissioning-%s" . -}}
{{- end -}}

{{/* Pod-level security: non-root, RuntimeDefault seccomp (restricted Pod Security Standard). */}}
{{- define "commissioning.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "commissioning.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Database connection from a basic-auth Secret (username, password). The URL carries no
query: TLS comes from PGSSLMODE, which asyncpg reads, because SQLAlchemy would pass a
`sslmode` URL parameter to asyncpg.connect(), which has no such argument.
Argument: the Secret's name; uses .root for the host.
*/}}
{{- define "commissioning.databaseEnv" -}}
- name: DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: username
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: password
- name: DATABASE_URL
  value: {{ printf "postgresql://$(DB_USER):$(DB_PASSWORD)@%s:%d/%s" .root.Values.database.host (int .root.Values.database.port) .root.Values.database.name | quote }}
- name: PGSSLMODE
  value: {{ .root.Values.database.sslmode | quote }}
{{- if .root.Values.database.caSecret }}
- name: PGSSLROOTCERT
  value: /etc/commissioning/db-ca/ca.crt
{{- end }}
{{- end -}}

{{- define "commissioning.dbCaVolume" -}}
{{- if .Values.database.caSecret }}
- name: db-ca
  secret:
    secretName: {{ .Values.database.caSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "commissioning.dbCaMount" -}}
{{- if .Values.database.caSecret }}
- name: db-ca
  mountPath: /etc/commissioning/db-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* Kafka credentials of one KafkaUser. Argument: dict root, user. */}}
{{- define "commissioning.kafkaEnv" -}}
{{- $k := .root.Values.kafka -}}
{{- $protocol := "PLAINTEXT" -}}
{{- if eq $k.authentication "scram-sha-512" -}}
{{- $protocol = ternary "SASL_SSL" "SASL_PLAINTEXT" $k.tls.enabled -}}
{{- else if $k.tls.enabled -}}
{{- $protocol = "SSL" -}}
{{- end -}}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ $protocol }}
{{- if eq $k.authentication "scram-sha-512" }}
- name: KAFKA_SASL_MECHANISM
  value: SCRAM-SHA-512
- name: KAFKA_SASL_USERNAME
  value: {{ .user }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .user }}
      key: password
{{- end }}
{{- if $k.tls.enabled }}
- name: KAFKA_SSL_CAFILE
  value: /etc/commissioning/kafka-ca/ca.crt
{{- end }}
{{- end -}}

{{- define "commissioning.kafkaCaVolume" -}}
{{- if .Values.kafka.tls.enabled }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
    items:
      - key: {{ .Values.kafka.tls.caKey }}
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "commissioning.kafkaCaMount" -}}
{{- if .Values.kafka.tls.enabled }}
- name: kafka-ca
  mountPath: /etc/commissioning/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/*
The topics of one catalogue entry (shared/topics.py, Topic.physical): its name, or for a
per-agency family one topic per partner agency in kafka.agencies, <stem>.<agency>.<version>
(needs.indicator-values.v1 -> needs.indicator-values.durham-county-council.v1).
Argument: dict root, name (a catalogue name). Output: a YAML list, for fromYamlArray.
*/}}
{{- define "commissioning.physicalTopics" -}}
{{- $entry := dict -}}
{{- range .root.Values.kafka.topics }}{{ if eq .name $.name }}{{ $entry = . }}{{ end }}{{ end -}}
{{- if not $entry.name -}}
{{- fail (printf "topic %s is not in kafka.topics (the topic catalogue)" .name) -}}
{{- end -}}
{{- if $entry.perAgency -}}
{{- range .root.Values.kafka.agencies }}
- {{ include "commissioning.agencyTopic" (dict "name" $.name "agency" .id) }}
{{- end }}
{{- else }}
- {{ .name }}
{{- end }}
{{- end -}}

{{/* A per-agency family's topic of one agency (Topic.for_agency). Argument: dict name, agency. */}}
{{- define "commissioning.agencyTopic" -}}
{{- regexReplaceAll "^(.*)\\.([^.]+)$" .name (printf "${1}.%s.${2}" .agency) -}}
{{- end -}}

{{/* The topics of a list of catalogue names. Argument: dict root, names. Output: a YAML list. */}}
{{- define "commissioning.physicalTopicsOf" -}}
{{- range .names }}
{{- range include "commissioning.physicalTopics" (dict "root" $.root "name" .) | fromYamlArray }}
- {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Physical topics of the platform: catalogue topics, their dead letters, the epoch topic. */}}
{{- define "commissioning.platformTopics" -}}
{{- range .Values.kafka.topics }}
{{- range include "commissioning.physicalTopics" (dict "root" $ "name" .name) | fromYamlArray }}
- {{ . }}
- {{ . }}.dlq
{{- end }}
{{- end }}
- platform.broker-epoch
{{- end -}}

{{/* Egress rules shared by the network policies. */}}
{{- define "commissioning.egressDns" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- end -}}

{{- define "commissioning.egressKafka" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.kafkaNamespace }}
  ports:
    {{- range .Values.networkPolicy.kafkaPorts }}
    - {protocol: TCP, port: {{ . }}}
    {{- end }}
{{- end -}}

{{- define "commissioning.egressPostgres" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.postgres.namespace }}
    {{- if .Values.cloudnativepg.enabled }}
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ .Release.Name }}-db
    {{- end }}
    {{- range .Values.networkPolicy.postgres.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - {protocol: TCP, port: {{ .Values.database.port }}}
{{- end -}}
