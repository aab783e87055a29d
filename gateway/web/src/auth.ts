// Sign-in for the online registration: the gateway does OpenID Connect as a backend-for-frontend.
// The pages never see a token: an HttpOnly session cookie goes with every same-origin request,
// and what the page knows of the session (GET /auth/session) stays in memory, the CSRF token
// that every POST carries included.
//
//   const s = await session();            // { signedIn, available, role, expiresAt, csrfToken }
//   location.href = loginUrl('/meldung');  // the provider's login, then back to /meldung
//   await logout(s);                       // POST /auth/logout, then the provider's logout
import { ApiError } from './api';
import { lang } from './i18n';

export interface Session {
  signedIn: boolean;
  available: boolean; // false: this gateway has no sign-in configured
  role?: string;
  expiresAt?: string;
  csrfToken?: string;
}

/** The return paths the gateway accepts after the login. */
export type ReturnPath = '/meldung' | '/meldung/status';

let cached: Session | null = null;

/** The session as the gateway sees it; a signed-in answer is kept until shortly before it ends. */
export async function session(fresh = false): Promise<Session> {
  if (!fresh && cached?.signedIn && cached.expiresAt && Date.parse(cached.expiresAt) - Date.now() > 30_000) {
    return cached;
  }
  let res: Response;
  try {
    res = await fetch('/auth/session', {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, {}, null);
  }
  if (res.status >= 500) throw new ApiError(res.status, {}, null);
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || !type.includes('json')) {
    // No /auth here (a gateway without sign-in, or the pages' fallback answering index.html).
    cached = null;
    return { signedIn: false, available: false };
  }
  let body: Partial<Session> = {};
  try {
    body = (await res.json()) as Partial<Session>;
  } catch {
    /* treated as not signed in */
  }
  const s: Session = {
    signedIn: body.signedIn === true && typeof body.csrfToken === 'string' && body.csrfToken !== '',
    available: body.signedIn === true || body.available !== false,
    role: body.role,
    expiresAt: body.expiresAt,
    csrfToken: body.csrfToken,
  };
  cached = s.signedIn ? s : null;
  return s;
}

/** After a 401: the session has ended; the next session() asks the gateway again. */
export function sessionEnded(): void {
  cached = null;
}

/** The return path goes as it is: one of two fixed paths, nothing to encode. In English the
 * provider's login page is asked for in English too (German is its default). */
export function loginUrl(back: ReturnPath): string {
  return `/auth/login?return=${back}${lang === 'en' ? '&lang=en' : ''}`;
}

/** Ends the session at the gateway, then goes to the provider's logout (a full-page navigation). */
export async function logout(s: Session): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/auth/logout', {
      method: 'POST',
      headers: { Accept: 'application/json', 'X-CSRF-Token': s.csrfToken ?? '' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, {}, null);
  }
  cached = null;
  if (res.status === 401) {
    location.assign('/meldung/status'); // already signed out
    return;
  }
  if (!res.ok) throw new ApiError(res.status, {}, null);
  let next = '/meldung/status';
  try {
    const body = (await res.json()) as { logoutUrl?: string };
    const url = new URL(body.logoutUrl ?? '', location.origin);
    if (body.logoutUrl && (url.protocol === 'https:' || url.protocol === 'http:')) next = url.href;
  } catch {
    /* no provider logout: back to the status page, signed out */
  }
  location.assign(next);
}

/**
 * Runs a POST with the session's CSRF token. A 403 may mean the token changed (the session was
 * renewed in another tab): then once more with the fresh one. A 401 ends the cached session.
 */
export async function withCsrf<T>(call: (csrf: string) => Promise<T>): Promise<T> {
  const s = await session();
  if (!s.signedIn || !s.csrfToken) throw new ApiError(401, {}, null);
  try {
    return await call(s.csrfToken);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) sessionEnded();
    if (err instanceof ApiError && err.status === 403 && err.kind !== 'sign-in-level-too-low') {
      const again = await session(true);
      if (again.signedIn && again.csrfToken && again.csrfToken !== s.csrfToken) return call(again.csrfToken);
    }
    throw err;
  }
}
