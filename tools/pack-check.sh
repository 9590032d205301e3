#!/usr/bin/env bash
# Packs every built library with `npm pack` and installs the tarballs into a throwaway Node
# project, then imports each main and ./testing entry from there — the way another Fractal service
# would consume them. Expects `nx run-many -t build` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

libs=()
for dir in dist/libs/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  tarball=$(cd "$dir" && npm pack --silent --pack-destination "$work")
  libs+=("$name")
  tarballs+=("$work/$tarball")
done
[ ${#libs[@]} -gt 0 ] || { echo "pack-check: no built libraries in dist/libs" >&2; exit 1; }

cd "$work"
npm init -y >/dev/null
# The tarballs bring their own runtime dependencies; resolve them offline from the workspace's cache
# where possible so the check does not depend on the registry more than `npm ci` already did.
npm install --no-audit --no-fund --loglevel=error --prefer-offline "${tarballs[@]}" >/dev/null
for name in "${libs[@]}"; do
  node -e "
    const main = require('$name');
    // A consumer that only packs and unpacks must not load an SDK it did not ask for.
    const sdk = Object.keys(require.cache).filter((k) => k.includes('node_modules/@aws-sdk/'));
    if (sdk.length > 0) { console.error('$name loads @aws-sdk from its main entry'); process.exit(1); }
    const testing = require('$name/testing');
    const exported = Object.keys(main);
    if (exported.length === 0) { console.error('$name exports nothing'); process.exit(1); }
    if (!require('fs').existsSync(require.resolve('$name').replace(/\.js$/, '.d.ts'))) {
      console.error('$name has no type declarations'); process.exit(1);
    }
    console.log('pack-check: $name ok (' + exported.length + ' exports, testing: ' + Object.keys(testing).length + ')');
  "
done
