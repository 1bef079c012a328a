# SPDX-License-Identifier: Apache-2.0
# The Java images (sourced by build.sh). Layers, bottom to top, so that the three images share
# the first two in a node's content store and snapshotter:
#   1. Debian base: libc6, libgcc-s1, libstdc++6 (libjvm), zlib1g (libzip), users, /tmp
#   2. the jlink'd JRE at /opt/jre
#   3. what this program needs besides (agent: libbpf, libelf; trafficgen: busybox)
#   4. the app's third-party libraries (/app/lib), which change less often than
#   5. the app itself (/app: the project's jars and Quarkus' generated code)

base_whole="libc6 libgcc-s1 libstdc++6 zlib1g"
# JVM options that keep the root file system untouched: no hsperfdata file in /tmp.
java_entry=(/opt/jre/bin/java -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError)

# build_java NAME APP EXTRAS_NAME "EXTRAS_WHOLE" "EXTRAS_BINARIES" USER ENTRY_ARGS...
build_java() {
  local name=$1 app=$2 extras=$3 whole=$4 binaries=$5 user=$6; shift 6
  local base jre extra="" key work tag=$name
  base="$(rootfs base "$base_whole" "" "" skeleton)"
  jre="$(jre)"
  [[ -z $extras ]] || extra="$(rootfs "$extras" "$whole" "$binaries" "$base_whole")"
  key="$(hash_inputs "$images_dir"/{java,lib,rootfs,jre}.sh "$base" "$jre" "$extra" \
    "$app" "$user" "$@" "$version" "$SOURCE_DATE_EPOCH")"
  if up_to_date "$name" "$key"; then log "$name up to date ($key)"; return; fi
  work="$out_dir/.work/$name"
  rm -rf "$work"; mkdir -p "$work"
  stage_app "$app" "$work"
  oci_new "$work/oci" "$tag"
  oci_layer "$work/oci" "$tag" "$base" "debian $debian_suite: $base_whole"
  oci_layer "$work/oci" "$tag" "$jre" "jlink --add-modules $jre_modules"
  [[ -z $extra ]] || oci_layer "$work/oci" "$tag" "$extra" "debian $debian_suite: $whole $binaries"
  [[ ! -d $work/lib ]] || oci_layer "$work/oci" "$tag" "$work/lib" "app libraries"
  oci_layer "$work/oci" "$tag" "$work/app" "app"
  local args=() a
  for a in "${java_entry[@]}" "$@"; do args+=(--config.entrypoint "$a"); done
  oci_config "$work/oci" "$tag" "${args[@]}" --config.user "$user" --config.workingdir /app \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.env JAVA_HOME=/opt/jre --config.env LANG=C.UTF-8
  oci_export "$work/oci" "$tag" "$name"
  rm -rf "$work"
  stamp "$name" "$key"
}

# stage_app APP WORK: WORK/lib/app/lib (a Quarkus fast-jar's lib/, less the project's own jars)
# and WORK/app/app (the rest, with the project's jars: crds, bpf, jni change with the code).
stage_app() {
  mkdir -p "$2/app/app"
  if [[ -d $1 ]]; then
    mkdir -p "$2/lib/app" "$2/app/app/lib/main"
    cp -a "$1/lib" "$2/lib/app/lib"
    find "$2/lib/app/lib/main" -name 'io.trafficmonitor.*' -exec mv -t "$2/app/app/lib/main" {} +
    (cd "$1" && find . -mindepth 1 -maxdepth 1 ! -name lib -exec cp -a {} "$2/app/app/" \;)
  else
    cp -a "$1" "$2/app/app/"
  fi
  chmod -R u+rwX,go+rX,go-w "$2"
}

build_operator() {
  build_java operator "$repo_dir/operator/target/quarkus-app" "" "" "" 65532:65532 \
    -jar /app/quarkus-run.jar
}

# The agent runs as root with BPF, NET_ADMIN, PERFMON, SYS_PTRACE (its DaemonSet sets runAsUser
# 0); the image's default user is non-root so that nothing runs as root by accident. It runs no
# host tools (netlink and system calls in its JNI library), so the image holds no program besides
# the JRE: only the libraries the JNI library links (libbpf, libelf; zlib is in the base).
build_node_agent() {
  build_java node-agent "$repo_dir/node-agent/target/quarkus-app" agent "libbpf1 libelf1" \
    "" 65532:65532 -jar /app/quarkus-run.jar
}

# busybox-static gives kubectl exec a shell and tools (sh, wget, nc, ps) in workload pods.
build_trafficgen() {
  build_java trafficgen "$repo_dir/trafficgen/target/trafficgen.jar" busybox busybox-static "" \
    65532:65532 -jar /app/trafficgen.jar
}

# maven_package MODULE...: `mvn package` of the modules (and what they need) when a source or
# pom is newer than the last such build; IMAGES_MAVEN=0 takes target/ as it is. Test sources are
# not compiled (-Dmaven.test.skip): images need main code only. The fixed outputTimestamp makes
# the jars Maven writes reproducible (zip times; 1980 is the earliest a zip can hold); Quarkus'
# own four files under quarkus-app/ ignore it when it is given on the command line (README.md).
maven_package() {
  local stamp="$out_dir/.maven-$(IFS=,; echo "$*")" newer m sources=()
  [[ ${IMAGES_MAVEN:-1} != 0 ]] || return 0
  if [[ -f $stamp ]]; then
    for m in "$@"; do sources+=("$m/src/main"); done
    newer="$(cd "$repo_dir" && find pom.xml ./*/pom.xml crds/src/main bpf/progs bpf/lib \
      bpf/Makefile jni/src/main jni/Makefile "${sources[@]}" -newer "$stamp" -type f -print -quit \
      2>/dev/null)"
    [[ -n $newer ]] || return 0
  fi
  log "mvn package -pl $(IFS=,; echo "$*") -am ${newer:+(newer: $newer)}"
  touch "$stamp.new"
  local ts=$((SOURCE_DATE_EPOCH > 315532802 ? SOURCE_DATE_EPOCH : 315532802))
  (cd "$repo_dir" && mvn -B -ntp -q -pl "$(IFS=,; echo "$*")" -am package -Dmaven.test.skip=true \
    -Dproject.build.outputTimestamp="$(date -u -d "@$ts" +%Y-%m-%dT%H:%M:%SZ)") \
    >"$out_dir/maven.log" 2>&1 || { tail -30 "$out_dir/maven.log" >&2; log "mvn failed"; return 1; }
  mv -f "$stamp.new" "$stamp"
}
