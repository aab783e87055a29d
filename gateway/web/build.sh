#!/usr/bin/env bash
# Builds the citizen pages into gateway/web/dist (hashed asset names, .gz siblings) with the
# machine's Node.js (>= 20.19, for Vite 7) and npm: `npm ci` from the committed lockfile, then
# `npm run build` (tsc --noEmit, vite build, scripts/postbuild.mjs printing the bundle sizes).
# Skips all of it when dist/ is newer than every source file (pass --force to rebuild).
#   gateway/web/build.sh [--force]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
log() { echo "web: $*" >&2; }

command -v node >/dev/null && command -v npm >/dev/null ||
  { log "node and npm are needed (Node.js >= 20.19 with npm)"; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  { log "Node.js $(node -v) is too old for Vite 7: need >= 20.19"; exit 1; }

stamp=node_modules/.rathaus-build-stamp
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ -f dist/index.html ] &&
   [ -z "$(find index.html package.json package-lock.json vite.config.ts tsconfig.json src public scripts -newer "$stamp" -print -quit)" ]; then
  log "dist is up to date"
  exit 0
fi
if ! cmp -s package-lock.json node_modules/.rathaus-lock 2>/dev/null; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json node_modules/.rathaus-lock
fi
npm run --silent build >&2
touch "$stamp"
