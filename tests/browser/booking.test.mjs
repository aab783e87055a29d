// The citizen pages in a real browser (Debian's chromium through playwright-core) against the
// real gateway + appointments service: book, open the manage link, reschedule (and a failed
// reschedule that keeps the old time), cancel, see availability change, a hold that expires
// while the form is open; axe-core on every page (no serious or critical violations); a
// screenshot of every page in $RATHAUS_E2E_ARTIFACTS; the 320 px layout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { axeChecker, launchChromium } from './lib.mjs';

const BASE = process.env.RATHAUS_E2E_BASE_URL;
if (!BASE) throw new Error('RATHAUS_E2E_BASE_URL is not set (tests/browser/run.sh sets it)');
const ARTIFACTS = process.env.RATHAUS_E2E_ARTIFACTS ?? 'artifacts';
const HOLD_SECONDS = Number(process.env.RATHAUS_E2E_HOLD_SECONDS ?? '15');
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
  writeFileSync(join(ARTIFACTS, 'axe-results.json'), JSON.stringify(axeReport, null, 2));
  console.log('axe results (violations by impact, per page):');
  for (const r of axeReport) console.log(`  ${r.page.padEnd(28)} ${JSON.stringify(r.counts)} ${r.ids.join(' ')}`);
});

/** A page that fails on CSP violations, page errors and requests to other origins. */
async function newPage(t, { width = 1024, height = 900, ...opts } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, locale: 'de-DE', reducedMotion: 'reduce', ...opts });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(BASE) && !url.startsWith('blob:') && !url.startsWith('data:')) problems.push(`third-party request: ${url}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no CSP violations, page errors or third-party requests');
  });
  return page;
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
async function freeAt(start) {
  const day = start.slice(0, 10);
  const res = await api('GET', `/api/v1/availability?office=${OFFICE}&service=${SERVICE}&quantity=1&from=${day}&to=${day}`);
  assert.equal(res.status, 200);
  return res.body.slots?.find((s) => s.start === start)?.free ?? 0;
}
let emailCounter = 0;
const email = () => `buerger.${Date.now()}.${++emailCounter}@example.org`;

/** Start page -> calendar for the test office and service; returns the calendar page. */
async function chooseService(page) {
  await page.goto(`${BASE}/`);
  await page.getByLabel('Bürgerbüro', { exact: true }).selectOption(OFFICE);
  await page.locator(`#svc-${SERVICE}`).check();
  await page.getByRole('button', { name: 'Freie Termine anzeigen' }).click();
  await page.waitForURL(/\/termin\?/);
  await page.locator('button.slot').first().waitFor();
}

/** Clicks the n-th free time on the calendar; returns its start. */
async function pickSlot(page, n = 0) {
  const button = page.locator('button.slot').nth(n);
  const start = await button.getAttribute('data-start');
  await button.click();
  return start;
}

test('start page: German first, English switch, catalog, what to bring, validation', async (t) => {
  const page = await newPage(t);
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  await page.getByRole('heading', { level: 1, name: 'Termin im Bürgerbüro buchen' }).waitFor();
  await checkPage(page, '01-start');
  // Submitting nothing shows an error summary tied to the fields.
  await page.getByRole('button', { name: 'Freie Termine anzeigen' }).click();
  await page.locator('#error-summary').waitFor();
  assert.equal(await page.locator('#office').getAttribute('aria-invalid'), 'true');
  await checkPage(page, '01-start-errors');
  await page.getByLabel('Bürgerbüro', { exact: true }).selectOption(OFFICE);
  await page.locator(`#svc-${SERVICE}`).check();
  await page.getByText('Bitte mitbringen:').first().waitFor();
  await checkPage(page, '01-start-chosen');
  // English and back.
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: /Book an appointment/ }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await checkPage(page, '01-start-en');
  await page.getByRole('link', { name: 'Deutsch' }).click();
  await page.getByRole('heading', { level: 1, name: 'Termin im Bürgerbüro buchen' }).waitFor();
});

let booked; // { code, token, start, manageUrl }

