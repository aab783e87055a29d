// Calendar: the next free days and times for the choice, week by week; picking a time reserves it.
import { api, ApiError, loadOffices, loadServices } from '../api';
import { h } from '../dom';
import { alertBox, errorAlert } from '../errors';
import { t } from '../i18n';
import { counter, held, pickup, PICKUP_SERVICE, pickupCodeFor, registrationCodeFor, selectionFromQuery, selectionToQuery } from '../store';
import type { PageContext } from '../main';
import { flowSteps } from './common';
import { slotPicker } from './slots';

export async function renderCalendar(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('calTitle'));
  const { main } = ctx;
  const selection = selectionFromQuery(location.search);
  main.append(flowSteps(2), h('h1', { class: 'kern-heading-large' }, t('calTitle')));
  if (!selection) {
    main.append(h('p', { class: 'kern-body' }, t('errServices')), h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart')));
    return;
  }
  const summary = h('p', { class: 'kern-body' });
  main.append(
    summary,
    h('p', {}, h('a', { class: 'kern-link', href: `/?${selectionToQuery(selection)}`, 'data-nav': true }, t('changeChoice'))),
  );
  let timeZone: string | undefined;
  try {
    const [offices, services] = await Promise.all([loadOffices(), loadServices(selection.office)]);
    const office = offices.find((o) => o.id === selection.office);
    timeZone = office?.timeZone || undefined;
    const names = selection.services.map((s) => {
      const svc = services.find((x) => x.id === s.id);
      return `${svc?.name ?? s.id}${(s.quantity ?? 1) > 1 ? ` (${s.quantity})` : ''}`;
    });
    summary.textContent = t('calFor', { services: names.join(', '), office: office?.name ?? selection.office });
  } catch (err) {
    main.append(errorAlert(err));
    return;
  }
  // The pickup of an ID document needs the code from /ausweis (kept in the session, not the URL),
  // or from the "abholbereit" e-mail's link (#abholcode=…): kept the same way, out of the address bar.
  const codeFromMail = new URLSearchParams(location.hash.slice(1)).get('abholcode');
  if (codeFromMail !== null) {
    const code = codeFromMail.trim().toUpperCase();
    if (/^[2-9A-HJKMNP-TW-Z]{8}$/.test(code)) pickup.set({ office: selection.office, code });
    history.replaceState(null, '', `${location.pathname}${location.search}`);
  }
  const pickupCode = pickupCodeFor(selection);
  const lookupLink = () => h('p', {}, h('a', { class: 'kern-link', href: '/ausweis', 'data-nav': true }, t('idTitle')));
  if (selection.services.some((s) => s.id === PICKUP_SERVICE)) {
    main.append(
      pickupCode
        ? h('p', { class: 'kern-body', id: 'pickup-note' }, t('pickupWithCode'))
        : alertBox('info', t('idBook'), [h('p', { class: 'kern-body' }, t('pickupNoCode')), lookupLink()], { id: 'pickup-note' }),
    );
  }
  // A rejected online registration's counter code rides in the fragment of the status page's
  // link (#vorsprache=…): kept in the session store for this office, out of the address bar.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('vorsprache');
  if (fromLink !== null) {
    const code = fromLink.trim().toUpperCase();
    if (/^[2-9A-HJKMNP-TW-Z]{8}$/.test(code)) counter.set({ office: selection.office, code });
    history.replaceState(null, '', `${location.pathname}${location.search}`);
  }
  let registrationCode = pickupCode ? undefined : registrationCodeFor(selection);
  const counterNote = h('div', { id: 'counter-note', class: 'stack-s' });
  const withoutCode = h('button', { class: 'kern-btn kern-btn--tertiary', type: 'button', id: 'counter-drop' },
    h('span', { class: 'kern-label' }, t('counterDrop')));
  withoutCode.addEventListener('click', () => {
    counter.set(null);
    registrationCode = undefined;
    counterNote.remove();
  });
  if (registrationCode) {
    counterNote.append(h('p', { class: 'kern-body' }, t('counterWithCode')));
    main.append(counterNote);
  }
  const status = h('div', { role: 'status', class: 'kern-body' });
  const picker = slotPicker({
    office: selection.office,
    services: selection.services,
    timeZone,
    headingLevel: 'h2',
    onPick: async (slot, button) => {
      button.disabled = true;
      status.textContent = t('reserving');
      try {
        // A hold left over from an earlier visit is released first: one hold per citizen.
        const old = held.get();
        if (old) {
          held.set(null);
          void api.release(old.reservation.reservationId).catch(() => undefined);
        }
        const reservation = await api.reserve(selection.office, selection.services, slot.start, pickupCode, registrationCode);
        held.set({ reservation, selection });
        ctx.navigate('/angaben');
      } catch (err) {
        status.textContent = '';
        button.disabled = false;
        if (err instanceof ApiError && err.kind === 'pickup-code-invalid') picker.showError(err, lookupLink());
        else if (err instanceof ApiError && err.kind === 'registration-code-invalid' && registrationCode) {
          picker.showError(err, h('div', {}, withoutCode));
        } else picker.showError(err);
      }
    },
  });
  main.append(status, picker.element);
}
