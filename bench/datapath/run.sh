#!/bin/sh
# Datapath benchmark (as root): program cost per packet, iperf3 with monitoring off/on, and
# JNI batch-read time; writes docs/benchmarks/datapath.md. Needs iperf3 and a built jni module
# (mvn -B -q -pl bpf,jni install -DskipTests).
set -eu
cd "$(dirname "$0")/../.."
CP="jni/target/test-classes:jni/target/classes:bpf/target/classes"
mkdir -p docs/benchmarks
exec java -cp "$CP" io.trafficmonitor.bpf.DatapathBenchmark docs/benchmarks/datapath.md
