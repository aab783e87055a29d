// What a page hands to the next one. Only in sessionStorage (this tab), never in the URL:
// the reservation while the form is open, the fresh booking for the confirmation page, the
// pickup code of a finished ID document for the booking of its pickup, the counter code of a
// rejected online registration for the booking of its counter visit.
import type { Booking, Reservation, ServiceQuantity } from './api';

export interface Selection {
  office: string;
  services: ServiceQuantity[];
}

export interface HeldReservation {
  reservation: Reservation;
  selection: Selection;
}

function read<T>(key: string): T | null {
  try {
    const raw = sessionStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}
function write(key: string, value: unknown): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the flow still works within the page */
  }
}

export const held = {
  get: () => read<HeldReservation>('rathaus.reservation'),
  set: (v: HeldReservation | null) => write('rathaus.reservation', v),
};
/** The service whose booking needs the pickup code of a finished ID document. */
export const PICKUP_SERVICE = 'ausweis-abholen';
export interface Pickup {
  office: string;
  code: string;
}
/** The pickup code from "Ist mein Ausweis abholbereit?", kept for the booking of its pickup
 * (never the serial number or the birth date). */
export const pickup = {
  get: () => read<Pickup>('rathaus.pickup'),
  set: (v: Pickup | null) => write('rathaus.pickup', v),
};
/** The stored pickup code when `s` books the pickup at the office that holds the document. */
export function pickupCodeFor(s: Selection): string | undefined {
  if (!s.services.some((x) => x.id === PICKUP_SERVICE)) return undefined;
  const p = pickup.get();
  return p && p.office === s.office ? p.code : undefined;
}
/** The counter code of a rejected online registration (the fragment #vorsprache= of the status
 * page's booking link), kept for the booking of the counter visit at that office. */
export const counter = {
  get: () => read<Pickup>('rathaus.counter'),
  set: (v: Pickup | null) => write('rathaus.counter', v),
};
/** The stored counter code when `s` books at its office (never beside a pickup code). */
export function registrationCodeFor(s: Selection): string | undefined {
  if (s.services.some((x) => x.id === PICKUP_SERVICE)) return undefined;
  const c = counter.get();
  return c && c.office === s.office ? c.code : undefined;
}
export const lastBooking = {
  get: () => read<Booking>('rathaus.booking'),
  set: (v: Booking | null) => write('rathaus.booking', v),
};

/** Selection <-> query string: /termin?office=kiel-mitte&service=reisepass-beantragen:2 */
export function selectionToQuery(s: Selection): string {
  const q = new URLSearchParams();
  q.set('office', s.office);
  for (const svc of s.services) q.append('service', `${svc.id}:${svc.quantity ?? 1}`);
  return q.toString();
}
export function selectionFromQuery(search: string): Selection | null {
  const q = new URLSearchParams(search);
  const office = q.get('office');
  const services = q
    .getAll('service')
    .map((v) => {
      const [id, qty] = v.split(':');
      const quantity = Number.parseInt(qty ?? '1', 10);
      return { id: id ?? '', quantity: Number.isFinite(quantity) && quantity > 0 ? quantity : 1 };
    })
    .filter((s) => s.id);
  if (!office || services.length === 0) return null;
  return { office, services };
}

/** The private manage link: the token only in the fragment, which browsers never send. */
export function manageUrl(code: string, token: string): string {
  return `${location.origin}/verwalten#code=${encodeURIComponent(code)}&token=${encodeURIComponent(token)}`;
}
