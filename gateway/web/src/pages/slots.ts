// The week-by-week slot picker, used to book (calendar page) and to reschedule (manage page).
// Keyboard: every time is a button; within a day the arrow keys, Home and End move between
// times (roving tabindex), Tab moves on to the next day.
import { api, ApiError, type ServiceQuantity, type Slot } from '../api';
import { announce, h } from '../dom';
import { errorAlert } from '../errors';
import { t } from '../i18n';
import { addDays, civilDate, formatDay, formatShortDay, formatTime, today } from '../format';

const MAX_WEEKS_AHEAD = 8;

export interface SlotPicker {
  element: HTMLElement;
  /** Reloads the shown week (after a booking changed the availability). */
  refresh: () => Promise<void>;
  /** Shows an API error above the week (with `next`: links to what to do instead). */
  showError: (err: unknown, ...next: (Node | string)[]) => void;
}

export function slotPicker(opts: {
  office: string;
  services: ServiceQuantity[];
  timeZone?: string;
  headingLevel: 'h2' | 'h3';
  onPick: (slot: Slot, button: HTMLButtonElement) => void | Promise<void>;
  exclude?: string; // a start time not to offer (the booking's current time)
}): SlotPicker {
  const tz = opts.timeZone ?? 'Europe/Berlin';
  const first = addDays(today(tz), 1);
  let weekFrom = first;
  const weekHeading = h(opts.headingLevel, { class: 'kern-heading-small', id: 'week-heading', 'aria-live': 'polite' });
  const prev = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'prev-week' },
    h('span', { class: 'kern-icon kern-icon--chevron-left', 'aria-hidden': 'true' }),
    h('span', { class: 'kern-label' }, t('prevWeek')));
  const next = h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', id: 'next-week' },
    h('span', { class: 'kern-label' }, t('nextWeek')),
    h('span', { class: 'kern-icon kern-icon--chevron-right', 'aria-hidden': 'true' }));
  const messages = h('div', { class: 'stack-s' });
  const body = h('div', { 'aria-busy': 'false' });
  const element = h(
    'section',
    { class: 'stack', 'aria-labelledby': 'week-heading' },
    h('div', { class: 'week-nav' }, weekHeading, h('div', { class: 'actions' }, prev, next)),
    h('p', { class: 'kern-body kern-body--small' }, t('slotsHelp')),
    messages,
    body,
  );

  const setHeading = () => {
    weekHeading.textContent = t('week', { from: formatShortDay(weekFrom), to: formatShortDay(addDays(weekFrom, 6)) });
    prev.disabled = weekFrom <= first;
  };

  const fetchWeek = async (from: string): Promise<Slot[]> => {
    const res = await api.availability(opts.office, opts.services, from, addDays(from, 6));
    return (res.slots ?? []).filter((s) => (s.free ?? 0) > 0 && s.start !== opts.exclude);
  };

  const renderSlots = (slots: Slot[]) => {
    const byDay = new Map<string, Slot[]>();
    for (const s of slots) {
      const day = civilDate(s.start);
      let list = byDay.get(day);
      if (!list) byDay.set(day, (list = []));
      list.push(s);
    }
    if (byDay.size === 0) {
      body.replaceChildren(h('p', { class: 'kern-body' }, t('noSlotsWeek')));
      return;
    }
    const dayLevel = opts.headingLevel === 'h2' ? 'h3' : 'h4';
    const days = h('ul', { class: 'days' });
    for (const [day, list] of [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const headingId = `day-${day}`;
      const buttons: HTMLButtonElement[] = [];
      const grid = h('ul', { class: 'slot-grid', 'aria-labelledby': headingId });
      list.forEach((slot, i) => {
        const free = slot.free ?? 0;
        const b = h(
          'button',
          {
            class: 'kern-btn kern-btn--secondary slot',
            type: 'button',
            tabindex: i === 0 ? '0' : '-1',
            'data-start': slot.start,
            'data-free': String(free),
          },
          h('span', { class: 'kern-label' }, t('timeAt', { time: formatTime(slot.start, tz) })),
          h('span', { class: 'slot__free' }, free === 1 ? t('freeCountOne') : t('freeCount', { n: free })),
        );
        b.addEventListener('click', () => void opts.onPick(slot, b));
        b.addEventListener('keydown', (e) => {
          const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
          let target = -1;
          if (e.key in moves) target = Math.min(buttons.length - 1, Math.max(0, i + moves[e.key]!));
          else if (e.key === 'Home') target = 0;
          else if (e.key === 'End') target = buttons.length - 1;
          if (target < 0) return;
          e.preventDefault();
          for (const other of buttons) other.tabIndex = -1;
          buttons[target]!.tabIndex = 0;
          buttons[target]!.focus();
        });
        buttons.push(b);
        grid.append(h('li', {}, b));
      });
      days.append(
        h(
          'li',
          { class: 'day' },
          h(dayLevel, { class: 'kern-heading-small', id: headingId }, formatDay(day),
            h('span', { class: 'kern-body kern-body--small' }, ` – ${t('dayFree', { n: list.length })}`)),
          grid,
        ),
      );
    }
    body.replaceChildren(days);
  };

  const load = async (from: string, searchAhead: boolean) => {
    body.setAttribute('aria-busy', 'true');
    messages.replaceChildren();
    body.replaceChildren(h('p', { class: 'kern-body', role: 'status' }, t('loading')));
    try {
      let slots = await fetchWeek(from);
      let weeks = 0;
      while (searchAhead && slots.length === 0 && weeks < MAX_WEEKS_AHEAD) {
        weeks++;
        slots = await fetchWeek(addDays(from, 7 * weeks));
      }
      if (searchAhead && slots.length === 0) {
        weekFrom = from;
        setHeading();
        body.replaceChildren(h('p', { class: 'kern-body' }, t('noSlotsAtAll')));
        return;
      }
      weekFrom = addDays(from, 7 * weeks);
      setHeading();
      if (weeks > 0 && slots[0]) {
        messages.append(h('p', { class: 'kern-body', role: 'status' }, t('jumped', { date: formatDay(civilDate(slots[0].start)) })));
      }
      renderSlots(slots);
    } catch (err) {
      setHeading();
      body.replaceChildren(
        errorAlert(err, h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', onclick: () => void load(weekFrom, false) },
          h('span', { class: 'kern-label' }, t('retry')))),
      );
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  };

  prev.addEventListener('click', () => {
    weekFrom = addDays(weekFrom, -7) < first ? first : addDays(weekFrom, -7);
    setHeading();
    void load(weekFrom, false).then(() => announce(weekHeading.textContent ?? ''));
  });
  next.addEventListener('click', () => {
    weekFrom = addDays(weekFrom, 7);
    setHeading();
    void load(weekFrom, false).then(() => announce(weekHeading.textContent ?? ''));
  });
  setHeading();
  const initial = load(first, true);

  return {
    element,
    refresh: async () => {
      await initial;
      await load(weekFrom, false);
    },
    showError: (err, ...next) => {
      messages.replaceChildren(errorAlert(err, ...next));
      if (err instanceof ApiError && err.status === 409) void load(weekFrom, false).then(() => messages.replaceChildren(errorAlert(err)));
    },
  };
}
