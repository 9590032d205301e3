/**
 * Flags every way of starting the daemon passes to `node`: the release launcher
 * (`bin/host-service`), `tools/run-localdev.sh` and the e2e tests (node-flags.spec.ts checks the two
 * scripts). They are V8 heap settings, which only the command line sets (`NODE_OPTIONS` refuses
 * them, and `v8.setFlagsFromString` after start-up takes only partly).
 *
 * `--external-memory-accounted-in-global-limit`: a restore streams the whole archive through
 * socket Buffers, i.e. memory outside V8's heap. By default every 64 MB of it that comes and goes
 * starts a full mark-compact of the daemon's heap: ~40 per 250 MB restore, which measured as the
 * largest cost of the restore. With the flag that memory counts toward the heap's global limit
 * instead, and the young-generation collections that free those Buffers anyway suffice
 * (apps/host-service/bench/README.md has the figures, with and without).
 *
 * `--initial-heap-size=128`: with the flag above, the Buffers of a restore that outlive a
 * young-generation collection (decoded blocks waiting for their file writes) count toward the
 * global limit, and that limit, computed from a daemon heap of ~30 MB, is soon reached: ~10 full
 * mark-compacts per 250 MB restore, their marking on the core the download needs. Starting the
 * limits at 128 MB leaves those Buffers to the young-generation collections: 0-1 mark-compacts
 * per restore, restore after restore (`--trace-gc`), and the restore ~25 % faster. 192 and
 * 256 were no faster and let peak RSS grow by up to +200 / +280 MB over a 250 MB restore; 128 kept
 * it at +175 MB. Nothing is reserved: the heap grows only as it is used (idle RSS unchanged).
 */
export const NODE_FLAGS: readonly string[] = [
  '--external-memory-accounted-in-global-limit',
  '--initial-heap-size=128',
];

/** The NODE_FLAGS this process was started without. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
