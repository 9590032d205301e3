#!/bin/sh
# Stands in for the streaming protocol inside fractal/test-protocol:latest: waits for the host
# service to write .ready, prints the resource files, then idles until stopped.
trap 'echo "test-protocol: SIGTERM, exiting"; exit 0' TERM INT
dir=/fractal/resourceMappings
echo "test-protocol: waiting for $dir/.ready"
while [ ! -f "$dir/.ready" ]; do
  sleep 0.2 &
  wait $!
done
echo "test-protocol: ready"
for f in "$dir"/* ; do
  [ -f "$f" ] && echo "test-protocol: $(basename "$f")=$(cat "$f")"
done
if [ -d /fractal/userConfigs ]; then
  echo "test-protocol: userConfigs: $(ls -A /fractal/userConfigs | tr '\n' ' ')"
fi
while :; do
  sleep 3600 &
  wait $!
done
