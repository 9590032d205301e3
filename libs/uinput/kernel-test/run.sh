#!/usr/bin/env bash
# npx nx run uinput:kernel-test — the library's real-syscall tests against a real /dev/uinput in a
# QEMU VM booting Debian's kernel (tools/vm). Compiles them on the host (JS runs ~20x slower in the
# guest, TypeScript tooling far more), boots, runs them as root, and exits with their exit code.
# Skips (exit 0) only when QEMU cannot be installed. FRACTAL_VM_TIMEOUT bounds the VM (seconds).
set -euo pipefail
. "$(dirname "$0")/../../../tools/vm/suite.sh"

vm_suite_begin uinput:kernel-test
vm_suite_compile libs/uinput/tsconfig.kernel-test.json vm-uinput
cat >"$work/guest.sh" <<GUEST
# A test binds its sockets under TMPDIR, and evdev reads are polled: a few libuv threads suffice.
exec "$(node -p process.execPath)" --test-reporter=spec "$repo/tmp/uinput-kernel-test/libs/uinput/kernel-test/main.js"
GUEST
vm_suite_run uinput:kernel-test "${FRACTAL_VM_TIMEOUT:-150}"
