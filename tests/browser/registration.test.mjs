// Online registration of a move (/meldung, /meldung/status) in a real browser against the real
// gateway (OpenID Connect as a backend-for-frontend), Keycloak and the registrations service:
// the form asks to sign in, Keycloak's login brings the citizen back signed in; an Ummeldung
// through all steps (client checks next to the fields, the summary, "Ändern", the submit with
// CSRF token and Idempotency-Key); a clerk asks for information, the citizen answers on the
// status page, the clerk accepts and the Meldebestätigung downloads as a PDF whose code the
// public check confirms; a rejected case shows its reason and leads into /termin with the office
// and service preselected; a move date the service refuses (§17(1) BMG) comes back next to its
// field on its step; an optional e-mail address is checked by the page and the service, shown at
// its field, in the summary and sent; signing out ends the session. axe-core on every page state, German and
// English; no CSP violations, page errors or third-party requests (the provider's origin
// aside); the ID document serial, the birth date and the names never in a URL, in storage or in
// the console.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { axeChecker, launchChromium } from './lib.mjs';

const BASE = process.env.RATHAUS_E2E_BASE_URL;
if (!BASE) throw new Error('RATHAUS_E2E_BASE_URL is not set (tests/browser/run.sh sets it)');
const ARTIFACTS = process.env.RATHAUS_E2E_ARTIFACTS ?? 'artifacts';
const OIDC_URL = process.env.RATHAUS_E2E_OIDC_URL; // Keycloak's base; the realm is "rathaus"
const CLERK_TOKEN = process.env.RATHAUS_E2E_REGISTRATION_CLERK_TOKEN; // registration-clerk, kiel-mitte
const OIDC_ORIGIN = OIDC_URL ? new URL(OIDC_URL).origin : null;
const BASE_ORIGIN = new URL(BASE).origin;
/** On our pages (by origin: Keycloak runs on the same host, another port). */
const ours = (url) => URL.canParse(url) && new URL(url).origin === BASE_ORIGIN;
const OFFICE = 'kiel-mitte';
const OFFICE_NAME = 'Bürgerbüro Mitte';
const USER = 'erika';
const PASSWORD = 'dev-only-erika';
const BIRTH = '1990-05-17';
const SERIAL = 'T22000129'; // an ID card's serial number: personal, never in a URL or storage
const FAMILY = 'Mustermann';
mkdirSync(ARTIFACTS, { recursive: true });
const axeReport = [];
const skip = !OIDC_URL
  ? 'RATHAUS_E2E_OIDC_URL not set (run.sh sets it when it starts Keycloak and the registrations service)'
  : !CLERK_TOKEN
    ? 'RATHAUS_E2E_REGISTRATION_CLERK_TOKEN not set'
    : false;

/** Today in Kiel (the service's time zone), and the day after. */
const berlinDay = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(d);
const TODAY = berlinDay(new Date());
const TOMORROW = berlinDay(new Date(Date.now() + 24 * 3600 * 1000));
const NEXT_YEAR = `${Number(TODAY.slice(0, 4)) + 1}${TODAY.slice(4)}`;

/** The registration clerk's calls, from Node with the clerk's bearer token. */
async function clerk(method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${CLERK_TOKEN}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}
async function clerkStep(id, step, body = {}) {
  const res = await clerk('POST', `/api/v1/registrations/${id}/${step}`, body);
  assert.equal(res.status, 200, `${step}: ${JSON.stringify(res.body)}`);
  return res.body;
}

let browser;
let signedIn; // the browser state (cookies) after the sign-in of the first test
before(async () => {
  if (skip) return;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  if (skip) return;
  writeFileSync(join(ARTIFACTS, 'axe-results-registration.json'), JSON.stringify(axeReport, null, 2));
  console.log('axe results (violations by impact, per page):');
  for (const r of axeReport) console.log(`  ${r.page.padEnd(34)} ${JSON.stringify(r.counts)} ${r.ids.join(' ')}`);
});

