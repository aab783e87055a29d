// What every browser test file shares: Debian's Chromium launched headless, and the axe-core
// check of a page state (with its screenshot) that fails on serious or critical violations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Chromium (RATHAUS_CHROMIUM, default /usr/bin/chromium), headless; playwright-core gives every
 * launch a fresh temporary --user-data-dir of its own. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.RATHAUS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A checkPage(page, name) that runs axe-core in the page (evaluate is not subject to the page's
 * CSP), records the result in `report`, saves a full-page screenshot as <artifacts>/<name>.png
 * and fails on serious or critical violations. */
export function axeChecker(report, artifacts) {
  return async function checkPage(page, name) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
    const counts = {};
    for (const v of result.violations) counts[v.impact] = (counts[v.impact] ?? 0) + 1;
    report.push({ page: name, counts, ids: result.violations.map((v) => `${v.id}(${v.impact})`), violations: result.violations });
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `axe on ${name}`);
  };
}
