#!/usr/bin/env bash
# Makes sure the packages the real-kernel VM needs are here, installing the missing ones from
# Debian. Exit 0: ready. Exit 3: QEMU cannot be installed on this machine, and the callers skip.
set -uo pipefail

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
command -v xz >/dev/null || need+=(xz-utils)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
[ ${#need[@]} -eq 0 ] && exit 0

echo "vm: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "vm: qemu-system-x86 could not be installed (apt-get install failed)" >&2
  exit 3
fi
for tool in /bin/busybox cpio depmod xz gcc; do
  command -v "$tool" >/dev/null || { echo "vm: $tool is still missing after apt-get install" >&2; exit 1; }
done
