#!/usr/bin/env bash
# Boots the real-kernel VM (tools/vm/prepare.sh) and runs one guest script in it as root, with the
# host's root filesystem read-only and <work-dir> writable at the same paths, then exits with the
# script's exit code (124 when the VM ran past <timeout-s>, 125 when no exit marker came out).
# Usage: tools/vm/run.sh <work-dir> <guest-script> <timeout-s>
# The serial console (kernel and script output) is streamed here and kept in <work-dir>/serial.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 3 ] || { echo "usage: $0 <work-dir> <guest-script> <timeout-s>" >&2; exit 2; }
work=$(cd "$1" && pwd)
script=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
limit=$3
case "$work$script" in *[[:space:]]*) echo "vm: paths with spaces cannot go on the kernel command line: $work, $script" >&2; exit 2 ;; esac

read -r kernel initrd < <("$here/prepare.sh")

# /dev/kvm only with real hardware virtualisation: on a paravirtual kvm_pvm host a stock kernel
# crawls and then stops QEMU with an emulation failure. TCG is the safe default.
accel=(-accel tcg,thread=multi -cpu max)
if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ] && [ "${FRACTAL_VM_ACCEL:-}" != tcg ]; then
  accel=(-accel kvm -cpu host)
fi
cpus=$(nproc)
[ "$cpus" -gt 4 ] && cpus=4

serial=$work/serial.log
: >"$serial"
start=$(date +%s)
set +e
timeout --kill-after=5 "$limit" qemu-system-x86_64 \
  -nodefaults -no-user-config -display none -no-reboot \
  "${accel[@]}" -smp "$cpus" -m "${FRACTAL_VM_MEMORY:-2048}" \
  -kernel "$kernel" -initrd "$initrd" \
  -append "console=ttyS0 quiet panic=-1 fractal.share=$work fractal.script=$script" \
  -serial "file:$serial" -monitor none \
  -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
  -virtfs "local,path=$work,mount_tag=work,security_model=passthrough,multidevs=remap" \
  </dev/null &
qemu=$!
tail --pid="$qemu" -n +1 -f "$serial" 2>/dev/null | sed -u 's/\r$//' &
streamer=$!
wait "$qemu"
qemu_rc=$?
wait "$streamer"
set -e

took=$(($(date +%s) - start))
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
  echo "vm: the VM ran past ${limit}s and was killed" >&2
  exit 124
fi
rc=$(tr -d '\r' <"$serial" | sed -n 's/^FRACTAL_VM_EXIT=\([0-9]*\)$/\1/p' | tail -1)
if [ -z "$rc" ]; then
  echo "vm: no exit marker on the serial console (QEMU exit $qemu_rc after ${took}s)" >&2
  exit 125
fi
echo "vm: guest script exited $rc after ${took}s (boot included)" >&2
exit "$rc"
