#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs everything trafficmonitor needs on a fresh Debian 12 machine, idempotently:
# Debian packages by name, the Kubernetes control plane and etcd built from Go modules, and
# Helm from its Go module, all cached by version. A second run costs seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${TM_CACHE:-$HOME/.cache/trafficmonitor}"
helm_version="v3.21.4"
# Prometheus 3.16 (its Go module's v0.316.0): Debian's prometheus is built without Kubernetes
# service discovery, which the e2e tier's Prometheus needs to find the agents as a ServiceMonitor
# would. Debian's promtool (from the prometheus package) stays for the rule unit tests.
prometheus_version="v0.316.0"
start=$SECONDS

# clang/llvm/libbpf-dev/bpftool/libelf/zlib: the eBPF programs and the JNI shim.
# iproute2: network namespaces, veths, tc. iperf3, tcpdump: throughput benchmarks (tcpdump beside
# monitoring in the datapath benchmark).
# prometheus: promtool for alert tests (the server is built below, with Kubernetes discovery). clang-format: C formatting check.
# mmdebstrap/umoci/skopeo: the container images, from Debian packages (no base image pulled).
# containerd/runc/containernetworking-plugins/nftables: the real kubelet nodes of the e2e tier.
packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc iproute2 iperf3 tcpdump
  prometheus clang-format procps util-linux python3 openssl
  mmdebstrap umoci skopeo containerd runc containernetworking-plugins nftables)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

for tool in java mvn go; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is missing (the machine image provides JDK 17, Maven and Go)" >&2; exit 1; }
done

"$here/build-k8s.sh"

helm_dir="$cache/helm/$helm_version"
if [[ ! -x "$helm_dir/helm" ]]; then
  echo "setup: building helm $helm_version from its Go module"
  mkdir -p "$helm_dir"
  GOBIN="$helm_dir" CGO_ENABLED=0 go install -trimpath "helm.sh/helm/v3/cmd/helm@$helm_version"
else
  echo "setup: helm $helm_version cached"
fi

prometheus_dir="$cache/prometheus/$prometheus_version"
if [[ ! -x "$prometheus_dir/prometheus" ]]; then
  echo "setup: building prometheus $prometheus_version from its Go module (a few minutes, once)"
  mkdir -p "$prometheus_dir"
  GOBIN="$prometheus_dir" CGO_ENABLED=0 go install -trimpath \
    "github.com/prometheus/prometheus/cmd/prometheus@$prometheus_version"
else
  echo "setup: prometheus $prometheus_version cached"
fi

# bpffs for pinned objects, where the kernel has not mounted it yet.
if [[ $(id -u) -eq 0 ]] && ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
  mount -t bpf bpf /sys/fs/bpf 2>/dev/null || echo "setup: could not mount bpffs on /sys/fs/bpf"
fi

echo "setup: done in $((SECONDS - start))s"
