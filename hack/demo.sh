#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: a real local control plane, the TrafficMonitor CRD and a sample monitor, and
# `kubectl get trafficmonitors` refreshing until Ctrl-C (or DEMO_SECONDS), then a clean
# teardown. `hack/demo.sh down` stops a demo left running.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.demo"
mkdir -p "$state"
kubectl="$HOME/.cache/trafficmonitor/k8s/$(grep -oE 'k8s.io/kubernetes v[0-9.]+' "$root/hack/k8s/go.mod" | cut -d' ' -f2)/bin/kubectl"
k() { "$kubectl" --kubeconfig "$state/kubeconfig" "$@"; }

down() {
  if [[ -f "$state/cluster.pid" ]]; then
    pid="$(cat "$state/cluster.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      echo "demo: stopping the local cluster (pid $pid)"
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$state/cluster.pid"
  fi
  rm -f "$state/kubeconfig"
}

if [[ "${1:-}" == "down" ]]; then
  down
  exit 0
fi
down
trap 'echo; down' EXIT INT TERM

echo "demo: building"
mvn -B -q -ntp install -DskipTests -pl test-support,crds -am
cp_file="$state/classpath"
mvn -B -q -ntp -f "$root/test-support/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null

echo "demo: starting the local control plane"
java -cp "$root/test-support/target/classes:$(cat "$cp_file")" \
  io.trafficmonitor.testing.LocalClusterMain "$state/kubeconfig" >"$state/cluster.log" 2>&1 &
echo $! >"$state/cluster.pid"
for _ in $(seq 300); do
  grep -q "local cluster ready" "$state/cluster.log" 2>/dev/null && break
  kill -0 "$(cat "$state/cluster.pid")" 2>/dev/null || { cat "$state/cluster.log"; exit 1; }
  sleep 0.2
done
grep "local cluster" "$state/cluster.log"

echo "demo: installing the TrafficMonitor CRD and a sample monitor"
k apply --server-side -f "$root/crds/trafficmonitors.trafficmonitor.io-v1.yml"
k wait --for=condition=Established crd/trafficmonitors.trafficmonitor.io --timeout=60s
k create namespace shop --dry-run=client -o yaml | k apply -f -
k apply -f "$root/e2e/samples/web-monitor.yaml"

echo "demo: kubeconfig is $state/kubeconfig (kubectl: $kubectl)"
deadline=$((SECONDS + ${DEMO_SECONDS:-86400}))
while ((SECONDS < deadline)); do
  [[ -t 1 ]] && clear
  date
  k get trafficmonitors -A
  sleep 2
done
