// A tiny element builder: text always goes in as text nodes (no innerHTML), so API data and
// user input can never become markup.
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

let idCounter = 0;
export const uid = (prefix: string): string => `${prefix}-${++idCounter}`;

/** Announces a message to screen readers through the polite live region. */
export function announce(message: string): void {
  const region = document.getElementById('live-polite');
  if (!region) return;
  region.textContent = '';
  window.setTimeout(() => (region.textContent = message), 50);
}

let leaveHandlers: (() => void)[] = [];
/** Pages register timers etc. here; they are stopped when the page changes. */
export function onLeave(fn: () => void): void {
  leaveHandlers.push(fn);
}
export function runLeave(): void {
  const fns = leaveHandlers;
  leaveHandlers = [];
  for (const fn of fns) fn();
}

/** The KERN step indicator of a flow (current: 1..labels.length). */
export function steps(current: number, labels: string[], label: string, currentText: string): HTMLElement {
  return h(
    'nav',
    { 'aria-label': label },
    h(
      'ol',
      { class: 'steps kern-body kern-body--small' },
      labels.map((text, i) =>
        h(
          'li',
          { 'aria-current': i + 1 === current ? 'step' : null },
          text,
          i + 1 === current ? h('span', { class: 'kern-sr-only' }, ` ${currentText}`) : null,
        ),
      ),
    ),
  );
}
