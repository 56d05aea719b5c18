#!/bin/sh
# cg2rig guest agent: lets one booted guest run many commands (test/helpers/cg2rig.ts).
# usage (inside the guest): agent.sh DIR   where DIR is the read-write --share directory.
# Runs DIR/req/N.sh for N = 0, 1, 2… in order, writing N.out, N.err and then N.rc (exit status);
# exits when DIR/req/stop appears and no request is pending. Creates DIR/ready once listening.
set -u
D=$1
mkdir -p "$D/req"
: > "$D/ready"
n=0
while :; do
  if [ -f "$D/req/$n.sh" ]; then
    sh "$D/req/$n.sh" > "$D/req/$n.out" 2> "$D/req/$n.err" < /dev/null
    echo $? > "$D/req/$n.rc.tmp"
    mv "$D/req/$n.rc.tmp" "$D/req/$n.rc"
    n=$((n + 1))
    continue
  fi
  [ -f "$D/req/stop" ] && exit 0
  sleep 0.1
done
