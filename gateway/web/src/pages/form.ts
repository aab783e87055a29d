// Reserve -> form: name, e-mail, optional phone, with a visible countdown of the hold; confirm.
import { api, ApiError, loadOffices, loadServices } from '../api';
import { announce, h, onLeave } from '../dom';
import { alertBox, errorAlert, errorMessage } from '../errors';
import { lang, t } from '../i18n';
import { formatAddress, formatCountdown, formatDateTime } from '../format';
import { counter, held, lastBooking, pickup, PICKUP_SERVICE, registrationCodeFor, selectionToQuery } from '../store';
import type { PageContext } from '../main';
import { errorSummary, flowSteps, textField } from './common';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const PHONE = /^\+?[0-9 ()/-]{5,25}$/;
const ANNOUNCE_AT = [300, 120, 60, 30]; // seconds left: told to screen readers once each

export async function renderForm(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('formTitle'));
  const { main } = ctx;
  main.append(flowSteps(3), h('h1', { class: 'kern-heading-large' }, t('formTitle')));
  const current = held.get();
  if (!current) {
    main.append(
      alertBox('info', t('formTitle'), t('noReservation')),
      h('p', {}, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart'))),
    );
    return;
  }
  const { reservation, selection } = current;
  const calendarUrl = `/termin?${selectionToQuery(selection)}`;

  let officeName = selection.office;
  let address = '';
  let timeZone: string | undefined;
  let serviceNames = selection.services.map((s) => s.id);
  try {
    const [offices, services] = await Promise.all([loadOffices(), loadServices(selection.office)]);
    const office = offices.find((o) => o.id === selection.office);
    officeName = office?.name ?? officeName;
    address = formatAddress(office?.address);
    timeZone = office?.timeZone || undefined;
    serviceNames = selection.services.map((s) => {
      const name = services.find((x) => x.id === s.id)?.name ?? s.id;
      return (s.quantity ?? 1) > 1 ? `${name} (${s.quantity})` : name;
    });
  } catch {
    /* the catalog is only for display here; the reservation itself is what counts */
  }

  const countdown = h('span', { class: 'countdown', id: 'countdown' });
  const holdBox = h(
    'div',
    { class: 'kern-alert kern-alert--info', id: 'hold' },
    h('div', { class: 'kern-alert__header' },
      h('span', { class: 'kern-icon kern-icon--info', 'aria-hidden': 'true' }),
      h('span', { class: 'kern-title' }, t('held'))),
    h('div', { class: 'kern-alert__body stack-s' },
      h('p', { class: 'kern-body kern-body--bold' }, formatDateTime(reservation.start, timeZone)),
      h('p', { class: 'kern-body' }, `${officeName}${address ? `, ${address}` : ''}`),
      h('p', { class: 'kern-body' }, serviceNames.join(', ')),
      h('p', { class: 'kern-body' }, `${t('holdLeft')} `, countdown)),
  );
  const messages = h('div', { class: 'stack-s' });
  const summarySlot = h('div', {});
  const name = textField({ id: 'name', label: t('name'), autocomplete: 'name' });
  const email = textField({ id: 'email', label: t('email'), type: 'email', autocomplete: 'email', hint: t('emailHint') });
  const phone = textField({ id: 'phone', label: t('phone'), type: 'tel', autocomplete: 'tel', hint: t('phoneHint'), optional: t('optional'), inputmode: 'tel' });
  const submit = h('button', { class: 'kern-btn kern-btn--primary', type: 'submit', id: 'confirm' }, h('span', { class: 'kern-label' }, t('confirmBooking')));
  const release = h('button', { class: 'kern-btn kern-btn--tertiary', type: 'button', id: 'release' }, h('span', { class: 'kern-label' }, t('release')));
  const status = h('p', { class: 'kern-body', role: 'status' });
  const form = h('form', { class: 'stack', novalidate: true, id: 'details-form' },
    summarySlot, name.wrap, email.wrap, phone.wrap, status, h('div', { class: 'actions' }, submit, release));
  main.append(holdBox, messages, form);

  const expiresAt = Date.parse(reservation.expiresAt);
  let expired = false;
  const announced = new Set<number>();
  const expire = (message: string) => {
    if (expired) return;
    expired = true;
    window.clearInterval(timer);
    held.set(null);
    submit.disabled = true;
    release.hidden = true;
    const again = h('a', { class: 'kern-btn kern-btn--primary', href: calendarUrl, 'data-nav': true, id: 'choose-again' },
      h('span', { class: 'kern-label' }, t('chooseAgain')));
    holdBox.replaceWith(alertBox('warning', t('errorTitle'), [h('p', { class: 'kern-body', id: 'expired-message' }, message), again], { id: 'hold' }));
  };
  const tick = () => {
    const left = expiresAt - Date.now();
    countdown.textContent = formatCountdown(left);
    const s = Math.ceil(left / 1000);
    for (const mark of ANNOUNCE_AT) {
      if (s <= mark && s > mark - 5 && !announced.has(mark)) {
        announced.add(mark);
        announce(t('holdAnnounce', { time: formatCountdown(left) }));
      }
    }
    if (left <= 0) expire(t('holdExpired'));
  };
  const timer = window.setInterval(tick, 1000);
  onLeave(() => window.clearInterval(timer));
  tick();

  release.addEventListener('click', async () => {
    release.disabled = true;
    window.clearInterval(timer);
    held.set(null);
    try {
      await api.release(reservation.reservationId);
    } catch {
      /* the hold ends by itself at its expiry */
    }
    ctx.navigate(calendarUrl);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (expired) return;
    const errors: { id: string; message: string }[] = [];
    const check = (field: ReturnType<typeof textField>, ok: boolean, msg: string) => {
      field.setError(ok ? null : msg);
      if (!ok) errors.push({ id: field.input.id, message: msg });
    };
    const nameValue = name.input.value.trim();
    const emailValue = email.input.value.trim();
    const phoneValue = phone.input.value.trim();
    check(name, nameValue.length > 0, t('errName'));
    check(email, EMAIL.test(emailValue), t('errEmail'));
    check(phone, phoneValue === '' || PHONE.test(phoneValue), t('errPhone'));
    if (errors.length) {
      const summary = errorSummary(errors);
      summarySlot.replaceChildren(summary);
      summary.focus();
      return;
    }
    summarySlot.replaceChildren();
    messages.replaceChildren();
    submit.disabled = true;
    status.textContent = t('booking');
    try {
      const booking = await api.confirm(reservation.reservationId, {
        name: nameValue,
        email: emailValue,
        ...(phoneValue ? { phone: phoneValue } : {}),
        // The e-mails about the booking come in the language it was made in.
        language: lang,
      });
      window.clearInterval(timer);
      held.set(null);
      // The pickup code is used up by this booking (one booking per code), as is a counter code.
      if (selection.services.some((s) => s.id === PICKUP_SERVICE)) pickup.set(null);
      if (registrationCodeFor(selection)) counter.set(null);
      lastBooking.set(booking);
      ctx.navigate('/bestaetigung');
    } catch (err) {
      status.textContent = '';
      if (err instanceof ApiError && err.status === 410) {
        expire(errorMessage(err));
        return;
      }
      submit.disabled = false;
      if (err instanceof ApiError && err.status === 400 && err.problem.field) {
        const field = { name, email, phone }[err.problem.field as 'name' | 'email' | 'phone'];
        if (field) {
          const msg = { name: t('errName'), email: t('errEmail'), phone: t('errPhone') }[err.problem.field as 'name' | 'email' | 'phone'];
          field.setError(msg);
          const summary = errorSummary([{ id: field.input.id, message: msg }]);
          summarySlot.replaceChildren(summary);
          summary.focus();
          return;
        }
      }
      const next: (Node | string)[] = [];
      if (err instanceof ApiError && err.status === 409 && err.kind !== 'quota-reached') {
        next.push(h('a', { class: 'kern-link', href: calendarUrl, 'data-nav': true }, t('chooseAgain')));
      }
      if (err instanceof ApiError && err.kind === 'pickup-code-invalid') {
        next.push(h('a', { class: 'kern-link', href: '/ausweis', 'data-nav': true }, t('idTitle')));
      }
      messages.replaceChildren(errorAlert(err, ...next));
    }
  });
}
