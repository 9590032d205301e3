#!/usr/bin/env bash
# Stops a dockerd that ensure-engine.sh started (and only that one).
set -uo pipefail
PIDFILE=${DOCKERD_PIDFILE:-/var/run/fractal-dockerd.pid}
[ -f "$PIDFILE" ] || exit 0
pid=$(cat "$PIDFILE")
kill -TERM "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 30); do
  kill -0 "$pid" 2>/dev/null || exit 0
  sleep 1
done
kill -KILL "$pid" 2>/dev/null || true
