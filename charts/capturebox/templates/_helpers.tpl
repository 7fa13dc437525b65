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
{{- end }}

{{- define "capturebox.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
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
{{- end }}
