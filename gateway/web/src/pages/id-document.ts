// "Ist mein Ausweis abholbereit?" (/ausweis): serial number + birth date -> the document's state
// in plain words; when it is ready, what to bring and "Abholtermin buchen" into the booking flow
// with the pickup code. Serial and birth date go only into the POST body: never into a URL,
// storage or a log. The pickup code stays in the session store (store.ts), not in the URL.
import { api, ApiError, loadOffices, type DocumentStatus, type Office } from '../api';
import { announce, h } from '../dom';
import { alertBox, errorAlert } from '../errors';
import { t, type Key } from '../i18n';
import { formatAddress, formatDateTime, formatDay, today } from '../format';
import { pickup, PICKUP_SERVICE, selectionToQuery } from '../store';
import type { PageContext } from '../main';
import { errorSummary, textField } from './common';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DOCUMENT_TYPES = ['PERSONALAUSWEIS', 'REISEPASS', 'EXPRESS_REISEPASS', 'KINDERREISEPASS', 'EID_KARTE'];
const WITH_PIN_LETTER = ['PERSONALAUSWEIS', 'EID_KARTE'];

// The last answer, in memory only: a language switch re-renders the page and shows it again.
let lastAnswer: DocumentStatus | null = null;

/** As the service reads it: no spaces, upper case, the letter O (which never occurs) as 0. */
function normalizeSerial(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase().replace(/O/g, '0');
}

export function documentTypeName(type: string): string {
  return DOCUMENT_TYPES.includes(type) ? t(`doc${type}` as Key) : type;
}

