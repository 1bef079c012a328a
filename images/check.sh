#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the archives the way a node gets them: starts a throwaway containerd (its own root,
# state and socket under /tmp), imports target/images/<name>.tar into namespace k8s.io with
# `ctr images import`, lists them, and with --run starts each one with runc on a read-only
# root with a tmpfs /tmp (as the pods run); stops containerd and removes everything after.
#   images/check.sh [--run] [name ...]     (root; all four when no name is given)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

run=0
[[ ${1:-} == --run ]] && { run=1; shift; }
names=("$@")
((${#names[@]})) || names=(pause operator node-agent trafficgen)

tmp="$(mktemp -d /tmp/tm-images-check.XXXXXX)"
sock="$tmp/containerd.sock"
cat >"$tmp/config.toml" <<TOML
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
TOML
containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
ctrd=$!
cleanup() {
  declare -F stop_tasks >/dev/null && stop_tasks
  kill "$ctrd" 2>/dev/null && wait "$ctrd" 2>/dev/null || true
  # unmount what the snapshotter or a task left, deepest first, then remove the directory
  grep -o " $tmp[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
ctr_() { ctr -a "$sock" -n k8s.io "$@"; }
for _ in $(seq 50); do ctr_ version >/dev/null 2>&1 && break; sleep 0.1; done

for name in "${names[@]}"; do
  ref="localhost/trafficmonitor/$name:$version"
  ctr_ images import "$out_dir/$name.tar"
  # as `kind load image-archive` does it
  ctr_ images import --all-platforms --digests - <"$out_dir/$name.tar" >/dev/null
  ctr_ images ls -q | grep -qx "$ref" || { log "$ref missing after import"; exit 1; }
  skopeo copy -q "docker-archive:$out_dir/$name.tar" "oci:$tmp/oci:$name"
  log "$name: imported as $ref; skopeo copies it (config $(skopeo inspect --config \
    "docker-archive:$out_dir/$name.tar" | sha256sum | cut -c1-12))"
done
ctr_ images ls

((run)) || exit 0
. "$images_dir/check-run.sh"
for name in "${names[@]}"; do
  run_"${name//-/_}" "localhost/trafficmonitor/$name:$version"
done