/** A page that fails on CSP violations, page errors and requests to other origins than ours and
 * the provider's, and on the serial, birth date or family name in a URL, storage or the console. */
async function newPage(t, { width = 1024, height = 900, ...opts } = {}) {
  // Reduced motion: KERN's smooth scrolling would move a button between Playwright's mouse down
  // and up (a focus change scrolls), and the click would be lost.
  const context = await browser.newContext({
    viewport: { width, height }, acceptDownloads: true, locale: 'de-DE', reducedMotion: 'reduce', ...opts,
  });
  const page = await context.newPage();
  const problems = [];
  const secret = (text) => [SERIAL, BIRTH].some((s) => text.includes(s));
  page.on('console', (m) => {
    if (ours(page.url()) && m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    if (secret(m.text()) || m.text().includes(FAMILY)) problems.push(`personal data in the console: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (ours(page.url())) problems.push(`page error: ${e.message}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!ours(url) && !url.startsWith(`${OIDC_ORIGIN}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) {
      problems.push(`third-party request: ${url}`);
    }
    if (secret(decodeURIComponent(url))) problems.push(`serial or birth date in a URL: ${url}`);
  });
  page.on('framenavigated', (f) => {
    if (secret(decodeURIComponent(f.url()))) problems.push(`serial or birth date in the address: ${f.url()}`);
  });
  t.after(async () => {
    if (!page.isClosed() && ours(page.url())) {
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })).catch(() => '{}');
      if (secret(stored) || stored.includes(FAMILY)) problems.push(`personal data in storage: ${stored}`);
    }
    await context.close();
    assert.deepEqual(problems, [], 'no CSP violations, page errors, third-party requests or leaked personal data');
  });
  return page;
}

const checkPage = axeChecker(axeReport, ARTIFACTS);

/** The language switch there and back, with axe in English. */
async function inEnglish(page, name, heading) {
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await checkPage(page, `${name}-en`);
  await page.getByRole('link', { name: 'Deutsch' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'de');
}

/** A message tied to its field: shown, aria-invalid, and named in aria-describedby. */
async function assertFieldError(page, id, pattern) {
  const error = page.locator(`#${id}-error`);
  await error.waitFor();
  assert.match(await error.textContent(), pattern);
  assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator(`#${id}`).getAttribute('aria-describedby'), new RegExp(`\\b${id}-error\\b`));
}

const heading = (page, name) => page.getByRole('heading', { level: 1, name }).waitFor();
const next = (page) => page.locator('#next').click();

/** An Ummeldung in Kiel through the steps up to the summary (the page is on step 1). */
async function fillUmmeldung(page, { moveDate = TODAY, screenshots = false, familyName = FAMILY, email } = {}) {
  await heading(page, 'Was möchten Sie melden?');
  await page.getByLabel('Umzug innerhalb Kiels').check();
  await page.locator('#office').selectOption(OFFICE);
  await page.locator('#moveDate').fill(moveDate);
  if (email !== undefined) await page.locator('#email').fill(email);
  await next(page);
  await heading(page, 'Adressen');
  assert.equal(await page.locator('#newAddress-city').inputValue(), 'Kiel', 'the new address is in Kiel');
  await page.locator('#newAddress-street').fill('Andreas-Gayk-Straße 31');
  await page.locator('#newAddress-postalCode').fill('24103');
  await page.locator('#previousAddress-street').fill('Holtenauer Straße 12');
  await page.locator('#previousAddress-postalCode').fill('24105');
  if (screenshots) await checkPage(page, '33-step-adresse');
  await next(page);
  await heading(page, 'Wer zieht um?');
  await page.locator('#persons-0-familyName').fill(familyName);
  await page.locator('#persons-0-givenNames').fill('Erika');
  await page.locator('#persons-0-birthDate').fill(BIRTH);
  await page.locator('#persons-0-nationalities').selectOption('DE');
  assert.equal(await page.locator('#persons-0-dwelling').isChecked(), true, 'Hauptwohnung by default');
  await page.locator('#persons-0-idDocumentSerials').fill(SERIAL.toLowerCase());
  if (screenshots) await checkPage(page, '34-step-personen');
  await next(page);
  await heading(page, 'Bestätigung des Wohnungsgebers');
  await page.getByLabel(/Wohnungsgeberbestätigung auf Papier/).check();
  await page.locator('#landlord-name').fill('Kieler Wohnungsbau GmbH');
  await page.locator('#landlord-address-street').fill('Lorentzendamm 1');
  await page.locator('#landlord-address-postalCode').fill('24103');
  await page.locator('#landlord-address-city').fill('Kiel');
  assert.equal(await page.locator('#landlord-moveInDate').inputValue(), moveDate, 'the move-in date is taken over');
  if (screenshots) await checkPage(page, '35-step-wohnungsgeber');
  await next(page);
  await heading(page, 'Bitte prüfen Sie Ihre Angaben');
}

/** Sends the summary; returns the request's JSON and headers and the answer. */
async function submit(page) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/registrations'),
    page.locator('#submit-registration').click(),
  ]);
  return { response, sent: response.request().postDataJSON(), headers: await response.request().allHeaders() };
}

test('/meldung asks to sign in; the provider’s login brings the citizen back signed in', { skip }, async (t) => {
  const page = await newPage(t);
  await page.goto(`${BASE}/`);
  await page.getByRole('link', { name: 'Wohnsitz online an-, um- oder abmelden' }).click();
  await page.waitForURL(/\/meldung$/);
  await heading(page, 'Wohnsitz online an-, um- oder abmelden');
  await page.locator('#sign-in-box').getByRole('heading', { name: 'Bitte melden Sie sich an' }).waitFor();
  assert.match(await page.locator('#sign-in-box').textContent(), /Servicekonto.*Online-Ausweisfunktion \(eID\)/s);
  assert.equal(await page.locator('#sign-in').getAttribute('href'), '/auth/login?return=/meldung');
  await checkPage(page, '30-meldung-signed-out');
  await inEnglish(page, '30-meldung-signed-out', 'Register your residence online');

  await page.locator('#sign-in').click();
  await page.waitForURL((u) => u.href.startsWith(`${OIDC_ORIGIN}/`));
  assert.match(page.url(), /\/realms\/rathaus\//);
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await page.click('#kc-login');
  await page.waitForURL((u) => u.origin === BASE_ORIGIN && u.pathname === '/meldung');
  await page.locator('#signed-in').waitFor();
  await heading(page, 'Was möchten Sie melden?');
  assert.equal(await page.locator('#sign-out').isVisible(), true);
  const session = await page.evaluate(() => fetch('/auth/session', { credentials: 'same-origin' }).then((r) => r.json()));
  assert.equal(session.signedIn, true);
  assert.equal(session.role, 'citizen');
  // The session is an HttpOnly cookie: no script of the pages can read it (Keycloak's own
  // cookies share the host, 127.0.0.1, and are left out).
  const cookies = (await page.context().cookies(BASE)).filter((c) => !/^(KC_|KEYCLOAK_|AUTH_SESSION)/.test(c.name));
  assert.ok(cookies.length > 0, 'the gateway set a session cookie');
  for (const c of cookies) assert.equal(c.httpOnly, true, `${c.name} is HttpOnly`);
  signedIn = await page.context().storageState();
});

let accepted; // the id of the case the clerk accepts

test('an Ummeldung through the steps: checks next to the fields, summary, “Ändern”, submit', { skip }, async (t) => {
  assert.ok(signedIn, 'needs the sign-in of the first test');
  const page = await newPage(t, { storageState: signedIn });
  await page.goto(`${BASE}/meldung`);
  await heading(page, 'Was möchten Sie melden?');
  await checkPage(page, '31-step-art');
  // Nothing chosen: the summary at the top, each message next to its field.
  await next(page);
  await page.locator('#error-summary').waitFor();
  await assertFieldError(page, 'office', /Bürgerbüro/);
  await assertFieldError(page, 'moveDate', /gültiges Datum/);
  assert.match(await page.locator('#type-error').textContent(), /was Sie melden möchten/);
  assert.match(await page.locator('#type-group').getAttribute('aria-describedby'), /type-error/);
  await checkPage(page, '31-step-art-errors');
  // A later step cannot be opened before the earlier ones are complete.
  await page.goto(`${BASE}/meldung?schritt=zusammenfassung`);
  await heading(page, 'Was möchten Sie melden?');
  assert.match(page.url(), /schritt=art$/);

  await page.getByLabel('Umzug innerhalb Kiels').check();
  await page.locator('#office').selectOption(OFFICE);
  await page.locator('#moveDate').fill(TODAY);
  await checkPage(page, '32-step-art-filled');
  await inEnglish(page, '32-step-art', 'What would you like to register?');
  assert.equal(await page.locator('#moveDate').inputValue(), TODAY, 'the entries survive the language switch');
  await next(page);
  await heading(page, 'Adressen');
  await page.locator('#newAddress-street').fill('Andreas-Gayk-Straße 31');
  await page.locator('#newAddress-postalCode').fill('2410');
  await page.locator('#previousAddress-street').fill('Holtenauer Straße 12');
  await page.locator('#previousAddress-postalCode').fill('24105');
  await next(page);
  await assertFieldError(page, 'newAddress-postalCode', /fünfstellige Postleitzahl/);
  await page.locator('#newAddress-postalCode').fill('24103');
  await checkPage(page, '33-step-adresse');
  await next(page);

  await heading(page, 'Wer zieht um?');
  await page.locator('#persons-0-familyName').fill(FAMILY);
  await page.locator('#persons-0-givenNames').fill('Erika');
  await page.locator('#persons-0-birthDate').fill(NEXT_YEAR);
  await page.locator('#persons-0-nationalities').selectOption('DE');
  await page.locator('#persons-0-idDocumentSerials').fill(SERIAL.toLowerCase());
  await next(page);
  await assertFieldError(page, 'persons-0-birthDate', /nicht in der Zukunft/);
  await checkPage(page, '34-step-personen-errors');
  await page.locator('#persons-0-birthDate').fill(BIRTH);
  // A second person, then removed again.
  await page.locator('#add-person').click();
  await page.locator('#persons-1-heading').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'persons-1-familyName');
  assert.equal(await page.locator('#persons-0-familyName').inputValue(), FAMILY, 'person 1 is kept');
  await checkPage(page, '34-step-personen-two');
  await page.locator('#persons-1-remove').click();
  await page.locator('#persons-1-heading').waitFor({ state: 'detached' });
  await next(page);

  await heading(page, 'Bestätigung des Wohnungsgebers');
  await next(page);
  assert.match(await page.locator('#confirmation-error').textContent(), /wie die Bestätigung/);
  await page.getByLabel(/Wohnungsgeberbestätigung auf Papier/).check();
  await page.locator('#landlord-name').fill('Kieler Wohnungsbau GmbH');
  await page.locator('#landlord-address-street').fill('Lorentzendamm 1');
  await page.locator('#landlord-address-postalCode').fill('24103');
  await page.locator('#landlord-address-city').fill('Kiel');
  assert.equal(await page.locator('#landlord-moveInDate').inputValue(), TODAY);
  await checkPage(page, '35-step-wohnungsgeber');
  await next(page);

  await heading(page, 'Bitte prüfen Sie Ihre Angaben');
  assert.match(await page.locator('#summary-type').textContent(), /Umzug innerhalb Kiels/);
  assert.match(await page.locator('#summary-art').textContent(), new RegExp(OFFICE_NAME));
  assert.match(await page.locator('#summary-newAddress').textContent(), /Andreas-Gayk-Straße 31.*24103 Kiel/s);
  assert.match(await page.locator('#summary-previousAddress').textContent(), /Holtenauer Straße 12.*24105 Kiel/s);
  const person = await page.locator('#summary-person-0').textContent();
  assert.match(person, /Erika Mustermann/);
  assert.match(person, /17\. Mai 1990/);
  assert.match(person, /Deutschland/);
  assert.match(person, /Hauptwohnung/);
  assert.match(person, new RegExp(SERIAL));
  assert.match(await page.locator('#summary-wohnungsgeber').textContent(), /Kieler Wohnungsbau GmbH.*Lorentzendamm 1/s);
  assert.equal(await page.locator('#summary-email').count(), 0, 'no e-mail address given: none in the summary');
  await checkPage(page, '36-summary');
  await inEnglish(page, '36-summary', 'Please check your details');
  // "Ändern" leads to the step with the entries kept; "Weiter" comes back to the summary.
  await page.locator('#change-adresse').click();
  await heading(page, 'Adressen');
  assert.equal(await page.locator('#newAddress-street').inputValue(), 'Andreas-Gayk-Straße 31');
  await page.locator('#newAddress-street').fill('Andreas-Gayk-Straße 33');
  await next(page);
  await heading(page, 'Bitte prüfen Sie Ihre Angaben');
  assert.match(await page.locator('#summary-newAddress').textContent(), /Andreas-Gayk-Straße 33/);

  const { response, sent, headers } = await submit(page);
  assert.equal(response.status(), 201, await response.text());
  assert.ok(headers['x-csrf-token'], 'the POST carries the CSRF token');
  assert.ok(headers['idempotency-key'], 'the POST carries an Idempotency-Key');
  assert.equal(sent.type, 'UMMELDUNG');
  assert.equal(sent.office, OFFICE);
  assert.equal(sent.moveDate, TODAY);
  assert.equal(sent.language, 'de');
  assert.deepEqual(sent.newAddress, { street: 'Andreas-Gayk-Straße 33', postalCode: '24103', city: 'Kiel' });
  assert.deepEqual(sent.persons, [{
    familyName: FAMILY, givenNames: 'Erika', birthDate: BIRTH, nationalities: ['DE'],
    dwelling: 'HAUPTWOHNUNG', otherHauptwohnungen: 0, idDocumentSerials: [SERIAL],
  }]);
  assert.deepEqual(sent.landlord, {
    name: 'Kieler Wohnungsbau GmbH', address: { street: 'Lorentzendamm 1', postalCode: '24103', city: 'Kiel' }, moveInDate: TODAY,
  });
  assert.equal(sent.landlordCode, undefined);
  assert.equal(sent.codeLetter, undefined);
  assert.equal(sent.email, undefined, 'no e-mail address given: none sent');
  await page.waitForURL(/\/meldung\?schritt=fertig$/);
  await heading(page, 'Ihre Meldung ist eingegangen');
  await page.locator('#registration-status[data-status="SUBMITTED"]').waitFor();
  assert.equal(await page.locator('#registration-overdue').getAttribute('data-overdue'), 'false');
  accepted = (await page.locator('#registration-id').textContent()).trim();
  assert.match(accepted, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await checkPage(page, '37-submitted');
  // The entries are gone from memory after the submit: a new form starts empty.
  await page.locator('#new-registration').click();
  await heading(page, 'Was möchten Sie melden?');
  assert.equal(await page.locator('#moveDate').inputValue(), '');
});

test('the office asks, the citizen answers on the status page, the office accepts: the certificate downloads', { skip }, async (t) => {
  assert.ok(accepted, 'needs the case of the previous test');
  await clerkStep(accepted, 'claim');
  const asked = await clerkStep(accepted, 'request-info', { message: 'Bitte Mietvertrag nennen' });
  assert.equal(asked.status, 'INFORMATION_REQUESTED');

  const page = await newPage(t, { storageState: signedIn });
  await page.goto(`${BASE}/meldung/status`);
  await heading(page, 'Meine Meldevorgänge');
  const card = page.locator(`#case-${accepted}`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'INFORMATION_REQUESTED');
  assert.match(await page.locator(`#case-${accepted}-status`).textContent(), /Rückfrage des Bürgerbüros/);
  assert.equal((await page.locator(`#case-${accepted}-question`).textContent()).trim(), 'Bitte Mietvertrag nennen');
  await checkPage(page, '40-status-question');
  await page.locator(`#case-${accepted}-send-answer`).click();
  await assertFieldError(page, `case-${accepted}-answer`, /Ihre Antwort/);
  await page.getByLabel('Ihre Antwort').fill('Mietvertrag vom 1. Oktober mit der Kieler Wohnungsbau GmbH.');
  const [answered] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/v1/registrations/${accepted}/answer`)),
    page.locator(`#case-${accepted}-send-answer`).click(),
  ]);
  assert.equal(answered.status(), 200, await answered.text());
  assert.ok((await answered.request().allHeaders())['x-csrf-token'], 'the answer carries the CSRF token');
  await page.locator(`#case-${accepted}-done`).waitFor();
  assert.equal(await page.locator(`#case-${accepted}`).getAttribute('data-status'), 'SUBMITTED');
  await checkPage(page, '41-status-answered');

  // The clerk holds the claim (claiming again is harmless) and accepts.
  await clerkStep(accepted, 'claim');
  const done = await clerkStep(accepted, 'accept');
  assert.equal(done.status, 'ACCEPTED');

  await page.reload();
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'ACCEPTED');
  assert.match(await page.locator(`#case-${accepted}-status`).textContent(), /angenommen/);
  const link = page.locator(`#case-${accepted}-certificate-1`);
  assert.match(await link.textContent(), /Meldebestätigung für Erika Mustermann \(PDF\)/);
  assert.equal(await link.getAttribute('href'), `/api/v1/registrations/${accepted}/certificates/1.pdf`);
  const code = (await page.locator(`#case-${accepted}-certificate-1-code`).textContent()).trim();
  assert.match(code, /^[2-9A-HJKMNP-TW-Z]{10}$/);
  assert.equal((await page.locator(`#case-${accepted}-certificate-1-check`).textContent()).trim(),
    `${BASE}/api/v1/registrations/certificates/${code}`);
  await checkPage(page, '42-status-accepted');
  await inEnglish(page, '42-status-accepted', 'My registrations');

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const pdf = readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
  // Anyone can check the certificate's code: issued, with the SHA-256 of this very PDF.
  const check = await fetch(`${BASE}/api/v1/registrations/certificates/${code}`).then((r) => r.json());
  assert.equal(check.issued, true);
  assert.equal(check.sha256, createHash('sha256').update(pdf).digest('hex'));
});