export async function renderIdDocument(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('idTitle'));
  const { main } = ctx;
  main.append(
    h('h1', { class: 'kern-heading-large' }, t('idTitle')),
    h('p', { class: 'kern-body' }, t('idIntro')),
  );

  const summarySlot = h('div', {});
  const serial = textField({ id: 'serial', label: t('idSerial'), hint: t('idSerialHint'), autocomplete: 'off' });
  serial.input.setAttribute('autocapitalize', 'characters');
  serial.input.setAttribute('spellcheck', 'false');
  const birth = textField({ id: 'birthDate', label: t('idBirthDate'), type: 'date', autocomplete: 'bday', hint: t('idBirthDateHint') });
  birth.input.max = today();
  const status = h('p', { class: 'kern-body', role: 'status' });
  const submit = h('button', { class: 'kern-btn kern-btn--primary', type: 'submit', id: 'lookup' },
    h('span', { class: 'kern-label' }, t('idSubmit')));
  // method=post: should the script ever not stop the submit, nothing lands in the URL.
  const form = h('form', { class: 'stack', method: 'post', novalidate: true, id: 'lookup-form' },
    summarySlot, serial.wrap, birth.wrap, status, h('div', { class: 'actions' }, submit));
  const result = h('div', { id: 'lookup-result' });
  main.append(form, result);

  const showResult = async (answer: DocumentStatus, focus: boolean) => {
    let offices: Office[] = [];
    try {
      offices = await loadOffices();
    } catch {
      /* the office id stands in for its name */
    }
    const section = answerView(ctx, answer, offices.find((o) => o.id === answer.office));
    result.replaceChildren(section);
    if (focus) {
      (section.querySelector('h2') as HTMLElement).focus();
      announce(section.querySelector('#lookup-status .kern-title')?.textContent ?? '');
    }
  };
  if (lastAnswer) await showResult(lastAnswer, false);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const serialValue = normalizeSerial(serial.input.value);
    const birthValue = birth.input.value;
    const errors: { id: string; message: string }[] = [];
    const check = (field: ReturnType<typeof textField>, msg: string | null) => {
      field.setError(msg);
      if (msg) errors.push({ id: field.input.id, message: msg });
    };
    check(serial, serialValue === '' ? t('idErrSerial') : /^[0-9A-Z]{9}$/.test(serialValue) ? null : t('idErrSerialFormat'));
    check(birth, !DATE.test(birthValue) ? t('idErrBirthDate') : birthValue > today() ? t('idErrBirthDateFuture') : null);
    if (errors.length) {
      const summary = errorSummary(errors);
      summarySlot.replaceChildren(summary);
      summary.focus();
      return;
    }
    summarySlot.replaceChildren();
    result.replaceChildren();
    lastAnswer = null;
    submit.disabled = true;
    status.textContent = t('idChecking');
    try {
      const answer = await api.documentStatus(serialValue, birthValue);
      status.textContent = '';
      lastAnswer = answer;
      await showResult(answer, true);
    } catch (err) {
      status.textContent = '';
      const fieldMsg = err instanceof ApiError && err.status === 400 ? fieldError(err.problem.field) : null;
      if (fieldMsg) {
        const field = fieldMsg.field === 'serial' ? serial : birth;
        field.setError(fieldMsg.message);
        const summary = errorSummary([{ id: field.input.id, message: fieldMsg.message }]);
        summarySlot.replaceChildren(summary);
        summary.focus();
      } else {
        const box = problemView(err);
        result.replaceChildren(box);
        box.setAttribute('tabindex', '-1');
        box.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
}

function fieldError(field?: string): { field: 'serial' | 'birthDate'; message: string } | null {
  if (field === 'serial') return { field, message: t('idErrSerialFormat') };
  if (field === 'birthDate') return { field, message: t('idErrBirthDate') };
  return null;
}

function problemView(err: unknown): HTMLElement {
  if (err instanceof ApiError && err.status === 404 && err.kind === 'document-unknown') {
    // The same words for an unknown serial and a wrong birth date: never say which one.
    return alertBox('danger', t('idNotFoundTitle'), [
      h('p', { class: 'kern-body', id: 'not-found-message' }, t('idNotFound')),
      h('p', { class: 'kern-body' }, t('idNotFoundLock')),
    ], { id: 'lookup-problem' });
  }
  if (err instanceof ApiError && err.status === 429) {
    const minutes = err.retryAfter && err.retryAfter > 0 ? Math.ceil(err.retryAfter / 60) : 0;
    return alertBox('warning', t('errorTitle'),
      minutes > 1 ? t('idRateLimitedWait', { n: minutes }) : t('idRateLimited'), { id: 'lookup-problem' });
  }
  const box = errorAlert(err);
  box.id = 'lookup-problem';
  return box;
}

function item(key: string, value: string, id?: string): HTMLElement {
  return h('div', { class: 'kern-description-list-item' },
    h('dt', { class: 'kern-description-list-item__key' }, key),
    h('dd', { class: 'kern-description-list-item__value', id }, value));
}

function answerView(ctx: PageContext, a: DocumentStatus, office: Office | undefined): HTMLElement {
  const officeName = office?.name ?? a.office;
  const tz = office?.timeZone || undefined;
  const p = (text: string, id?: string) => h('p', { class: 'kern-body', id }, text);
  let variant: 'info' | 'success' | 'warning' = 'info';
  let title: string;
  const body: (Node | string)[] = [];
  const extra: Node[] = [];
  switch (a.status) {
    case 'IN_BEARBEITUNG':
      title = t('idInProgress');
      if (a.estimatedFrom && a.estimatedTo) {
        body.push(p(t('idEstimate', { from: formatDay(a.estimatedFrom), to: formatDay(a.estimatedTo) }), 'estimate'));
      }
      body.push(p(t('idInProgressNext')));
      break;
    case 'BEREIT_ZUR_ABHOLUNG': {
      variant = 'success';
      title = t('idReady');
      const address = formatAddress(office?.address);
      body.push(p(t('idReadyAt', { office: officeName })));
      if (address) body.push(p(address));
      const bring = [t('idBringSlip'), WITH_PIN_LETTER.includes(a.documentType) ? t('idBringPin') : null, t('idBringOld')]
        .filter((x): x is string => !!x);
      extra.push(
        h('section', { 'aria-labelledby': 'id-bring-heading', class: 'stack-s' },
          h('h3', { class: 'kern-heading-small', id: 'id-bring-heading' }, t('whatToBring')),
          h('ul', { class: 'kern-list kern-list--bullet' }, bring.map((w) => h('li', {}, w)))),
      );
      if (a.pickupCode) {
        const code = a.pickupCode;
        const book = h('button', { class: 'kern-btn kern-btn--primary', type: 'button', id: 'book-pickup' },
          h('span', { class: 'kern-icon kern-icon--calendar-today', 'aria-hidden': 'true' }),
          h('span', { class: 'kern-label' }, t('idBook')));
        book.addEventListener('click', () => {
          pickup.set({ office: a.office, code });
          ctx.navigate(`/termin?${selectionToQuery({ office: a.office, services: [{ id: PICKUP_SERVICE, quantity: 1 }] })}`);
        });
        extra.push(h('div', { class: 'actions' }, book));
      }
      extra.push(p(t('idWalkIn'), 'walk-in'));
      break;
    }
    case 'AUSGEHAENDIGT':
      title = t('idHandedOver');
      body.push(p(t('idHandedOverNext')));
      break;
    case 'IN_DIREKTVERSAND':
      title = t('idInDelivery');
      body.push(p(t('idInDeliveryNext')));
      break;
    case 'DIREKTVERSAND_ZUGESTELLT':
      variant = 'success';
      title = t('idDelivered');
      body.push(p(t('idDeliveredNext')));
      break;
    case 'DIREKTVERSAND_FEHLGESCHLAGEN':
      variant = 'warning';
      title = t('idDeliveryFailed');
      body.push(p(t('idDeliveryFailedNext')));
      break;
    default:
      title = t('idUnknownStatus', { status: a.status });
  }
  const box = alertBox(variant, title, body, { id: 'lookup-status', 'data-status': a.status });
  return h('section', { class: 'stack', 'aria-labelledby': 'result-heading' },
    h('h2', { class: 'kern-heading-medium', id: 'result-heading', tabindex: '-1' }, t('idResultHeading')),
    box,
    h('dl', { class: 'kern-description-list', id: 'lookup-details' },
      item(t('idDocument'), documentTypeName(a.documentType)),
      item(t('office'), officeName),
      a.updatedAt ? item(t('idUpdated'), formatDateTime(a.updatedAt, tz)) : null),
    ...extra);
}
