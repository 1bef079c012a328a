# SPDX-License-Identifier: Apache-2.0
# The pause image (sourced by build.sh): pause.c built static, alone in one layer, user 65535.
# It is the sandbox_image of the test kubelets' containerd.

build_pause() {
  local key work
  key="$(hash_inputs "$images_dir/pause.c" "$images_dir/pause.sh" "$images_dir/lib.sh" \
    "$(gcc --version | head -1)" "$version" "$SOURCE_DATE_EPOCH")"
  if up_to_date pause "$key"; then log "pause up to date ($key)"; return; fi
  work="$out_dir/.work/pause"
  rm -rf "$work"; mkdir -p "$work/root"
  gcc -static -Os -s -o "$work/root/pause" "$images_dir/pause.c"
  oci_new "$work/oci" pause
  oci_layer "$work/oci" pause "$work/root" "gcc -static -Os -s pause.c"
  oci_config "$work/oci" pause --config.entrypoint /pause --config.user 65535:65535
  oci_export "$work/oci" pause pause
  rm -rf "$work"
  stamp pause "$key"
}
