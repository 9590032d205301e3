# Runs inside the VM (tools/vm/run.sh), as root in the host's root filesystem: starts a Docker
# engine of the VM's own (data on tmpfs, its default bridge, no iptables: nothing of the host's
# engine is touched; without iptables or the userland proxy, published ports are recorded but not
# forwarded, which this test does not need, and each spin-up starts three Go processes fewer under
# TCG), imports the uinput-client image, then runs the compiled e2e test.
# Needs FRACTAL_REPO, FRACTAL_WORK (the writable share) and NODE.
set -eu
stamp() { echo "kernel-e2e: [$(cut -d' ' -f1 /proc/uptime) s] $*"; }
export DOCKER_CONFIG=/run/docker-config
mkdir -p "$DOCKER_CONFIG"

# wait_for <what> <seconds> <pid> <log> <command...>: polls the command, failing early if pid died.
wait_for() {
  what=$1 limit=$(($2 * 4)) pid=$3 log=$4
  shift 4
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt "$limit" ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "kernel-e2e: $what did not come up"
      tail -n 40 "$log"
      exit 1
    fi
    sleep 0.25
  done
}

# containerd first, on its own: dockerd gives the one it would start itself a fixed time to come
# up, which a slow TCG guest on a busy host can miss. Empty config: the host's is not ours.
: >/run/containerd.toml
containerd --config /run/containerd.toml --root /run/containerd-root --state /run/containerd \
  --address /run/containerd/containerd.sock >/run/containerd.log 2>&1 &
wait_for containerd 120 $! /run/containerd.log test -S /run/containerd/containerd.sock
echo '{}' >/run/dockerd.json
dockerd --config-file /run/dockerd.json --containerd /run/containerd/containerd.sock \
  --data-root /run/docker-data --exec-root /run/docker-exec \
  --iptables=false --ip-masq=false --userland-proxy=false >/run/dockerd.log 2>&1 &
wait_for dockerd 120 $! /run/dockerd.log docker version
stamp "dockerd up"
docker import --change 'CMD ["/usr/bin/uinput-client"]' "$FRACTAL_WORK/uinput-client.tar" fractal/uinput-client:test >/dev/null
# One throwaway container, while the daemon starts: the first runc, shim and containerd runs under
# TCG are the slowest (nothing translated by QEMU or cached yet), and the daemon bounds each Docker
# call at 30 s. The test waits for the marker before it spins up its container.
export KERNEL_E2E_WARM_MARKER=/run/engine-warm
{
  docker run --rm fractal/uinput-client:test /usr/bin/uinput-client --version || echo "kernel-e2e: the warm-up run failed"
  stamp "engine warmed up"
  touch "$KERNEL_E2E_WARM_MARKER"
} &
rc=0
stamp "e2e test starts"
"$NODE" --test-reporter=spec "$FRACTAL_REPO/tmp/host-service-kernel-e2e/apps/host-service/kernel-e2e/main.js" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "--- dockerd log (last 30 lines)"
  tail -n 30 /run/dockerd.log
fi
exit "$rc"
