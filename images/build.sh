#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the project's images from Debian packages and Maven output, pulling no base image:
#   images/build.sh [pause|operator|node-agent|trafficgen ...]   (all four when none given)
# Writes target/images/<name>.tar, docker-archives named localhost/trafficmonitor/<name>:<version>.
# Slow steps are cached under ${TM_CACHE:-~/.cache/trafficmonitor}/images; see README.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$images_dir/pause.sh"
. "$images_dir/rootfs.sh"
. "$images_dir/jre.sh"
. "$images_dir/java.sh"

names=("$@")
((${#names[@]})) || names=(pause operator node-agent trafficgen)
mkdir -p "$out_dir"
# one build at a time in this tree: builds share target/images and its work directories
exec 9>"$out_dir/.lock"
flock -w 900 9 || { log "another images/build.sh holds $out_dir/.lock"; exit 1; }
modules=()
for name in "${names[@]}"; do
  case $name in
    pause) ;;
    operator | node-agent | trafficgen) modules+=("$name") ;;
    *) echo "images: unknown image '$name' (pause, operator, node-agent, trafficgen)" >&2; exit 2 ;;
  esac
done
((${#modules[@]} == 0)) || maven_package "${modules[@]}"
for name in "${names[@]}"; do
  start=$SECONDS
  "build_${name//-/_}"
  log "$name: target/images/$name.tar localhost/trafficmonitor/$name:$version ($((SECONDS - start))s)"
done
rmdir "$out_dir/.work" 2>/dev/null || true
