// The citizen pages: a small router over the booking views (with the one-click cancel of an
// e-mail's link), the ID document lookup and the online registration of a move. No framework
// (see vite.config.ts).
import './styles.css';
import { h, runLeave } from './dom';
import { lang, setLang, t, type Key } from './i18n';
import { renderStart } from './pages/start';
import { renderCalendar } from './pages/calendar';
import { renderForm } from './pages/form';
import { renderConfirmation } from './pages/confirmation';
import { renderManage } from './pages/manage';
import { renderCancel } from './pages/cancel';
import { renderIdDocument } from './pages/id-document';
import { renderRegistration } from './pages/registration';
import { renderRegistrationStatus } from './pages/registration-status';

export interface PageContext {
  main: HTMLElement;
  navigate: (path: string) => void;
  setTitle: (title: string) => void;
}

type Render = (ctx: PageContext) => void | Promise<void>;

const routes: Record<string, Render> = {
  '/': renderStart,
  '/termin': renderCalendar,
  '/angaben': renderForm,
  '/bestaetigung': renderConfirmation,
  '/verwalten': renderManage,
  '/termin/absagen': renderCancel,
  '/ausweis': renderIdDocument,
  '/meldung': renderRegistration,
  '/meldung/status': renderRegistrationStatus,
};

function chrome(): void {
  document.documentElement.lang = lang;
  const set = (id: string, key: Key) => {
    const el = document.getElementById(id);
    if (el) el.textContent = t(key);
  };
  set('skip-link', 'skip');
  set('brand-title', 'appTitle');
  set('footer-text', 'footer');
  const city = document.querySelector('.site-header__city');
  if (city) city.textContent = t('city');
  document.getElementById('lang-nav')?.setAttribute('aria-label', t('langNav'));
  const sw = document.getElementById('lang-switch') as HTMLAnchorElement | null;
  if (sw) {
    const other = lang === 'de' ? 'en' : 'de';
    sw.textContent = t('switchTo');
    sw.lang = other;
    sw.hreflang = other;
    const q = new URLSearchParams(location.search);
    q.set('lang', other);
    sw.href = `${location.pathname}?${q.toString()}${location.hash}`;
  }
}

let firstRender = true;

async function render(): Promise<void> {
  runLeave();
  chrome();
  const main = document.getElementById('main') as HTMLElement;
  main.replaceChildren();
  const ctx: PageContext = {
    main,
    navigate,
    setTitle: (title) => {
      document.title = `${title} – ${t('appTitle')}`;
    },
  };
  const page = routes[location.pathname];
  if (!page) {
    ctx.setTitle(t('notFoundTitle'));
    main.append(
      h('h1', { class: 'kern-heading-large' }, t('notFoundTitle')),
      h('p', { class: 'kern-body' }, t('notFoundText')),
      h('a', { class: 'kern-link', href: '/', 'data-nav': true }, t('toStart')),
    );
    return;
  }
  await page(ctx);
  if (!firstRender) {
    // After a page change, move focus to the new page's heading so screen readers read it.
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus();
    }
  }
  firstRender = false;
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  void render();
}

document.addEventListener('click', (event) => {
  const a = (event.target as Element | null)?.closest('a');
  if (!a || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = a.getAttribute('href') ?? '';
  if (href.startsWith('#') && href.length > 1) {
    // In-page links (skip link, error summary): move focus without touching history.
    const target = document.getElementById(decodeURIComponent(href.slice(1)));
    if (target) {
      event.preventDefault();
      if (!target.hasAttribute('tabindex') && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName)) {
        target.setAttribute('tabindex', '-1');
      }
      target.focus();
      target.scrollIntoView({ block: 'center' });
    }
    return;
  }
  if (a.id === 'lang-switch') {
    event.preventDefault();
    setLang(lang === 'de' ? 'en' : 'de');
    const q = new URLSearchParams(location.search);
    q.delete('lang');
    const search = q.toString();
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
    void render().then(() => document.getElementById('lang-switch')?.focus());
    return;
  }
  if (a.hasAttribute('data-nav') || a.id === 'brand-link') {
    event.preventDefault();
    navigate(a.getAttribute('href') ?? '/');
  }
});
window.addEventListener('popstate', () => void render());

void render();
