#!/bin/sh
# A/B of tcp_events.bpf.o between two revisions (as root): builds the object of each (bpf/Makefile,
# from `git archive`; "." is the working tree), then runs the cost part of TcpHealthBenchmark N
# times per object, alternating A B A B ..., each with the same Java classes (the object comes
# first on the class path). Prints ns/event and cost above the empty twin per run, then the
# median and min-max per program and workload. Needs iperf3 and built modules (see run.sh).
#   bench/tcp-health/ab.sh a73f68b HEAD 7 [program]   (program: tm_tcp_probe by default)
set -eu
cd "$(dirname "$0")/../.."
A=$1 B=$2 N=${3:-7} PROG=${4:-tm_tcp_probe}
TMP=$(mktemp -d /tmp/tm-tcp-ab.XXXXXX)
PROGS=io/trafficmonitor/bpf/progs

build() { # rev dir
	if [ "$1" = . ]; then
		cp -r bpf "$TMP/src-$2"
		rm -rf "$TMP/src-$2/target"
	else
		mkdir -p "$TMP/src-$2"
		git archive "$1" bpf | tar -x -C "$TMP/src-$2" --strip-components=1
	fi
	make -s -C "$TMP/src-$2" OUT="$TMP/$2/$PROGS" "$TMP/$2/$PROGS/tcp_events.bpf.o" >&2
}
build "$A" a
build "$B" b
echo "A=$A ($(git rev-parse --short "$A" 2>/dev/null || echo worktree)) B=$B ($(git rev-parse --short "$B" 2>/dev/null || echo worktree)), $N runs each, $PROG" >&2

CP="jni/target/test-classes:jni/target/classes:bpf/target/classes"
: >"$TMP/runs"
i=1
while [ "$i" -le "$N" ]; do
	for side in a b; do
		java ${BENCH_OPTS:-} -Dbench.sections=cost -cp "$TMP/$side:$CP" \
			io.trafficmonitor.datapath.tcp.TcpHealthBenchmark "$TMP/$side-$i.md" >/dev/null
		# | workload | `program` | tracepoint | events | events/s | ns/event | empty | **above** |
		awk -F'|' -v side="$side" -v run="$i" -v prog="\`$PROG\`" '
			$3 ~ prog { gsub(/[ *]/, "", $2); gsub(/[ *]/, "", $7); gsub(/[ *]/, "", $9);
				print run, side, $2, $7, $9 }' "$TMP/$side-$i.md" | tee -a "$TMP/runs" >&2
	done
	i=$((i + 1))
done

# median and min-max per side and workload, of ns/event and of cost above empty
echo "| workload | object | runs | ns/event median | min-max | above empty median | min-max |"
echo "|---|---|---:|---:|---|---:|---|"
for w in iperf3 churn all; do
	for side in a b; do
		rev=$([ "$side" = a ] && echo "$A" || echo "$B")
		for col in 4 5; do
			awk -v w="$w" -v s="$side" -v c="$col" '$3 == w && $2 == s { print $c }' "$TMP/runs" |
				sort -n | awk '{ v[NR] = $1 } END {
					if (NR == 0) { printf "- - -\n"; exit }
					m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					printf "%d %s %s-%s\n", NR, m, v[1], v[NR] }'
		done | paste -d' ' - - |
			awk -v w="$w" -v r="$rev" '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", w, r, $1, $2, $3, $5, $6 }'
	done
done
echo "Runs: $TMP/runs; reports: $TMP/{a,b}-N.md" >&2
