// Dev aid only (not a test): serves gateway/web/dist the way gateway/static does (CSP, hashed
// asset caching, SPA fallback) and forwards /api, /healthz and /readyz to a running gateway.
// For working on the pages before the gateway serves RATHAUS_WEB_ROOT itself.
//   node tests/browser/dev/proxy.mjs <port> <gateway base url> [web root]
import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const [port = '8081', upstream = 'http://127.0.0.1:8080', root = new URL('../../../gateway/web/dist', import.meta.url).pathname] = process.argv.slice(2);
const up = new URL(upstream);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path.startsWith('/api/') || path === '/healthz' || path === '/readyz') {
    const p = request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    p.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(p);
    return;
  }
  const clean = normalize(path);
  if (clean.includes('..')) { res.writeHead(404); res.end(); return; }
  let file = join(root, clean === '/' ? 'index.html' : clean);
  let body;
  try {
    body = await readFile(file);
  } catch {
    if (extname(clean) || clean.startsWith('/assets/')) { res.writeHead(404); res.end(); return; }
    file = join(root, 'index.html');
    body = await readFile(file);
  }
  res.writeHead(200, {
    'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}).listen(Number(port), '127.0.0.1', () => console.log(`dev proxy on http://127.0.0.1:${port} -> ${upstream}`));
