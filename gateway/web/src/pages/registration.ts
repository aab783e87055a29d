// "Wohnsitz online an-, um- oder abmelden" (/meldung?schritt=art|adresse|personen|wohnungsgeber|
// zusammenfassung|fertig): after the sign-in, one step per page with "Weiter"/"Zurück" (the
// browser's back button too), a summary with "Ändern" links, then POST /api/v1/registrations.
// The entries live in this module's memory only: a language switch or a step change keeps them,
// a reload drops them; nothing goes to storage, into a URL (only the step's name) or the console.
// Client checks cover required fields and formats; the service's answers (400 naming a field,
// 422 naming a rule of the Bundesmeldegesetz) come back as messages next to the field, on its step.
import { api, ApiError, loadOffices, type Office, type Registration } from '../api';
import { session, withCsrf } from '../auth';
import { countryName, countryOptions, GERMANY } from '../countries';
import { announce, h, steps } from '../dom';
import { alertBox } from '../errors';
import { formatDate, formatDateTime, today } from '../format';
import { lang, t, type Key } from '../i18n';
import type { PageContext } from '../main';
import { errorSummary, radioGroup, selectField, textField, type FieldHandle } from './common';
import { expiredBox, regAlert, requireSession, statusName, typeName } from './registration-common';
import {
  buildRequest,
  domId,
  CASE_TYPES,
  CONFIRMATIONS,
  emptyState,
  fieldId,
  MAX_EMAIL,
  MAX_PERSONS,
  newAddressKind,
  newPerson,
  previousAddressKind,
  problemErrors,
  stepOf,
  stepsFor,
  validateStep,
  type AddressKind,
  type AddressState,
  type CaseType,
  type FieldError,
  type StepId,
} from './registration-model';

let state = emptyState();
let pending: FieldError[] = []; // the service's messages for the step shown next
let submitted: Registration | null = null;
// Idempotency-Key of the last submit whose outcome is unknown (network error, 5xx): a retry of
// the same entries reuses it, so a lost answer never makes a second case.
let attempt: { key: string; body: string } | null = null;

const stepUrl = (step: StepId | 'fertig', fromSummary = false) =>
  `/meldung?schritt=${step}${fromSummary ? '&von=zusammenfassung' : ''}`;

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function renderRegistration(ctx: PageContext): Promise<void> {
  const q = new URLSearchParams(location.search);
  const asked = q.get('schritt') ?? 'art';
  ctx.setTitle(t('regTitle'));
  const s = await requireSession(ctx, '/meldung', t('regTitle'), t('regIntro'));
  if (!s) return;
  let offices: Office[] = [];
  try {
    offices = await loadOffices();
  } catch (err) {
    ctx.main.append(h('h1', { class: 'kern-heading-large' }, t('regTitle')),
      regAlert(err, h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', onclick: () => ctx.navigate(location.pathname + location.search) },
        h('span', { class: 'kern-label' }, t('retry')))));
    return;
  }
  if (asked === 'fertig' && submitted) {
    renderDone(ctx, submitted, offices);
    return;
  }
  const list = stepsFor(state.type);
  let step: StepId = (list as string[]).includes(asked) ? (asked as StepId) : 'art';
  // A step is shown only when the ones before it are complete (after a reload: from the start).
  const now = today();
  for (const earlier of list.slice(0, list.indexOf(step))) {
    if (validateStep(earlier, state, now).length) {
      step = earlier;
      break;
    }
  }
  if (step !== asked) history.replaceState(null, '', stepUrl(step));
  drawStep(ctx, offices, step, q.get('von') === 'zusammenfassung');
}

interface Fields {
  map: Map<string, FieldHandle>;
  add: <F extends FieldHandle>(f: F) => F;
}
function newFields(): Fields {
  const map = new Map<string, FieldHandle>();
  return { map, add: (f) => (map.set(f.id, f), f) };
}
const handle = (f: ReturnType<typeof textField>): FieldHandle => ({ id: f.input.id, setError: f.setError });

