// Build-time facts for `--version`: the app's version and the git commit it was built from.
// FRACTAL_GIT_COMMIT overrides git (e.g. a build from a source tarball).
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
