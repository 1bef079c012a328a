#!/usr/bin/env sh
# SPDX-License-Identifier: Apache-2.0
# Prints the one version of the images: the Maven project version of the root pom.xml
# (its own <version>, not the parent's). Image tags, chart tests and e2e call this.
set -eu
pom="$(cd "$(dirname "$0")/.." && pwd)/pom.xml"
awk '/<parent>/ { p = 1 } /<\/parent>/ { p = 0; next }
     !p && match($0, /<version>[^<]+<\/version>/) {
       print substr($0, RSTART + 9, RLENGTH - 19); exit }' "$pom"
