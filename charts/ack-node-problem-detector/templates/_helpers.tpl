{{- define "anpd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "anpd.npdName" -}}{{ include "anpd.fullname" . | trunc 59 | trimSuffix "-" }}-npd{{- end -}}
{{- define "anpd.eventerName" -}}{{ include "anpd.fullname" . | trunc 55 | trimSuffix "-" }}-eventer{{- end -}}

{{- define "anpd.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "anpd.npdSelector" -}}
app.kubernetes.io/name: npd
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "anpd.eventerSelector" -}}
app.kubernetes.io/name: eventer
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "anpd.npdServiceAccount" -}}
{{- if .Values.npd.serviceAccount.create -}}{{ default (include "anpd.npdName" .) .Values.npd.serviceAccount.name }}{{- else -}}{{ default "default" .Values.npd.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "anpd.eventerServiceAccount" -}}
{{- if .Values.eventer.serviceAccount.create -}}{{ default (include "anpd.eventerName" .) .Values.eventer.serviceAccount.name }}{{- else -}}{{ default "default" .Values.eventer.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "anpd.image" -}}
{{- printf "%s:%s" .image.repository (default .chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* hostNetwork for the agent: explicit true/false, or on when a selected plug-in needs the host's network namespace. */}}
{{- define "anpd.npdHostNetwork" -}}
{{- $mode := toString .Values.npd.hostNetwork -}}
{{- if eq $mode "auto" -}}
{{- has "network_problem_check" .Values.alibaba_cloud_plugins -}}
{{- else -}}
{{- eq $mode "true" -}}
{{- end -}}
{{- end -}}

{{- define "anpd.leaderElection" -}}
{{- $mode := toString .Values.eventer.leaderElection.enabled -}}
{{- if eq $mode "auto" -}}{{ gt (int .Values.eventer.replicas) 1 }}{{- else -}}{{ eq $mode "true" }}{{- end -}}
{{- end -}}

{{/* Renders a monitor config given as an object or as a JSON string. */}}
{{- define "anpd.json" -}}
{{- if kindIs "string" . -}}{{ . }}{{- else -}}{{ toPrettyJson . }}{{- end -}}
{{- end -}}

{{- define "anpd.credentialsSecret" -}}
{{- if .Values.eventer.credentials.existingSecret -}}{{ .Values.eventer.credentials.existingSecret }}{{- else -}}{{ include "anpd.eventerName" . }}-credentials{{- end -}}
{{- end -}}

{{- define "anpd.hasCredentials" -}}
{{- or .Values.eventer.credentials.existingSecret .Values.eventer.credentials.accessKeyId -}}
{{- end -}}

{{/* A loopback listen address: the probes must then call 127.0.0.1 from the pod's network namespace. */}}
{{- define "anpd.isLoopback" -}}
{{- or (hasPrefix "127." .) (eq . "::1") (eq . "localhost") -}}
{{- end -}}

{{/*
The agent's liveness/readiness check. With hostNetwork the kubelet shares the pod's network namespace,
so an HTTP probe to 127.0.0.1 reaches a loopback-only agent; without it the kubelet cannot reach the
pod's loopback, and the probe runs inside the container (the image's node and its fetch: the image has
no curl, and a scratch image may have no PATH).
*/}}
{{- define "anpd.npdProbe" -}}
{{- $loopback := eq (include "anpd.isLoopback" .Values.npd.address) "true" -}}
{{- $hostNetwork := eq (include "anpd.npdHostNetwork" .) "true" -}}
{{- if or $hostNetwork (not $loopback) -}}
httpGet:
  {{- if $loopback }}
  host: 127.0.0.1
  {{- end }}
  path: /healthz
  port: http
{{- else -}}
exec:
  command:
    - /usr/local/bin/node
    - -e
    - {{ printf "fetch('http://127.0.0.1:%v/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" .Values.npd.port | quote }}
{{- end -}}
{{- end -}}

{{- define "anpd.dingtalkSecret" -}}
{{- if .Values.eventer.sinks.dingtalk.existingSecret -}}{{ .Values.eventer.sinks.dingtalk.existingSecret }}{{- else -}}{{ include "anpd.eventerName" . }}-dingtalk{{- end -}}
{{- end -}}

{{/* The --sink URIs; secrets are $VAR references expanded by the eventer from env, never literal here. */}}
{{- define "anpd.sinks" -}}
{{- $s := .Values.eventer.sinks -}}
{{- $sinks := list -}}
{{- if $s.log.enabled -}}{{- $sinks = append $sinks "log:stdout" -}}{{- end -}}
{{- if $s.dingtalk.enabled -}}
{{- $q := list "access_token=$DINGTALK_TOKEN" (printf "level=%s" ($s.dingtalk.level | title)) (printf "msg_type=%s" $s.dingtalk.msgType) -}}
{{- if or $s.dingtalk.secret $s.dingtalk.existingSecret -}}{{- $q = append $q "sign=$DINGTALK_SECRET" -}}{{- end -}}
{{- range $label := splitList "," $s.dingtalk.label -}}{{- if $label -}}{{- $q = append $q (printf "label=%s" (urlquery $label)) -}}{{- end -}}{{- end -}}
{{- if $s.dingtalk.monitorkinds -}}{{- $q = append $q (printf "kinds=%s" $s.dingtalk.monitorkinds) -}}{{- end -}}
{{- if $s.dingtalk.monitornamespaces -}}{{- $q = append $q (printf "namespaces=%s" $s.dingtalk.monitornamespaces) -}}{{- end -}}
{{- if $.Values.clusterId -}}{{- $q = append $q (printf "cluster_id=%s" $.Values.clusterId) -}}{{- end -}}
{{- if $.Values.regionId -}}{{- $q = append $q (printf "region=%s" $.Values.regionId) -}}{{- end -}}
{{- $sinks = append $sinks (printf "dingtalk:https://oapi.dingtalk.com/robot/send?%s" (join "&" $q)) -}}
{{- end -}}
{{- if $s.sls.enabled -}}
{{- $q := list (printf "project=%s" $s.sls.project) (printf "logStore=%s" $s.sls.logstore) (printf "regionId=%s" (default $.Values.regionId $s.sls.regionId)) (printf "internal=%t" $s.sls.internal) -}}
{{- if $s.sls.topic -}}{{- $q = append $q (printf "topic=%s" $s.sls.topic) -}}{{- end -}}
{{- if $s.sls.endpoint -}}{{- $q = append $q (printf "endpoint=%s" $s.sls.endpoint) -}}{{- end -}}
{{- $sinks = append $sinks (printf "sls:https://sls.aliyuncs.com?%s" (join "&" $q)) -}}
{{- end -}}
{{- if $s.eventbridge.enabled -}}
{{- $q := list (printf "clusterId=%s" $.Values.clusterId) (printf "regionId=%s" (default $.Values.regionId $s.eventbridge.regionId)) (printf "eventBusName=%s" $s.eventbridge.eventBusName) (printf "internal=%t" $s.eventbridge.internal) -}}
{{- if $s.eventbridge.accountId -}}{{- $q = append $q (printf "accountId=%s" $s.eventbridge.accountId) -}}{{- end -}}
{{- $sinks = append $sinks (printf "eventbridge:?%s" (join "&" $q)) -}}
{{- end -}}
{{- if $s.webhook.enabled -}}
{{- /* URL and headers come from the webhook Secret through env ($WEBHOOK_URL; $WEBHOOK_HEADERS, one per line, may be unset). */ -}}
{{- $q := list (printf "level=%s" ($s.webhook.level | title)) (printf "method=%s" $s.webhook.method) "header=${WEBHOOK_HEADERS:-}" -}}
{{- if $s.webhook.namespaces -}}{{- $q = append $q (printf "namespaces=%s" $s.webhook.namespaces) -}}{{- end -}}
{{- if $s.webhook.kinds -}}{{- $q = append $q (printf "kinds=%s" $s.webhook.kinds) -}}{{- end -}}
{{- if $s.webhook.customBodyConfigmap -}}{{- $q = append $q (printf "custom_body_configmap=%s&custom_body_configmap_namespace=%s" $s.webhook.customBodyConfigmap $.Release.Namespace) -}}{{- end -}}
{{- $sinks = append $sinks (printf "webhook:$WEBHOOK_URL?%s" (join "&" $q)) -}}
{{- end -}}
{{- if or .Values.eventcenter.enabled $s.eventcenter.url -}}
{{- $q := list "token=$EVENTCENTER_INGEST_TOKEN" -}}
{{- if $.Values.clusterId -}}{{- $q = append $q (printf "cluster=%s" $.Values.clusterId) -}}{{- end -}}
{{- if $.Values.clusterName -}}{{- $q = append $q (printf "cluster_name=%s" $.Values.clusterName) -}}{{- end -}}
{{- $url := ternary (include "anpd.eventcenterUrl" $) $s.eventcenter.url .Values.eventcenter.enabled -}}
{{- $sinks = append $sinks (printf "eventcenter:%s?%s" $url (join "&" $q)) -}}
{{- end -}}
{{- $sinks = concat $sinks (include "anpd.moreSinks" . | fromJsonArray) -}}
{{- range .Values.eventer.extraSinks -}}{{- $sinks = append $sinks . -}}{{- end -}}
{{- /* With no sink configured the events still go somewhere visible: the pod's log. */ -}}
{{- if not $sinks -}}{{- $sinks = list "log:stdout" -}}{{- end -}}
{{- toJson $sinks -}}
{{- end -}}

{{- define "anpd.eventcenterName" -}}{{ include "anpd.fullname" . | trunc 51 | trimSuffix "-" }}-eventcenter{{- end -}}
{{- define "anpd.eventcenterSelector" -}}
app.kubernetes.io/name: eventcenter
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "anpd.eventcenterAuthSecret" -}}{{ default (printf "%s-auth" (include "anpd.eventcenterName" .)) .Values.eventcenter.auth.existingSecret }}{{- end -}}
{{/* The in-cluster URL the eventer ships to. */}}
{{- define "anpd.eventcenterUrl" -}}http://{{ include "anpd.eventcenterName" . }}.{{ .Release.Namespace }}.svc:{{ .Values.eventcenter.service.port }}{{- end -}}

{{/* Sinks whose credential lives in a Secret: the value, the Secret key, the env var the --sink URI references. */}}
{{- define "anpd.sinkSecretKeys" -}}
{{- toJson (list
  (dict "sink" "wechat" "value" "corpSecret" "key" "corp-secret" "env" "WECHAT_CORP_SECRET")
  (dict "sink" "wecom" "value" "key" "key" "key" "env" "WECOM_KEY")
  (dict "sink" "lark" "value" "webhookUrl" "key" "url" "env" "LARK_WEBHOOK_URL")
  (dict "sink" "lark" "value" "secret" "key" "secret" "env" "LARK_SECRET" "optional" true)
  (dict "sink" "slack" "value" "webhookUrl" "key" "url" "env" "SLACK_WEBHOOK_URL")
  (dict "sink" "teams" "value" "webhookUrl" "key" "url" "env" "TEAMS_WEBHOOK_URL")
  (dict "sink" "honeycomb" "value" "writeKey" "key" "writekey" "env" "HONEYCOMB_WRITEKEY")
  (dict "sink" "kafka" "value" "password" "key" "password" "env" "KAFKA_PASSWORD" "optional" true)
  (dict "sink" "elasticsearch" "value" "password" "key" "password" "env" "ES_PASSWORD" "optional" true)
  (dict "sink" "mysql" "value" "password" "key" "password" "env" "MYSQL_PASSWORD")
  (dict "sink" "influxdb" "value" "password" "key" "password" "env" "INFLUXDB_PASSWORD" "optional" true)
  (dict "sink" "mongo" "value" "uri" "key" "uri" "env" "MONGO_URI")
  (dict "sink" "webhook" "value" "url" "key" "url" "env" "WEBHOOK_URL")
  (dict "sink" "webhook" "value" "headers" "key" "headers" "env" "WEBHOOK_HEADERS" "optional" true)) -}}
{{- end -}}

{{- define "anpd.sinkSecretName" -}}
{{- $v := index .root.Values.eventer.sinks .sink -}}
{{- if $v.existingSecret -}}{{ $v.existingSecret }}{{- else -}}{{ include "anpd.eventerName" .root }}-{{ .sink }}{{- end -}}
{{- end -}}

{{/* env entries for the Secrets above, for the enabled sinks (an optional key only when it is set or may be in an existing Secret). */}}
{{- define "anpd.sinkSecretEnv" -}}
{{- range $e := include "anpd.sinkSecretKeys" . | fromJsonArray }}
{{- $v := index $.Values.eventer.sinks $e.sink }}
{{- if and $v.enabled (or (not $e.optional) (index $v $e.value) $v.existingSecret) }}
- name: {{ $e.env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "anpd.sinkSecretName" (dict "root" $ "sink" $e.sink) }}
      key: {{ $e.key }}
      {{- if $e.optional }}
      optional: {{ not (index $v $e.value) }}
      {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The filter options every chat sink takes (level, label, namespaces, kinds, cluster_id). */}}
{{- define "anpd.chatQuery" -}}
{{- $q := list (printf "level=%s" (.v.level | title)) -}}
{{- range $label := splitList "," .v.label -}}{{- if $label -}}{{- $q = append $q (printf "label=%s" (urlquery $label)) -}}{{- end -}}{{- end -}}
{{- if .v.namespaces -}}{{- $q = append $q (printf "namespaces=%s" .v.namespaces) -}}{{- end -}}
{{- if .v.kinds -}}{{- $q = append $q (printf "kinds=%s" .v.kinds) -}}{{- end -}}
{{- if .root.Values.clusterId -}}{{- $q = append $q (printf "cluster_id=%s" .root.Values.clusterId) -}}{{- end -}}
{{- join "&" $q -}}
{{- end -}}

