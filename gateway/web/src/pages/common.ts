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

/** A field whose error message sits next to it (the handle the registration form keeps). */
export interface FieldHandle {
  id: string; // the control to focus (the first radio of a group)
  setError: (msg: string | null) => void;
}

function errorSlot(errId: string): { error: HTMLElement; show: (msg: string | null) => void } {
  const error = h('p', { class: 'kern-error', id: errId, hidden: true });
  const show = (msg: string | null) => {
    error.hidden = !msg;
    error.replaceChildren(
      ...(msg ? [h('span', { class: 'kern-icon kern-icon--danger', 'aria-hidden': 'true' }), h('span', { class: 'kern-body' }, msg)] : []),
    );
  };
  return { error, show };
}

/** Ties `control` to its hint and, while there is one, to its error (aria-describedby). */
function describe(control: HTMLElement, hintId: string | null, errId: string, invalid: boolean): void {
  const ids = [hintId, invalid ? errId : null].filter(Boolean).join(' ');
  if (ids) control.setAttribute('aria-describedby', ids);
  else control.removeAttribute('aria-describedby');
  if (invalid) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

/** A KERN select with label, hint and error slot (like textField). */
export function selectField(opts: {
  id: string;
  label: string;
  options: { value: string; label: string }[];
  value?: string;
  hint?: string;
  optional?: string;
  placeholder?: string;
}): { wrap: HTMLElement; select: HTMLSelectElement } & FieldHandle {
  const hintId = opts.hint ? `${opts.id}-hint` : null;
  const errId = `${opts.id}-error`;
  const select = h(
    'select',
    { class: 'kern-form-input__select', id: opts.id, name: opts.id, 'aria-describedby': hintId },
    opts.placeholder !== undefined ? h('option', { value: '' }, opts.placeholder) : null,
    opts.options.map((o) => h('option', { value: o.value, selected: o.value === opts.value }, o.label)),
  );
  const { error, show } = errorSlot(errId);
  const wrap = h(
    'div',
    { class: 'kern-form-input' },
    h('label', { class: 'kern-label', for: opts.id }, opts.label,
      opts.optional ? h('span', { class: 'kern-label__optional' }, ` ${opts.optional}`) : null),
    hintId ? h('div', { class: 'kern-hint', id: hintId }, opts.hint) : null,
    error,
    h('div', { class: 'kern-form-input__select-wrapper' }, select),
  );
  const setError = (msg: string | null) => {
    show(msg);
    wrap.classList.toggle('kern-form-input--error', !!msg);
    select.classList.toggle('kern-form-input__select--error', !!msg);
    describe(select, hintId, errId, !!msg);
  };
  return { wrap, select, id: opts.id, setError };
}

/** A KERN textarea with label, hint and error slot. */
export function textareaField(opts: { id: string; label: string; hint?: string; maxLength?: number }): {
  wrap: HTMLElement;
  textarea: HTMLTextAreaElement;
} & FieldHandle {
  const hintId = opts.hint ? `${opts.id}-hint` : null;
  const errId = `${opts.id}-error`;
  const textarea = h('textarea', {
    class: 'kern-form-input__input',
    id: opts.id,
    name: opts.id,
    rows: 5,
    maxlength: opts.maxLength,
    'aria-describedby': hintId,
  });
  const { error, show } = errorSlot(errId);
  const wrap = h(
    'div',
    { class: 'kern-form-input' },
    h('label', { class: 'kern-label', for: opts.id }, opts.label),
    hintId ? h('div', { class: 'kern-hint', id: hintId }, opts.hint) : null,
    error,
    textarea,
  );
  const setError = (msg: string | null) => {
    show(msg);
    wrap.classList.toggle('kern-form-input--error', !!msg);
    textarea.classList.toggle('kern-form-input__input--error', !!msg);
    describe(textarea, hintId, errId, !!msg);
  };
  return { wrap, textarea, id: opts.id, setError };
}

/** A KERN radio group (fieldset + legend); the error is tied to the fieldset. */
export function radioGroup(opts: {
  id: string;
  legend: string;
  name: string;
  options: { value: string; label: string; hint?: string }[];
  value?: string;
  hint?: string;
  onChange?: (value: string) => void;
}): { wrap: HTMLFieldSetElement; inputs: HTMLInputElement[] } & FieldHandle {
  const hintId = opts.hint ? `${opts.id}-hint` : null;
  const errId = `${opts.id}-error`;
  const { error, show } = errorSlot(errId);
  const inputs: HTMLInputElement[] = [];
  const items = opts.options.map((o, i) => {
    const id = i === 0 ? opts.id : `${opts.id}-${o.value}`;
    const optHint = o.hint ? `${id}-option-hint` : null;
    const input = h('input', {
      class: 'kern-form-check__radio',
      type: 'radio',
      id,
      name: opts.name,
      value: o.value,
      checked: o.value === opts.value,
      'aria-describedby': optHint,
    });
    input.addEventListener('change', () => {
      if (input.checked) opts.onChange?.(o.value);
    });
    inputs.push(input);
    return h('div', { class: 'kern-form-check' },
      input,
      h('label', { class: 'kern-label', for: id }, o.label),
      optHint ? h('div', { class: 'kern-hint', id: optHint }, o.hint) : null);
  });
  const wrap = h(
    'fieldset',
    { class: 'kern-fieldset', id: `${opts.id}-group`, 'aria-describedby': hintId },
    h('legend', { class: 'kern-label' }, opts.legend),
    hintId ? h('div', { class: 'kern-hint', id: hintId }, opts.hint) : null,
    error,
    h('div', { class: 'kern-fieldset__body' }, items),
  );
  const setError = (msg: string | null) => {
    show(msg);
    wrap.classList.toggle('kern-fieldset--error', !!msg);
    for (const input of inputs) input.classList.toggle('kern-form-check__radio--error', !!msg);
    describe(wrap, hintId, errId, false);
    if (msg) wrap.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  };
  return { wrap, inputs, id: opts.id, setError };
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
