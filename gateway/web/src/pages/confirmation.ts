// Confirmation: code, date, address, what to bring, .ics, and the private manage link.
import { h } from '../dom';
import { alertBox } from '../errors';
import { t } from '../i18n';
import { lastBooking, manageUrl } from '../store';
import type { PageContext } from '../main';
import { flowSteps } from './common';
import { bookingDetails, catalogFor, icsButton, whatToBring } from './booking-view';

export async function renderConfirmation(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('doneTitle'));
  const { main } = ctx;
  main.append(flowSteps(4));
  const booking = lastBooking.get();
  if (!booking || !booking.token) {
    main.append(
      h('h1', { class: 'kern-heading-large' }, t('doneTitle')),
      alertBox('info', t('doneTitle'), t('noBooking')),
      h('p', {}, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart'))),
    );
    return;
  }
  const cat = await catalogFor(booking);
  const link = manageUrl(booking.code, booking.token);
  const copyStatus = h('p', { class: 'kern-body', role: 'status' });
  const copy = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'copy-link' },
    h('span', { class: 'kern-icon kern-icon--content-copy', 'aria-hidden': 'true' }),
    h('span', { class: 'kern-label' }, t('copyLink')));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link);
      copyStatus.textContent = t('copied');
    } catch {
      // No clipboard permission: select the link text so the citizen can copy it.
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('manage-link')!);
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
    }
  });
  main.append(
    h('h1', { class: 'kern-heading-large' }, t('doneTitle')),
    alertBox('success', t('doneTitle'), t('doneIntro')),
    bookingDetails(booking, cat, false),
    cat.hints ? h('p', { class: 'kern-body kern-body--small' }, h('strong', {}, `${t('officeHints')}: `), cat.hints) : '',
    whatToBring(booking, cat, 'h2') ?? '',
    icsButton(booking.code, booking.token),
    h('section', { 'aria-labelledby': 'manage-heading', class: 'stack-s' },
      h('h2', { class: 'kern-heading-small', id: 'manage-heading' }, t('manageTitle')),
      h('p', { class: 'kern-body' }, t('manageIntro')),
      h('p', { class: 'kern-body manage-link' },
        h('a', { class: 'kern-link', href: link, id: 'manage-link' }, link)),
      h('div', { class: 'actions' }, copy),
      copyStatus),
    h('p', {}, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('newBooking'))),
  );
}
