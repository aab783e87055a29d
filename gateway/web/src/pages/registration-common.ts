// Shared by the registration form (/meldung) and the status page (/meldung/status): the sign-in
// gate, the account bar with "Abmelden", the words for types, statuses and the service's problems.
import { ApiError } from '../api';
import { loginUrl, logout, session, type ReturnPath, type Session } from '../auth';
import { h } from '../dom';
import { alertBox, errorMessage } from '../errors';
import { t, type Key } from '../i18n';
import type { PageContext } from '../main';
import { loading } from './common';

const TYPES = ['ANMELDUNG', 'UMMELDUNG', 'ABMELDUNG', 'NEBENWOHNUNG', 'HAUPTWOHNUNG'];
const STATUSES = ['SUBMITTED', 'INFORMATION_REQUESTED', 'CODE_LETTER_SENT', 'ACCEPTED', 'REJECTED'];

export const typeName = (type: string): string => (TYPES.includes(type) ? t(`regType${type}` as Key) : type);
export const statusName = (status: string): string =>
  STATUSES.includes(status) ? t(`regStatus${status}` as Key) : status;

/** The service's problems in plain words (the booking texts of errors.ts speak of bookings). */
export function regErrorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return t('errServer');
  switch (err.status) {
    case 400:
    case 422:
      return err.kind === 'code-invalid' ? t('regCodeWrong') : t('errInvalid');
    case 401:
      return t('regExpired');
    case 403:
      return err.kind === 'sign-in-level-too-low' ? t('regLevelTooLow') : t('regErrForbidden');
    case 404:
      return t('regErrNotFound');
    case 409:
      return err.kind === 'idempotency-request-in-flight' ? t('regErrBusy') : t('regStateChanged');
    case 502:
    case 503:
    case 504:
      return t('regErrUnavailable');
    default:
      return errorMessage(err); // network, 429 with Retry-After, 5xx
  }
}

export function regAlert(err: unknown, ...next: (Node | string)[]): HTMLElement {
  return alertBox('danger', t('errorTitle'), [
    h('p', { class: 'kern-body', 'data-error-status': err instanceof ApiError ? String(err.status) : 'x' }, regErrorMessage(err)),
    ...next,
  ]);
}

/** "Anmelden": a full-page navigation to the provider, back to `back` afterwards. */
export function signInLink(back: ReturnPath, label = t('regSignIn'), newTab = false): HTMLAnchorElement {
  return h('a', {
    class: newTab ? 'kern-link' : 'kern-btn kern-btn--primary',
    href: loginUrl(back),
    id: newTab ? 'sign-in-new-tab' : 'sign-in',
    target: newTab ? '_blank' : null,
    rel: newTab ? 'noopener' : null,
  },
  newTab ? label : h('span', { class: 'kern-label' }, label));
}

/** The session ended (401): say so; sign in again (in a new tab where the page holds entries). */
export function expiredBox(back: ReturnPath, newTab: boolean): HTMLElement {
  return alertBox('warning', t('regExpiredTitle'), [
    h('p', { class: 'kern-body', id: 'session-expired' }, newTab ? t('regExpiredForm') : t('regExpired')),
    h('p', {}, signInLink(back, newTab ? t('regSignInNewTab') : t('regSignInAgain'), newTab)),
  ], { id: 'session-expired-box' });
}

function accountBar(s: Session, other: 'form' | 'status'): HTMLElement {
  const messages = h('div', {});
  const button = h('button', { class: 'kern-btn kern-btn--tertiary', type: 'button', id: 'sign-out' },
    h('span', { class: 'kern-icon kern-icon--logout', 'aria-hidden': 'true' }),
    h('span', { class: 'kern-label' }, t('regSignOut')));
  button.addEventListener('click', async () => {
    button.disabled = true;
    messages.replaceChildren();
    try {
      await logout(s);
    } catch (err) {
      button.disabled = false;
      messages.replaceChildren(regAlert(err));
    }
  });
  const link = other === 'status'
    ? h('a', { class: 'kern-link', href: '/meldung/status', 'data-nav': true, id: 'to-status' }, t('regMyCases'))
    : h('a', { class: 'kern-link', href: '/meldung', 'data-nav': true, id: 'to-form' }, t('regToForm'));
  return h('section', { class: 'account-bar', 'aria-label': t('regAccount'), id: 'account-bar' },
    h('p', { class: 'kern-body', id: 'signed-in' }, t('regSignedIn')),
    h('div', { class: 'account-bar__actions' }, link, button),
    messages);
}

/**
 * The sign-in gate of both pages. Signed in as a citizen: the account bar, and the session.
 * Otherwise `title` and `intro` with what to do (sign in; or that this gateway has no sign-in),
 * and null.
 */
export async function requireSession(
  ctx: PageContext,
  back: ReturnPath,
  title: string,
  intro: string,
): Promise<Session | null> {
  const { main } = ctx;
  const wait = loading();
  main.append(wait);
  let s: Session;
  try {
    s = await session();
  } catch (err) {
    wait.remove();
    main.append(
      h('h1', { class: 'kern-heading-large' }, title),
      regAlert(err, h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', onclick: () => ctx.navigate(location.pathname + location.search) },
        h('span', { class: 'kern-label' }, t('retry')))),
    );
    return null;
  }
  wait.remove();
  if (s.signedIn && (!s.role || s.role === 'citizen')) {
    main.append(accountBar(s, back === '/meldung' ? 'status' : 'form'));
    return s;
  }
  main.append(h('h1', { class: 'kern-heading-large' }, title), h('p', { class: 'kern-body' }, intro));
  if (!s.available) {
    main.append(alertBox('info', t('regUnavailableTitle'), [
      h('p', { class: 'kern-body', id: 'sign-in-unavailable' }, t('regUnavailable')),
      h('p', {}, h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('regBookCounter'))),
    ]));
  } else if (s.signedIn) {
    main.append(alertBox('warning', t('regSignInTitle'), t('regWrongRole')), accountBar(s, back === '/meldung' ? 'status' : 'form'));
  } else {
    main.append(h('section', { class: 'stack-s', 'aria-labelledby': 'sign-in-heading', id: 'sign-in-box' },
      h('h2', { class: 'kern-heading-medium', id: 'sign-in-heading' }, t('regSignInTitle')),
      h('p', { class: 'kern-body' }, t('regSignInText')),
      h('div', { class: 'actions' }, signInLink(back))));
  }
  return null;
}

/** The booking link of a rejection: relative when it points at this site (stays in the page). */
export function bookingHref(link: string): { href: string; internal: boolean } | null {
  try {
    const url = new URL(link, location.origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.origin === location.origin) return { href: `${url.pathname}${url.search}${url.hash}`, internal: true };
    return { href: url.href, internal: false };
  } catch {
    return null;
  }
}
