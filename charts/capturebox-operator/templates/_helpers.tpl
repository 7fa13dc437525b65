{{/* Names and labels shared by every object of the release. */}}
{{- define "capturebox-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "capturebox-operator.fullname" -}}
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

{{- define "capturebox-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "capturebox-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "capturebox-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "capturebox-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: capturebox
{{- end }}

{{- define "capturebox-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "capturebox-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is needed when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "capturebox-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "capturebox-operator.environmentImage" -}}
{{- printf "%s:%s" .Values.environmentImage.repository (default .Chart.AppVersion .Values.environmentImage.tag) }}
{{- end }}

{{/*
What the operator does, and nothing more. Used by a ClusterRole (all namespaces) or a Role (watchNamespace).
- captureenvironments: watch them, delete expired ones, apply the drop-database finalizer, write status.
- captureenvironments/finalizers: owner references with blockOwnerDeletion (OwnerReferencesPermissionEnforcement).
- deployments, services, persistentvolumeclaims: server-side apply and watch (never deleted: the
  garbage collector does that through their owner references).
- secrets: read the MongoDB connection Secret and a user's TLS Secret, create the API-key Secret once,
  apply the per-environment MongoDB Secret. No list/watch: the operator never enumerates Secrets.
- certificates, servicemonitors: apply, watch, and delete when the spec stops asking for them.
- events: report transitions.
*/}}
{{- define "capturebox-operator.rules" -}}
- apiGroups: [capturebox.dev]
  resources: [captureenvironments]
  verbs: [get, list, watch, patch, delete]
- apiGroups: [capturebox.dev]
  resources: [captureenvironments/status]
  verbs: [get, patch]
- apiGroups: [capturebox.dev]
  resources: [captureenvironments/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch]
- apiGroups: [""]
  resources: [services, persistentvolumeclaims]
  verbs: [get, list, watch, create, patch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, patch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, create, patch, delete]
- apiGroups: [cert-manager.io]
  resources: [certificates]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [monitoring.coreos.com]
  resources: [servicemonitors]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
