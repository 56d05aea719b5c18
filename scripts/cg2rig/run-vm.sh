#!/bin/bash
# cg2rig: run a command as root in a throw-away QEMU guest (software emulation) whose root is the
# host's filesystem (9p, read-only, tmpfs overlay) and whose /sys/fs/cgroup is pure cgroup v2.
# The command's output comes on stdout; its exit status is ours (255: the guest reported none,
# then the console log's tail goes to stderr).
# usage: run-vm.sh [--share DIR] [--mem 2G] [--cpus 2] [--cpu qemu64|max] [--cache loose|none] -- CMD [ARGS...]
# env: CG2RIG_DIR (what setup.sh made; default /var/cache/cg2rig), CG2RIG_APPEND (kernel args),
#      CG2RIG_KEEP=1 (keep the control dir), CG2RIG_TIMING=1 (print guest uptime at command start)
set -u
DIR=${CG2RIG_DIR:-/var/cache/cg2rig}
KROOT=$DIR/kroot
INITRD=$DIR/initramfs.cpio.gz
MEM=2G; CPUS=2; CPU=qemu64; SHARE=""; CACHE=loose
while [ $# -gt 0 ]; do
  case $1 in
    --share) SHARE=$2; shift;; --mem) MEM=$2; shift;; --cpus) CPUS=$2; shift;;
    --cpu) CPU=$2; shift;; --cache) CACHE=$2; shift;; --) shift; break;; *) break;;
  esac
  shift
done
KIMG=$(find "$KROOT/boot" -name "vmlinuz-*" 2>/dev/null | head -1)
if [ -z "$KIMG" ] || [ ! -s "$INITRD" ] || ! command -v qemu-system-x86_64 >/dev/null; then
  echo "cg2rig: not set up in $DIR (kernel, initramfs or qemu missing): run scripts/cg2rig/setup.sh as root" >&2
  exit 254
fi
case "$SHARE$PWD" in *' '*) echo "cg2rig: paths must not contain spaces" >&2; exit 2;; esac
CTL=$(mktemp -d "${TMPDIR:-/tmp}/cg2rig-ctl.XXXXXX")
{ printf 'cd %q 2>/dev/null || true\n' "$PWD"; printf '%q ' "$@"; echo; } > "$CTL/cmd.sh"
# shellcheck disable=SC2054  # commas are part of QEMU option values
ARGS=(-nodefaults -no-user-config -display none -no-reboot -accel tcg,thread=multi,tb-size=256
  -M q35 -cpu "$CPU" -m "$MEM" -smp "$CPUS" -kernel "$KIMG" -initrd "$INITRD"
  -append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init cg2rig.kroot=$KROOT cg2rig.ctl=/run/cg2rig-ctl cg2rig.share=$SHARE cg2rig.cache=$CACHE ${CG2RIG_APPEND:-}"
  -serial "file:$CTL/console.log"
  -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap -device virtio-9p-pci,fsdev=root,mount_tag=hostroot
  -fsdev "local,id=ctl,path=$CTL,security_model=none" -device virtio-9p-pci,fsdev=ctl,mount_tag=ctl
  -device virtio-rng-pci -device virtio-serial-pci -chardev stdio,id=out,signal=off -device virtconsole,chardev=out)
# shellcheck disable=SC2054
[ -n "$SHARE" ] && ARGS+=(-fsdev "local,id=share,path=$SHARE,security_model=none" -device virtio-9p-pci,fsdev=share,mount_tag=share)
qemu-system-x86_64 "${ARGS[@]}" < /dev/null
if [ -s "$CTL/rc" ]; then rc=$(cat "$CTL/rc"); else
  rc=255; echo "cg2rig: the guest reported no exit status; console log:" >&2; tail -40 "$CTL/console.log" >&2
fi
[ -n "${CG2RIG_TIMING:-}" ] && echo "cg2rig: guest uptime at command start: $(cat "$CTL/uptime-at-command" 2>/dev/null)s" >&2
if [ -n "${CG2RIG_KEEP:-}" ]; then echo "cg2rig: kept $CTL" >&2; else rm -rf "$CTL"; fi
exit "$rc"