/** Puts each message next to its field and lists them all at the top; false when none. */
function showErrors(errors: FieldError[], fields: Fields, summarySlot: HTMLElement, fallbackId: string, later = false): boolean {
  for (const f of fields.map.values()) f.setError(null);
  if (!errors.length) {
    summarySlot.replaceChildren();
    return false;
  }
  const shown = new Set<string>();
  const items = errors.map((e) => {
    const f = fields.map.get(fieldId(e.path));
    if (f && !shown.has(f.id)) {
      f.setError(e.message);
      shown.add(f.id);
    }
    return { id: f ? f.id : fallbackId, message: e.message };
  });
  const summary = errorSummary(items);
  summarySlot.replaceChildren(summary);
  // After a page change the router focuses the heading; the summary takes the focus after it.
  if (later) window.setTimeout(() => summary.focus(), 0);
  else summary.focus();
  return true;
}

function drawStep(ctx: PageContext, offices: Office[], step: StepId, fromSummary: boolean, focusId?: string): void {
  const { main } = ctx;
  const bar = main.querySelector('#account-bar');
  main.replaceChildren(...(bar ? [bar] : []));
  const list = stepsFor(state.type);
  const index = list.indexOf(step);
  const title = t(`regHead${step}` as Key);
  ctx.setTitle(`${title} – ${t('regTitle')}`);
  const redraw = (focus?: string) => drawStep(ctx, offices, step, fromSummary, focus);

  const fields = newFields();
  const summarySlot = h('div', {});
  const content = h('div', { class: 'stack' });
  const actions = h('div', { class: 'actions' });
  const form = h('form', { class: 'stack', method: 'post', novalidate: true, id: `step-${step}` }, summarySlot, content, actions);
  main.append(
    steps(index + 1, list.map((x) => t(`regStep${x}` as Key)), t('regStepsLabel'), t('currentStep')),
    h('hgroup', { class: 'kern-hgroup' },
      h('p', { class: 'kern-preline' }, t('regTitle')),
      h('h1', { class: 'kern-heading-large', id: 'step-heading' }, title)),
    form,
  );

  switch (step) {
    case 'art':
      artStep(content, fields, offices, (v) => {
        state.type = v;
        redraw(v === CASE_TYPES[0] ? 'type' : `type-${v}`);
      });
      break;
    case 'adresse':
      addressStep(content, fields);
      break;
    case 'personen':
      personsStep(content, fields, redraw);
      break;
    case 'wohnungsgeber':
      landlordStep(content, fields);
      break;
    case 'zusammenfassung':
      summaryStep(content, offices, list);
      break;
  }

  if (index > 0) {
    actions.append(h('a', { class: 'kern-btn kern-btn--secondary', href: stepUrl(list[index - 1]!), 'data-nav': true, id: 'back' },
      h('span', { class: 'kern-icon kern-icon--arrow-back', 'aria-hidden': 'true' }),
      h('span', { class: 'kern-label' }, t('regBack'))));
  }
  const firstId = fields.map.keys().next().value ?? 'step-heading';
  if (step === 'zusammenfassung') {
    const messages = h('div', { class: 'stack-s', id: 'submit-messages' });
    const status = h('p', { class: 'kern-body', role: 'status' });
    const submit = h('button', { class: 'kern-btn kern-btn--primary', type: 'submit', id: 'submit-registration' },
      h('span', { class: 'kern-label' }, t('regSubmit')));
    form.insertBefore(h('div', { class: 'stack-s' }, messages, status), actions);
    actions.prepend(submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void send(ctx, { submit, status, messages });
    });
  } else {
    actions.prepend(h('button', { class: 'kern-btn kern-btn--primary', type: 'submit', id: 'next' },
      h('span', { class: 'kern-label' }, t('regNext')),
      h('span', { class: 'kern-icon kern-icon--arrow-forward', 'aria-hidden': 'true' })));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const now = today();
      if (showErrors(validateStep(step, state, now), fields, summarySlot, firstId)) return;
      const rest = stepsFor(state.type);
      const complete = rest.every((x) => validateStep(x, state, now).length === 0);
      const next = fromSummary && complete ? 'zusammenfassung' : rest[rest.indexOf(step) + 1] ?? 'zusammenfassung';
      ctx.navigate(stepUrl(next, fromSummary && next !== 'zusammenfassung'));
    });
  }

  if (pending.length) {
    const errors = pending.filter((e) => stepOf(e.path) === step);
    pending = [];
    showErrors(errors, fields, summarySlot, firstId, true);
  }
  if (focusId) document.getElementById(focusId)?.focus();
}

