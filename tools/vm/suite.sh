# Sourced (bash) by the runners of the tests that need a real kernel, libs/uinput/kernel-test/run.sh
# and apps/host-service/kernel-e2e/run.sh: what each does around its own guest script.
#   vm_suite_begin <name>              cd to the repository root ($repo); exit 0 with "<name>
#                                      SKIPPED" only when QEMU cannot be installed here
#   vm_suite_compile <tsconfig> <tag>  compile the tests on the host (JS runs ~20x slower in the
#                                      guest, TypeScript tooling far more); a fresh $work dir
#   vm_suite_run <name> <timeout-s>    boot the VM on $work/guest.sh (tools/vm/run.sh), remove $work
#                                      if it passed, and exit with the guest script's exit code

vm_suite_begin() {
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo"
  local rc=0
  tools/vm/ensure-qemu.sh || rc=$?
  if [ "$rc" -eq 3 ]; then
    echo "$1 SKIPPED: QEMU cannot be installed here, so there is no real kernel to test on"
    exit 0
  fi
  [ "$rc" -eq 0 ] || exit "$rc"
}

vm_suite_compile() {
  npx tsc -p "$1"
  mkdir -p tmp
  work=$(mktemp -d "$repo/tmp/$2.XXXXXX")
}

vm_suite_run() {
  local rc=0
  tools/vm/run.sh "$work" "$work/guest.sh" "$2" || rc=$?
  if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "$1 FAILED ($rc); console log: $work/serial.log" >&2; fi
  exit "$rc"
}
