#!/usr/bin/env bash
# Prepares (once) and caches the real-kernel VM: Debian's 6.1 kernel, unpacked with dpkg -x and
# never installed, its uncompressed vmlinux (QEMU boots it directly through the PVH note, faster
# than the bzImage under TCG), the modules the tests need in load order, and an initramfs of static
# busybox + those modules + init.sh. Prints "<vmlinux> <initramfs>" on stdout; logs go to stderr.
# Cache: $FRACTAL_VM_CACHE, default <repo>/tmp/vm-cache (gitignored).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${FRACTAL_VM_CACHE:-$repo/tmp/vm-cache}
# Virtio + 9p for the host root, evdev for /dev/input/eventN, uinput, and what dockerd needs for
# overlay storage and its default bridge; virtio-rng so getrandom never waits on boot.
MODULES=(virtio_pci 9pnet_virtio 9p evdev uinput overlay llc stp bridge veth virtio_rng)
log() { echo "vm: $*" >&2; }

# The package linux-image-amd64 depends on (linux-image-6.1.0-N-amd64), from the local apt lists.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1
}
pkg=$(kernel_package)
if [ -z "$pkg" ]; then
  apt-get update -qq >/dev/null 2>&1 || true
  pkg=$(kernel_package)
fi
[ -n "$pkg" ] || { log "apt-cache knows no linux-image-amd64 (is this Debian?)"; exit 1; }
kver=${pkg#linux-image-}
dir=$cache/$kver
mkdir -p "$cache"

if [ ! -f "$dir/modules/order" ]; then
  log "fetching $pkg (not installed: unpacked into $dir)"
  work=$(mktemp -d "$cache/.work.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get download "$pkg" >/dev/null 2>&1; }; })
  dpkg -x "$work"/"$pkg"_*.deb "$work/root"
  depmod -b "$work/root" "$kver"
  mkdir -p "$work/out/modules"
  # The xz stream inside vmlinuz is the whole uncompressed vmlinux.
  offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$work/root/boot/vmlinuz-$kver" | head -1 | cut -d: -f1)
  # (xz stops reading at the end of its stream: a pipe from tail would die of SIGPIPE.)
  xz -dc --single-stream >"$work/out/vmlinux" < <(tail -c +"$((offset + 1))" "$work/root/boot/vmlinuz-$kver")
  modprobe -d "$work/root" -S "$kver" --show-depends -a "${MODULES[@]}" |
    awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$work/paths"
  while read -r ko; do
    cp "$ko" "$work/out/modules/"
    basename "$ko" >>"$work/out/modules/order"
  done <"$work/paths"
  rm -rf "$dir"
  mv "$work/out" "$dir"
  log "kernel $kver cached: $(du -sh "$dir" | cut -f1)"
fi

[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || { log "/bin/busybox must be Debian's static build (busybox-static)"; exit 1; }
stamp=$(cat "$here/init.sh" "$dir/modules/order" /bin/busybox | sha256sum | cut -c1-16)
initrd=$dir/initramfs-$stamp.cpio.gz
if [ ! -f "$initrd" ]; then
  log "building the initramfs"
  rootfs=$(mktemp -d "$cache/.initramfs.XXXXXX")
  mkdir -p "$rootfs"/{bin,dev,proc,sys,newroot,modules}
  cp /bin/busybox "$rootfs/bin/busybox"
  install -m 0755 "$here/init.sh" "$rootfs/init"
  cp "$dir"/modules/* "$rootfs/modules/"
  (cd "$rootfs" && find . | cpio -o -H newc --quiet | gzip -1 >"$initrd.tmp")
  rm -rf "$rootfs"
  rm -f "$dir"/initramfs-*.cpio.gz
  mv "$initrd.tmp" "$initrd"
fi
echo "$dir/vmlinux $initrd"