// ---- step 1: type, office, dates ---------------------------------------------------------

function dateField(id: string, label: string, value: string, onInput: (v: string) => void, opts: { hint?: string; optional?: boolean; autocomplete?: string } = {}) {
  const f = textField({ id, label, type: 'date', hint: opts.hint, optional: opts.optional ? t('optional') : undefined, value, autocomplete: opts.autocomplete ?? 'off' });
  // Date pickers report a choice with `input`, some only with `change`.
  for (const type of ['input', 'change']) f.input.addEventListener(type, () => onInput(f.input.value));
  return f;
}

function artStep(content: HTMLElement, fields: Fields, offices: Office[], onType: (v: CaseType) => void): void {
  const type = fields.add(radioGroup({
    id: 'type',
    legend: t('regType'),
    name: 'type',
    value: state.type,
    options: CASE_TYPES.map((x) => ({ value: x, label: t(`regType${x}` as Key), hint: t(`regType${x}Hint` as Key) })),
    onChange: (v) => onType(v as CaseType),
  }));
  content.append(type.wrap);
  if (state.type === 'ANMELDUNG') {
    const from = fields.add(radioGroup({
      id: 'from',
      legend: t('regFrom'),
      name: 'from',
      value: state.from,
      options: [{ value: 'GERMANY', label: t('regFromGERMANY') }, { value: 'ABROAD', label: t('regFromABROAD') }],
      onChange: (v) => (state.from = v as 'GERMANY' | 'ABROAD'),
    }));
    content.append(from.wrap);
  }
  const office = fields.add(selectField({
    id: 'office',
    label: t('regOffice'),
    hint: t('regOfficeHint'),
    placeholder: t('chooseOffice'),
    options: offices.map((o) => ({ value: o.id, label: o.name })),
    value: state.office,
  }));
  office.select.addEventListener('change', () => (state.office = office.select.value));
  const out = state.type === 'ABMELDUNG';
  const move = dateField('moveDate', out ? t('regMoveOut') : t('regMoveIn'), state.moveDate, (v) => (state.moveDate = v),
    { hint: out ? t('regMoveOutHint') : t('regMoveInHint') });
  fields.add(handle(move));
  content.append(office.wrap, move.wrap);
  if (!out) {
    const until = dateField('stayUntil', t('regStayUntil'), state.stayUntil, (v) => (state.stayUntil = v),
      { hint: t('regStayUntilHint'), optional: true });
    fields.add(handle(until));
    const check = h('input', { class: 'kern-form-check__checkbox', type: 'checkbox', id: 'registeredInGermany', name: 'registeredInGermany', checked: state.registeredInGermany });
    check.addEventListener('change', () => (state.registeredInGermany = check.checked));
    content.append(until.wrap, h('div', { class: 'kern-form-check' }, check,
      h('label', { class: 'kern-label', for: 'registeredInGermany' }, t('regRegisteredInGermany'))));
  }
  const email = textField({ id: 'email', label: t('email'), type: 'email', hint: t('regEmailHint'), optional: t('optional'), value: state.email, autocomplete: 'email' });
  email.input.maxLength = MAX_EMAIL;
  email.input.addEventListener('input', () => (state.email = email.input.value));
  fields.add(handle(email));
  content.append(email.wrap);
}

// ---- step 2: addresses ---------------------------------------------------------------------

