// "Meine Meldevorgänge" (/meldung/status): the signed-in citizen's cases, newest first
// (GET /api/v1/registrations?pageSize=20, more with pageToken), each with its state in plain
// words and what to do: answer the office's question, type the code of the letter, download the
// Meldebestätigung per person (a plain link: the session cookie goes with it) with its
// verification code, or, after a rejection, the reason and "Termin im Bürgerbüro buchen".
import { api, ApiError, certificateCheckUrl, certificateUrl, loadOffices, type Office, type Registration } from '../api';
import { sessionEnded, withCsrf } from '../auth';
import { h } from '../dom';
import { alertBox } from '../errors';
import { formatDate, formatDateTime } from '../format';
import { t } from '../i18n';
import type { PageContext } from '../main';
import { textareaField, textField } from './common';
import { bookingHref, expiredBox, regAlert, requireSession, statusName, typeName } from './registration-common';

const BADGE: Record<string, 'info' | 'warning' | 'success' | 'danger'> = {
  SUBMITTED: 'info',
  INFORMATION_REQUESTED: 'warning',
  CODE_LETTER_SENT: 'warning',
  ACCEPTED: 'success',
  REJECTED: 'danger',
};

export async function renderRegistrationStatus(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('regMyCases'));
  const s = await requireSession(ctx, '/meldung/status', t('regMyCases'), t('regStatusIntro'));
  if (!s) return;
  const { main } = ctx;
  const messages = h('div', { class: 'stack-s', id: 'status-messages' });
  const list = h('div', { class: 'stack', id: 'registrations' });
  const more = h('div', {});
  main.append(
    h('h1', { class: 'kern-heading-large' }, t('regMyCases')),
    h('p', { class: 'kern-body' }, t('regStatusIntro')),
    messages,
    list,
    more,
  );
  let offices: Office[] = [];
  try {
    offices = await loadOffices();
  } catch {
    /* the office's id stands in for its name */
  }
  const reload = () => ctx.navigate(location.pathname);
  const load = async (pageToken?: string) => {
    more.replaceChildren(h('p', { class: 'kern-body', role: 'status' }, t('loading')));
    try {
      const page = await api.myRegistrations(pageToken);
      const cases = page.registrations ?? [];
      if (!pageToken && cases.length === 0) {
        list.append(h('p', { class: 'kern-body', id: 'no-registrations' }, t('regNoCases'), ' ',
          h('a', { class: 'kern-link', href: '/meldung', 'data-nav': true }, t('regToForm'))));
      }
      for (const reg of cases) list.append(caseView(reg, offices, reload));
      more.replaceChildren();
      if (page.nextPageToken) {
        const next = page.nextPageToken;
        const button = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'more-registrations' },
          h('span', { class: 'kern-label' }, t('regMore')));
        button.addEventListener('click', () => void load(next));
        more.append(button);
      }
    } catch (err) {
      more.replaceChildren();
      if (err instanceof ApiError && err.status === 401) sessionEnded();
      messages.replaceChildren(err instanceof ApiError && err.status === 401
        ? expiredBox('/meldung/status', false)
        : regAlert(err, h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', onclick: reload },
          h('span', { class: 'kern-label' }, t('retry')))));
    }
  };
  await load();
}

function item(key: string, value: Node | string, attrs: Record<string, string> = {}): HTMLElement {
  return h('div', { class: 'kern-description-list-item' },
    h('dt', { class: 'kern-description-list-item__key' }, key),
    h('dd', { class: 'kern-description-list-item__value', ...attrs }, value));
}

const personName = (p: { doctoralDegree?: string; givenNames?: string; familyName?: string }) =>
  [p.doctoralDegree, p.givenNames, p.familyName].filter(Boolean).join(' ');