test('a rejected case: the reason; the booking link opens /termin with the office preselected and the counter code', { skip }, async (t) => {
  assert.ok(signedIn, 'needs the sign-in of the first test');
  const page = await newPage(t, { storageState: signedIn });
  await page.goto(`${BASE}/meldung`);
  await fillUmmeldung(page);
  const { response } = await submit(page);
  assert.equal(response.status(), 201, await response.text());
  const rejected = (await response.json()).id;
  await clerkStep(rejected, 'claim');
  const reason = 'Die Wohnungsgeberbestätigung ist nicht unterschrieben.';
  const done = await clerkStep(rejected, 'reject', { message: reason });
  assert.equal(done.status, 'REJECTED');
  const counterCode = done.counterCode;
  assert.match(counterCode, /^[2-9A-HJKMNP-TW-Z]{8}$/);

  await page.goto(`${BASE}/meldung/status`);
  await page.locator(`#case-${rejected}`).waitFor();
  assert.equal(await page.locator('article.case').first().getAttribute('id'), `case-${rejected}`, 'newest first');
  assert.match(await page.locator(`#case-${rejected}-status`).textContent(), /abgelehnt/);
  assert.equal((await page.locator(`#case-${rejected}-reason`).textContent()).trim(), reason);
  const booking = page.locator(`#case-${rejected}-booking`);
  // Relative: the service links under RATHAUS_PUBLIC_URL, which is this gateway.
  assert.equal(await booking.getAttribute('href'),
    `/termin?office=${OFFICE}&service=wohnsitz-anmelden:1#vorsprache=${counterCode}`);
  await checkPage(page, '43-status-rejected');
  await booking.click();
  await page.waitForURL(/\/termin\?/);
  await page.getByText(`Wohnsitz anmelden in ${OFFICE_NAME}`).waitFor();
  await page.locator('#counter-note').waitFor();
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('office'), OFFICE);
  assert.equal(url.hash, '', 'the counter code leaves the address bar for the session store');
  assert.deepEqual(JSON.parse(await page.evaluate(() => sessionStorage.getItem('rathaus.counter'))), { office: OFFICE, code: counterCode });
  await page.locator('button.slot').first().waitFor();
  await checkPage(page, '45-counter-calendar');
  // A time: the reservation carries the code. appointments learns it from a Kafka event
  // (RegistrationRejected), so the first tries may answer 422 registration-code-invalid.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [reserved] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/reservations'),
      page.locator('button.slot').first().click(),
    ]);
    assert.equal(reserved.request().postDataJSON().registrationCode, counterCode);
    if (reserved.status() === 201) break;
    assert.equal(reserved.status(), 422, await reserved.text());
    await page.locator('[data-error-status="422"]').getByText(/mit Ihrer Online-Meldung verknüpft/).waitFor();
    assert.ok(Date.now() < deadline, 'appointments knows the counter code within 30 s');
    await new Promise((r) => setTimeout(r, 1000));
  }
  await page.waitForURL(/\/angaben$/);
  // (The booking pages keep the booker's name in the tab's session store for the confirmation,
  // so another name than the registration's: that one must never be stored.)
  await page.getByLabel('Vor- und Nachname').fill('E. Beispiel');
  await page.getByLabel('E-Mail-Adresse').fill(`vorsprache.${Date.now()}@example.org`);
  await page.getByRole('button', { name: 'Termin verbindlich buchen' }).click();
  await page.waitForURL(/\/bestaetigung$/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('rathaus.counter')), null, 'the used code is dropped');
});

