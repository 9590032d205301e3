#!/usr/bin/env bash
# npx nx run uinput:kernel-test — the library's real-syscall tests against a real /dev/uinput in a
# QEMU VM booting Debian's kernel (tools/vm). Compiles them on the host (JS runs ~20x slower in the
# guest, TypeScript tooling far more), boots, runs them as root, and exits with their exit code.
# Skips (exit 0) only when QEMU cannot be installed. FRACTAL_VM_TIMEOUT bounds the VM (seconds).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"

rc=0
tools/vm/ensure-qemu.sh || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "uinput:kernel-test SKIPPED: QEMU cannot be installed here, so there is no real kernel to test on"
  exit 0
fi
[ "$rc" -eq 0 ] || exit "$rc"

npx tsc -p libs/uinput/tsconfig.kernel-test.json
mkdir -p tmp
work=$(mktemp -d "$repo/tmp/vm-uinput.XXXXXX")
cat >"$work/guest.sh" <<GUEST
# A test binds its sockets under TMPDIR, and evdev reads are polled: a few libuv threads suffice.
exec "$(node -p process.execPath)" --test-reporter=spec "$repo/tmp/uinput-kernel-test/kernel-test/main.js"
GUEST
rc=0
tools/vm/run.sh "$work" "$work/guest.sh" "${FRACTAL_VM_TIMEOUT:-150}" || rc=$?
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "uinput:kernel-test FAILED ($rc); console log: $work/serial.log" >&2; fi
exit "$rc"
