{{/* Chart name, overridable. */}}
{{- define "geminicli2api.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "geminicli2api.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "geminicli2api.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable across upgrades and values (never add mutable labels here). */}}
{{- define "geminicli2api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "geminicli2api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* Labels on every object of the chart (component set by the caller's selector labels). */}}
{{- define "geminicli2api.commonLabels" -}}
helm.sh/chart: {{ include "geminicli2api.chart" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: geminicli2api
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "geminicli2api.labels" -}}
{{ include "geminicli2api.selectorLabels" . }}
{{ include "geminicli2api.commonLabels" . }}
{{- end }}

{{- define "geminicli2api.redis.fullname" -}}
{{- printf "%s-redis" (include "geminicli2api.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "geminicli2api.redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "geminicli2api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "geminicli2api.redis.labels" -}}
{{ include "geminicli2api.redis.selectorLabels" . }}
{{ include "geminicli2api.commonLabels" . }}
{{- end }}

{{- define "geminicli2api.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "geminicli2api.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "geminicli2api.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Name of the Secret the gateway reads env from: the user's existing one or the chart's. */}}
{{- define "geminicli2api.secretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else }}
{{- include "geminicli2api.fullname" . }}
{{- end }}
{{- end }}

{{- define "geminicli2api.credentialFilesSecretName" -}}
{{- if .Values.google.credentialsSecret }}
{{- .Values.google.credentialsSecret }}
{{- else }}
{{- printf "%s-google-credentials" (include "geminicli2api.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "geminicli2api.hasCredentialFiles" -}}
{{- if or .Values.google.credentialsSecret .Values.google.credentialFiles }}true{{- end }}
{{- end }}

{{/* Whether GEMINI_CREDENTIALS_DIR is mounted: credential files and/or the chart's Vertex AI credential. */}}
{{- define "geminicli2api.hasCredentialDir" -}}
{{- if or (include "geminicli2api.hasCredentialFiles" .) .Values.google.vertex.project }}true{{- end }}
{{- end }}

{{- define "geminicli2api.vertexKeyDir" -}}/var/run/secrets/geminicli2api/vertex-key{{- end }}

{{/* The Vertex AI credential item (no secret in it: a key, if any, is a file from its own Secret). */}}
{{- define "geminicli2api.vertexCredential" -}}
{{- $vertex := .Values.google.vertex -}}
{{- $item := dict "type" "vertex_adc" "project" $vertex.project "location" $vertex.location "label" $vertex.label "priority" (int $vertex.priority) -}}
{{- if $vertex.models }}{{- $_ := set $item "models" $vertex.models -}}{{- end }}
{{- if $vertex.serviceAccountSecret.name }}{{- $_ := set $item "key_file" (printf "%s/key.json" (include "geminicli2api.vertexKeyDir" .)) -}}{{- end }}
{{- toJson $item -}}
{{- end }}

{{/* Whether some Redis is configured (external URL, bundled, or possibly in the existing Secret). */}}
{{- define "geminicli2api.redisMode" -}}
{{- if and .Values.redis.url .Values.redis.bundled.enabled }}
{{- fail "redis.url and redis.bundled.enabled are mutually exclusive: use an external Redis OR the bundled one" }}
{{- else if .Values.redis.bundled.enabled }}bundled
{{- else if .Values.redis.url }}external
{{- else }}none
{{- end }}
{{- end }}

{{/*
The Secret holding the Redis password: redis.passwordSecret when set; for the bundled Redis
without one, the Secret the chart generates (templates/redis.yaml). Empty = no password.
*/}}
{{- define "geminicli2api.redisPasswordSecretName" -}}
{{- if .Values.redis.passwordSecret.name }}{{ .Values.redis.passwordSecret.name }}
{{- else if .Values.redis.bundled.enabled }}{{ include "geminicli2api.redis.fullname" . }}
{{- end }}
{{- end }}

{{- define "geminicli2api.redisPasswordSecretKey" -}}
{{- if .Values.redis.passwordSecret.name }}{{ .Values.redis.passwordSecret.key }}{{ else }}redis-password{{ end }}
{{- end }}

{{/* REDIS_URL with the password placeholder $(REDIS_PASSWORD) when a password Secret is used. */}}
{{- define "geminicli2api.redisUrlWithPasswordRef" -}}
{{- $mode := include "geminicli2api.redisMode" . }}
{{- $base := "" }}
{{- if eq $mode "bundled" }}
{{- $base = printf "redis://%s:6379/0" (include "geminicli2api.redis.fullname" .) }}
{{- else }}
{{- $base = .Values.redis.url }}
{{- end }}
{{- if include "geminicli2api.redisPasswordSecretName" . }}
{{- if not (regexMatch "^rediss?://[^@/]+(/.*)?$" $base) }}
{{- fail "redis.passwordSecret is set but redis.url already contains credentials or is not redis://host[:port][/db] / rediss://..." }}
{{- end }}
{{- regexReplaceAll "^(rediss?)://" $base (printf "${1}://%s:$$(REDIS_PASSWORD)@" .Values.redis.username) }}
{{- else }}
{{- $base }}
{{- end }}
{{- end }}

{{/* Drain total in seconds (ceil), and the grace period derived from it. */}}
{{- define "geminicli2api.drainSeconds" -}}
{{- $ms := add (int .Values.drain.delayMs) (int .Values.drain.timeoutMs) }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{- define "geminicli2api.terminationGracePeriodSeconds" -}}
{{- $drain := add (int (include "geminicli2api.drainSeconds" .)) (int .Values.drain.preStopSleepSeconds) }}
{{- if kindIs "invalid" .Values.drain.terminationGracePeriodSeconds }}
{{- add $drain (int .Values.drain.marginSeconds) }}
{{- else if le (int .Values.drain.terminationGracePeriodSeconds) $drain }}
{{- fail (printf "drain.terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + (drain.delayMs + drain.timeoutMs)/1000 = %d, or Kubernetes kills pods mid-stream" (int .Values.drain.terminationGracePeriodSeconds) $drain) }}
{{- else }}
{{- int .Values.drain.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* True when no client key is configured anywhere we can see. */}}
{{- define "geminicli2api.noClientKey" -}}
{{- if and (not .Values.auth.existingSecret) (not .Values.auth.apiKey) (not .Values.auth.apiKeys) }}true{{- end }}
{{- end }}

{{- define "geminicli2api.noGoogleCredential" -}}
{{- if and (not .Values.auth.existingSecret) (not .Values.google.credentials) (not (include "geminicli2api.hasCredentialFiles" .)) }}true{{- end }}
{{- end }}