/** Street, postcode, city and, by kind, the municipality key or the country. */
function addressFields(path: string, a: AddressState, kind: AddressKind | 'landlord', fields: Fields, section: string | null): HTMLElement[] {
  const id = domId(path);
  const auto = (token: string) => (section ? `section-${section} ${token}` : 'off');
  const text = (name: keyof AddressState, label: string, autocomplete: string, extra: { hint?: string; optional?: boolean; inputmode?: string; max?: number } = {}) => {
    const f = textField({ id: `${id}-${name}`, label, hint: extra.hint, optional: extra.optional ? t('optional') : undefined,
      value: a[name], autocomplete, inputmode: extra.inputmode });
    if (extra.max) f.input.maxLength = extra.max;
    f.input.addEventListener('input', () => (a[name] = f.input.value));
    fields.add(handle(f));
    return f.wrap;
  };
  const abroad = kind === 'abroad' || (kind === 'landlord' && a.country !== GERMANY);
  const out = [
    text('street', t('regStreet'), auto('address-line1'), { max: 120 }),
    text('postalCode', t('regPostalCode'), auto('postal-code'), abroad ? { optional: true, max: 12 } : { inputmode: 'numeric', max: 5 }),
    text('city', t('regCity'), auto('address-level2'), { max: 120 }),
  ];
  if (kind === 'municipality') {
    out.push(text('municipalityKey', t('regMunicipalityKey'), 'off', { hint: t('regMunicipalityKeyHint'), optional: true, inputmode: 'numeric', max: 8 }));
  }
  if (kind === 'abroad' || kind === 'landlord') {
    const country = fields.add(selectField({
      id: `${id}-country`,
      label: t('regCountry'),
      options: countryOptions(kind === 'abroad'),
      placeholder: kind === 'abroad' ? t('chooseOffice') : undefined,
      value: a.country,
    }));
    country.select.setAttribute('autocomplete', auto('country'));
    country.select.addEventListener('change', () => (a.country = country.select.value));
    out.push(country.wrap);
  }
  return out;
}

function section(headingId: string, heading: string, level: 'h2' | 'h3', ...children: (Node | string)[]): HTMLElement {
  return h('section', { class: 'stack', 'aria-labelledby': headingId },
    h(level, { class: level === 'h2' ? 'kern-heading-medium' : 'kern-heading-small', id: headingId }, heading), ...children);
}

function addressStep(content: HTMLElement, fields: Fields): void {
  const kind = newAddressKind(state);
  // The new dwelling of an An-, Um- or Nebenwohnungsmeldung is in Kiel.
  if (kind === 'germany' && !state.newAddress.city) state.newAddress.city = 'Kiel';
  if (kind === 'abroad' && state.newAddress.city === 'Kiel' && !state.newAddress.country) state.newAddress.city = '';
  content.append(section('new-address-heading', kind === 'abroad' ? t('regNewAddressAbroad') : t('regNewAddress'), 'h2',
    ...addressFields('newAddress', state.newAddress, kind, fields, 'neu')));
  const prev = previousAddressKind(state);
  if (prev) {
    if (prev === 'germany' && !state.previousAddress.city) state.previousAddress.city = 'Kiel';
    const heading = prev === 'germany' ? t('regPreviousAddressKiel') : prev === 'abroad' ? t('regPreviousAddressAbroad') : t('regPreviousAddress');
    content.append(section('previous-address-heading', heading, 'h2',
      ...addressFields('previousAddress', state.previousAddress, prev, fields, 'bisher')));
  }
}

// ---- step 3: persons -----------------------------------------------------------------------

