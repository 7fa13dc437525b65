{{/*
The pod securityContext, shared by charts/capturebox and charts/capturebox-operator (this file is copied
byte for byte: operator/src/integration/chart.test.ts checks the copy). OpenShift's restricted-v2 SCC assigns the
UID, GID and fsGroup from the namespace's range and refuses pods that ask for others, so there the chart leaves
them to the platform.
*/}}
{{- define "capturebox.podSecurityContext" -}}
{{- $context := deepCopy .Values.podSecurityContext }}
{{- $mode := .Values.openshift.adaptSecurityContext }}
{{- if or (eq $mode "force") (and (eq $mode "auto") (.Capabilities.APIVersions.Has "security.openshift.io/v1")) }}
{{- $context = omit $context "runAsUser" "runAsGroup" "fsGroup" }}
{{- end }}
{{- toYaml $context }}
{{- end }}
