/** Replaced at build time by apps/host-service/esbuild.config.js (`define`). */
declare const FRACTAL_BUILD_VERSION: string | undefined;
declare const FRACTAL_BUILD_COMMIT: string | undefined;

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
}

/** Unbundled runs (ts-node, jest) have no defines; they report a dev build. */
export function buildInfo(): BuildInfo {
  return {
    version: typeof FRACTAL_BUILD_VERSION === 'string' ? FRACTAL_BUILD_VERSION : '0.0.0-dev',
    commit: typeof FRACTAL_BUILD_COMMIT === 'string' ? FRACTAL_BUILD_COMMIT : 'unknown',
  };
}
