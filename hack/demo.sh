#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: a real local control plane, the chart's manifests, the operator and two node agents
# (network-namespace nodes), workload pods with the traffic generator, a sample TrafficMonitor,
# Prometheus with the chart's alerts, and `kubectl get trafficmonitors` refreshing until Ctrl-C
# (or DEMO_SECONDS), then a clean teardown. `hack/demo.sh down` stops a demo left running.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.demo"
mkdir -p "$state"

down() {
  if [[ -f "$state/demo.pid" ]]; then
    pid="$(cat "$state/demo.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      echo "demo: stopping (pid $pid)"
      kill "$pid"
      for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$state/demo.pid"
  fi
}

if [[ "${1:-}" == "down" ]]; then
  down
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "demo: needs root (network namespaces, cgroups, BPF)" >&2; exit 1; }
down

echo "demo: building (first run: a few minutes)"
cd "$root"
mvn -B -q install -DskipTests
mvn -B -q -f e2e/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$state/classpath" >/dev/null

java -cp "$root/e2e/target/test-classes:$(cat "$state/classpath")" \
  -Dtm.repo.root="$root" io.trafficmonitor.e2e.Demo &
echo $! >"$state/demo.pid"
trap 'down' INT TERM
wait "$(cat "$state/demo.pid")" || true
rm -f "$state/demo.pid"
