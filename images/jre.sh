# SPDX-License-Identifier: Apache-2.0
# The Java runtime of the Java images (sourced by build.sh): jlink from the machine's JDK 17 with
# only the modules the apps use, at /opt/jre, cached by the JDK's version and the module list.
#
# Modules: jdeps over the Quarkus apps' jars (README.md shows how) finds java.base, logging,
# management, naming, sql (+ java.xml, transaction.xa), jdk.management and jdk.unsupported;
# trial adds jdk.zipfs (SmallRye Config reads jar: paths through it) and jdk.crypto.ec (TLS to
# the API server with EC keys, a service provider jdeps cannot see). jdeps also names
# java.desktop (java.beans), java.rmi and jdk.compiler: used by Jackson, SnakeYAML and Vert.x
# codegen only behind optional paths these apps do not take, so they are left out (-20 MB).
# java.net.http: the operator's client of the agents' GET /api/v1/status (AgentPuller).
jre_modules=java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml
jre_modules+=,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs

# jre: prints the path of a cached tree holding opt/jre.
jre() {
  local jlink java_home key dir
  jlink="$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}jlink")" ||
    { log "jlink not found (JDK 17 needed)"; return 1; }
  java_home="$(dirname "$(dirname "$(readlink -f "$jlink")")")"
  key="$(hash_inputs "$images_dir/jre.sh" "$jre_modules" "$("$jlink" --version)" \
    "$java_home/release" "$java_home/jmods")"
  dir="$cache_dir/jre-$key"
  if [[ ! -f $dir/done ]]; then
    log "jre: jlink $("$jlink" --version) --add-modules $jre_modules"
    rm -rf "$dir"; mkdir -p "$dir/root/opt"
    "$jlink" --add-modules "$jre_modules" --strip-debug --no-man-pages --no-header-files \
      --compress=2 --output "$dir/root/opt/jre"
    chmod 0755 "$dir/root"
    touch "$dir/done"
    prune_cache jre- "$key"
  fi
  printf '%s\n' "$dir/root"
}
