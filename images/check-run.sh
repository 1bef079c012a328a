# SPDX-License-Identifier: Apache-2.0
# Sourced by check.sh --run: one run_<name> per image against the throwaway containerd (ctr_),
# on a read-only root with a tmpfs at /tmp, as the pods run. runc's state and ctr's fifos stay
# under the check's directory; only the shim socket lands in /run/containerd/s (hard-coded in
# containerd 1.6) and goes when the task is deleted.

run_opts=(--rm --read-only --runc-root "$tmp/runc" --fifo-dir "$tmp/fifo"
  --mount "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:mode=1777:size=64m")

# run_for SECONDS IMAGE [CTR-RUN-OPTIONS...] [-- COMMAND...]: runs the image in the foreground, stops
# it after SECONDS (SIGTERM to ctr, which forwards it), and leaves its output in $tmp/<id>.log.
run_for() {
  local secs=$1 image=$2 opts=(); shift 2
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($# == 0)) || shift
  local id="tm-check-$RANDOM"
  timeout -s TERM "$secs" ctr -a "$sock" -n k8s.io run "${run_opts[@]}" "${opts[@]}" "$image" \
    "$id" "$@" >"$tmp/out.log" 2>&1 || true
  stop_tasks
  cat "$tmp/out.log"
}

# stop_tasks: kills and deletes every task and container left in the throwaway containerd.
stop_tasks() {
  local id
  for id in $(ctr_ task ls -q 2>/dev/null); do
    ctr_ task kill -s KILL "$id" >/dev/null 2>&1 || true
    ctr_ task rm -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1 || true; done
}

run_pause() {
  local id="tm-check-pause-$RANDOM" status=0
  ctr -a "$sock" -n k8s.io run "${run_opts[@]}" "$1" "$id" &
  local runner=$!
  sleep 1
  ctr_ task ls | grep -q "^$id .*RUNNING" || { log "pause is not running"; return 1; }
  ctr_ task kill -s TERM "$id"
  wait "$runner" || status=$?
  log "pause: ran as PID 1 on a read-only root; SIGTERM -> exit status $status"
  stop_tasks
  ((status == 0))
}

# The operator starts Quarkus and the operator SDK, then fails to reach an API server (none).
run_operator() {
  run_for 40 "$1" | grep -E -m8 'Quarkus|Operator SDK|Registered reconciler|ERROR|Exception' || true
}

# The agent starts Quarkus, then fails without an API server (ctr 1.6 run has no --user: it runs
# as the image's user, where its DaemonSet runs it as root).
run_node_agent() {
  run_for 40 "$1" --env NODE_NAME=check \
    | grep -E -m8 "Quarkus|agent|ERROR|Exception" || true
  log "node-agent: the JNI library's dependencies resolved in the image:"
  local so=io/trafficmonitor/bpf/native/linux-x86_64/libtrafficmonitor-jni.so
  (cd "$tmp" && jar xf "$(ls "$repo_dir"/node-agent/target/quarkus-app/lib/main/*trafficmonitor-jni-*.jar)" "$so")
  run_for 10 "$1" --mount "type=bind,src=$tmp/$so,dst=/jni.so,options=rbind:ro" \
    -- /lib64/ld-linux-x86-64.so.2 --list /jni.so
}

# trafficgen prints its usage; busybox answers in the same image.
run_trafficgen() {
  run_for 20 "$1"
  run_for 10 "$1" -- /bin/sh -c 'id; ls /app; wget --help 2>&1 | head -1'
}
