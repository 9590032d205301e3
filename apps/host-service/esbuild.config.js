// Build-time facts for `--version`: the app's version and the git commit it was built from.
// FRACTAL_GIT_COMMIT overrides git (e.g. a build from a source tarball).
//
// What stays out of the bundle is the build target's `external` list in project.json: koffi (a
// native addon, loaded from its per-platform package), pino, pino-pretty and thread-stream (pino
// starts worker threads from files it resolves on disk), @sentry/node (hooks module loading, and
// its OpenTelemetry tree is not bundle-safe), ssh2 and cpu-features (docker-modem's optional ssh
// transport and its native helpers). The release tarball (tools/release/package.sh) ships exactly
// the externals the bundle still require()s, found by scanning it, with their dependencies.
const { execFileSync } = require('node:child_process');
const { version } = require('./package.json');

function gitCommit() {
  if (process.env.FRACTAL_GIT_COMMIT) return process.env.FRACTAL_GIT_COMMIT;
  try {
    const cwd = __dirname;
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return dirty === '' ? sha : `${sha}-dirty`;
  } catch {
    return 'unknown';
  }
}

module.exports = {
  outExtension: { '.js': '.js' },
  logLevel: 'warning',
  define: {
    FRACTAL_BUILD_VERSION: JSON.stringify(version),
    FRACTAL_BUILD_COMMIT: JSON.stringify(gitCommit()),
  },
};
