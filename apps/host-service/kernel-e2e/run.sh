#!/usr/bin/env bash
# npx nx run host-service:kernel-e2e — the whole input path on a real kernel: inside a QEMU VM
# booting Debian's kernel (tools/vm), a Docker engine of the VM's own and the BUILT daemon with
# UINPUT=required spin up a container through the HTTPS API; the container (uinput-client image)
# receives the three device fds and writes through them, the test reads the events from the
# device nodes, and `docker kill` destroys the devices. Skips (exit 0) only when QEMU cannot be
# installed. FRACTAL_VM_TIMEOUT bounds the VM (seconds).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"

rc=0
tools/vm/ensure-qemu.sh || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "host-service:kernel-e2e SKIPPED: QEMU cannot be installed here, so there is no real kernel to test on"
  exit 0
fi
[ "$rc" -eq 0 ] || exit "$rc"
[ -f dist/apps/host-service/main.js ] || { echo "kernel-e2e: build the daemon first (npx nx build host-service)" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "kernel-e2e: dockerd is not installed (tools/docker/ensure-engine.sh installs it)" >&2; exit 1; }

npx tsc -p apps/host-service/kernel-e2e/tsconfig.json
mkdir -p tmp
work=$(mktemp -d "$repo/tmp/vm-e2e.XXXXXX")
tools/docker/uinput-client/build.sh "$work"
cat >"$work/guest.sh" <<GUEST
export FRACTAL_REPO="$repo" FRACTAL_WORK="$work" NODE="$(node -p process.execPath)"
exec /bin/sh "$repo/apps/host-service/kernel-e2e/guest.sh"
GUEST
rc=0
FRACTAL_VM_MEMORY=${FRACTAL_VM_MEMORY:-3072} tools/vm/run.sh "$work" "$work/guest.sh" "${FRACTAL_VM_TIMEOUT:-300}" || rc=$?
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "host-service:kernel-e2e FAILED ($rc); console log: $work/serial.log" >&2; fi
exit "$rc"
