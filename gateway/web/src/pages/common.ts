import { h, steps } from '../dom';
import { t } from '../i18n';

export function flowSteps(current: 1 | 2 | 3 | 4): HTMLElement {
  return steps(
    current,
    [t('stepChoose'), t('stepTime'), t('stepData'), t('stepDone')],
    t('stepsLabel'),
    t('currentStep'),
  );
}

export function loading(): HTMLElement {
  return h('p', { class: 'kern-body', role: 'status' }, t('loading'));
}

/** A KERN text input with label, hint and an error slot tied to it by aria-describedby. */
export function textField(opts: {
  id: string;
  label: string;
  type?: string;
  autocomplete?: string;
  hint?: string;
  optional?: string;
  value?: string;
  inputmode?: string;
}): { wrap: HTMLElement; input: HTMLInputElement; setError: (msg: string | null) => void } {
  const hintId = `${opts.id}-hint`;
  const errId = `${opts.id}-error`;
  const input = h('input', {
    class: 'kern-form-input__input',
    id: opts.id,
    name: opts.id,
    type: opts.type ?? 'text',
    autocomplete: opts.autocomplete,
    inputmode: opts.inputmode,
    value: opts.value,
    'aria-describedby': opts.hint ? hintId : null,
  });
  const error = h('p', { class: 'kern-error', id: errId, hidden: true });
  const wrap = h(
    'div',
    { class: 'kern-form-input' },
    h(
      'label',
      { class: 'kern-label', for: opts.id },
      opts.label,
      opts.optional ? h('span', { class: 'kern-label__optional' }, ` ${opts.optional}`) : null,
    ),
    opts.hint ? h('div', { class: 'kern-hint', id: hintId }, opts.hint) : null,
    error,
    input,
  );
  const setError = (msg: string | null) => {
    if (msg) {
      error.replaceChildren(
        h('span', { class: 'kern-icon kern-icon--danger', 'aria-hidden': 'true' }),
        h('span', { class: 'kern-body' }, msg),
      );
      error.hidden = false;
      wrap.classList.add('kern-form-input--error');
      input.classList.add('kern-form-input__input--error');
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', [opts.hint ? hintId : '', errId].filter(Boolean).join(' '));
    } else {
      error.hidden = true;
      error.replaceChildren();
      wrap.classList.remove('kern-form-input--error');
      input.classList.remove('kern-form-input__input--error');
      input.removeAttribute('aria-invalid');
      if (opts.hint) input.setAttribute('aria-describedby', hintId);
      else input.removeAttribute('aria-describedby');
    }
  };
  return { wrap, input, setError };
}

/** The error summary at the top of a form: links to the fields, focused on submit. */
export function errorSummary(errors: { id: string; message: string }[]): HTMLElement {
  return h(
    'div',
    { class: 'kern-alert kern-alert--danger', role: 'alert', tabindex: '-1', id: 'error-summary' },
    h(
      'div',
      { class: 'kern-alert__header' },
      h('span', { class: 'kern-icon kern-icon--danger', 'aria-hidden': 'true' }),
      h('span', { class: 'kern-title' }, t('errorSummary')),
    ),
    h(
      'div',
      { class: 'kern-alert__body' },
      h(
        'ul',
        { class: 'kern-list' },
        errors.map((e) => h('li', {}, h('a', { class: 'kern-link', href: `#${e.id}` }, e.message))),
      ),
    ),
  );
}
