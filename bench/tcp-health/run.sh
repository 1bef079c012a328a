#!/bin/sh
# TCP health benchmark (as root): cost per event of the tracepoint programs during iperf3 plus
# a connection churn, and iperf3 throughput with the programs attached vs not. Writes
# docs/benchmarks/tcp-health.md: the generated tables, then the hand-written notes.md.
# Needs iperf3 and built modules (without installing them):
#   mvn -B -q -pl jni -am verify -DskipITs -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
# Two revisions of tcp_events.bpf.o: ab.sh (the cost part, objects in turn) and pair.sh (both attached).
set -eu
cd "$(dirname "$0")/../.."
CP="jni/target/test-classes:jni/target/classes:bpf/target/classes"
mkdir -p docs/benchmarks
java -cp "$CP" io.trafficmonitor.datapath.tcp.TcpHealthBenchmark docs/benchmarks/tcp-health.md
if [ -f bench/tcp-health/notes.md ]; then
	cat bench/tcp-health/notes.md >> docs/benchmarks/tcp-health.md
fi
