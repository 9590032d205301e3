#!/usr/bin/env bash
# Builds fractal/test-protocol:latest with `docker import` from a root filesystem made of Debian's
# busybox-static (no registry is reachable from our machines). Idempotent: rebuilds only when the
# image is missing or its CMD script changed.
set -euo pipefail

IMAGE=${TEST_IMAGE:-fractal/test-protocol:latest}
here=$(cd "$(dirname "$0")" && pwd)
cmd_script="$here/test-protocol-cmd.sh"
digest=$(sha256sum "$cmd_script" | cut -c1-16)

if [ "$(docker image inspect -f '{{ index .Config.Labels "fractal.test-image.digest" }}' "$IMAGE" 2>/dev/null || true)" = "$digest" ]; then
  echo "test image: $IMAGE is up to date"
  exit 0
fi

if [ ! -x /bin/busybox ]; then
  echo "test image: installing Debian's busybox-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq busybox-static >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq busybox-static >/dev/null; }
fi
if ! /bin/busybox --list | grep -qx sh || ldd /bin/busybox >/dev/null 2>&1; then
  echo "test image: /bin/busybox must be the static build (Debian's busybox-static)" >&2
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,tmp,proc,sys,dev,etc,fractal/resourceMappings,fractal/userConfigs,run}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf /bin/busybox "$root/bin/$applet"
done
install -m 0755 "$cmd_script" "$root/usr/bin/test-protocol"
printf 'root:x:0:0:root:/root:/bin/sh\nfractal:x:1000:1000:fractal:/home/fractal:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nfractal:x:1000:\n' >"$root/etc/group"

tar -C "$root" -c . | docker import \
  --change 'CMD ["/usr/bin/test-protocol"]' \
  --change 'ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin' \
  --change "LABEL fractal.test-image.digest=$digest" \
  - "$IMAGE" >/dev/null
echo "test image: built $IMAGE"
