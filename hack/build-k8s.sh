#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from the
# k8s.io/kubernetes Go module pinned in hack/k8s/go.mod, the way upstream does
# (CGO off, trimpath, version stamped), into a cache keyed by version. A second run with
# the binaries present costs nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(grep -oE "k8s.io/kubernetes v[0-9.]+" "$here/k8s/go.mod" | head -1 | cut -d" " -f2)"
cache="${TM_CACHE:-$HOME/.cache/trafficmonitor}"
out="$cache/k8s/$version/bin"
cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

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
cd "$here/k8s"
echo "kubernetes $version: building ${missing[*]} into $out (first build takes 10-20 minutes)"
start=$SECONDS
for c in "${missing[@]}"; do
  CGO_ENABLED=0 go build -trimpath -tags selinux,notest,grpcnotrace \
    -ldflags "$ldflags" -o "$out/$c.tmp" "k8s.io/kubernetes/cmd/$c"
  mv "$out/$c.tmp" "$out/$c"
  echo "  built $c ($((SECONDS - start))s)"
done
