import { locale, t } from './i18n';
import type { Address } from './api';

const TZ = 'Europe/Berlin';

export function formatDateTime(iso: string, timeZone = TZ): string {
  const d = new Date(iso);
  const date = new Intl.DateTimeFormat(locale(), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone,
  }).format(d);
  return `${date}, ${t('timeAt', { time: formatTime(iso, timeZone) })}`;
}

export function formatTime(iso: string, timeZone = TZ): string {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', timeZone }).format(
    new Date(iso),
  );
}

export function formatDay(isoDate: string): string {
  // isoDate "YYYY-MM-DD": format as a civil date (noon UTC keeps the day in any zone).
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: 'UTC',
  }).format(new Date(`${isoDate}T12:00:00Z`));
}

/** A civil date "YYYY-MM-DD" with the year: "17. Mai 1990". */
export function formatDate(isoDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate;
  return new Intl.DateTimeFormat(locale(), {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${isoDate}T12:00:00Z`));
}

export function formatShortDay(isoDate: string): string {
  return new Intl.DateTimeFormat(locale(), {
    day: 'numeric',
    month: 'long',
    timeZone: 'UTC',
  }).format(new Date(`${isoDate}T12:00:00Z`));
}

/** The civil date "YYYY-MM-DD" of an RFC 3339 time with offset: its first 10 characters. */
export const civilDate = (iso: string): string => iso.slice(0, 10);

/** Today's civil date in the office's zone. */
export function today(timeZone = TZ): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function formatAddress(a?: Address): string {
  if (!a) return '';
  return [a.street, [a.postalCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}

export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}
