#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the project's images from Debian packages and Maven output, pulling no base image:
#   images/build.sh [pause|operator|node-agent|trafficgen ...]   (all four when none given)
# Writes target/images/<name>.tar, docker-archives named localhost/trafficmonitor/<name>:<version>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$images_dir/pause.sh"

names=("$@")
((${#names[@]})) || names=(pause operator node-agent trafficgen)
mkdir -p "$out_dir"
for name in "${names[@]}"; do
  start=$SECONDS
  case $name in
    pause) build_pause ;;
    *) echo "images: unknown image '$name' (pause, operator, node-agent, trafficgen)" >&2; exit 2 ;;
  esac
  log "$name: target/images/$name.tar localhost/trafficmonitor/$name:$version ($((SECONDS - start))s)"
done
