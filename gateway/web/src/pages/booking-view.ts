// Shared by the confirmation and the manage page: the booking's details and the .ics download.
import { api, loadOffices, loadServices, type Booking, type Service } from '../api';
import { h } from '../dom';
import { errorAlert } from '../errors';
import { t } from '../i18n';
import { formatAddress, formatDateTime } from '../format';

export interface Catalog {
  officeName: string;
  address: string;
  hints: string;
  timeZone?: string;
  services: Service[];
}

export async function catalogFor(booking: Booking): Promise<Catalog> {
  try {
    const [offices, services] = await Promise.all([loadOffices(), loadServices(booking.office)]);
    const office = offices.find((o) => o.id === booking.office);
    return {
      officeName: office?.name ?? booking.office,
      address: formatAddress(office?.address),
      hints: office?.hints ?? '',
      timeZone: office?.timeZone || undefined,
      services,
    };
  } catch {
    return { officeName: booking.office, address: '', hints: '', services: [] };
  }
}

function item(key: string, value: Node | string, id?: string): HTMLElement {
  return h('div', { class: 'kern-description-list-item' },
    h('dt', { class: 'kern-description-list-item__key' }, key),
    h('dd', { class: 'kern-description-list-item__value', id }, value));
}

export function statusText(status?: string): string {
  switch (status) {
    case 'cancelled':
      return t('statusCancelled');
    case 'checked-in':
      return t('statusCheckedIn');
    case 'no-show':
      return t('statusNoShow');
    default:
      return t('statusBooked');
  }
}

export function bookingDetails(booking: Booking, cat: Catalog, withStatus: boolean): HTMLElement {
  const names = (booking.services ?? []).map((s) => {
    const name = cat.services.find((x) => x.id === s.id)?.name ?? s.id;
    return (s.quantity ?? 1) > 1 ? `${name} (${s.quantity})` : name;
  });
  return h('dl', { class: 'kern-description-list', id: 'booking-details' },
    item(t('code'), h('span', { class: 'code', id: 'booking-code' }, booking.code)),
    item(t('when'), formatDateTime(booking.start, cat.timeZone), 'booking-when'),
    item(t('where'), `${cat.officeName}${cat.address ? `, ${cat.address}` : ''}`),
    item(t('what'), names.join(', ')),
    withStatus ? item(t('status'), statusText(booking.status), 'booking-status') : null,
    booking.name ? item(t('name2'), booking.name) : null,
  );
}

export function whatToBring(booking: Booking, cat: Catalog, level: 'h2' | 'h3'): HTMLElement | null {
  const items = (booking.services ?? []).flatMap((s) => cat.services.find((x) => x.id === s.id)?.whatToBring ?? []);
  if (items.length === 0) return null;
  return h('section', { 'aria-labelledby': 'bring-heading' },
    h(level, { class: 'kern-heading-small', id: 'bring-heading' }, t('whatToBring')),
    h('ul', { class: 'kern-list kern-list--bullet' }, [...new Set(items)].map((w) => h('li', {}, w))));
}

/** "Add to calendar": the .ics needs the token header, so it is fetched and saved as a file. */
export function icsButton(code: string, token: string): HTMLElement {
  const slot = h('div', {});
  const button = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'ics' },
    h('span', { class: 'kern-icon kern-icon--calendar-today', 'aria-hidden': 'true' }),
    h('span', { class: 'kern-label' }, t('addToCalendar')));
  button.addEventListener('click', async () => {
    slot.replaceChildren();
    try {
      const text = await api.calendar(code, token);
      const url = URL.createObjectURL(new Blob([text], { type: 'text/calendar' }));
      const a = h('a', { href: url, download: `termin-${code}.ics`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      slot.replaceChildren(errorAlert(err));
    }
  });
  return h('div', { class: 'stack-s' }, button, slot);
}
