#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet and etcd from the Go
# modules pinned in hack/k8s/go.mod, the way upstream does (CGO off, trimpath, version
# stamped), into a cache keyed by the Kubernetes version. A stamp of go.mod and go.sum in the
# cache makes a changed pin rebuild; a second run with everything present costs nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mod="$here/k8s"
version="$(grep -oE "k8s.io/kubernetes v[0-9.]+" "$mod/go.mod" | head -1 | cut -d" " -f2)"
cache="${TM_CACHE:-$HOME/.cache/trafficmonitor}"
out="$cache/k8s/$version/bin"
stamp="$(cat "$mod/go.mod" "$mod/go.sum" "$mod/cmd/etcd/main.go" | sha256sum | cut -c1-16)"
cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet etcd)

if [[ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$out"
fi
missing=()
for c in "${cmds[@]}"; do [[ -x "$out/$c" ]] || missing+=("$c"); done
if ((${#missing[@]} == 0)); then
  echo "kubernetes $version: cached in $out"
  exit 0
fi

minor="${version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

mkdir -p "$out"
cd "$mod"
echo "kubernetes $version: building ${missing[*]} into $out (the first build takes 5-20 minutes)"
start=$SECONDS
for c in "${missing[@]}"; do
  pkg="k8s.io/kubernetes/cmd/$c"
  [[ "$c" == etcd ]] && pkg="./cmd/etcd"
  CGO_ENABLED=0 go build -trimpath -tags selinux,notest,grpcnotrace \
    -ldflags "$ldflags" -o "$out/$c.tmp" "$pkg"
  mv "$out/$c.tmp" "$out/$c"
  echo "  built $c ($((SECONDS - start))s)"
done
echo "$stamp" > "$out/.stamp"
