{{/* Names and labels shared by every template. */}}
{{- define "trafficmonitor.name" -}}trafficmonitor{{- end -}}

{{- define "trafficmonitor.operatorName" -}}{{ .Release.Name }}-operator{{- end -}}

{{/* The agents' ServiceAccount, ClusterRole and bindings; their metrics Service adds -metrics. */}}
{{- define "trafficmonitor.agentName" -}}{{ .Release.Name }}-agent{{- end -}}

{{/* The agent DaemonSet: the operator names it so whatever the release (AgentDaemonSet.NAME). */}}
{{- define "trafficmonitor.agentDaemonSet" -}}trafficmonitor-agent{{- end -}}

{{- define "trafficmonitor.labels" -}}
app.kubernetes.io/part-of: trafficmonitor
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "trafficmonitor.operatorSelector" -}}
app.kubernetes.io/name: trafficmonitor-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "trafficmonitor.operatorImage" -}}
{{ .Values.operator.image.repository }}:{{ .Values.operator.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "trafficmonitor.agentImage" -}}
{{ .Values.agent.image.repository }}:{{ .Values.agent.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The agent metrics Service (service.yaml) and the name the agents' certificate is for. */}}
{{- define "trafficmonitor.agentMetricsService" -}}{{ include "trafficmonitor.agentName" . }}-metrics{{- end -}}
{{- define "trafficmonitor.agentServerName" -}}{{ include "trafficmonitor.agentMetricsService" . }}.{{ .Release.Namespace }}.svc{{- end -}}
{{- define "trafficmonitor.agentTlsSecret" -}}{{ include "trafficmonitor.agentName" . }}-tls{{- end -}}
