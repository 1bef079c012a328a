# SPDX-License-Identifier: Apache-2.0
# Shared by the image scripts (sourced): paths, the version, input hashes, the cache, and the
# umoci/skopeo steps that turn a staged directory into a layer and an image into an archive.

images_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$images_dir")"
out_dir="$repo_dir/target/images"
cache_dir="${TM_CACHE:-$HOME/.cache/trafficmonitor}/images"
version="$("$images_dir/version.sh")"
# One fixed time for every mtime, "created" and history entry (ko and rules_oci use 0 too).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"
created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"

log() { printf 'images: %s\n' "$*" >&2; }

# hash_inputs WORD|FILE|DIR...: one sha256 over words, files and directory trees (paths, modes
# and contents), the key of a cache entry or an output stamp.
hash_inputs() {
  local x
  for x in "$@"; do
    if [[ -d $x ]]; then
      (cd "$x" && find . \( -type f -o -type l \) -printf '%p %m %l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
    elif [[ -f $x ]]; then
      printf '%s\n' "${x##*/}"; sha256sum <"$x"
    else
      printf 'word %s\n' "$x"
    fi
  done | sha256sum | cut -c1-16
}

# prune_cache PREFIX KEY: removes the cache entries PREFIX* that a new entry PREFIX$KEY replaced.
prune_cache() {
  find "$cache_dir" -mindepth 1 -maxdepth 1 -name "$1*" ! -name "$1$2*" -exec rm -rf {} +
}

# normalize DIR: the same mtime everywhere, so the layer depends on contents only.
normalize() {
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# oci_new LAYOUT TAG: an empty image in a fresh OCI layout.
oci_new() {
  rm -rf "$1"
  umoci init --layout "$1"
  umoci new --image "$1:$2"
}

# oci_layer LAYOUT TAG DIR WHAT: DIR (normalized first) as one more layer at /.
oci_layer() {
  normalize "$3"
  umoci insert --image "$1:$2" --history.created "$created" --history.created_by "$4" \
    --history.comment "trafficmonitor images/build.sh" "$3" /
}

# oci_config LAYOUT TAG umoci-config-args...: platform, created time and the given settings.
oci_config() {
  local layout=$1 tag=$2; shift 2
  umoci config --image "$layout:$tag" --no-history --os linux --architecture amd64 \
    --created "$created" --author trafficmonitor \
    --config.label "org.opencontainers.image.version=$version" \
    --config.label "org.opencontainers.image.title=$tag" "$@"
}

# oci_export LAYOUT TAG NAME: target/images/NAME.tar, a docker-archive named
# localhost/trafficmonitor/NAME:VERSION (the name ctr 1.6 and kind keep on import).
oci_export() {
  local tmp="$out_dir/.$3.tar.tmp"
  rm -f "$tmp"
  skopeo copy -q "oci:$1:$2" "docker-archive:$tmp:localhost/trafficmonitor/$3:$version"
  mv -f "$tmp" "$out_dir/$3.tar"
}

# up_to_date NAME KEY: true when target/images/NAME.tar was built from inputs hashing to KEY.
up_to_date() {
  [[ -f $out_dir/$1.tar && "$(cat "$out_dir/$1.inputs" 2>/dev/null)" == "$2" ]]
}

stamp() { printf '%s\n' "$2" >"$out_dir/$1.inputs"; }