test('a move date the service refuses (§17(1) BMG) comes back next to its field on its step', { skip }, async (t) => {
  assert.ok(signedIn, 'needs the sign-in of the first test');
  const page = await newPage(t, { storageState: signedIn });
  await page.goto(`${BASE}/meldung`);
  await fillUmmeldung(page, { moveDate: TOMORROW });
  const { response } = await submit(page);
  assert.equal(response.status(), 422, await response.text());
  assert.equal((await response.json()).type, 'urn:rathaus:problem:bmg-17-1-not-moved-in');
  await heading(page, 'Was möchten Sie melden?');
  await assertFieldError(page, 'moveDate', /erst anmelden, wenn Sie eingezogen sind/);
  await page.locator('#error-summary').getByRole('link', { name: /eingezogen/ }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
  assert.equal(await page.locator('#moveDate').inputValue(), TOMORROW, 'the entries are kept');
  await checkPage(page, '38-refused-move-date');
  await inEnglish(page, '38-refused-move-date', 'What would you like to register?');
});

test('an optional e-mail address: checked at its field by the page and the service, in the summary and the request', { skip }, async (t) => {
  assert.ok(signedIn, 'needs the sign-in of the first test');
  // The family name in both addresses lets newPage's checks find one in storage or the console.
  const refused = 'jörg.Mustermann@example.org'; // the page lets it pass; the service wants an ASCII local part
  const address = 'Erika.Mustermann@example.org';
  const page = await newPage(t, { storageState: signedIn });
  await page.goto(`${BASE}/meldung`);
  await heading(page, 'Was möchten Sie melden?');
  const email = page.getByLabel('E-Mail-Adresse (optional)');
  assert.equal(await email.getAttribute('id'), 'email');
  assert.equal(await email.getAttribute('type'), 'email');
  assert.equal(await email.getAttribute('autocomplete'), 'email');
  assert.equal(await email.getAttribute('aria-describedby'), 'email-hint');
  assert.match(await page.locator('#email-hint').textContent(), /Rückfrage.*keine Angaben aus Ihrer Meldung/s);
  await page.getByLabel('Umzug innerhalb Kiels').check();
  await page.locator('#office').selectOption(OFFICE);
  await page.locator('#moveDate').fill(TODAY);
  await email.fill('erika.mustermann');
  await next(page);
  await page.locator('#error-summary').waitFor();
  await assertFieldError(page, 'email', /gültige E-Mail-Adresse.*leer/);
  await checkPage(page, '39-step-art-email-error');
  await inEnglish(page, '39-step-art-email', 'What would you like to register?');
  assert.equal(await page.locator('#email').inputValue(), 'erika.mustermann', 'the entry survives the language switch');

  await fillUmmeldung(page, { email: refused });
  assert.equal((await page.locator('#summary-email').textContent()).trim(), refused);
  const first = await submit(page);
  assert.equal(first.response.status(), 400, await first.response.text());
  assert.equal((await first.response.json()).field, 'email');
  assert.equal(first.sent.email, refused);
  await heading(page, 'Was möchten Sie melden?');
  await assertFieldError(page, 'email', /gültige E-Mail-Adresse/);
  await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
  await page.locator('#email').fill(address);
  await next(page);
  await heading(page, 'Bitte prüfen Sie Ihre Angaben');
  assert.equal((await page.locator('#summary-email').textContent()).trim(), address);
  const { response, sent } = await submit(page);
  assert.equal(response.status(), 201, await response.text());
  assert.equal(sent.email, address);
  await page.waitForURL(/\/meldung\?schritt=fertig$/);
});

test('signing out: the provider’s logout, then the pages say signed out', { skip }, async (t) => {
  assert.ok(signedIn, 'needs the sign-in of the first test');
  const page = await newPage(t, { storageState: signedIn });
  await page.goto(`${BASE}/meldung/status`);
  await page.locator('#signed-in').waitFor();
  const toProvider = page.waitForRequest((r) => r.url().startsWith(`${OIDC_ORIGIN}/`));
  const loaded = page.waitForEvent('load');
  const [logout] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/logout'),
    page.locator('#sign-out').click(),
  ]);
  assert.equal(logout.status(), 200);
  assert.ok((await logout.request().allHeaders())['x-csrf-token'], 'the logout carries the CSRF token');
  await toProvider;
  await loaded;
  if (page.url().startsWith(`${OIDC_ORIGIN}/`)) {
    // Keycloak asks before it logs out when it gets no id_token_hint.
    const again = page.waitForEvent('load');
    await page.locator('#kc-logout').click();
    await again;
  }
  assert.ok(ours(page.url()), `back on the pages after the provider's logout: ${page.url()}`);
  await page.goto(`${BASE}/meldung/status`);
  await heading(page, 'Meine Meldevorgänge');
  await page.locator('#sign-in').waitFor();
  assert.equal(await page.locator('#sign-in').getAttribute('href'), '/auth/login?return=/meldung/status');
  await checkPage(page, '44-status-signed-out');
  // The old cookies are worth nothing now.
  const old = await newPage(t, { storageState: signedIn });
  await old.goto(`${BASE}/meldung`);
  await old.locator('#sign-in').waitFor();
  const api = await old.evaluate(() => fetch('/api/v1/registrations?pageSize=20', { credentials: 'same-origin' }).then((r) => r.status));
  assert.equal(api, 401);
});