function personsStep(content: HTMLElement, fields: Fields, redraw: (focus?: string) => void): void {
  content.append(h('p', { class: 'kern-body' }, t('regPersonsIntro')));
  const withDwelling = state.type === 'ANMELDUNG' || state.type === 'UMMELDUNG';
  state.persons.forEach((p, i) => {
    const at = `persons-${i}`;
    const own = i === 0; // the signed-in citizen: the browser may fill in their own data
    const text = (name: 'familyName' | 'givenNames' | 'doctoralDegree', label: string, autocomplete: string, max: number, extra: { hint?: string; optional?: boolean } = {}) => {
      const f = textField({ id: `${at}-${name}`, label, hint: extra.hint, optional: extra.optional ? t('optional') : undefined,
        value: p[name], autocomplete: own ? autocomplete : 'off' });
      f.input.maxLength = max;
      f.input.addEventListener('input', () => (p[name] = f.input.value));
      fields.add(handle(f));
      return f.wrap;
    };
    const birth = dateField(`${at}-birthDate`, t('regBirthDate'), p.birthDate, (v) => (p.birthDate = v), { autocomplete: own ? 'bday' : 'off' });
    birth.input.max = today();
    fields.add(handle(birth));
    const nationality = fields.add(selectField({
      id: `${at}-nationalities`, label: t('regNationality'), options: countryOptions(false), placeholder: t('chooseOffice'), value: p.nationality,
    }));
    nationality.select.addEventListener('change', () => (p.nationality = nationality.select.value));
    const nationality2 = fields.add(selectField({
      id: `${at}-nationality2`, label: t('regNationality2'), optional: t('optional'), options: countryOptions(false), placeholder: t('regNoOther'), value: p.nationality2,
    }));
    nationality2.select.addEventListener('change', () => (p.nationality2 = nationality2.select.value));
    const serials = textField({ id: `${at}-idDocumentSerials`, label: t('regSerials'), hint: t('regSerialsHint'), optional: t('optional'), value: p.serials, autocomplete: 'off' });
    serials.input.setAttribute('autocapitalize', 'characters');
    serials.input.setAttribute('spellcheck', 'false');
    serials.input.maxLength = 60;
    serials.input.addEventListener('input', () => (p.serials = serials.input.value));
    fields.add(handle(serials));
    const parts: (Node | string)[] = [
      text('familyName', t('regFamilyName'), 'family-name', 120),
      text('givenNames', t('regGivenNames'), 'given-name', 120, { hint: t('regGivenNamesHint') }),
      text('doctoralDegree', t('regDoctoralDegree'), 'honorific-prefix', 40, { hint: t('regDoctoralDegreeHint'), optional: true }),
      birth.wrap,
      nationality.wrap,
      nationality2.wrap,
    ];
    if (withDwelling) {
      const dwelling = fields.add(radioGroup({
        id: `${at}-dwelling`,
        legend: t('regDwelling'),
        name: `${at}-dwelling`,
        value: p.dwelling,
        options: ['HAUPTWOHNUNG', 'NEBENWOHNUNG'].map((d) => ({ value: d, label: t(`regDwelling${d}` as Key), hint: t(`regDwelling${d}Hint` as Key) })),
        onChange: (v) => (p.dwelling = v),
      }));
      parts.push(dwelling.wrap);
    }
    parts.push(serials.wrap);
    if (state.persons.length > 1) {
      const remove = h('button', { class: 'kern-btn kern-btn--tertiary', type: 'button', id: `${at}-remove` },
        h('span', { class: 'kern-icon kern-icon--delete', 'aria-hidden': 'true' }),
        h('span', { class: 'kern-label' }, t('regRemovePerson', { n: i + 1 })));
      remove.addEventListener('click', () => {
        state.persons.splice(i, 1);
        redraw('add-person');
        announce(t('regPersonRemoved', { n: i + 1 }));
      });
      parts.push(h('div', { class: 'actions' }, remove));
    }
    content.append(h('section', { class: 'person stack', 'aria-labelledby': `${at}-heading`, id: at },
      h('h2', { class: 'kern-heading-medium', id: `${at}-heading` }, t('regPerson', { n: i + 1 })), ...parts));
  });
  if (state.persons.length < MAX_PERSONS) {
    const add = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'add-person' },
      h('span', { class: 'kern-icon kern-icon--add', 'aria-hidden': 'true' }),
      h('span', { class: 'kern-label' }, t('regAddPerson')));
    add.addEventListener('click', () => {
      state.persons.push(newPerson());
      const n = state.persons.length;
      redraw(`persons-${n - 1}-familyName`);
      announce(t('regPersonAdded', { n }));
    });
    content.append(h('div', {}, add));
  }
}

// ---- step 4: the landlord's confirmation (§19 BMG) ----------------------------------------

