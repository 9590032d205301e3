// ts-node ignores tsconfig `paths`, and the workspace packages point at built .js files: benches
// run with `-r ./tools/testing/register.js`, which sends `@fractal/<lib>` and its subpaths
// (`/testing`, `/s3`, ...) to the libs' TypeScript sources and `@tools/testing` to these helpers.
const Module = require('node:module');
const path = require('node:path');
const root = path.join(__dirname, '../..');
const original = Module._resolveFilename;
Module._resolveFilename = function resolve(request, ...rest) {
  const m = /^@fractal\/([a-z0-9-]+)(?:\/([a-z0-9-]+))?$/.exec(request);
  if (m) request = path.join(root, 'libs', m[1], 'src', m[2] ? `${m[2]}.ts` : 'index.ts');
  else if (request === '@tools/testing') request = path.join(root, 'tools/testing/src/index.ts');
  return original.call(this, request, ...rest);
};
