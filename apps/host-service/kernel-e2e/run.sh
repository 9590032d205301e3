#!/usr/bin/env bash
# npx nx run host-service:kernel-e2e — the whole input path on a real kernel: inside a QEMU VM
# booting Debian's kernel (tools/vm), a Docker engine of the VM's own and the BUILT daemon with
# UINPUT=required spin up a container through the HTTPS API; the container (uinput-client image)
# receives the three device fds and writes through them, the test reads the events from the
# device nodes, and `docker kill` destroys the devices. Skips (exit 0) only when QEMU cannot be
# installed. FRACTAL_VM_TIMEOUT bounds the VM (seconds).
set -euo pipefail
. "$(dirname "$0")/../../../tools/vm/suite.sh"

vm_suite_begin host-service:kernel-e2e
[ -f dist/apps/host-service/main.js ] || { echo "kernel-e2e: build the daemon first (npx nx build host-service)" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "kernel-e2e: dockerd is not installed (tools/docker/ensure-engine.sh installs it)" >&2; exit 1; }

vm_suite_compile apps/host-service/kernel-e2e/tsconfig.json vm-e2e
tools/docker/uinput-client/build.sh "$work"
cat >"$work/guest.sh" <<GUEST
export FRACTAL_REPO="$repo" FRACTAL_WORK="$work" NODE="$(node -p process.execPath)"
exec /bin/sh "$repo/apps/host-service/kernel-e2e/guest.sh"
GUEST
FRACTAL_VM_MEMORY=${FRACTAL_VM_MEMORY:-3072} vm_suite_run host-service:kernel-e2e "${FRACTAL_VM_TIMEOUT:-300}"
