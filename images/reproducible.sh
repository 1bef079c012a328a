#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the images twice, each time from an empty cache (fresh mmdebstrap and jlink) and the same
# Maven output, and compares what came out: the archive, the image config (its digest is the image
# ID) and each layer (diff_id). Prints one line per image and exits 1 when anything differs.
#   images/reproducible.sh [name ...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
names=("$@")
((${#names[@]})) || names=(pause operator node-agent trafficgen)
tmp="$(mktemp -d /tmp/tm-images-repro.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

"$images_dir/build.sh" "${names[@]}" # Maven output first, so that both runs use the same
for run in 1 2; do
  for name in "${names[@]}"; do rm -f "$out_dir/$name.inputs"; done
  TM_CACHE="$tmp/cache$run" IMAGES_MAVEN=0 "$images_dir/build.sh" "${names[@]}" 2>/dev/null
  for name in "${names[@]}"; do
    tar -xOf "$out_dir/$name.tar" manifest.json |
      sed 's/.*"Config":"\([0-9a-f]*\).json".*"Layers":\[\([^]]*\)\].*/\1 \2/; s/\.tar//g; s/[",]/ /g' |
      awk -v n="$name" -v a="$(sha256sum <"$out_dir/$name.tar" | cut -c1-64)" \
        '{ printf "%s archive %s\n%s config %s\n", n, a, n, $1; for (i = 2; i <= NF; i++) printf "%s layer%d %s\n", n, i - 1, $i }'
  done >"$tmp/run$run"
done
status=0
for name in "${names[@]}"; do
  same=$(join <(grep "^$name " "$tmp/run1" | cut -d' ' -f2-) <(grep "^$name " "$tmp/run2" | cut -d' ' -f2-) |
    awk '$2 == $3 { printf "%s ", $1 } $2 != $3 { bad = bad $1 " " } END { if (bad) printf "DIFFERENT: %s", bad; print "" }')
  echo "$name: same: $same"
  [[ $same != *DIFFERENT* ]] || status=1
done
exit $status