test('book through the pages: calendar, hold countdown, form, confirmation, .ics', async (t) => {
  const page = await newPage(t);
  await chooseService(page);
  await checkPage(page, '02-calendar');
  assert.match(await page.locator('.slot__free').first().textContent(), /noch \d+ Termin/);
  // Keyboard: arrow keys move between the times of a day.
  await page.locator('button.slot').first().focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('tabindex')), '0');
  // Next week and back.
  await page.getByRole('button', { name: 'Nächste Woche' }).click();
  await page.getByRole('button', { name: 'Vorherige Woche' }).click();
  await page.locator('button.slot').first().waitFor();

  const start = await page.locator('button.slot').first().getAttribute('data-start');
  const freeBefore = await freeAt(start);
  await pickSlot(page, 0);
  await page.waitForURL(/\/angaben$/);
  await page.locator('#countdown').waitFor();
  assert.match(await page.locator('#countdown').textContent(), /^\d+:\d\d$/);
  await checkPage(page, '03-form');
  assert.equal(await freeAt(start), freeBefore - 1, 'the hold takes one place');
  // Client-side validation tied to the fields.
  await page.getByLabel('E-Mail-Adresse').fill('kein-at-zeichen');
  await page.getByRole('button', { name: 'Termin verbindlich buchen' }).click();
  await page.locator('#error-summary').waitFor();
  assert.equal(await page.locator('#email').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#email').getAttribute('aria-describedby'), /email-error/);
  await page.getByLabel('Vor- und Nachname').fill('Erika Mustermann');
  await page.getByLabel('E-Mail-Adresse').fill(email());
  await page.getByRole('button', { name: 'Termin verbindlich buchen' }).click();
  await page.waitForURL(/\/bestaetigung$/);
  await page.getByRole('heading', { level: 1, name: 'Ihr Termin ist gebucht' }).waitFor();
  await checkPage(page, '04-confirmation');
  const code = (await page.locator('#booking-code').textContent()).trim();
  assert.match(code, /^[A-Z0-9]{8}$/);
  const manageUrl = await page.locator('#manage-link').getAttribute('href');
  assert.match(manageUrl, /\/verwalten#code=[A-Z0-9]{8}&token=[^&]+$/, 'the token is in the fragment only');
  const token = decodeURIComponent(new URL(manageUrl).hash.split('token=')[1]);
  assert.equal(await freeAt(start), freeBefore - 1, 'the booking keeps the place');
  // Add to calendar.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#ics').click()]);
  const ics = readFileSync(await download.path(), 'utf8');
  assert.match(ics, /BEGIN:VCALENDAR/);
  assert.match(ics, /BEGIN:VEVENT/);
  booked = { code, token, start, manageUrl };
});

test('manage link: view, reschedule, availability moves with it', async (t) => {
  assert.ok(booked, 'needs the booking of the previous test');
  const page = await newPage(t);
  await page.goto(booked.manageUrl);
  await page.getByRole('heading', { level: 1, name: 'Ihr Termin' }).waitFor();
  await page.locator('#booking-status').getByText('gebucht').waitFor();
  assert.equal((await page.locator('#booking-code').textContent()).trim(), booked.code);
  await checkPage(page, '05-manage');

  const oldFreeBefore = await freeAt(booked.start);
  await page.getByRole('button', { name: 'Termin verschieben' }).click();
  await page.locator('button.slot').first().waitFor();
  await checkPage(page, '06-reschedule-picker');
  const target = await page.locator('button.slot').nth(2).getAttribute('data-start');
  assert.notEqual(target, booked.start);
  const newFreeBefore = await freeAt(target);
  await page.locator('button.slot').nth(2).click();
  await page.locator('#reschedule-question').waitFor();
  await checkPage(page, '07-reschedule-confirm');
  await page.getByRole('button', { name: 'Ja, verschieben' }).click();
  await page.getByText('Ihr Termin wurde verschoben').waitFor();
  await checkPage(page, '08-rescheduled');
  assert.equal(await freeAt(booked.start), oldFreeBefore + 1, 'the old time is free again');
  assert.equal(await freeAt(target), newFreeBefore - 1, 'the new time is taken');
  const after = await api('GET', `/api/v1/bookings/${booked.code}`, null, booked.token);
  assert.equal(after.body.start, target);
  booked.start = target;
});

