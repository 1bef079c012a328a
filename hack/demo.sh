#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: the product as it ships, on a local control plane with two real kubelet nodes
# (containerd + kubelet each): the images of target/images loaded into the nodes, `helm install`
# of the chart (the operator's Deployment pods and the agents' DaemonSet), a sample TrafficMonitor
# (the web pods), workload pods of the trafficgen image sending HTTP and UDP, Prometheus with the chart's
# alerts, and `kubectl get trafficmonitors` refreshing until Ctrl-C (or DEMO_SECONDS seconds once
# all is up), then a clean teardown. `hack/demo.sh down` stops a demo left running.
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
      # the JVM's shutdown hook closes the cluster: nodes, pods, containerds, namespaces
      for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$state/demo.pid"
  fi
}

if [[ "${1:-}" == "down" ]]; then
  down
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "demo: needs root (kubelets, containerd, namespaces, BPF)" >&2; exit 1; }
down

echo "demo: building (first run: a few minutes)"
cd "$root"
start=$SECONDS
mvn -B -q install -DskipTests -Dspotless.check.skip=true   # formatting is `make test`'s concern
mvn -B -q -f e2e/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$state/classpath" >/dev/null
echo "demo: building the images (target/images; cached, seconds when nothing changed)"
IMAGES_MAVEN=0 images/build.sh   # the jars were just built: take target/ as it is
echo "demo: built in $((SECONDS - start)) s"

# In a session of its own: Ctrl-C reaches this script (which stops the demo in order), not the
# control plane, kubelets and containerds the JVM started, which would die before it closes them.
# DEMO_CLEAR: redraw the screen in place when the output is a terminal.
DEMO_CLEAR="$([[ -t 1 ]] && echo 1 || echo 0)" \
  setsid java -cp "$root/e2e/target/test-classes:$(cat "$state/classpath")" \
  -Dtm.repo.root="$root" io.trafficmonitor.e2e.Demo &
echo $! >"$state/demo.pid"
interrupted=0
trap 'interrupted=1; down' INT TERM HUP
rc=0
wait "$(cat "$state/demo.pid")" || rc=$?
rm -f "$state/demo.pid"
# stopped by Ctrl-C here or by `hack/demo.sh down` elsewhere (SIGTERM: 143): a clean end
((interrupted || rc == 143)) || exit "$rc"
