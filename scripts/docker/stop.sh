#!/bin/bash
# Stop a dockerd started by scripts/docker/start.sh and clean up after it, also after a crash or a
# failed test: removes its containers (docker rm -f), stops the daemon by its recorded pid (SIGTERM,
# SIGKILL after 20 s), deletes what it left in containerd (tasks, containers, its namespaces), unmounts
# everything under DIR, removes its cgroup parent in every hierarchy, and with --remove deletes DIR.
# The containerd itself keeps running (scripts/containerd/stop.sh). Never signals a process by name.
# Usage: stop.sh [--remove] DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
remove=0
[ "${1:-}" = --remove ] && { remove=1; shift; }
dir=${1:?usage: stop.sh [--remove] DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
status=0
envval() { [ -f "$dir/env" ] && sed -n "s/^$1=//p" "$dir/env"; }
docker=$(envval DOCKER); [ -n "$docker" ] || docker=$top/build/docker-26/usr/bin/docker
ctd=$(envval DOCKER_CONTAINERD_ADDRESS)
ns=$(envval DOCKER_NAMESPACE)
cgparent=$(envval DOCKER_CGROUP_PARENT)
export DOCKER_CONFIG=$dir/client
d() { timeout 60 "$docker" --host "unix://$dir/docker.sock" "$@"; }

# The daemon's pid, if it still is our dockerd (its command line names our daemon.json).
pid=''
ours() { [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$dir/daemon.json"; }
p=$(cat "$dir/docker.pid" 2>/dev/null)
ours "$p" || p=$(envval DOCKERD_PID)
ours "$p" && pid=$p

if [ -n "$pid" ]; then
  ids=$(d ps -aq 2>/dev/null)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    d rm -f $ids >/dev/null 2>&1 || { echo "stop: docker rm -f of $ids failed" >&2; }
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop: dockerd pid $pid ignored SIGTERM for 20 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
fi
rm -f "$dir/docker.pid"

# What dockerd left in containerd: tasks and containers of its namespaces, then the namespaces.
if [ -n "$ctd" ] && [ -S "$ctd" ] && [ -n "$ns" ]; then
  ctr=/usr/bin/ctr
  cenv=$(dirname "$ctd")/env
  [ -f "$cenv" ] && ctr=$(sed -n 's/^CTR=//p' "$cenv")
  c() { timeout 30 "$ctr" --address "$ctd" --timeout 20s "$@"; }
  for n in "$ns" "$ns-plugins"; do
    c namespaces ls -q 2>/dev/null | grep -qxF -- "$n" || continue
    for t in $(c -n "$n" tasks ls -q 2>/dev/null); do
      echo "stop: removing leftover task $n/$t" >&2
      c -n "$n" tasks rm -f "$t" >/dev/null 2>&1 || true
    done
    for id in $(c -n "$n" containers ls -q 2>/dev/null); do
      c -n "$n" containers rm "$id" >/dev/null 2>&1 || true
    done
    for l in $(c -n "$n" leases ls -q 2>/dev/null); do
      c -n "$n" leases rm "$l" >/dev/null 2>&1 || true
    done
    c namespaces rm "$n" >/dev/null 2>&1 || { echo "stop: cannot remove containerd namespace $n: $(c namespaces rm "$n" 2>&1)" >&2; status=1; }
  done
fi
# The runtimes' per-namespace state roots (default roots of tsrun and runc), once empty.
if [ -n "$ns" ]; then
  for r in /run/containerd/tsrun /run/containerd/runc; do
    [ -d "$r/$ns" ] && rmdir "$r/$ns" 2>/dev/null
  done
fi

# Unmount everything under DIR, deepest first (overlay2 layers, shm, netns files, ...).
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

# The cgroup parent of its containers, in every hierarchy (only empty ones can go).
if [ -n "$cgparent" ] && [ "$cgparent" != / ]; then
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ -d "$h${cgparent#/}" ] || continue
    find "$h${cgparent#/}" -depth -type d -exec rmdir {} \; 2>/dev/null
    if [ -d "$h${cgparent#/}" ]; then
      echo "stop: cgroup $h${cgparent#/} is still populated" >&2
      status=1
    fi
  done
fi

if [ "$remove" = 1 ]; then
  if [ -z "$(mounts)" ]; then
    rm -rf --one-file-system "$dir"
  else
    echo "stop: not removing $dir while mounts remain under it" >&2
    status=1
  fi
fi
exit "$status"
