#!/bin/bash
# Start a private dockerd (trixie's Docker 26 from build/docker-26, scripts/docker/fetch.sh) against
# a containerd started by scripts/containerd/start.sh, with everything under DIR: data-root
# (DIR/root), exec-root (DIR/exec), pidfile, log, the API socket (DIR/docker.sock), daemon.json and
# the client's config dir. tsrun is registered as runtime "tsrun" (runtimeType io.containerd.tsrun.v1;
# containerd finds containerd-shim-tsrun-v1 on its own PATH, see start.sh --bin-dir). The host's
# network and firewall are left alone: no bridge, no iptables/ip6tables rules, no masquerading, no
# userland proxy; containers get --network none or host. Containers live in containerd namespace
# NS and under cgroup parent CGROUP (cgroupfs driver) so stop.sh can clean both up.
#
# Usage: scripts/docker/start.sh --dir DIR --containerd SOCKET [--namespace NS] [--cgroup-parent CGROUP]
#                                [--storage-driver overlay2|vfs] [--runtime-options JSON] [--live-restore]
# --runtime-options adds "options": JSON to the tsrun runtime entry of daemon.json; --live-restore
# sets "live-restore": true (containers keep running while dockerd is down; stop.sh removes them).
# On success DIR/env holds shell assignments (DOCKERD_PID, DOCKER_HOST, DOCKER, ...), also printed.
# Stop with scripts/docker/stop.sh DIR (by pid; removes containers, mounts, cgroups, the namespace).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir='' containerd='' ns='' cgparent='' driver=overlay2 rtopts='' live=false
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --containerd) containerd=$2; shift 2 ;;
    --namespace) ns=$2; shift 2 ;;
    --cgroup-parent) cgparent=$2; shift 2 ;;
    --storage-driver) driver=$2; shift 2 ;;
    --runtime-options) rtopts=$2; shift 2 ;;
    --live-restore) live=true; shift ;;
    *) echo "start: unknown argument '$1' (usage: start.sh --dir DIR --containerd SOCKET [--namespace NS] [--cgroup-parent CGROUP] [--storage-driver overlay2|vfs] [--runtime-options JSON] [--live-restore])" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "start: --dir DIR is required" >&2; exit 2; }
[ -S "$containerd" ] || { echo "start: --containerd must name a containerd socket (scripts/containerd/start.sh), not '$containerd'" >&2; exit 2; }

dockerbin=$top/build/docker-26
[ -x "$dockerbin/usr/sbin/dockerd" ] || "$top/scripts/docker/fetch.sh" >&2
[ -x "$dockerbin/usr/sbin/dockerd" ] || { echo "start: $dockerbin/usr/sbin/dockerd missing (scripts/docker/fetch.sh)" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
tag=$(printf '%s' "$dir" | sha256sum | cut -c1-8)
[ -n "$ns" ] || ns=tsrun-docker-$tag
[ -n "$cgparent" ] || cgparent=/tsrun-docker-$tag
case "$cgparent" in /*) ;; *) cgparent=/$cgparent ;; esac
if [ -f "$dir/docker.pid" ] && kill -0 "$(cat "$dir/docker.pid")" 2>/dev/null; then
  echo "start: a dockerd (pid $(cat "$dir/docker.pid")) already runs for $dir; stop it with scripts/docker/stop.sh $dir" >&2
  exit 1
fi
sock=$dir/docker.sock
if [ ${#sock} -gt 100 ]; then
  echo "start: socket path $sock is too long for a unix socket (> 100 bytes); use a shorter --dir" >&2
  exit 1
fi
mkdir -p "$dir/root" "$dir/exec" "$dir/client"

entry='"runtimeType": "io.containerd.tsrun.v1"'
[ -n "$rtopts" ] && entry="$entry, \"options\": $rtopts"
cat > "$dir/daemon.json" <<EOT
{
  "live-restore": $live,
  "runtimes": {
    "tsrun": { $entry }
  }
}
EOT

# PATH as dockerd sees it: Docker 26's own helpers (docker-init, docker-proxy), then the system (runc).
path=$dockerbin/usr/bin:$dockerbin/usr/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "--- scripts/docker/start.sh $(date -u +%FT%TZ)" >> "$dir/dockerd.log"
# setsid: its own session, so it outlives this script; the subshell execs, so $! is dockerd's pid.
(cd "$dir" && PATH=$path exec setsid "$dockerbin/usr/sbin/dockerd" \
   --config-file "$dir/daemon.json" \
   --containerd "$containerd" --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins" \
   --data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
   --host "unix://$sock" \
   --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --bridge=none --userland-proxy=false \
   --storage-driver "$driver" --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$cgparent" \
   --shutdown-timeout 5 \
   </dev/null >>"$dir/dockerd.log" 2>&1) &
pid=$!

docker=$dockerbin/usr/bin/docker
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start: dockerd exited during start-up; last log lines of $dir/dockerd.log:" >&2
    tail -n 20 "$dir/dockerd.log" >&2
    exit 1
  fi
  if DOCKER_CONFIG=$dir/client timeout 5 "$docker" --host "unix://$sock" version >/dev/null 2>&1; then
    break
  fi
  sleep 0.1
done
if ! DOCKER_CONFIG=$dir/client timeout 5 "$docker" --host "unix://$sock" version >/dev/null 2>&1; then
  echo "start: dockerd (pid $pid) did not answer on $sock within 60 s; see $dir/dockerd.log" >&2
  "$top/scripts/docker/stop.sh" "$dir" >&2 || true
  exit 1
fi

cat > "$dir/env" <<EOT
DOCKERD_PID=$pid
DOCKER_DIR=$dir
DOCKER_HOST=unix://$sock
DOCKER_CONFIG=$dir/client
DOCKER=$docker
DOCKERD_LOG=$dir/dockerd.log
DOCKER_CONTAINERD_ADDRESS=$containerd
DOCKER_NAMESPACE=$ns
DOCKER_CGROUP_PARENT=$cgparent
EOT
cat "$dir/env"