function caseView(reg: Registration, offices: Office[], reload: () => void, note?: HTMLElement): HTMLElement {
  const base = `case-${reg.id}`;
  const officeName = offices.find((o) => o.id === reg.office)?.name ?? reg.office;
  const out = reg.type === 'ABMELDUNG';
  const section = h('article', { class: 'case stack-s', 'aria-labelledby': `${base}-heading`, id: base, 'data-status': reg.status });
  const replace = (next: Registration, message: string) => {
    const done = alertBox('success', `${t('regStatus')}: ${statusName(next.status)}`, message, { id: `${base}-done` });
    section.replaceWith(caseView(next, offices, reload, done));
    done.setAttribute('tabindex', '-1');
    done.focus();
  };
  const persons = reg.persons ?? [];
  section.append(
    h('h2', { class: 'kern-heading-medium', id: `${base}-heading` }, typeName(reg.type),
      reg.submittedAt ? h('span', { class: 'kern-body kern-body--small case__date' }, ` · ${formatDateTime(reg.submittedAt)}`) : null),
    h('p', {}, h('span', { class: `kern-badge kern-badge--${BADGE[reg.status] ?? 'info'}`, id: `${base}-status`, 'data-status': reg.status },
      h('span', { class: 'kern-label' }, `${t('regStatus')}: ${statusName(reg.status)}`))),
    note ?? '',
    h('dl', { class: 'kern-description-list' },
      item(t('regCaseId'), h('span', { class: 'case-id' }, reg.id)),
      item(t('regOffice'), officeName),
      reg.moveDate ? item(out ? t('regMoveOut') : t('regMoveIn'), formatDate(reg.moveDate)) : null,
      reg.newAddressCity ? item(t('regNewCity'), reg.newAddressCity) : null,
      persons.length ? item(t('regPersons'), persons.map(personName).join(', ')) : null,
      reg.dueDate ? item(t('regDueDate'), formatDate(reg.dueDate)) : null,
      item(t('regDeadline'), reg.overdue ? t('regDeadlineMissed') : t('regDeadlineKept'), { id: `${base}-overdue`, 'data-overdue': String(!!reg.overdue) })),
  );
  if (reg.informationRequest && reg.status !== 'INFORMATION_REQUESTED' && reg.answer) {
    section.append(h('dl', { class: 'kern-description-list' },
      item(t('regQuestion'), h('span', { class: 'message' }, reg.informationRequest)),
      item(t('regYourAnswer'), h('span', { class: 'message' }, reg.answer))));
  }
  switch (reg.status) {
    case 'SUBMITTED':
      section.append(h('p', { class: 'kern-body' },
        reg.confirmation === 'CODE_LETTER' && !reg.codeLetterSent ? t('regExplLetterPending') : t('regExplSUBMITTED')));
      break;
    case 'INFORMATION_REQUESTED':
      section.append(answerForm(reg, base, replace, reload));
      break;
    case 'CODE_LETTER_SENT':
      if (reg.codeLetterVoid) section.append(alertBox('warning', t('errorTitle'), t('regCodeVoid')));
      else if (!reg.codeConfirmed) section.append(codeForm(reg, base, replace, reload));
      break;
    case 'ACCEPTED':
      section.append(certificates(reg, base));
      break;
    case 'REJECTED':
      section.append(rejection(reg, base));
      break;
  }
  return section;
}

/** A 401 ends the session; 409 means the case moved on: show it anew. */
function actionError(err: unknown, slot: HTMLElement, reload: () => void): void {
  if (err instanceof ApiError && err.status === 401) {
    slot.replaceChildren(expiredBox('/meldung/status', false));
  } else if (err instanceof ApiError && err.status === 409) {
    slot.replaceChildren(regAlert(err, h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', onclick: reload },
      h('span', { class: 'kern-label' }, t('retry')))));
  } else {
    slot.replaceChildren(regAlert(err));
  }
  const first = slot.firstElementChild as HTMLElement | null;
  first?.setAttribute('tabindex', '-1');
  first?.focus();
}

function answerForm(reg: Registration, base: string, replace: (r: Registration, m: string) => void, reload: () => void): HTMLElement {
  const field = textareaField({ id: `${base}-answer`, label: t('regYourAnswer'), hint: t('regAnswerHint'), maxLength: 2000 });
  const slot = h('div', {});
  const send = h('button', { class: 'kern-btn kern-btn--primary', type: 'submit', id: `${base}-send-answer` },
    h('span', { class: 'kern-label' }, t('regSendAnswer')));
  const form = h('form', { class: 'stack-s', method: 'post', novalidate: true, id: `${base}-answer-form` },
    h('dl', { class: 'kern-description-list' },
      item(t('regQuestion'), h('span', { class: 'message' }, reg.informationRequest ?? ''), { id: `${base}-question` })),
    field.wrap, slot, h('div', { class: 'actions' }, send));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = field.textarea.value.trim();
    if (!message || [...message].length > 2000) {
      field.setError(t('regErrAnswer'));
      field.textarea.focus();
      return;
    }
    field.setError(null);
    slot.replaceChildren();
    send.disabled = true;
    try {
      const next = await withCsrf((csrf) => api.answerRegistration(reg.id, message, csrf));
      replace(next, t('regAnswerSent'));
    } catch (err) {
      send.disabled = false;
      if (err instanceof ApiError && err.status === 400 && err.problem.field === 'message') {
        field.setError(t('regErrAnswer'));
        field.textarea.focus();
      } else {
        actionError(err, slot, reload);
      }
    }
  });
  return form;
}

