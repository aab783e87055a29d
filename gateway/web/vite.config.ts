import { defineConfig } from 'vite';

// Plain TypeScript + Vite: the pages are five small views over one JSON API, so a framework
// would cost more bytes than it saves code. Vite gives hashed asset names, CSS bundling with
// the KERN fonts copied from the npm package, and a dev server that proxies /api to a gateway
// (RATHAUS_DEV_API, default http://127.0.0.1:8080) or to tests/browser/dev/mock-server.mjs.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0, // no data: URIs for fonts; everything a file under /assets/
    modulePreload: { polyfill: false }, // no inline or extra script
    cssCodeSplit: false,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': process.env.RATHAUS_DEV_API ?? 'http://127.0.0.1:8080',
      '/auth': process.env.RATHAUS_DEV_API ?? 'http://127.0.0.1:8080', // the sign-in (BFF)
    },
  },
});