test('a reschedule into a time that was just taken keeps the old booking', async (t) => {
  const page = await newPage(t);
  await page.goto(booked.manageUrl);
  await page.getByRole('button', { name: 'Termin verschieben' }).click();
  await page.locator('button.slot').first().waitFor();
  const button = page.locator('button.slot').nth(4);
  const target = await button.getAttribute('data-start');
  await button.click();
  await page.locator('#reschedule-question').waitFor();
  // Meanwhile other citizens take every remaining place at that time.
  for (let free = await freeAt(target); free > 0; free--) {
    const res = await api('POST', '/api/v1/bookings', {
      office: OFFICE, services: [{ id: SERVICE, quantity: 1 }], start: target, name: 'Max Muster', email: email(),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  await page.getByRole('button', { name: 'Ja, verschieben' }).click();
  await page.locator('#kept-message').waitFor();
  assert.match(await page.locator('[data-error-status="409"]').textContent(), /nicht mehr frei|vergeben/);
  await checkPage(page, '09-reschedule-failed');
  const still = await api('GET', `/api/v1/bookings/${booked.code}`, null, booked.token);
  assert.equal(still.body.start, booked.start, 'unchanged');
  assert.equal(still.body.status, 'booked');
});

test('cancel with a confirmation step frees the place', async (t) => {
  const page = await newPage(t);
  await page.goto(booked.manageUrl);
  await page.getByRole('button', { name: 'Termin absagen' }).click();
  await page.locator('#cancel-question').waitFor();
  await checkPage(page, '10-cancel-confirm');
  // "No" keeps it.
  await page.getByRole('button', { name: 'Nein, Termin behalten' }).click();
  assert.equal((await api('GET', `/api/v1/bookings/${booked.code}`, null, booked.token)).body.status, 'booked');
  const freeBefore = await freeAt(booked.start);
  await page.getByRole('button', { name: 'Termin absagen' }).click();
  await page.getByRole('button', { name: 'Ja, Termin absagen' }).click();
  await page.getByText('Ihr Termin wurde abgesagt').waitFor();
  await page.locator('#booking-status').getByText('abgesagt').waitFor();
  await checkPage(page, '11-cancelled');
  assert.equal(await freeAt(booked.start), freeBefore + 1, 'the place is free again');
  assert.equal((await api('GET', `/api/v1/bookings/${booked.code}`, null, booked.token)).body.status, 'cancelled');
});

test('a wrong manage link shows a clear message', async (t) => {
  const page = await newPage(t);
  await page.goto(`${BASE}/verwalten#code=AAAAAAAA&token=falsch`);
  await page.locator('[data-error-status="404"]').waitFor();
  await checkPage(page, '12-manage-not-found');
  await page.goto(`${BASE}/verwalten`);
  await page.getByText('Dieser Link ist unvollständig').waitFor();
});

test('a hold that expires while the form is open says so and frees the time', async (t) => {
  const page = await newPage(t);
  await chooseService(page);
  const start = await pickSlot(page, 1);
  await page.waitForURL(/\/angaben$/);
  await page.getByLabel('Vor- und Nachname').fill('Erika Mustermann');
  const freeHeld = await freeAt(start);
  await page.locator('#expired-message').waitFor({ timeout: (HOLD_SECONDS + 10) * 1000 });
  assert.match(await page.locator('#expired-message').textContent(), /Reservierung ist abgelaufen/);
  assert.equal(await page.getByRole('button', { name: 'Termin verbindlich buchen' }).isDisabled(), true);
  await checkPage(page, '13-hold-expired');
  // The service released the capacity at expiry.
  for (let i = 0; i < 20 && (await freeAt(start)) === freeHeld; i++) await new Promise((r) => setTimeout(r, 250));
  assert.equal(await freeAt(start), freeHeld + 1);
  await page.getByRole('link', { name: 'Neuen Termin wählen' }).click();
  await page.locator('button.slot').first().waitFor();
});

test('320 px wide: no horizontal scrolling on start, calendar and form', async (t) => {
  const page = await newPage(t, { width: 320, height: 640, isMobile: true, hasTouch: true });
  const noOverflow = async (name) => {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${name}: page is ${scroll}px wide in a ${client}px viewport`);
    await page.screenshot({ path: join(ARTIFACTS, `320-${name}.png`), fullPage: true });
  };
  await page.goto(`${BASE}/`);
  await page.getByLabel('Bürgerbüro', { exact: true }).selectOption(OFFICE);
  await page.locator(`#svc-${SERVICE}`).check();
  await noOverflow('start');
  await page.getByRole('button', { name: 'Freie Termine anzeigen' }).click();
  await page.locator('button.slot').first().waitFor();
  await noOverflow('calendar');
  await checkPage(page, '320-calendar-axe');
  await pickSlot(page, 3);
  await page.waitForURL(/\/angaben$/);
  await noOverflow('form');
  await page.getByRole('button', { name: 'Reservierung aufheben' }).click();
  await page.waitForURL(/\/termin\?/);
});
