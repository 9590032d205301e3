#!/usr/bin/env bash
# Builds the root filesystem tarball of fractal/uinput-client (one static binary, uinput-client.c)
# for the real-kernel e2e test, which `docker import`s it inside the VM:
#   tools/docker/uinput-client/build.sh <out-dir>   ->  <out-dir>/uinput-client.tar
# A separate image: fractal/test-protocol (busybox) cannot receive SCM_RIGHTS and stays unchanged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh <out-dir>}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
mkdir -p "$root/usr/bin" "$root/tmp"
chmod 1777 "$root/tmp"
gcc -static -O2 -Wall -Wextra -Werror -o "$root/usr/bin/uinput-client" "$here/uinput-client.c"
mkdir -p "$out"
tar -C "$root" -cf "$out/uinput-client.tar" .
