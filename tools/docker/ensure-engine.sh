#!/usr/bin/env bash
# Makes a Docker engine answer where DOCKER_HOST (default unix:///var/run/docker.sock) points.
# Idempotent: does nothing when one answers. Installs Debian's docker.io when dockerd is missing
# and starts dockerd detached (setsid + nohup, output to a log file) so a CI job never waits on it.
# Safe on a shared host: it never deletes a socket (dockerd replaces a stale one itself) and never
# starts a second engine while a dockerd runs or an engine answers on the default socket.
# Fails with the log tail after 60 s.
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/fractal-dockerd.log}
PIDFILE=${DOCKERD_PIDFILE:-/var/run/fractal-dockerd.pid}
WAIT_S=${DOCKERD_WAIT_S:-60}
DEFAULT_HOST=unix:///var/run/docker.sock

engine_answers() { docker info >/dev/null 2>&1; }
default_answers() { DOCKER_HOST=$DEFAULT_HOST docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  echo "docker engine: already answering"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "$DEFAULT_HOST" ]; then
  if command -v docker >/dev/null 2>&1 && default_answers; then
    echo "docker engine: nothing answers at DOCKER_HOST=$DOCKER_HOST, but an engine answers on" \
      "/var/run/docker.sock; fix or unset DOCKER_HOST (not starting a second engine)" >&2
  else
    echo "docker engine: nothing answers at DOCKER_HOST=$DOCKER_HOST; this script only starts an" \
      "engine on /var/run/docker.sock, so unset DOCKER_HOST or start that engine yourself" >&2
  fi
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "docker engine: not answering, and starting one needs root (run this script as root)" >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker engine: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || echo "docker engine: apt-get update failed; trying the install anyway" >&2
  apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
fi

# A dockerd that runs but does not answer yet (starting, or busy) is waited for, never doubled.
if running=$(pgrep -x dockerd | head -n 1) && [ -n "$running" ]; then
  echo "docker engine: dockerd (pid $running) is running; waiting for it to answer"
else
  mkdir -p "$(dirname "$LOG")"
  echo "docker engine: starting dockerd (log: $LOG)"
  setsid nohup dockerd --pidfile "$PIDFILE" >>"$LOG" 2>&1 </dev/null &
  disown || true
fi

for _ in $(seq 1 "$WAIT_S"); do
  if engine_answers; then
    echo "docker engine: answering"
    exit 0
  fi
  sleep 1
done

echo "docker engine: no engine answered on /var/run/docker.sock within ${WAIT_S}s; last lines of $LOG:" >&2
tail -n 40 "$LOG" >&2 || true
exit 1
