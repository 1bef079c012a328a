# SPDX-License-Identifier: Apache-2.0
# Root filesystems from Debian packages (sourced by build.sh), cached by a hash of their inputs.
# mmdebstrap --variant=extract unpacks the packages and their dependencies without installing
# them (no dpkg, no maintainer scripts, no shell); then only these files are kept:
#   - every file of the "whole" packages, less documentation (copyright files stay);
#   - each listed binary, with the libraries it loads (ld.so --list in the tree) and their
#     copyright files;
#   - less the files of the "lower" packages, which a layer below already holds.
# The rest of what apt pulled in (debconf, perl-base, util-linux's libraries, ...) is dropped.

debian_suite=bookworm
debian_mirror="${TM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
debian_security="${TM_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
debian_sources=("deb $debian_mirror $debian_suite main"
  "deb $debian_mirror $debian_suite-updates main"
  "deb $debian_security $debian_suite-security main")
# Documentation, and glibc's iconv modules (8 MB) that neither the JVM nor these tools load.
unused_files='^usr/share/(doc|doc-base|man|info|lintian|locale|bug|gcc|gdb|bash-completion|initramfs-tools)/|/gconv/'

# rootfs NAME "WHOLE..." "PKG:PATH..." "LOWER..." [skeleton]: prints the cached tree's path.
rootfs() {
  local name=$1 whole=$2 binaries=$3 lower=$4 skeleton=${5:-}
  local key dir
  key="$(hash_inputs "$images_dir/rootfs.sh" "$whole" "$binaries" "$lower" "$skeleton" \
    "${debian_sources[@]}")"
  dir="$cache_dir/rootfs-$name-$key"
  if [[ ! -f $dir/done ]]; then
    log "rootfs $name: mmdebstrap $debian_suite, $whole $binaries"
    rm -rf "$dir"; mkdir -p "$dir"
    rootfs_build "$dir" "$whole" "$binaries" "$lower" "$skeleton" >"$dir.log" 2>&1 ||
      { tail -20 "$dir.log" >&2; log "rootfs $name failed, log: $dir.log"; return 1; }
    touch "$dir/done"
    prune_cache "rootfs-$name-" "$key"
  fi
  printf '%s\n' "$dir/root"
}

rootfs_build() {
  local dir=$1 whole=$2 binaries=$3 lower=$4 skeleton=$5
  local x="$dir/x" lists="$dir/lists" keep="$dir/keep" pkgs=() spec deb p
  pkgs=($whole)
  for spec in $binaries; do pkgs+=("${spec%%:*}"); done
  mmdebstrap --variant=extract --include="$(IFS=,; echo "${pkgs[*]}")" \
    --skip=cleanup/apt/cache --skip=check/signed-by --aptopt='Acquire::Retries "3"' \
    --format=directory \
    "$debian_suite" "$x" "${debian_sources[@]}"
  mkdir -p "$lists"
  for deb in "$x"/var/cache/apt/archives/*.deb; do
    p="$(dpkg-deb -f "$deb" Package)"
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./||; /[^/]$/p' >"$lists/$p"
  done
  {
    for p in $whole; do
      grep -Ev "$unused_files" "$lists/$p"
      copyright "$x" "$p"
    done
    for spec in $binaries; do
      closure "$x" "${spec#*:}" | while read -r f; do
        echo "$f"
        grep -lxF "$f" "$lists"/* | while read -r p; do copyright "$x" "${p##*/}"; done
      done
    done
  } | LC_ALL=C sort -u >"$keep.all"
  for p in $lower; do cat "$lists/$p"; done | LC_ALL=C sort -u >"$keep.lower"
  LC_ALL=C comm -23 "$keep.all" "$keep.lower" >"$keep"
  # one control stanza per package with files here, where scanners look on distroless images
  mkdir -p "$dir/status.d"
  for deb in "$x"/var/cache/apt/archives/*.deb; do
    p="$(dpkg-deb -f "$deb" Package)"
    ! grep -qxF -f "$lists/$p" "$keep" || dpkg-deb -f "$deb" >"$dir/status.d/$p"
  done
  # everything else goes, then the directories left empty
  (cd "$x" && find . ! -type d -printf '%P\n' | LC_ALL=C sort | LC_ALL=C comm -23 - "$keep" |
    xargs -r -d '\n' rm -f)
  find "$x" -mindepth 1 -depth -type d -empty -delete
  mkdir -p "$x/var/lib/dpkg"
  mv "$dir/status.d" "$x/var/lib/dpkg/status.d"
  [[ -z $skeleton ]] || skeleton "$x"
  [[ ! -x $x/bin/busybox ]] || busybox_links "$x"
  chmod 0755 "$x"
  mv "$x" "$dir/root"
}

# copyright ROOT PKG: the package's copyright file, through its doc directory's symlink if it
# has one (libgcc-s1 and libstdc++6 point at gcc-12-base's).
copyright() {
  local doc="usr/share/doc/$2"
  if [[ -L $1/$doc ]]; then
    echo "$doc"
    doc="usr/share/doc/$(readlink "$1/$doc")"
  fi
  echo "$doc/copyright"
}

# closure ROOT PATH: PATH, the libraries ld.so loads for it in ROOT, and every symlink on the way.
closure() {
  local root=$1 f
  {
    echo "/$2"
    chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "/$2" |
      awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  } | while read -r f; do
    while :; do
      echo "${f#/}"
      [[ -L $root$f ]] || break
      local t; t="$(readlink "$root$f")"
      [[ $t == /* ]] && f=$t || f="$(dirname "$f")/$t"
      f="$(realpath -m -s "$f")"
    done
  done
}

# skeleton ROOT: what a package would have made in a normal install and these images need:
# the run users (numeric 65532 for the apps; root for the agent's pod), /tmp, name lookup.
skeleton() {
  mkdir -p "$1/etc" "$1/tmp" "$1/home/nonroot"
  chmod 1777 "$1/tmp"
  chown 65532:65532 "$1/home/nonroot"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$1/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'nonroot:x:65532:' >"$1/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$1/etc/nsswitch.conf"
}

# busybox_links ROOT: a symlink to /bin/busybox for each applet whose path is still free
# (but /linuxrc, the initramfs entry point).
busybox_links() {
  local f
  "$1/bin/busybox" --list-full | grep -vx linuxrc | while read -r f; do
    [[ -e $1/$f || -L $1/$f ]] || { mkdir -p "$1/$(dirname "$f")"; ln -s /bin/busybox "$1/$f"; }
  done
}
