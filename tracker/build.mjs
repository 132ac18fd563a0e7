/** Bundle src/index.js into one minified IIFE, dist/stuckpoint.js, and print its sizes. */

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const outfile = new URL('./dist/stuckpoint.js', import.meta.url).pathname;

await build({
  entryPoints: [new URL('./src/index.js', import.meta.url).pathname],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  // Browsers with <dialog>, optional chaining and TextEncoder; rrweb needs as much.
  target: ['es2020', 'chrome90', 'firefox98', 'safari15.4'],
  legalComments: 'eof',
  logLevel: 'warning',
});

const code = readFileSync(outfile);
const gzipBytes = gzipSync(code, { level: 9 }).length;
console.log(`dist/stuckpoint.js: ${code.length} bytes, ${gzipBytes} bytes gzipped`);
