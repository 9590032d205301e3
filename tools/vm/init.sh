#!/bin/busybox sh
# /init of the real-kernel VM (PID 1, in the initramfs): loads the modules, mounts the host's root
# read-only over 9p and the run's work dir writable at the same path, chroots into the host root to
# run the guest script, then prints its exit code as a marker on the serial console (QEMU itself
# exits 0 whatever happened) and powers off.
/bin/busybox --install -s /bin
export PATH=/bin

finish() {
  echo "FRACTAL_VM_EXIT=$1"
  sync
  poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
arg() { echo " $(cat /proc/cmdline)" | sed -n "s/.* fractal\.$1=\([^ ]*\).*/\1/p"; }
share=$(arg share)
script=$(arg script)
[ -n "$share" ] && [ -n "$script" ] || { echo "vm-init: fractal.share= and fractal.script= are required"; finish 120; }

for m in $(cat /modules/order); do
  insmod "/modules/$m" || { echo "vm-init: insmod $m failed"; finish 121; }
done
ip link set lo up
hostname fractal-vm

nine=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$nine,ro,cache=loose" hostroot /newroot || finish 122
mount -t 9p -o "$nine" work "/newroot$share" || finish 123
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs shm /newroot/dev/shm
mount -t tmpfs run /newroot/run
# A tmpfs over /tmp would hide a checkout that lives there (the tests' files and node itself).
case "$share" in
  /tmp/*) tmp=/run/tmp ;;
  *) mount -t tmpfs tmp /newroot/tmp && tmp=/tmp ;;
esac
mkdir -p "/newroot$tmp" /newroot/run/home /newroot/run/vm-modules
chmod 1777 "/newroot$tmp"
# The modules stay reachable after the chroot (tests rmmod and insmod uinput again).
cp /modules/* /newroot/run/vm-modules/

chroot /newroot /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/run/home TMPDIR="$tmp" TERM=dumb FRACTAL_VM=1 FRACTAL_VM_MODULES=/run/vm-modules \
  /bin/sh -c 'cd "$1" && exec /bin/sh "$2"' sh "$share" "$script"
finish $?
