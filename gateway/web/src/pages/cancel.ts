// One-click cancel from the link in an e-mail: /termin/absagen#code=...&token=... (the fragment
// never reaches the server). Opening the page never cancels: mail scanners open links, so only
// the button sends the DELETE. The token is either the booking's own or a cancel-only token
// ("c<expiry>.<mac>"), which the service refuses for anything but the cancel: with one, the page
// shows just the booking number, with the booking's own token the date and the office too.
import { api, ApiError, type Booking } from '../api';
import { announce, h } from '../dom';
import { alertBox, errorAlert } from '../errors';
import { t } from '../i18n';
import type { PageContext } from '../main';
import { bookingDetails, catalogFor, type Catalog } from './booking-view';

/** How a cancel ended; each one is final, so the button is gone. */
type Outcome = 'cancelled' | 'already' | 'begun' | 'invalid';

// The last outcome, in memory only: a language switch renders the page again and shows it again
// instead of offering the button once more.
let settled: { code: string; token: string; outcome: Outcome } | null = null;

const isCancelOnly = (token: string): boolean => token.startsWith('c') && token.includes('.');

/** The outcome a refused DELETE stands for; null: not a final one (the button stays). */
function outcomeOf(err: unknown): Outcome | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 404) return 'invalid';
  if (err.kind === 'booking-cancelled') return 'already';
  // booking-started, and the states after the visit: checked-in, no-show, done.
  if (err.kind.startsWith('booking-')) return 'begun';
  return null;
}

function outcomeView(outcome: Outcome): HTMLElement {
  const newBooking = h('p', { class: 'kern-body' },
    h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('cancelBookNew')));
  const extra = { id: 'cancel-outcome', 'data-outcome': outcome };
  switch (outcome) {
    case 'cancelled':
      return alertBox('success', t('cancelDoneTitle'),
        [h('p', { class: 'kern-body' }, t('cancelDoneText')), newBooking], extra);
    case 'already':
      return alertBox('info', t('cancelAlreadyTitle'),
        [h('p', { class: 'kern-body' }, t('cancelAlready')), newBooking], extra);
    case 'begun':
      return alertBox('warning', t('cancelBegunTitle'), t('cancelBegun'), extra);
    case 'invalid':
      return alertBox('danger', t('cancelInvalidTitle'), [
        h('p', { class: 'kern-body' }, t('cancelInvalid')),
        h('p', { class: 'kern-body' }, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart'))),
      ], extra);
  }
}

/** Only the booking number: what a cancel-only token may show. */
function codeOnly(code: string): HTMLElement {
  return h('dl', { class: 'kern-description-list', id: 'booking-details' },
    h('div', { class: 'kern-description-list-item' },
      h('dt', { class: 'kern-description-list-item__key' }, t('code')),
      h('dd', { class: 'kern-description-list-item__value' }, h('span', { class: 'code', id: 'booking-code' }, code))));
}

export async function renderCancel(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('cancelTitle'));
  const { main } = ctx;
  const frag = new URLSearchParams(location.hash.slice(1));
  const code = frag.get('code') ?? '';
  const token = frag.get('token') ?? '';
  main.append(h('h1', { class: 'kern-heading-large' }, t('cancelTitle')));
  if (!code || !token) {
    main.append(
      alertBox('warning', t('cancelIncompleteTitle'), t('cancelIncomplete'), { id: 'cancel-incomplete' }),
      h('p', {}, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart'))),
    );
    return;
  }
  const content = h('div', { class: 'stack' });
  const remembered = settled && settled.code === code && settled.token === token ? settled.outcome : null;

  // The details are a courtesy: without them (a cancel-only token, or no answer) the booking
  // number and the question are enough. Only a 404 says the link itself is wrong.
  let booking: Booking | null = null;
  let cat: Catalog | null = null;
  if (!isCancelOnly(token)) {
    const status = h('p', { class: 'kern-body', role: 'status' }, t('loading'));
    main.append(status);
    try {
      booking = await api.booking(code, token);
      cat = await catalogFor(booking);
    } catch (err) {
      if (!remembered && err instanceof ApiError && err.status === 404) {
        status.remove();
        main.append(content);
        content.append(outcomeView('invalid'));
        return;
      }
    }
    status.remove();
  }
  main.append(content);

  const details = (cancelled: boolean): HTMLElement =>
    booking && cat ? bookingDetails(cancelled ? { ...booking, status: 'cancelled' } : booking, cat, true) : codeOnly(code);

  const show = (outcome: Outcome, focus: boolean) => {
    const box = outcomeView(outcome);
    content.replaceChildren(...(outcome === 'invalid' ? [] : [details(outcome === 'cancelled' || outcome === 'already')]), box);
    if (focus) {
      box.setAttribute('tabindex', '-1');
      box.focus();
      announce(box.querySelector('.kern-title')?.textContent ?? '');
    }
  };

  if (remembered) {
    show(remembered, false);
    return;
  }
  if (booking?.status && booking.status !== 'booked') {
    show(booking.status === 'cancelled' ? 'already' : 'begun', false);
    return;
  }

  const question = h('p', { class: 'kern-body kern-body--bold', id: 'cancel-question' }, t('cancelQuestion'));
  const button = h('button', { class: 'kern-btn kern-btn--primary', type: 'button', id: 'cancel-yes' },
    h('span', { class: 'kern-label' }, t('cancel')));
  const progress = h('p', { class: 'kern-body', role: 'status' });
  const problem = h('div', { id: 'cancel-problem' });
  content.append(
    h('p', { class: 'kern-body' }, t('cancelIntro')),
    details(false),
    h('div', { class: 'confirm-box stack-s', role: 'group', 'aria-labelledby': 'cancel-question' },
      question, h('div', { class: 'actions' }, button), progress),
    problem,
  );

  button.addEventListener('click', async () => {
    button.disabled = true;
    problem.replaceChildren();
    progress.textContent = t('cancelling');
    try {
      await api.cancel(code, token);
      settled = { code, token, outcome: 'cancelled' };
      show('cancelled', true);
    } catch (err) {
      progress.textContent = '';
      const outcome = outcomeOf(err);
      if (outcome) {
        settled = { code, token, outcome };
        show(outcome, true);
        return;
      }
      // Not final (no answer, busy, a server error): say so and leave the button for a retry.
      button.disabled = false;
      const box = errorAlert(err);
      problem.replaceChildren(box);
      box.setAttribute('tabindex', '-1');
      box.focus();
    }
  });
}
