#!/usr/bin/env bash
# Smoke test / manual proof: runs a REAL control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) plus kwok (fake nodes + pod lifecycle) on 127.0.0.1 and free ports in a temp dir,
# exercises it with kubectl and helm, and tears everything down on exit.
#
# Usage: scripts/k8s/smoke.sh            # builds (or reuses) binaries via build.sh
#        BIN=/path/to/bin scripts/k8s/smoke.sh
#        SMOKE_KEEP=1 scripts/k8s/smoke.sh   # keep the cluster up after the checks until Ctrl-C
# The exact flags used here are documented in scripts/k8s/FLAGS.md (ported to startCluster()).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s.%N)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
log() { printf '[smoke %6ss] %s\n' "$(since "$T0")" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

BIN=${BIN:-$("$HERE/build.sh")}
STAGES="$BIN/../kwok/stages.yaml"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok helm; do
  [[ -x $BIN/$b ]] || die "missing $BIN/$b"
done
[[ -f $STAGES ]] || die "missing $STAGES (rebuild with scripts/k8s/build.sh)"
command -v kubectl >/dev/null || die "kubectl not on PATH"
command -v openssl >/dev/null || die "openssl not on PATH"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ack-npd-k8s-smoke.XXXXXX")
mkdir -p "$WORK/pki" "$WORK/logs"
mkdir -m 700 "$WORK/etcd"   # etcd warns unless its data dir is 0700
PIDS=()      # one process group per component (started with setsid)
NAMES=()
TIMINGS=()

# alive PID: true unless gone or a zombie (the EXIT trap runs before bash reaps children,
# so `kill -0` alone would report exited processes as alive).
alive() { [[ -r /proc/$1/stat ]] && [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) != Z ]]; }
stop_groups() { # SIGTERM each process group, wait up to 10 s, then SIGKILL
  local pid
  for pid in "$@"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for _ in $(seq 100); do
    local any=0
    for pid in "$@"; do alive "$pid" && any=1; done
    [[ $any == 0 ]] && return 0
    sleep 0.1
  done
  for pid in "$@"; do kill -KILL -- "-$pid" 2>/dev/null; done
}

