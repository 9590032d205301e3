#!/bin/sh
# Installs (or upgrades to) the Fractal host service release this script ships in.
#
#   install.sh [--root DIR] [--no-start] [--detach-pid PID] [--detach-timeout SECONDS]
#
#   /opt/fractal/host-service/<version>/     this release (verified against its SHA256SUMS)
#   /opt/fractal/host-service/current        -> <version>, switched atomically
#   /etc/systemd/system/fractal-host-service.service
#   /etc/fractal/host-service.env            written from the example only if absent (mode 0600)
#
# --root DIR   stage into DIR (an AMI's root being built): files only, no systemctl, no signals.
# --no-start   install and enable, but do not start a service that is not running.
# --detach-pid PID   hosts without systemd: detach that daemon (SIGUSR2) and wait for it to exit;
#              start the new one yourself from .../current/bin/host-service.
#
# Running it again with the same release changes nothing. On a host where the service runs, an
# upgrade detaches the old daemon with SIGUSR2 (it stops its API and heartbeats, persists its
# containers' state and exits 0; the containers keep running) and starts the new one, which adopts
# them: sessions survive. Every step is safe to interrupt: the version directory appears whole
# (copied, verified, renamed), `current` switches in one rename, and the old daemon keeps serving
# until the new files are in place.
set -eu

unit_name=fractal-host-service.service
root=/
staging=false
start=true
detach_pid=
detach_timeout=300

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

while [ "$#" -gt 0 ]; do
  case $1 in
    --root) [ "$#" -ge 2 ] || die "--root needs a directory"; root=$2; staging=true; shift 2 ;;
    --no-start) start=false; shift ;;
    --detach-pid) [ "$#" -ge 2 ] || die "--detach-pid needs a process id"; detach_pid=$2; shift 2 ;;
    --detach-timeout) [ "$#" -ge 2 ] || die "--detach-timeout needs seconds"; detach_timeout=$2; shift 2 ;;
    -h|--help) sed -n '2,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done
case $detach_pid in '' | *[!0-9]*) [ -z "$detach_pid" ] || die "--detach-pid wants a number, got $detach_pid" ;; esac
case $detach_timeout in '' | *[!0-9]*) die "--detach-timeout wants whole seconds, got $detach_timeout" ;; esac

src=$(cd -P -- "$(dirname -- "$0")" && pwd -P)
[ -f "$src/VERSION" ] && [ -f "$src/SHA256SUMS" ] || die "run the install.sh inside an extracted release ($src has no VERSION/SHA256SUMS)"
version=$(cat "$src/VERSION")
case $version in '' | *[!0-9A-Za-z.+_-]* | .*) die "bad VERSION in $src: '$version'" ;; esac
(cd "$src" && sha256sum --check --quiet --strict SHA256SUMS) || die "$src does not match its SHA256SUMS: extract the tarball again"

if [ "$staging" = true ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd -P -- "$root" && pwd -P)
else
  [ "$(id -u)" = 0 ] || die "run as root (or stage into an image with --root DIR)"
fi
root=${root%/}
prefix=$root/opt/fractal/host-service
dest=$prefix/$version
changed=false

# One install at a time (flock from util-linux); then what an interrupted one left can go.
mkdir -p "$prefix"
exec 9>"$prefix/.install.lock"
flock 9
rm -rf "$prefix"/.install-*

# 1. The version directory: skipped when an identical, intact copy is there already.
if [ -f "$dest/SHA256SUMS" ] && cmp -s "$dest/SHA256SUMS" "$src/SHA256SUMS" \
  && (cd "$dest" && sha256sum --check --quiet --strict SHA256SUMS) 2>/dev/null; then
  say "$dest is already installed"
else
  tmp=$(mktemp -d "$prefix/.install-$version.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  cp -a "$src/." "$tmp/"
  (cd "$tmp" && sha256sum --check --quiet --strict SHA256SUMS) || die "copy into $tmp is corrupt (disk full?)"
  chmod 0755 "$tmp"
  if [ -e "$dest" ]; then
    # A damaged or different build under the same version: set it aside, never half-replace it
    # (a daemon of that version may be running from it).
    mv -T "$dest" "$dest.replaced.$$"
    say "moved the differing $dest to $dest.replaced.$$"
  fi
  mv -T "$tmp" "$dest"
  trap - EXIT
  changed=true
  say "installed $dest"
fi

# 2. The unit and, if absent, the settings file (never overwritten: it holds the host's secrets).
unit_dir=$root/etc/systemd/system
mkdir -p "$unit_dir"
if ! cmp -s "$src/systemd/$unit_name" "$unit_dir/$unit_name"; then
  cp "$src/systemd/$unit_name" "$unit_dir/.$unit_name.tmp"
  chmod 0644 "$unit_dir/.$unit_name.tmp"
  mv -f "$unit_dir/.$unit_name.tmp" "$unit_dir/$unit_name"
  changed=true
  say "installed $unit_dir/$unit_name"
fi
env_file=$root/etc/fractal/host-service.env
if [ ! -e "$env_file" ]; then
  mkdir -p "${env_file%/*}"
  (umask 077 && cp "$src/systemd/host-service.env.example" "$env_file.tmp" && mv -f "$env_file.tmp" "$env_file")
  say "wrote $env_file from the example: set APP_ENV and WEBSERVER_AUTH_SECRET there"
fi

# 3. Switch `current` (a relative link, so a staged image works wherever it is mounted).
if [ "$(readlink "$prefix/current" 2>/dev/null || true)" != "$version" ]; then
  ln -sfn "$version" "$prefix/.current.tmp"
  mv -Tf "$prefix/.current.tmp" "$prefix/current"
  changed=true
  say "current -> $version"
fi

# 4. Hand over from the running daemon, if any.
detach() { # pid: SIGUSR2, then wait for the process to be gone
  kill -USR2 "$1" 2>/dev/null || { say "process $1 is not running"; return 0; }
  say "sent SIGUSR2 to $1; waiting up to ${detach_timeout} s for it to detach"
  waited=0
  while kill -0 "$1" 2>/dev/null; do
    [ "$waited" -lt "$((detach_timeout * 5))" ] || die "process $1 did not detach within ${detach_timeout} s; $version is installed but not started"
    sleep 0.2
    waited=$((waited + 1))
  done
  say "process $1 detached"
}

if [ -n "$detach_pid" ]; then
  detach "$detach_pid"
  say "start $prefix/current/bin/host-service to adopt the running containers"
  exit 0
fi
if [ "$staging" = true ]; then
  # What `systemctl enable` would do, so the image starts the service at boot.
  mkdir -p "$unit_dir/multi-user.target.wants"
  ln -sfn "../$unit_name" "$unit_dir/multi-user.target.wants/$unit_name"
  say "staged $version under $root, enabled for multi-user.target"
  exit 0
fi
if [ ! -d /run/systemd/system ]; then
  say "systemd is not running here: installed, not started"
  exit 0
fi
systemctl daemon-reload
systemctl enable --quiet "$unit_name"
if systemctl is-active --quiet "$unit_name"; then
  if [ "$changed" = false ]; then
    say "$version is already installed and running"
    exit 0
  fi
  pid=$(systemctl show --property MainPID --value "$unit_name")
  [ "$pid" -gt 0 ] 2>/dev/null || die "$unit_name is active without a main process"
  detach "$pid"
  systemctl start "$unit_name" # Type=notify: returns once the new daemon sent READY=1
  say "$version started and adopted the running containers"
elif [ "$start" = true ]; then
  systemctl start "$unit_name"
  say "$version started"
else
  say "$version installed and enabled, not started (--no-start)"
fi
