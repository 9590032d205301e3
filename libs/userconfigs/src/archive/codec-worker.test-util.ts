import { buildSync } from 'esbuild';
import { join } from 'node:path';

/**
 * Bundles config-codec-worker.ts into `dir` the way the daemon's esbuild build ships it, so specs
 * running the TypeScript sources can exercise the worker path too.
 */
export function buildCodecWorker(dir: string): string {
  buildSync({
    entryPoints: [join(__dirname, 'config-codec-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outdir: dir,
    logLevel: 'warning',
  });
  return join(dir, 'config-codec-worker.js');
}
