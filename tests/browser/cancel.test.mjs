// The one-click cancel of an e-mail's link (/termin/absagen#code=…&token=…) in a real browser
// against the real gateway + appointments service. Opening the page never cancels (mail scanners
// open links): the booking is still "booked" after the page loaded, and only the button sends
// the DELETE. With the booking's own token the page shows the date and office; with a
// cancel-only token (minted here with the run's booking-token key, as GetBookingNotice mints it)
// it shows only the booking number and never asks GET /api/v1/bookings/{code}, which refuses
// that token. A wrong token says the link is invalid or expired, a link without its fragment
// that it is incomplete, a second cancel that it is cancelled already; German and English;
// axe-core (same setup as booking.test.mjs) on every page state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { axeChecker, launchChromium } from './lib.mjs';

const BASE = process.env.RATHAUS_E2E_BASE_URL;
if (!BASE) throw new Error('RATHAUS_E2E_BASE_URL is not set (tests/browser/run.sh sets it)');
const ARTIFACTS = process.env.RATHAUS_E2E_ARTIFACTS ?? 'artifacts';
const KEY_FILE = process.env.RATHAUS_E2E_BOOKING_TOKEN_KEY_FILE;
const OFFICE = 'kiel-mitte';
const SERVICE = 'personalausweis-beantragen';
mkdirSync(ARTIFACTS, { recursive: true });
const axeReport = [];

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  writeFileSync(join(ARTIFACTS, 'axe-results-cancel.json'), JSON.stringify(axeReport, null, 2));
  console.log('axe results (violations by impact, per page):');
  for (const r of axeReport) console.log(`  ${r.page.padEnd(28)} ${JSON.stringify(r.counts)} ${r.ids.join(' ')}`);
});

/** A page that fails on CSP violations, page errors and requests to other origins; `calls`
 * lists the page's requests to the bookings API ("GET /api/v1/bookings/K7M3Q9XP"). */
