// Manage (from the private link /verwalten#code=...&token=...; the fragment never reaches the
// server): view, reschedule (the old time is kept if the new one fails), cancel with a
// confirmation step.
import { api, ApiError, type Booking, type Slot } from '../api';
import { h } from '../dom';
import { alertBox, errorAlert } from '../errors';
import { t } from '../i18n';
import { formatDateTime } from '../format';
import type { PageContext } from '../main';
import { bookingDetails, catalogFor, icsButton, whatToBring, type Catalog } from './booking-view';
import { slotPicker } from './slots';

export async function renderManage(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('manageHeading'));
  const { main } = ctx;
  const frag = new URLSearchParams(location.hash.slice(1));
  const code = frag.get('code') ?? '';
  const token = frag.get('token') ?? '';
  main.append(h('h1', { class: 'kern-heading-large' }, t('manageHeading')));
  if (!code || !token) {
    main.append(alertBox('warning', t('errorTitle'), t('badLink')));
    return;
  }
  const status = h('p', { class: 'kern-body', role: 'status' }, t('loading'));
  main.append(status);
  let booking: Booking;
  try {
    booking = await api.booking(code, token);
  } catch (err) {
    status.remove();
    main.append(errorAlert(err, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart'))));
    return;
  }
  status.remove();
  const cat = await catalogFor(booking);
  const messages = h('div', { class: 'stack-s', id: 'manage-messages' });
  const content = h('div', { class: 'stack' });
  main.append(messages, content);

  const show = (b: Booking) => {
    booking = b;
    content.replaceChildren(bookingDetails(b, cat, true));
    if (b.status && b.status !== 'booked') {
      if (b.status === 'cancelled') content.append(alertBox('info', t('status'), t('isCancelled')));
      content.append(h('p', {}, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('newBooking'))));
      return;
    }
    const bring = whatToBring(b, cat, 'h2');
    if (bring) content.append(bring);
    content.append(icsButton(b.code, token), actions());
  };

  const actions = (): HTMLElement => {
    const area = h('div', { class: 'stack' });
    const reschedule = h('button', { class: 'kern-btn kern-btn--primary', type: 'button', id: 'reschedule' },
      h('span', { class: 'kern-label' }, t('reschedule')));
    const cancel = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'cancel' },
      h('span', { class: 'kern-label' }, t('cancel')));
    const panel = h('div', {});
    area.append(h('div', { class: 'actions' }, reschedule, cancel), panel);

    cancel.addEventListener('click', () => {
      messages.replaceChildren();
      const no = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'cancel-no' }, h('span', { class: 'kern-label' }, t('cancelNo')));
      const yes = h('button', { class: 'kern-btn kern-btn--primary', type: 'button', id: 'cancel-yes' }, h('span', { class: 'kern-label' }, t('cancelYes')));
      const question = h('p', { class: 'kern-body kern-body--bold', id: 'cancel-question', tabindex: '-1' }, t('cancelConfirm', { when: formatDateTime(booking.start, cat.timeZone) }));
      panel.replaceChildren(h('div', { class: 'confirm-box stack-s', role: 'group', 'aria-labelledby': 'cancel-question' }, question, h('div', { class: 'actions' }, yes, no)));
      question.focus();
      no.addEventListener('click', () => {
        panel.replaceChildren();
        cancel.focus();
      });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await api.cancel(booking.code, token);
          show({ ...booking, status: 'cancelled' });
          messages.replaceChildren(alertBox('success', t('status'), t('cancelled')));
        } catch (err) {
          yes.disabled = false;
          messages.replaceChildren(errorAlert(err));
        }
        focusMessages();
      });
    });

    reschedule.addEventListener('click', () => {
      messages.replaceChildren();
      const confirmSlot = h('div', {});
      const picker = slotPicker({
        office: booking.office,
        services: booking.services ?? [],
        timeZone: cat.timeZone,
        headingLevel: 'h3',
        exclude: booking.start,
        onPick: (slot) => askReschedule(slot, confirmSlot, picker.refresh),
      });
      panel.replaceChildren(
        h('section', { class: 'stack', 'aria-labelledby': 'resched-heading' },
          h('h2', { class: 'kern-heading-medium', id: 'resched-heading', tabindex: '-1' }, t('rescheduleTitle')),
          h('p', { class: 'kern-body' }, t('rescheduleIntro')),
          confirmSlot,
          picker.element),
      );
      (panel.querySelector('#resched-heading') as HTMLElement).focus();
    });
    return area;
  };

  const askReschedule = (slot: Slot, where: HTMLElement, refresh: () => Promise<void>) => {
    const when = formatDateTime(slot.start, cat.timeZone);
    const yes = h('button', { class: 'kern-btn kern-btn--primary', type: 'button', id: 'reschedule-yes' }, h('span', { class: 'kern-label' }, t('rescheduleYes')));
    const no = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'reschedule-no' }, h('span', { class: 'kern-label' }, t('rescheduleNo')));
    const question = h('p', { class: 'kern-body kern-body--bold', id: 'reschedule-question', tabindex: '-1' }, t('rescheduleConfirm', { when }));
    where.replaceChildren(h('div', { class: 'confirm-box stack-s', role: 'group', 'aria-labelledby': 'reschedule-question' }, question, h('div', { class: 'actions' }, yes, no)));
    question.focus();
    no.addEventListener('click', () => where.replaceChildren());
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      const before = booking;
      try {
        const updated = await api.reschedule(booking.code, token, slot.start);
        show({ ...before, ...updated, token: undefined });
        messages.replaceChildren(alertBox('success', t('reschedule'), t('rescheduled', { when: formatDateTime(updated.start, cat.timeZone) })));
        focusMessages();
      } catch (err) {
        // The server changed nothing: say so, and show the old booking unchanged.
        where.replaceChildren(
          errorAlert(err, h('p', { class: 'kern-body', id: 'kept-message' }, t('rescheduleFailedKept', { when: formatDateTime(before.start, cat.timeZone) }))),
        );
        if (err instanceof ApiError && err.status === 409) void refresh();
      }
    });
  };

  const focusMessages = () => {
    const first = messages.firstElementChild as HTMLElement | null;
    if (first) {
      first.setAttribute('tabindex', '-1');
      first.focus();
    }
  };

  show(booking);
}

export type { Catalog };
