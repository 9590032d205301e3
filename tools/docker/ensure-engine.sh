#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock. Idempotent: does nothing when one answers.
# Installs Debian's docker.io when dockerd is missing and starts dockerd detached (setsid + nohup,
# output to a log file) so a CI job never waits on it. Fails with the log tail after 60 s.
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/fractal-dockerd.log}
PIDFILE=${DOCKERD_PIDFILE:-/var/run/fractal-dockerd.pid}
WAIT_S=${DOCKERD_WAIT_S:-60}

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  echo "docker engine: already answering"
  exit 0
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

# A socket left by a dead engine would make dockerd refuse to start.
if [ -S /var/run/docker.sock ] && ! engine_answers; then
  if ! { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }; then
    rm -f /var/run/docker.sock
  fi
fi

if ! { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }; then
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

echo "docker engine: dockerd did not answer on /var/run/docker.sock within ${WAIT_S}s; last lines of $LOG:" >&2
tail -n 40 "$LOG" >&2 || true
exit 1
