// After `vite build`: writes a .gz beside every text asset (the gateway's static module serves it
// to clients that accept gzip) and prints the start page's own JS + CSS sizes, raw and gzip,
// against the budget of 100 KiB compressed (fonts aside). Exits 1 when over budget.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const BUDGET = 100 * 1024;
const compressible = /\.(html|js|css|svg|json|txt|webmanifest)$/;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

for (const file of walk(dist)) {
  if (!compressible.test(file)) continue;
  const gz = gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${file}.gz`, gz);
}

// The start page loads exactly what index.html references (one JS entry, one CSS file).
const html = readFileSync(join(dist, 'index.html'), 'utf8');
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /<style/i.test(html) || /\son[a-z]+=/i.test(html)) {
  console.error('web: index.html has inline script or style, which the CSP forbids');
  process.exit(1);
}
const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let raw = 0;
let gzip = 0;
console.log('web: start page assets (raw / gzip):');
for (const ref of refs) {
  const file = join(dist, ref);
  const r = statSync(file).size;
  const g = statSync(`${file}.gz`).size;
  raw += r;
  gzip += g;
  console.log(`  ${relative(dist, file).padEnd(40)} ${(r / 1024).toFixed(1).padStart(7)} KiB ${(g / 1024).toFixed(1).padStart(6)} KiB`);
}
const fonts = walk(join(dist, 'assets')).filter((f) => /\.woff2?$/.test(f));
const fontBytes = fonts.reduce((n, f) => n + statSync(f).size, 0);
console.log(`  ${'total JS + CSS'.padEnd(40)} ${(raw / 1024).toFixed(1).padStart(7)} KiB ${(gzip / 1024).toFixed(1).padStart(6)} KiB (budget ${BUDGET / 1024} KiB gzip)`);
console.log(`  fonts: ${fonts.length} files, ${(fontBytes / 1024).toFixed(1)} KiB (not in the budget)`);
if (gzip > BUDGET) {
  console.error(`web: start page JS + CSS is ${(gzip / 1024).toFixed(1)} KiB gzip, over the ${BUDGET / 1024} KiB budget`);
  process.exit(1);
}