function codeForm(reg: Registration, base: string, replace: (r: Registration, m: string) => void, reload: () => void): HTMLElement {
  const field = textField({ id: `${base}-code`, label: t('regLetterCode'), hint: t('regLetterCodeHint'), autocomplete: 'off' });
  field.input.maxLength = 20;
  field.input.setAttribute('autocapitalize', 'characters');
  field.input.setAttribute('spellcheck', 'false');
  const slot = h('div', {});
  const send = h('button', { class: 'kern-btn kern-btn--primary', type: 'submit', id: `${base}-confirm-code` },
    h('span', { class: 'kern-label' }, t('regConfirmCode')));
  const form = h('form', { class: 'stack-s', method: 'post', novalidate: true, id: `${base}-code-form` },
    field.wrap, slot, h('div', { class: 'actions' }, send));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = field.input.value.replace(/\s+/g, '').toUpperCase();
    if (!/^[0-9A-Z]{10}$/.test(code)) {
      field.setError(t('regErrCode'));
      field.input.focus();
      return;
    }
    field.setError(null);
    slot.replaceChildren();
    send.disabled = true;
    try {
      const next = await withCsrf((csrf) => api.confirmRegistrationCode(reg.id, code, csrf));
      replace(next, t('regCodeConfirmed'));
    } catch (err) {
      send.disabled = false;
      if (err instanceof ApiError && ((err.status === 400 && err.problem.field === 'code') || err.kind === 'code-invalid')) {
        field.setError(err.kind === 'code-invalid' ? t('regCodeWrong') : t('regErrCode'));
        field.input.focus();
      } else if (err instanceof ApiError && err.status === 409) {
        slot.replaceChildren(alertBox('warning', t('errorTitle'), t('regCodeVoid')));
      } else {
        actionError(err, slot, reload);
      }
    }
  });
  return form;
}

function certificates(reg: Registration, base: string): HTMLElement {
  const persons = (reg.persons ?? []).filter((p) => p.number > 0);
  const out = h('div', { class: 'stack-s' },
    h('h3', { class: 'kern-heading-small', id: `${base}-certificates-heading` }, t('regCertificates')),
    reg.moveDate ? h('p', { class: 'kern-body' }, t('regExplACCEPTED', { date: formatDate(reg.moveDate) })) : '');
  if (persons.some((p) => p.certificateCode)) out.append(h('p', { class: 'kern-body kern-body--small' }, t('regCertificateCheck')));
  const list = h('ul', { class: 'certificates' });
  for (const p of persons) {
    const id = `${base}-certificate-${p.number}`;
    list.append(h('li', { class: 'stack-s' },
      h('p', {}, h('a', { class: 'kern-link', href: certificateUrl(reg.id, p.number), download: `meldebestaetigung-${p.number}.pdf`, id },
        h('span', { class: 'kern-icon kern-icon--download', 'aria-hidden': 'true' }),
        t('regCertificateFor', { name: personName(p) || String(p.number) }))),
      p.certificateCode
        ? h('dl', { class: 'kern-description-list' },
          item(t('regCertificateCode'), h('span', { class: 'cert-code' }, p.certificateCode), { id: `${id}-code` }),
          item(t('regCertificateCheckAt'), h('span', { class: 'check-url' }, certificateCheckUrl(p.certificateCode)), { id: `${id}-check` }))
        : ''));
  }
  out.append(list);
  return out;
}

function rejection(reg: Registration, base: string): HTMLElement {
  const out = h('div', { class: 'stack-s' },
    h('dl', { class: 'kern-description-list' },
      item(t('regRejectedReason'), h('span', { class: 'message' }, reg.rejectionReason ?? ''), { id: `${base}-reason` })),
    h('p', { class: 'kern-body' }, t('regRejectedNext')));
  const link = reg.bookingLink ? bookingHref(reg.bookingLink) : null;
  if (link) {
    out.append(h('div', { class: 'actions' }, h('a', {
      class: 'kern-btn kern-btn--primary',
      href: link.href,
      'data-nav': link.internal ? true : null,
      id: `${base}-booking`,
    },
    h('span', { class: 'kern-icon kern-icon--calendar-today', 'aria-hidden': 'true' }),
    h('span', { class: 'kern-label' }, t('regBookCounter')))));
  }
  return out;
}
