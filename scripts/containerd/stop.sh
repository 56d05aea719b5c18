#!/bin/bash
# Stop a containerd started by start.sh and clean up after it, also after a crash or a failed
# test: force-deletes remaining tasks and containers, kills shims started by this daemon (found by
# the daemon's socket address on their command line), stops the daemon by its recorded pid,
# unmounts everything under DIR, removes empty cgroups of its tsrun* namespaces, and with
# --remove deletes DIR. Never signals a process by name. Usage: stop.sh [--remove] DIR
set -uo pipefail
remove=0
[ "${1:-}" = --remove ] && { remove=1; shift; }
dir=${1:?usage: stop.sh [--remove] DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
sock=$dir/containerd.sock
ctr=/usr/bin/ctr
# shellcheck disable=SC1091
[ -f "$dir/env" ] && ctr=$(. "$dir/env" && echo "$CTR")
status=0

# The recorded pid, if it still is our containerd (its command line names our config).
pid=''
if [ -f "$dir/containerd.pid" ]; then
  p=$(cat "$dir/containerd.pid")
  if [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -qF -- "$dir/config.toml"; then
    pid=$p
  fi
fi

namespaces=''
if [ -n "$pid" ]; then
  c() { timeout 30 "$ctr" --address "$sock" --timeout 20s "$@"; }
  namespaces=$(c namespaces ls -q 2>/dev/null)
  for ns in $namespaces; do
    for t in $(c -n "$ns" tasks ls -q 2>/dev/null); do
      echo "stop: removing leftover task $ns/$t" >&2
      c -n "$ns" tasks rm -f "$t" >/dev/null 2>&1 || true
    done
    for id in $(c -n "$ns" containers ls -q 2>/dev/null); do
      c -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
    done
  done
fi

# Shims (and anything else) started for this daemon carry its address on their command line.
shims() {
  local d p
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$pid" ] && continue
    [ "$p" = "$$" ] && continue
    if tr '\0' '\n' 2>/dev/null < "$d/cmdline" | grep -qxF -- "$sock"; then echo "$p"; fi
  done
}
for s in $(shims); do
  echo "stop: killing leftover shim pid $s ($(tr '\0' ' ' 2>/dev/null < "/proc/$s/cmdline" | cut -c1-120))" >&2
  kill -KILL "$s" 2>/dev/null || true
done

if [ -n "$pid" ]; then
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop: containerd pid $pid ignored SIGTERM for 10 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
fi
rm -f "$dir/containerd.pid"

# The CNI bridge start.sh configured (created by the first pod with its own network namespace).
bridge=''
# shellcheck disable=SC1091 # written by start.sh at run time
[ -f "$dir/env" ] && bridge=$(. "$dir/env" && echo "${CNI_BRIDGE:-}")
if [ -n "$bridge" ] && ip link show "$bridge" >/dev/null 2>&1; then
  ip link delete "$bridge" || { echo "stop: cannot delete CNI bridge $bridge" >&2; status=1; }
fi

# Unmount everything under DIR, deepest first (overlay rootfs, shm, netns, ...).
mounts() { awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r -u; }
for _ in 1 2 3; do
  left=$(mounts)
  [ -n "$left" ] || break
  for m in $left; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
done
if [ -n "$(mounts)" ]; then
  echo "stop: mounts under $dir remain:" >&2
  mounts >&2
  status=1
fi

# cgroups runc created for our namespaces: <hierarchy>/<namespace>/<container>. Only empty ones
# can be removed (rmdir); a populated one is reported.
for ns in $namespaces; do
  case "$ns" in tsrun*) ;; *) continue ;; esac
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ -d "$h$ns" ] || continue
    find "$h$ns" -depth -type d -exec rmdir {} \; 2>/dev/null
    if [ -d "$h$ns" ]; then
      echo "stop: cgroup $h$ns is still populated" >&2
      status=1
    fi
  done
done

if [ "$remove" = 1 ]; then
  if [ -z "$(mounts)" ]; then
    rm -rf --one-file-system "$dir"
  else
    echo "stop: not removing $dir while mounts remain under it" >&2
    status=1
  fi
fi
exit "$status"
