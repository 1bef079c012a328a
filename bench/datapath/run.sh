#!/bin/sh
# Datapath benchmark (as root): program cost per packet, TC vs XDP ingress, iperf3 with monitoring off/on, and
# JNI batch-read time (-Dbench.sections=testrun,cost,ingress,iperf,read selects parts). Writes docs/benchmarks/datapath.md: the generated tables, then the
# hand-written notes.md. Needs iperf3, tcpdump and built modules:
#   mvn -B -q -pl bpf,jni install -DskipTests
set -eu
cd "$(dirname "$0")/../.."
CP="jni/target/test-classes:jni/target/classes:bpf/target/classes"
mkdir -p docs/benchmarks
java -cp "$CP" io.trafficmonitor.datapath.flow.DatapathBenchmark docs/benchmarks/datapath.md
cat bench/datapath/notes.md >> docs/benchmarks/datapath.md
