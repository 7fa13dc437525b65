{{/* Names and labels shared by every object of the release. */}}
{{- define "capturebox.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "capturebox.fullname" -}}
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

{{- define "capturebox.selectorLabels" -}}
app.kubernetes.io/name: {{ include "capturebox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "capturebox.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "capturebox.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: capturebox
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* metadata.annotations of every object: commonAnnotations merged with the object's own (a dict, may be empty). */}}
{{- define "capturebox.annotations" -}}
{{- $merged := merge (deepCopy (default (dict) .own)) (default (dict) .context.Values.commonAnnotations) }}
{{- with $merged -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The helm test pod's labels: the release's, but with its own app.kubernetes.io/name, so that no selector of the
release (Service, PodDisruptionBudget, NetworkPolicy) picks it up and it never receives the Service's traffic.
*/}}
{{- define "capturebox.selftestLabels" -}}
{{- $labels := include "capturebox.labels" . | fromYaml }}
{{- $_ := set $labels "app.kubernetes.io/name" (printf "%s-selftest" (include "capturebox.name" .)) }}
{{- $_ := set $labels "app.kubernetes.io/component" "selftest" }}
{{- toYaml $labels }}
{{- end }}

{{- define "capturebox.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "capturebox.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "capturebox.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Spread over nodes and zones when there is more than one pod, unless the user gave constraints. */}}
{{- define "capturebox.topologySpreadConstraints" -}}
{{- if .Values.topologySpreadConstraints }}
{{- toYaml .Values.topologySpreadConstraints }}
{{- else if gt (int .Values.replicaCount) 1 }}
{{- range list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
- maxSkew: 1
  topologyKey: {{ . }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "capturebox.selectorLabels" $ | nindent 6 }}
{{- end }}
{{- end }}
{{- end }}

{{/* The Secret that holds the admin API key: the user's, or the one this chart generates. */}}
{{- define "capturebox.adminSecretName" -}}
{{- default (printf "%s-admin" (include "capturebox.fullname" .)) .Values.admin.existingSecret }}
{{- end }}

{{- define "capturebox.adminSecretKey" -}}
{{- if .Values.admin.existingSecret }}{{ .Values.admin.existingSecretKey }}{{ else }}api-key{{ end }}
{{- end }}

{{/* The kubernetes.io/tls Secret to serve, if any. */}}
{{- define "capturebox.tlsSecretName" -}}
{{- if .Values.tls.certManager.enabled }}
{{- printf "%s-tls" (include "capturebox.fullname" .) }}
{{- else }}
{{- .Values.tls.existingSecret }}
{{- end }}
{{- end }}

{{- define "capturebox.smtpHost" -}}
{{- printf "%s.%s.svc" (include "capturebox.fullname" .) .Release.Namespace }}
{{- end }}

{{/* Refuse combinations that would render but not work. */}}
{{- define "capturebox.validate" -}}
{{- if and (eq .Values.storage.type "embedded") (gt (int .Values.replicaCount) 1) }}
{{- fail "storage.type=embedded keeps mail in one pod's volume: use replicaCount: 1, or storage.type=mongodb for more replicas" }}
{{- end }}
{{- if and (eq .Values.storage.type "mongodb") (not .Values.storage.mongodb.existingSecret) }}
{{- fail "storage.type=mongodb needs storage.mongodb.existingSecret: a Secret holding the connection string" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled (not .Values.tls.certManager.issuerRef.name) }}
{{- fail "tls.certManager.enabled needs tls.certManager.issuerRef.name" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled .Values.tls.existingSecret }}
{{- fail "set tls.certManager.enabled or tls.existingSecret, not both" }}
{{- end }}
{{- if and .Values.tls.http (not (include "capturebox.tlsSecretName" .)) }}
{{- fail "tls.http serves the mounted certificate: enable tls.certManager or set tls.existingSecret" }}
{{- end }}
{{- include "capturebox.validateStorageUnchanged" . }}
{{- end }}

{{/*
The store is chosen once per release: switching embedded <-> mongodb on upgrade would start an empty store and
leave the captured mail behind (the operator refuses the same change). The installed Deployment says which store
it runs: MongoDB pods get CAPTUREBOX_MONGODB_URI. Without a cluster (helm template) `lookup` finds nothing.
*/}}
{{- define "capturebox.validateStorageUnchanged" -}}
{{- $live := lookup "apps/v1" "Deployment" .Release.Namespace (include "capturebox.fullname" .) }}
{{- if $live }}
{{- $liveType := "embedded" }}
{{- range $live.spec.template.spec.containers }}
{{- range .env }}
{{- if eq .name "CAPTUREBOX_MONGODB_URI" }}{{ $liveType = "mongodb" }}{{ end }}
{{- end }}
{{- end }}
{{- if ne $liveType .Values.storage.type }}
{{- fail (printf "storage.type cannot change from %s to %s on upgrade: the captured mail stays in the old store. Keep storage.type=%s, or install a new release for the other store" $liveType .Values.storage.type $liveType) }}
{{- end }}
{{- end }}
{{- end }}