function landlordStep(content: HTMLElement, fields: Fields): void {
  if (!state.moveInDate) state.moveInDate = state.moveDate;
  const details = h('div', { class: 'stack', id: 'landlord-details', hidden: state.confirmation !== 'LANDLORD' });
  const code = h('div', { class: 'stack', id: 'landlord-code', hidden: state.confirmation !== 'LANDLORD_CODE' });
  const way = fields.add(radioGroup({
    id: 'confirmation',
    legend: t('regConfirmation'),
    name: 'confirmation',
    value: state.confirmation,
    options: CONFIRMATIONS.map((c) => ({ value: c, label: t(`regConf${c}` as Key), hint: c === 'CODE_LETTER' ? t('regConfCODE_LETTERHint') : undefined })),
    onChange: (v) => {
      state.confirmation = v as typeof state.confirmation;
      details.hidden = v !== 'LANDLORD';
      code.hidden = v !== 'LANDLORD_CODE';
    },
  }));
  const name = textField({ id: 'landlord-name', label: t('regLandlordName'), value: state.landlordName, autocomplete: 'off' });
  name.input.maxLength = 200;
  name.input.addEventListener('input', () => (state.landlordName = name.input.value));
  const owner = textField({ id: 'landlord-ownerName', label: t('regOwnerName'), hint: t('regOwnerNameHint'), optional: t('optional'), value: state.ownerName, autocomplete: 'off' });
  owner.input.maxLength = 200;
  owner.input.addEventListener('input', () => (state.ownerName = owner.input.value));
  const moveIn = dateField('landlord-moveInDate', t('regMoveInDateLandlord'), state.moveInDate, (v) => (state.moveInDate = v));
  for (const f of [name, owner, moveIn]) fields.add(handle(f));
  details.append(name.wrap,
    section('landlord-address-heading', t('regLandlordAddress'), 'h2', ...addressFields('landlord.address', state.landlordAddress, 'landlord', fields, null)),
    owner.wrap, moveIn.wrap);
  const codeField = textField({ id: 'landlordCode', label: t('regLandlordCode'), hint: t('regLandlordCodeHint'), value: state.landlordCode, autocomplete: 'off' });
  codeField.input.maxLength = 40;
  codeField.input.setAttribute('spellcheck', 'false');
  codeField.input.addEventListener('input', () => (state.landlordCode = codeField.input.value));
  fields.add(handle(codeField));
  code.append(codeField.wrap);
  content.append(h('p', { class: 'kern-body' }, t('regLandlordIntro')), way.wrap, details, code);
}

// ---- step 5: summary and submit ------------------------------------------------------------

function item(key: string, value: Node | string, attrs: Record<string, string> = {}): HTMLElement {
  return h('div', { class: 'kern-description-list-item' },
    h('dt', { class: 'kern-description-list-item__key' }, key),
    h('dd', { class: 'kern-description-list-item__value', ...attrs }, value));
}

function addressLines(a: AddressState, kind: AddressKind | 'landlord'): HTMLElement {
  const lines = [a.street.trim(), [a.postalCode.trim(), a.city.trim()].filter(Boolean).join(' ')];
  if ((kind === 'abroad' || kind === 'landlord') && a.country && a.country !== GERMANY) lines.push(countryName(a.country));
  if (kind === 'municipality' && a.municipalityKey.trim()) lines.push(`${t('regMunicipalityKey')}: ${a.municipalityKey.trim()}`);
  return h('span', { class: 'lines' }, lines.filter(Boolean).flatMap((l, i) => (i ? [h('br'), l] : [l])));
}