async function newPage(t, { width = 1024, height = 900, ...opts } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'de-DE', reducedMotion: 'reduce', ...opts });
  const page = await context.newPage();
  const problems = [];
  const calls = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(BASE) && !url.startsWith('blob:') && !url.startsWith('data:')) problems.push(`third-party request: ${url}`);
    const path = new URL(url).pathname;
    if (path.startsWith('/api/v1/bookings/')) calls.push(`${r.method()} ${path}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no CSP violations, page errors or third-party requests');
  });
  return { page, calls };
}

const checkPage = axeChecker(axeReport, ARTIFACTS);

async function api(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (body) headers['Content-Type'] = 'application/json';
  if (token) headers['X-Booking-Token'] = token;
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}
async function statusOf(booking) {
  const res = await api('GET', `/api/v1/bookings/${booking.code}`, null, booking.token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.status;
}

/** A civil date in Kiel `days` from today, "YYYY-MM-DD". */
function dayInKiel(days) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

let emailCounter = 0;
/** Books the last free time of the next four weeks over HTTP; returns { code, token, start }. */
async function book() {
  const res = await api('GET', `/api/v1/availability?office=${OFFICE}&service=${SERVICE}&quantity=1&to=${dayInKiel(28)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const slot = (res.body.slots ?? []).filter((s) => (s.free ?? 0) > 0).at(-1);
  assert.ok(slot, 'a free time in the next four weeks');
  const booked = await api('POST', '/api/v1/bookings', {
    office: OFFICE, services: [{ id: SERVICE, quantity: 1 }], start: slot.start,
    name: 'Erika Mustermann', email: `absage.${Date.now()}.${++emailCounter}@example.org`,
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  assert.ok(booked.body.token, 'the booking answer carries the token');
  assert.equal(booked.body.status, 'booked');
  return { code: booked.body.code, token: booked.body.token, start: booked.body.start };
}

const cancelUrl = (code, token) => `${BASE}/termin/absagen#code=${encodeURIComponent(code)}&token=${encodeURIComponent(token)}`;

test('with the booking token: the page shows the booking and does not cancel; the button does', async (t) => {
  const booking = await book();
  const { page, calls } = await newPage(t);
  await page.goto(cancelUrl(booking.code, booking.token));
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  await page.getByRole('heading', { level: 1, name: 'Termin absagen' }).waitFor();
  await page.locator('#booking-status').getByText('gebucht').waitFor();
  assert.equal((await page.locator('#booking-code').textContent()).trim(), booking.code);
  assert.notEqual((await page.locator('#booking-when').textContent()).trim(), '', 'the date is shown');
  const button = page.getByRole('button', { name: 'Termin absagen' });
  await button.waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await statusOf(booking), 'booked', 'opening the link does not cancel');
  assert.deepEqual(calls.filter((c) => !c.startsWith('GET ')), [], 'no DELETE before the click');
  await checkPage(page, '40-cancel-confirm');

  await button.click();
  const outcome = page.locator('#cancel-outcome[data-outcome="cancelled"]');
  await outcome.waitFor();
  assert.match(await outcome.textContent(), /Ihr Termin ist abgesagt/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel-outcome', 'focus on the result');
  await page.waitForFunction(() => document.getElementById('live-polite')?.textContent === 'Ihr Termin ist abgesagt');
  assert.equal(await outcome.getByRole('link', { name: 'Neuen Termin buchen' }).getAttribute('href'), '/');
  await page.locator('#booking-status').getByText('abgesagt').waitFor();
  assert.equal(await page.locator('#cancel-yes').count(), 0, 'no button after the cancel');
  await checkPage(page, '41-cancel-done');
  assert.equal(await statusOf(booking), 'cancelled');
  assert.deepEqual(calls.filter((c) => c.startsWith('DELETE ')), [`DELETE /api/v1/bookings/${booking.code}`]);

  // The link opened again: cancelled already, no button.
  await page.reload();
  await page.locator('#cancel-outcome[data-outcome="already"]').getByText('Dieser Termin ist bereits abgesagt').waitFor();
  assert.equal(await page.locator('#cancel-yes').count(), 0);
  await checkPage(page, '42-cancel-already');
});

test('a wrong token says the link is invalid or expired and cancels nothing', async (t) => {
  const booking = await book();
  const { page, calls } = await newPage(t);
  // A wrong booking token: the GET for the details answers 404, so there is no button.
  await page.goto(cancelUrl(booking.code, 'falsch'));
  const invalid = page.locator('#cancel-outcome[data-outcome="invalid"]');
  await invalid.getByText('Link ungültig oder abgelaufen').waitFor();
  assert.equal(await page.locator('#cancel-yes').count(), 0);
  await checkPage(page, '43-cancel-invalid');

  // A forged cancel-only token: only the code and the button (no GET); the DELETE answers 404.
  calls.length = 0;
  await page.goto(cancelUrl(booking.code, `c${Math.floor(Date.now() / 1000) + 86400}.${'A'.repeat(43)}`));
  await page.reload(); // a new fragment alone does not load the page again
  await page.getByRole('button', { name: 'Termin absagen' }).waitFor();
  assert.equal((await page.locator('#booking-code').textContent()).trim(), booking.code);
  assert.equal(await page.locator('#booking-when').count(), 0, 'no details for a cancel-only token');
  await page.getByRole('button', { name: 'Termin absagen' }).click();
  await invalid.waitFor();
  assert.match(await invalid.textContent(), /ungültig oder abgelaufen/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel-outcome');
  assert.deepEqual(calls, [`DELETE /api/v1/bookings/${booking.code}`], 'no GET with a cancel-only token');
  await checkPage(page, '44-cancel-invalid-after-click');
  assert.equal(await statusOf(booking), 'booked', 'nothing cancelled');

  // Without the fragment, or with half of it: the link is incomplete.
  for (const url of [`${BASE}/termin/absagen`, `${BASE}/termin/absagen#code=${booking.code}`]) {
    await page.goto(url);
    await page.reload();
    await page.locator('#cancel-incomplete').getByText('Dieser Link ist unvollständig').waitFor();
    assert.equal(await page.locator('#cancel-yes').count(), 0);
  }
  await checkPage(page, '45-cancel-incomplete');
});

test('a cancel-only token as in the e-mail cancels without showing the booking', {
  skip: KEY_FILE ? false : 'RATHAUS_E2E_BOOKING_TOKEN_KEY_FILE not set (tests/browser/run.sh sets it)',
}, async (t) => {
  const booking = await book();
  // As the service derives them (services/appointments/domain/secrets.cc): the booking token
  // proves the key is the service's; the cancel token holds its expiry, the appointment's start.
  const key = readFileSync(KEY_FILE);
  assert.equal(createHmac('sha256', key).update(booking.code).digest('base64url'), booking.token, 'the run\'s booking-token key');
  const expires = Math.floor(Date.parse(booking.start) / 1000);
  const cancelToken = `c${expires}.${createHmac('sha256', key).update(`cancel\n${booking.code}\n${expires}`).digest('base64url')}`;
  assert.equal((await api('GET', `/api/v1/bookings/${booking.code}`, null, cancelToken)).status, 404, 'the cancel-only token shows nothing');

  const { page, calls } = await newPage(t);
  await page.goto(cancelUrl(booking.code, cancelToken));
  const button = page.getByRole('button', { name: 'Termin absagen' });
  await button.waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal((await page.locator('#booking-code').textContent()).trim(), booking.code);
  assert.equal(await page.locator('#booking-when').count(), 0, 'no details');
  assert.deepEqual(calls, [], 'neither a GET nor a DELETE before the click');
  assert.equal(await statusOf(booking), 'booked');
  await checkPage(page, '46-cancel-token-confirm');

  await button.click();
  await page.locator('#cancel-outcome[data-outcome="cancelled"]').getByText('Ihr Termin ist abgesagt').waitFor();
  assert.equal(await statusOf(booking), 'cancelled');
  await checkPage(page, '47-cancel-token-done');

  // The same link again: the page cannot know the state until the click; the service says 409.
  await page.reload();
  await page.getByRole('button', { name: 'Termin absagen' }).click();
  await page.locator('#cancel-outcome[data-outcome="already"]').getByText('Dieser Termin ist bereits abgesagt').waitFor();
  assert.equal(await page.locator('#cancel-yes').count(), 0);
});

test('English through the language switch, and the result kept over a switch back', async (t) => {
  const booking = await book();
  const { page } = await newPage(t);
  await page.goto(cancelUrl(booking.code, booking.token));
  await page.getByRole('heading', { level: 1, name: 'Termin absagen' }).waitFor();
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cancel your appointment' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(page.url(), /#code=.+&token=/, 'the fragment stays over the switch');
  await page.locator('#booking-status').getByText('booked').waitFor();
  await checkPage(page, '48-cancel-confirm-en');
  assert.equal(await statusOf(booking), 'booked');

  await page.getByRole('button', { name: 'Cancel appointment' }).click();
  const outcome = page.locator('#cancel-outcome[data-outcome="cancelled"]');
  await outcome.getByText('Your appointment is cancelled').waitFor();
  assert.equal(await outcome.getByRole('link', { name: 'Book a new appointment' }).getAttribute('href'), '/');
  await checkPage(page, '49-cancel-done-en');
  assert.equal(await statusOf(booking), 'cancelled');

  await page.getByRole('link', { name: 'Deutsch' }).click();
  await page.getByRole('heading', { level: 1, name: 'Termin absagen' }).waitFor();
  await page.locator('#cancel-outcome[data-outcome="cancelled"]').getByText('Ihr Termin ist abgesagt').waitFor();
});
