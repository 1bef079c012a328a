#!/bin/sh
# tm_tcp_probe of two revisions' tcp_events.bpf.o attached at once (as root): both run on the same
# segments under the same load, in alternating order (TcpHealthBenchmark, -Dbench.sections=pair).
# Builds each object with bpf/Makefile from `git archive` ("." is the working tree). Prints the
# Markdown table; per-workload progress goes to stderr. Needs iperf3 and built modules (run.sh).
#   bench/tcp-health/pair.sh a73f68b HEAD 5 [out.md]
set -eu
cd "$(dirname "$0")/../.."
A=$1 B=$2 N=${3:-5} OUTMD=${4:-}
TMP=$(mktemp -d /tmp/tm-tcp-pair.XXXXXX)

build() { # rev dir
	if [ "$1" = . ]; then
		cp -r bpf "$TMP/src-$2"
		rm -rf "$TMP/src-$2/target"
	else
		mkdir -p "$TMP/src-$2"
		git archive "$1" bpf | tar -x -C "$TMP/src-$2" --strip-components=1
	fi
	make -s -C "$TMP/src-$2" OUT="$TMP/$2" "$TMP/$2/tcp_events.bpf.o" >&2
}
build "$A" a
build "$B" b
echo "a=$A ($(git rev-parse --short "$A" 2>/dev/null || echo worktree)) b=$B ($(git rev-parse --short "$B" 2>/dev/null || echo worktree)), $N rounds" >&2
CP="jni/target/test-classes:jni/target/classes:bpf/target/classes"
java ${BENCH_OPTS:-} -Dbench.sections=pair -Dbench.rounds="$N" \
	-Dbench.pair="$TMP/a/tcp_events.bpf.o,$TMP/b/tcp_events.bpf.o" \
	-cp "$CP" io.trafficmonitor.datapath.tcp.TcpHealthBenchmark $OUTMD