function summaryStep(content: HTMLElement, offices: Office[], list: StepId[]): void {
  content.append(h('p', { class: 'kern-body' }, t('regSummaryIntro')));
  const block = (step: StepId, n: number, ...body: (Node | string)[]) => {
    const headingId = `summary-${step}-heading`;
    return h('section', { class: 'kern-summary', 'aria-labelledby': headingId, id: `summary-${step}` },
      h('div', { class: 'kern-summary__header' },
        h('span', { class: 'kern-number', 'aria-hidden': 'true' }, String(n)),
        h('div', { class: 'kern-summary__title-wrapper' },
          h('h2', { class: 'kern-title kern-title--large', id: headingId }, t(`regStep${step}` as Key)))),
      h('div', { class: 'kern-summary__body' }, ...body,
        h('p', {}, h('a', { class: 'kern-link', href: stepUrl(step, true), 'data-nav': true, id: `change-${step}` },
          h('span', { class: 'kern-icon kern-icon--edit', 'aria-hidden': 'true' }),
          t('regChange'), h('span', { class: 'kern-sr-only' }, `: ${t(`regStep${step}` as Key)}`)))));
  };
  const dl = (...items: (HTMLElement | null | false)[]) => h('dl', { class: 'kern-description-list' }, items.filter((x): x is HTMLElement => !!x));
  const out = state.type === 'ABMELDUNG';
  const officeName = offices.find((o) => o.id === state.office)?.name ?? state.office;
  const parts: Record<StepId, () => HTMLElement> = {
    art: () => block('art', 1, dl(
      item(t('regType'), `${typeName(state.type)}${state.type === 'ANMELDUNG' && state.from ? ` – ${t(`regFrom${state.from}` as Key)}` : ''}`, { id: 'summary-type' }),
      item(t('regOffice'), officeName),
      item(out ? t('regMoveOut') : t('regMoveIn'), formatDate(state.moveDate), { id: 'summary-moveDate' }),
      !out && !!state.stayUntil && item(t('regStayUntil'), formatDate(state.stayUntil)),
      !out && !!state.stayUntil && state.registeredInGermany && item(t('regRegisteredInGermany'), t('regYes')),
      !!state.email.trim() && item(t('email'), state.email.trim(), { id: 'summary-email' }),
    )),
    adresse: () => {
      const prev = previousAddressKind(state);
      const kind = newAddressKind(state);
      return block('adresse', 2, dl(
        item(kind === 'abroad' ? t('regNewAddressAbroad') : t('regNewAddress'), addressLines(state.newAddress, kind), { id: 'summary-newAddress' }),
        !!prev && item(prev === 'germany' ? t('regPreviousAddressKiel') : prev === 'abroad' ? t('regPreviousAddressAbroad') : t('regPreviousAddress'),
          addressLines(state.previousAddress, prev), { id: 'summary-previousAddress' }),
      ));
    },
    personen: () => block('personen', 3, ...state.persons.map((p, i) => h('div', { class: 'stack-s', id: `summary-person-${i}` },
      h('h3', { class: 'kern-heading-small' }, t('regPerson', { n: i + 1 })),
      dl(
        item(t('name2'), [p.doctoralDegree, p.givenNames, p.familyName].map((x) => x.trim()).filter(Boolean).join(' ')),
        item(t('regBirthDate'), formatDate(p.birthDate)),
        item(t('regNationality'), [p.nationality, p.nationality2].filter(Boolean).filter((x, k, all) => all.indexOf(x) === k).map(countryName).join(', ')),
        !out && item(t('regDwelling'), t(`regDwelling${state.type === 'NEBENWOHNUNG' ? 'NEBENWOHNUNG' : p.dwelling}` as Key)),
        !!p.serials.trim() && item(t('regSerials'), p.serials.split(/[\s,;]+/).filter(Boolean).join(', ').toUpperCase()),
      )))),
    wohnungsgeber: () => block('wohnungsgeber', 4, dl(
      item(t('regConfirmation'), state.confirmation ? t(`regConfShort${state.confirmation}` as Key) : '', { id: 'summary-confirmation' }),
      state.confirmation === 'LANDLORD' && item(t('regLandlordName'), state.landlordName.trim()),
      state.confirmation === 'LANDLORD' && item(t('regLandlordAddress'), addressLines(state.landlordAddress, 'landlord')),
      state.confirmation === 'LANDLORD' && !!state.ownerName.trim() && item(t('regOwnerName'), state.ownerName.trim()),
      state.confirmation === 'LANDLORD' && item(t('regMoveInDateLandlord'), formatDate(state.moveInDate)),
      state.confirmation === 'LANDLORD_CODE' && item(t('regLandlordCode'), state.landlordCode.trim()),
    )),
    zusammenfassung: () => h('div', {}),
  };
  for (const step of list) {
    if (step !== 'zusammenfassung') content.append(parts[step]());
  }
}

