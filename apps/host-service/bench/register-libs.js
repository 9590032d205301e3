// ts-node ignores tsconfig `paths`, and the workspace packages point at built .js files: send
// `@fractal/<lib>` and `@fractal/<lib>/testing` to the libs' TypeScript sources for the benches.
const Module = require('node:module');
const path = require('node:path');
const libs = path.join(__dirname, '../../../libs');
const original = Module._resolveFilename;
Module._resolveFilename = function resolve(request, ...rest) {
  const m = /^@fractal\/([a-z-]+)(?:\/(testing|s3))?$/.exec(request);
  if (m) request = path.join(libs, m[1], 'src', m[2] ? `${m[2]}.ts` : 'index.ts');
  return original.call(this, request, ...rest);
};
