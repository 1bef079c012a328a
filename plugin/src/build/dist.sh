#!/bin/sh
# The release archive, run by Maven at package (exec-maven-plugin; the assembly plugin is not in the
# offline repository): target/NAME.tar.gz holding NAME/kubectl-trafficmonitor, NAME/kubectl-tm and
# NAME/lib/ (the plugin's jar, whose manifest names its dependencies beside it, and those jars).
# usage: dist.sh TARGET_DIR NAME JAR
set -eu
target=$1 name=$2 jar=$3
stage=$target/dist/$name
rm -rf "$target/dist"
mkdir -p "$stage/lib"
cp src/main/dist/kubectl-trafficmonitor src/main/dist/kubectl-tm "$stage/"
chmod 0755 "$stage/kubectl-trafficmonitor" "$stage/kubectl-tm"
cp "$target"/lib/*.jar "$stage/lib/"
cp "$jar" "$stage/lib/trafficmonitor-plugin.jar"
chmod 0644 "$stage"/lib/*.jar
# the same bytes for the same inputs: sorted names, no owner, files dated by the jar
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(stat -c %Y "$jar")" \
  -czf "$target/$name.tar.gz" -C "$target/dist" "$name"