async function send(ctx: PageContext, ui: { submit: HTMLButtonElement; status: HTMLElement; messages: HTMLElement }): Promise<void> {
  const { submit, status, messages } = ui;
  const now = today();
  messages.replaceChildren();
  // Every step complete (the summary is reachable only so, but the entries could have changed).
  for (const step of stepsFor(state.type)) {
    if (validateStep(step, state, now).length) {
      ctx.navigate(stepUrl(step));
      return;
    }
  }
  const focusMessages = () => {
    const first = messages.firstElementChild as HTMLElement | null;
    if (first) {
      first.setAttribute('tabindex', '-1');
      first.focus();
    }
  };
  submit.disabled = true;
  status.textContent = t('regSubmitting');
  try {
    // The session may have ended while the form was filled in: ask before sending.
    const s = await session(true);
    if (!s.signedIn) {
      messages.replaceChildren(expiredBox('/meldung', true));
      focusMessages();
      return;
    }
    const body = buildRequest(state, lang);
    const json = JSON.stringify(body);
    if (!attempt || attempt.body !== json) attempt = { key: randomKey(), body: json };
    const key = attempt.key;
    const registration = await withCsrf((csrf) => api.submitRegistration(body, csrf, key));
    submitted = registration;
    state = emptyState();
    attempt = null;
    ctx.navigate(stepUrl('fertig'));
  } catch (err) {
    // Keep the key only when the outcome is unknown (or the first request is still running).
    const unknown = !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.kind === 'idempotency-request-in-flight';
    if (!unknown) attempt = null;
    if (err instanceof ApiError && err.status === 401) {
      messages.replaceChildren(expiredBox('/meldung', true));
      focusMessages();
      return;
    }
    const errors = problemErrors(err, state, now);
    if (errors && errors.length) {
      const step = stepOf(errors[0]!.path);
      if (step !== 'zusammenfassung' && stepsFor(state.type).includes(step)) {
        pending = errors;
        ctx.navigate(stepUrl(step, true));
        return;
      }
    }
    messages.replaceChildren(regAlert(err));
    focusMessages();
  } finally {
    status.textContent = '';
    submit.disabled = false;
  }
}

// ---- after the submit ----------------------------------------------------------------------

function renderDone(ctx: PageContext, reg: Registration, offices: Office[]): void {
  ctx.setTitle(t('regDoneTitle'));
  const officeName = offices.find((o) => o.id === reg.office)?.name ?? reg.office;
  const newForm = h('a', { class: 'kern-link', href: '/meldung', 'data-nav': true, id: 'new-registration' }, t('regNewForm'));
  newForm.addEventListener('click', () => (submitted = null));
  ctx.main.append(
    h('h1', { class: 'kern-heading-large' }, t('regDoneTitle')),
    alertBox('success', t('regDoneTitle'), t('regDoneIntro'), { id: 'registration-done' }),
    h('dl', { class: 'kern-description-list', id: 'registration-details' },
      item(t('regCaseId'), h('span', { class: 'case-id' }, reg.id), { id: 'registration-id' }),
      item(t('regType'), typeName(reg.type)),
      item(t('regStatus'), statusName(reg.status), { id: 'registration-status', 'data-status': reg.status }),
      item(t('regOffice'), officeName),
      reg.submittedAt ? item(t('regSubmittedAt'), formatDateTime(reg.submittedAt)) : null,
      reg.dueDate ? item(t('regDueDate'), formatDate(reg.dueDate), { id: 'registration-due' }) : null,
      item(t('regDeadline'), reg.overdue ? t('regDeadlineMissed') : t('regDeadlineKept'), { id: 'registration-overdue', 'data-overdue': String(!!reg.overdue) })),
    reg.overdue ? alertBox('warning', t('regDeadline'), t('regOverdue'), { id: 'registration-overdue-note' }) : '',
    reg.confirmation === 'CODE_LETTER' ? h('p', { class: 'kern-body', id: 'code-letter-note' }, t('regCodeLetterNext')) : '',
    h('div', { class: 'actions' },
      h('a', { class: 'kern-btn kern-btn--primary', href: '/meldung/status', 'data-nav': true, id: 'to-status-done' },
        h('span', { class: 'kern-label' }, t('regToStatus')))),
    h('p', {}, newForm),
  );
}