{{/* --sink URIs of the WeCom, Lark, Slack, Teams, Honeycomb and Riemann blocks; credentials are $VAR references. */}}
{{- define "anpd.moreSinks" -}}
{{- $s := .Values.eventer.sinks -}}
{{- $sinks := list -}}
{{- if $s.wechat.enabled -}}
{{- $q := list (printf "corp_id=%s" (required "eventer.sinks.wechat.corpId is required" $s.wechat.corpId)) "corp_secret=$WECHAT_CORP_SECRET" (printf "agent_id=%v" (required "eventer.sinks.wechat.agentId is required" $s.wechat.agentId)) (printf "to_user=%s" $s.wechat.toUser) -}}
{{- if $s.wechat.toParty -}}{{- $q = append $q (printf "to_party=%s" $s.wechat.toParty) -}}{{- end -}}
{{- if $s.wechat.toTag -}}{{- $q = append $q (printf "to_tag=%s" $s.wechat.toTag) -}}{{- end -}}
{{- $sinks = append $sinks (printf "wechat:?%s&%s" (join "&" $q) (include "anpd.chatQuery" (dict "root" . "v" $s.wechat))) -}}
{{- end -}}
{{- if $s.wecom.enabled -}}
{{- $sinks = append $sinks (printf "wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=$WECOM_KEY&msg_type=%s&%s" $s.wecom.msgType (include "anpd.chatQuery" (dict "root" . "v" $s.wecom))) -}}
{{- end -}}
{{- if $s.lark.enabled -}}
{{- $sign := ternary "&sign=$LARK_SECRET" "" (or (not (empty $s.lark.secret)) (not (empty $s.lark.existingSecret))) -}}
{{- $sinks = append $sinks (printf "lark:$LARK_WEBHOOK_URL?msg_type=%s%s&%s" $s.lark.msgType $sign (include "anpd.chatQuery" (dict "root" . "v" $s.lark))) -}}
{{- end -}}
{{- if $s.slack.enabled -}}
{{- $sinks = append $sinks (printf "slack:$SLACK_WEBHOOK_URL?%s" (include "anpd.chatQuery" (dict "root" . "v" $s.slack))) -}}
{{- end -}}
{{- if $s.teams.enabled -}}
{{- /* A whole-URL $VAR keeps its own query (api-version, sp, sv, sig); the options add to it. */ -}}
{{- $sinks = append $sinks (printf "teams:$TEAMS_WEBHOOK_URL?%s" (include "anpd.chatQuery" (dict "root" . "v" $s.teams))) -}}
{{- end -}}
{{- if $s.honeycomb.enabled -}}
{{- $q := list (printf "dataset=%s" $s.honeycomb.dataset) -}}
{{- if $s.honeycomb.apiHost -}}{{- $q = append $q (printf "apihost=%s" $s.honeycomb.apiHost) -}}{{- end -}}
{{- /* writekey: env HONEYCOMB_WRITEKEY, as kube-eventer reads it. */ -}}
{{- $sinks = append $sinks (printf "honeycomb:?%s" (join "&" $q)) -}}
{{- end -}}
{{- if $s.riemann.enabled -}}
{{- $q := list (printf "ttl=%v" $s.riemann.ttl) (printf "batchsize=%v" $s.riemann.batchSize) -}}
{{- if $s.riemann.state -}}{{- $q = append $q (printf "state=%s" $s.riemann.state) -}}{{- end -}}
{{- range $tag := $s.riemann.tags -}}{{- $q = append $q (printf "tags=%s" (urlquery $tag)) -}}{{- end -}}
{{- $sinks = append $sinks (printf "riemann:tcp://%s:%v?%s" $s.riemann.host $s.riemann.port (join "&" $q)) -}}
{{- end -}}
{{- if $s.kafka.enabled -}}
{{- $q := list -}}
{{- range $b := $s.kafka.brokers -}}{{- $q = append $q (printf "brokers=%s" $b) -}}{{- end -}}
{{- $q = concat $q (list (printf "eventstopic=%s" $s.kafka.topic) (printf "compression=%s" $s.kafka.compression)) -}}
{{- if $s.kafka.user -}}{{- $q = concat $q (list (printf "user=%s" (urlquery $s.kafka.user)) "password=$KAFKA_PASSWORD" (printf "mechanism=%s" $s.kafka.mechanism)) -}}{{- end -}}
{{- if $s.kafka.tls -}}{{- $q = append $q "tls=true" -}}{{- end -}}
{{- $sinks = append $sinks (printf "kafka:?%s" (join "&" $q)) -}}
{{- end -}}
{{- if $s.elasticsearch.enabled -}}
{{- $q := list -}}
{{- range $n := $s.elasticsearch.nodes -}}{{- $q = append $q (printf "nodes=%s" $n) -}}{{- end -}}
{{- $q = concat $q (list (printf "ver=%v" $s.elasticsearch.ver) (printf "index=%s" $s.elasticsearch.index) (printf "sniff=%v" $s.elasticsearch.sniff) (printf "bulkWorkers=%v" $s.elasticsearch.bulkWorkers)) -}}
{{- if $.Values.clusterId -}}{{- $q = append $q (printf "cluster_name=%s" $.Values.clusterId) -}}{{- end -}}
{{- if $s.elasticsearch.pipeline -}}{{- $q = append $q (printf "pipeline=%s" (urlquery $s.elasticsearch.pipeline)) -}}{{- end -}}
{{- if $s.elasticsearch.useNamespace -}}{{- $q = append $q "use_namespace=true" -}}{{- end -}}
{{- if $s.elasticsearch.username -}}{{- $q = concat $q (list (printf "esUserName=%s" (urlquery $s.elasticsearch.username)) "esUserSecret=$ES_PASSWORD") -}}{{- end -}}
{{- $sinks = append $sinks (printf "elasticsearch:?%s" (join "&" $q)) -}}
{{- end -}}
{{- if $s.mysql.enabled -}}
{{- $sinks = append $sinks (printf "mysql:?%s:$MYSQL_PASSWORD@tcp(%s:%v)/%s?charset=utf8mb4&table=%s" $s.mysql.user $s.mysql.host $s.mysql.port $s.mysql.database $s.mysql.table) -}}
{{- end -}}
{{- if $s.influxdb.enabled -}}
{{- $q := list (printf "db=%s" $s.influxdb.db) (printf "user=%s" (urlquery $s.influxdb.user)) (printf "withfields=%v" $s.influxdb.withFields) (printf "insecuressl=%v" $s.influxdb.insecureSsl) -}}
{{- if or $s.influxdb.password $s.influxdb.existingSecret -}}{{- $q = append $q "pw=$INFLUXDB_PASSWORD" -}}{{- end -}}
{{- if $.Values.clusterId -}}{{- $q = append $q (printf "cluster_name=%s" $.Values.clusterId) -}}{{- end -}}
{{- $sinks = append $sinks (printf "influxdb:%s?%s" $s.influxdb.url (join "&" $q)) -}}
{{- end -}}
{{- if $s.mongo.enabled -}}
{{- $sinks = append $sinks "mongo:?$MONGO_URI" -}}
{{- end -}}
{{- toJson $sinks -}}
{{- end -}}