cleanup() {
  local rc=$?
  set +e
  if [[ $rc -ne 0 ]]; then
    for f in "$WORK"/logs/*.log; do
      [[ -f $f ]] || continue
      echo "----- last lines of $(basename "$f")" >&2
      tail -n 25 "$f" >&2
    done
  fi
  local t; t=$(now)
  # Phase 1: everything but etcd (PIDS[0]) at once; phase 2: etcd, so the apiserver never
  # shuts down against a dead etcd. SIGKILL whatever is still alive after 10 s per phase.
  if ((${#PIDS[@]} > 1)); then stop_groups "${PIDS[@]:1}"; fi
  if ((${#PIDS[@]} > 0)); then stop_groups "${PIDS[0]}"; fi
  [[ -n ${KEEP_SLEEP:-} ]] && kill "$KEEP_SLEEP" 2>/dev/null
  wait "${PIDS[@]}" 2>/dev/null
  log "all processes stopped in $(since "$t")s"
  rm -rf "$WORK"
  log "torn down (rc=$rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: own process group (setsid), logs in $WORK/logs/NAME.log
start() {
  local name=$1; shift
  setsid "$@" >"$WORK/logs/$name.log" 2>&1 </dev/null &
  PIDS+=("$!"); NAMES+=("$name")
}
# wait_for DESC TIMEOUT_S CMD...: poll every 100 ms
wait_for() {
  local desc=$1 timeout=$2; shift 2
  local t; t=$(now)
  local deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    for i in "${!PIDS[@]}"; do
      kill -0 "${PIDS[i]}" 2>/dev/null || die "${NAMES[i]} exited while waiting for: $desc"
    done
    (($(date +%s) < deadline)) || die "timeout (${timeout}s) waiting for: $desc"
    sleep 0.1
  done
  TIMINGS+=("$(printf '%-55s %6ss' "$desc" "$(since "$t")")")
  log "ready: $desc ($(since "$t")s)"
}
step() { TIMINGS+=("$(printf '%-55s %6ss' "$1" "$2")"); }

# ---- free ports -------------------------------------------------------------------------------
read -r ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KWOK_PORT < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(6):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()
EOF
)
log "work dir $WORK; ports etcd=$ETCD_PORT/$ETCD_PEER_PORT apiserver=$API_PORT kcm=$KCM_PORT scheduler=$SCHED_PORT kwok=$KWOK_PORT"

# ---- PKI (openssl) ----------------------------------------------------------------------------
t=$(now)
P=$WORK/pki
SERVICE_CIDR=10.96.0.0/16
SERVICE_FIRST_IP=10.96.0.1
ossl() { openssl "$@" 2>/dev/null; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$P/ca.key" -out "$P/ca.crt" -subj "/CN=ack-npd-test-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
# leaf NAME SUBJECT EXT_KEY_USAGE [SAN]: EC P-256 key + cert signed by the CA
leaf() {
  local name=$1 subj=$2 usage=$3 san=${4:-}
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$P/$name.key" -out "$P/$name.csr" -subj "$subj"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } >"$P/$name.ext"
  ossl x509 -req -in "$P/$name.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
    -extfile "$P/$name.ext" -out "$P/$name.crt"
}
leaf apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,DNS:localhost,IP:$SERVICE_FIRST_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
leaf admin "/O=system:masters/CN=ack-npd-admin" clientAuth
leaf kcm "/CN=system:kube-controller-manager" clientAuth
leaf scheduler "/CN=system:kube-scheduler" clientAuth
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/sa.key"
ossl pkey -in "$P/sa.key" -pubout -out "$P/sa.pub"
step "openssl: CA + 4 leaf certs + SA RSA key" "$(since "$t")"

# kubeconfigs (kubectl config is offline)
SERVER=https://127.0.0.1:$API_PORT
kcfg() { # kcfg FILE USER-NAME CERT-BASENAME
  local f=$1
  kubectl config --kubeconfig="$f" set-cluster smoke --server="$SERVER" --certificate-authority="$P/ca.crt" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$f" set-credentials "$2" --client-certificate="$P/$3.crt" --client-key="$P/$3.key" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$f" set-context smoke --cluster=smoke --user="$2" >/dev/null
  kubectl config --kubeconfig="$f" use-context smoke >/dev/null
}
kcfg "$WORK/admin.kubeconfig" admin admin
kcfg "$WORK/kcm.kubeconfig" kube-controller-manager kcm
kcfg "$WORK/scheduler.kubeconfig" kube-scheduler scheduler
export KUBECONFIG=$WORK/admin.kubeconfig
K() { kubectl --request-timeout=20s "$@"; }

# ---- etcd ---------------------------------------------------------------------------------------
start etcd "$BIN/etcd" \
  --name=smoke \
  --data-dir="$WORK/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="smoke=http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster-state=new \
  --unsafe-no-fsync=true \
  --log-level=warn
wait_for "etcd GET /health" 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# ---- kube-apiserver -------------------------------------------------------------------------------
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --secure-port="$API_PORT" \
  --tls-cert-file="$P/apiserver.crt" \
  --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --authorization-mode=Node,RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" \
  --service-account-signing-key-file="$P/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --allow-privileged=true \
  --profiling=false
CURL_ADMIN=(curl -fsS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key")
wait_for "kube-apiserver GET /readyz (admin cert)" 90 "${CURL_ADMIN[@]}" "$SERVER/readyz"

# ---- kube-controller-manager ---------------------------------------------------------------------
start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig="$WORK/kcm.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --leader-elect=false \
  --controllers='*' \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$P/sa.key" \
  --root-ca-file="$P/ca.crt" \
  --cluster-signing-cert-file="$P/ca.crt" \
  --cluster-signing-key-file="$P/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --profiling=false

# ---- kube-scheduler ---------------------------------------------------------------------------------
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig="$WORK/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$SCHED_PORT" \
  --leader-elect=false \
  --profiling=false

# ---- kwok -------------------------------------------------------------------------------------------
start kwok "$BIN/kwok" \
  --kubeconfig="$WORK/admin.kubeconfig" \
  --config="$STAGES" \
  --manage-all-nodes=true \
  --node-lease-duration-seconds=40 \
  --cidr=10.244.0.0/16 \
  --node-ip=127.0.0.1 \
  --server-address="127.0.0.1:$KWOK_PORT"

wait_for "kube-controller-manager GET /healthz" 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler GET /readyz" 60 curl -fsSk "https://127.0.0.1:$SCHED_PORT/readyz"
wait_for "kwok GET /healthz" 60 curl -fsSk "https://127.0.0.1:$KWOK_PORT/healthz"
step "control plane up (since script start)" "$(since "$T0")"

# ---- checks -----------------------------------------------------------------------------------------
log "kubectl version:"
K version 2>&1 | sed 's/^/    /' >&2
VERSION_JSON=$("${CURL_ADMIN[@]}" "$SERVER/version")
log "GET /version: $(tr -d ' \n' <<<"$VERSION_JSON")"
SERVER_VERSION=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["gitVersion"])' <<<"$VERSION_JSON")
# expected version from the build.sh layout (.../k8s-<version>-etcd-.../bin), else from build.sh's pin
EXPECTED_VERSION=$(basename "$(dirname "$BIN")" | sed -nE 's/^k8s-(v[0-9][^-]*)-etcd-.*/\1/p')
[[ -n $EXPECTED_VERSION ]] || EXPECTED_VERSION=$(sed -n 's/^K8S_VERSION=//p' "$HERE/build.sh")
[[ $SERVER_VERSION == "$EXPECTED_VERSION" ]] || die "/version gitVersion=$SERVER_VERSION, want $EXPECTED_VERSION"
log "/version gitVersion=$SERVER_VERSION"

# The default ServiceAccount (serviceaccount controller) and kube-root-ca.crt (root-ca-cert-publisher)
wait_for "default/default ServiceAccount (serviceaccount controller)" 60 K get serviceaccount default -n default
wait_for "default/kube-root-ca.crt ConfigMap (root-ca publisher)" 60 K get configmap kube-root-ca.crt -n default

# Two kwok nodes (kwok docs' node template, with the kwok NoSchedule taint)
for i in 0 1; do
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
spec:
  taints:
  - effect: NoSchedule
    key: kwok.x-k8s.io/node
    value: fake
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
  phase: Running
---
EOF
done | K apply -f - >&2
nodes_ready() {
  [[ $(K get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$') == 2 ]]
}
wait_for "2 kwok nodes Ready" 60 nodes_ready
K get nodes -o wide 2>&1 | sed 's/^/    /' >&2

cat <<'EOF' | K apply -f - >&2
apiVersion: apps/v1
kind: Deployment
metadata:
  name: smoke
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: {app: smoke}
  template:
    metadata:
      labels: {app: smoke}
    spec:
      tolerations:
      - key: kwok.x-k8s.io/node
        operator: Exists
        effect: NoSchedule
      containers:
      - name: app
        image: registry.invalid/fake:1
EOF
pods_running() {
  [[ $(K get pods -n default -l app=smoke --field-selector=status.phase=Running -o name | wc -l) == 3 ]]
}
wait_for "Deployment 3/3 pods Running" 60 pods_running
K get pods -n default -o wide 2>&1 | sed 's/^/    /' >&2
events_seen() {
  local ev; ev=$(K get events -A -o jsonpath='{range .items[*]}{.reason}{"\n"}{end}')
  grep -qx Scheduled <<<"$ev" && grep -qx SuccessfulCreate <<<"$ev" && grep -qx ScalingReplicaSet <<<"$ev"
}
wait_for "events Scheduled+SuccessfulCreate+ScalingReplicaSet" 30 events_seen
K get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 15 | sed 's/^/    /' >&2

# ServiceAccount token + RBAC on nodes/status
t=$(now)
K create serviceaccount npd-tester -n default >&2
TOKEN=$(K create token npd-tester -n default --duration=10m)
SA_KCFG=$WORK/sa.kubeconfig
kubectl config --kubeconfig="$SA_KCFG" set-cluster smoke --server="$SERVER" --certificate-authority="$P/ca.crt" --embed-certs=true >/dev/null
kubectl config --kubeconfig="$SA_KCFG" set-credentials npd-tester --token="$TOKEN" >/dev/null
kubectl config --kubeconfig="$SA_KCFG" set-context smoke --cluster=smoke --user=npd-tester >/dev/null
kubectl config --kubeconfig="$SA_KCFG" use-context smoke >/dev/null
PATCH='{"status":{"conditions":[{"type":"SmokeProblem","status":"False","reason":"SmokeOK","message":"patched by smoke.sh"}]}}'
# Raw PATCH (kubectl patch would GET first, so its 403 would be about "get"): exactly the
# request node-problem-detector makes.
sa_patch_code() {
  curl -sS -o "$WORK/patch.out" -w '%{http_code}' --cacert "$P/ca.crt" -X PATCH \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/strategic-merge-patch+json' \
    --data "$PATCH" "$SERVER/api/v1/nodes/kwok-node-0/status"
}
sa_patch() { [[ $(sa_patch_code) == 200 ]]; }
WHOAMI=$(kubectl --kubeconfig="$SA_KCFG" auth whoami -o jsonpath='{.status.userInfo.username}')
[[ $WHOAMI == system:serviceaccount:default:npd-tester ]] || die "token authenticates as '$WHOAMI'"
code=$(sa_patch_code)
[[ $code == 403 ]] || die "PATCH nodes/status without RBAC: HTTP $code (want 403): $(cat "$WORK/patch.out")"
log "without RBAC: HTTP 403 $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$WORK/patch.out")"
[[ $(K auth can-i patch nodes/status --as=system:serviceaccount:default:npd-tester) == no ]] || die "can-i says yes before RBAC"
K create clusterrole npd-node-status --verb=patch --resource=nodes/status >&2
K create clusterrolebinding npd-node-status --clusterrole=npd-node-status --serviceaccount=default:npd-tester >&2
wait_for "SA patch nodes/status allowed after ClusterRoleBinding" 15 sa_patch
[[ $(K get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type=="SmokeProblem")].reason}') == SmokeOK ]] ||
  die "condition not visible on node"
step "SA + token + 403 + RBAC + patch nodes/status" "$(since "$t")"

# helm
t=$(now)
export HELM_CACHE_HOME=$WORK/helm/cache HELM_CONFIG_HOME=$WORK/helm/config HELM_DATA_HOME=$WORK/helm/data
log "helm version: $("$BIN/helm" version --short)"
mkdir -p "$WORK/chart/smoke-chart/templates"
cat >"$WORK/chart/smoke-chart/Chart.yaml" <<'EOF'
apiVersion: v2
name: smoke-chart
description: tiny chart for scripts/k8s/smoke.sh
type: application
version: 0.1.0
appVersion: "1.0.0"
kubeVersion: ">=1.30.0-0"
EOF
cat >"$WORK/chart/smoke-chart/values.yaml" <<'EOF'
replicaCount: 1
image: registry.invalid/fake:1
EOF
cat >"$WORK/chart/smoke-chart/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-info
data:
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
EOF
cat >"$WORK/chart/smoke-chart/templates/deployment.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app.kubernetes.io/instance: {{ .Release.Name | quote }}}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app.kubernetes.io/instance: {{ .Release.Name | quote }}}
  template:
    metadata:
      labels: {app.kubernetes.io/instance: {{ .Release.Name | quote }}}
    spec:
      tolerations:
      - {key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}
      containers:
      - name: app
        image: {{ .Values.image | quote }}
EOF
"$BIN/helm" lint "$WORK/chart/smoke-chart" >&2
"$BIN/helm" install smoke "$WORK/chart/smoke-chart" --namespace helm-smoke --create-namespace --wait --timeout 60s >&2
"$BIN/helm" list -A >&2
KV=$(K get configmap smoke-info -n helm-smoke -o jsonpath='{.data.kubeVersion}')
[[ $KV == "$EXPECTED_VERSION" ]] || die "helm saw .Capabilities.KubeVersion=$KV, want $EXPECTED_VERSION"
step "helm lint + install --wait (1 Deployment + ConfigMap)" "$(since "$t")"

step "TOTAL (script start -> all checks passed)" "$(since "$T0")"
{
  echo
  echo "== smoke.sh PASSED; timings:"
  printf '  %s\n' "${TIMINGS[@]}"
} >&2

if [[ -n ${SMOKE_KEEP:-} ]]; then
  log "SMOKE_KEEP set: cluster stays up; KUBECONFIG=$KUBECONFIG; Ctrl-C to tear down"
  while :; do sleep 3600 & KEEP_SLEEP=$!; wait $KEEP_SLEEP; done   # `wait` lets the INT/TERM traps run at once
fi
