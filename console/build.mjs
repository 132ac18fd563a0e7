/** Bundle the console into dist/: index.html, assets/console.{js,css}, lazy chunks, fonts.
 * Prints each file's size and the total, raw and gzipped. */

import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const root = new URL('.', import.meta.url).pathname;
const dist = join(root, 'dist');
const assets = join(dist, 'assets');

rmSync(dist, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

await build({
  entryPoints: { console: join(root, 'src/main.js') },
  outdir: assets,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  // The replay player is the largest part: it loads only when a replay opens.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.woff2': 'file', '.woff': 'file' },
  target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/index.html'), join(dist, 'index.html'));
// The bundled font travels with its licence (SIL Open Font License 1.1).
copyFileSync(
  join(root, 'node_modules/@fontsource/atkinson-hyperlegible/LICENSE'),
  join(assets, 'atkinson-hyperlegible.LICENSE.txt'),
);

let total = 0;
let totalGzip = 0;
for (const name of readdirSync(assets).sort()) {
  const bytes = statSync(join(assets, name)).size;
  const gzipBytes = /\.(js|css|txt)$/.test(name)
    ? gzipSync(readFileSync(join(assets, name)), { level: 9 }).length
    : bytes;
  total += bytes;
  totalGzip += gzipBytes;
  console.log(`dist/assets/${name}: ${bytes} bytes, ${gzipBytes} gzipped`);
}
console.log(
  `dist total: ${total} bytes, ${totalGzip} bytes gzipped (fonts are already compressed)`,
);
