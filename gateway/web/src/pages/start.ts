// Start: choose the office and the services (with quantities), see what to bring.
import { loadOffices, loadServices, type Office, type Service } from '../api';
import { h, uid } from '../dom';
import { errorAlert } from '../errors';
import { t } from '../i18n';
import { formatAddress } from '../format';
import { selectionFromQuery, selectionToQuery, type Selection } from '../store';
import type { PageContext } from '../main';
import { errorSummary, flowSteps, loading } from './common';

export async function renderStart(ctx: PageContext): Promise<void> {
  ctx.setTitle(t('startTitle'));
  const { main } = ctx;
  const preset = selectionFromQuery(location.search);
  main.append(
    flowSteps(1),
    h('h1', { class: 'kern-heading-large' }, t('startTitle')),
    h('p', { class: 'kern-body' }, t('startIntro')),
    h('p', { class: 'kern-body', id: 'id-document-link' }, `${t('idLink')} `,
      h('a', { class: 'kern-link', href: '/ausweis', 'data-nav': true }, t('idLinkText'))),
    h('p', { class: 'kern-body', id: 'registration-link' }, `${t('regLink')} `,
      h('a', { class: 'kern-link', href: '/meldung', 'data-nav': true }, t('regLinkText')),
      h('br'), `${t('regStatusLink')} `,
      h('a', { class: 'kern-link', href: '/meldung/status', 'data-nav': true }, t('regStatusLinkText'))),
  );
  const status = loading();
  main.append(status);
  let offices: Office[];
  try {
    offices = await loadOffices();
  } catch (err) {
    status.remove();
    main.append(
      errorAlert(
        err,
        h('button', { class: 'kern-btn kern-btn--secondary', type: 'button', onclick: () => ctx.navigate(location.pathname + location.search) },
          h('span', { class: 'kern-label' }, t('retry'))),
      ),
    );
    return;
  }
  status.remove();

  const summarySlot = h('div', {});
  const officeError = h('p', { class: 'kern-error', id: 'office-error', hidden: true });
  const select = h(
    'select',
    { class: 'kern-form-input__select', id: 'office', name: 'office', 'aria-describedby': 'office-hint' },
    h('option', { value: '' }, t('chooseOffice')),
    offices.map((o) => h('option', { value: o.id, selected: preset?.office === o.id }, o.name)),
  );
  const officeField = h(
    'div',
    { class: 'kern-form-input' },
    h('label', { class: 'kern-label', for: 'office' }, t('office')),
    h('div', { class: 'kern-hint', id: 'office-hint' }, t('officeHint')),
    officeError,
    h('div', { class: 'kern-form-input__select-wrapper' }, select),
  );
  const officeInfo = h('div', { class: 'kern-body', 'aria-live': 'polite' });
  const servicesSlot = h('div', {});
  const submit = h('button', { class: 'kern-btn kern-btn--primary', type: 'submit' }, h('span', { class: 'kern-label' }, t('showTimes')));
  const form = h(
    'form',
    { class: 'stack', novalidate: true, id: 'choose-form' },
    summarySlot,
    officeField,
    officeInfo,
    servicesSlot,
    h('div', { class: 'actions' }, submit),
  );
  main.append(form);

  let services: Service[] = [];
  let rows: { svc: Service; check: HTMLInputElement; qty: HTMLInputElement | null; qtyError: HTMLElement; setQtyError: (m: string | null) => void }[] = [];
  let servicesError: HTMLElement | null = null;

  const showOffice = async (presetSel: Selection | null) => {
    const office = offices.find((o) => o.id === select.value);
    officeInfo.replaceChildren();
    servicesSlot.replaceChildren();
    rows = [];
    if (!office) return;
    officeInfo.append(
      h('p', { class: 'kern-body' }, formatAddress(office.address)),
      office.hints ? h('p', { class: 'kern-body kern-body--small' }, h('strong', {}, `${t('officeHints')}: `), office.hints) : '',
    );
    servicesSlot.append(loading());
    try {
      services = await loadServices(office.id);
    } catch (err) {
      servicesSlot.replaceChildren(errorAlert(err));
      return;
    }
    servicesError = h('p', { class: 'kern-error', id: 'services-error', hidden: true });
    const list = h('ul', { class: 'service-list' });
    for (const svc of services) {
      const id = `svc-${svc.id}`;
      const pre = presetSel?.services.find((s) => s.id === svc.id);
      const check = h('input', {
        class: 'kern-form-check__checkbox',
        type: 'checkbox',
        id,
        name: 'service',
        value: svc.id,
        checked: !!pre,
        'aria-describedby': `${id}-hint`,
      });
      const max = svc.maxQuantity && svc.maxQuantity > 0 ? svc.maxQuantity : 1;
      let qty: HTMLInputElement | null = null;
      const qtyError = h('p', { class: 'kern-error', id: `${id}-qty-error`, hidden: true });
      const qtyId = `${id}-qty`;
      const details = h('div', { class: 'service-item__quantity stack-s', hidden: !pre });
      if (max > 1) {
        qty = h('input', {
          class: 'kern-form-input__input kern-form-input__input--width-4',
          type: 'number',
          inputmode: 'numeric',
          id: qtyId,
          name: qtyId,
          min: 1,
          max,
          value: pre?.quantity ?? 1,
          'aria-describedby': `${qtyId}-hint`,
        });
        details.append(
          h(
            'div',
            { class: 'kern-form-input' },
            h('label', { class: 'kern-label', for: qtyId }, `${t('quantity')}: ${svc.name}`),
            h('div', { class: 'kern-hint', id: `${qtyId}-hint` }, t('quantityHint', { max })),
            qtyError,
            qty,
          ),
        );
      }
      if (svc.whatToBring?.length) {
        const headingId = uid('bring');
        details.append(
          h('div', {},
            h('p', { class: 'kern-body kern-body--bold', id: headingId }, `${t('whatToBring')}:`),
            h('ul', { class: 'kern-list kern-list--bullet bring-list', 'aria-labelledby': headingId },
              svc.whatToBring.map((w) => h('li', {}, w))),
          ),
        );
      }
      check.addEventListener('change', () => {
        details.hidden = !check.checked;
      });
      const qtyInput = qty;
      const setQtyError = (msg: string | null) => {
        if (!qtyInput) return;
        qtyError.hidden = !msg;
        qtyError.replaceChildren(
          ...(msg ? [h('span', { class: 'kern-icon kern-icon--danger', 'aria-hidden': 'true' }), h('span', { class: 'kern-body' }, msg)] : []),
        );
        if (msg) {
          qtyInput.setAttribute('aria-invalid', 'true');
          qtyInput.setAttribute('aria-describedby', `${qtyId}-hint ${qtyError.id}`);
          qtyInput.classList.add('kern-form-input__input--error');
        } else {
          qtyInput.removeAttribute('aria-invalid');
          qtyInput.setAttribute('aria-describedby', `${qtyId}-hint`);
          qtyInput.classList.remove('kern-form-input__input--error');
        }
      };
      rows.push({ svc, check, qty, qtyError, setQtyError });
      list.append(
        h(
          'li',
          { class: 'service-item' },
          h('div', { class: 'kern-form-check' }, check, h('label', { class: 'kern-label', for: id }, svc.name)),
          h('div', { class: 'kern-hint', id: `${id}-hint` }, svc.durationMinutes ? t('minutes', { n: svc.durationMinutes }) : ''),
          details,
        ),
      );
    }
    servicesSlot.replaceChildren(
      h(
        'fieldset',
        { class: 'kern-fieldset', id: 'services', 'aria-describedby': 'services-hint' },
        h('legend', { class: 'kern-label' }, t('services')),
        h('div', { class: 'kern-hint', id: 'services-hint' }, t('servicesHint')),
        servicesError,
        h('div', { class: 'kern-fieldset__body' }, list),
      ),
    );
  };

  select.addEventListener('change', () => void showOffice(null));
  if (select.value) await showOffice(preset);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const errors: { id: string; message: string }[] = [];
    const setBlock = (el: HTMLElement | null, msg: string | null) => {
      if (!el) return;
      el.hidden = !msg;
      el.replaceChildren(
        ...(msg ? [h('span', { class: 'kern-icon kern-icon--danger', 'aria-hidden': 'true' }), h('span', { class: 'kern-body' }, msg)] : []),
      );
    };
    if (!select.value) {
      errors.push({ id: 'office', message: t('errOffice') });
      setBlock(officeError, t('errOffice'));
      select.setAttribute('aria-invalid', 'true');
      select.setAttribute('aria-describedby', 'office-hint office-error');
    } else {
      setBlock(officeError, null);
      select.removeAttribute('aria-invalid');
      select.setAttribute('aria-describedby', 'office-hint');
    }
    const chosen = rows.filter((r) => r.check.checked);
    let servicesMsg: string | null = null;
    if (select.value && chosen.length === 0) servicesMsg = t('errServices');
    for (let i = 0; i < chosen.length && !servicesMsg; i++) {
      for (let j = i + 1; j < chosen.length && !servicesMsg; j++) {
        const a = chosen[i]!.svc;
        const b = chosen[j]!.svc;
        if (!a.combinableWith?.includes(b.id) && !b.combinableWith?.includes(a.id)) {
          servicesMsg = t('errCombine', { a: a.name, b: b.name });
        }
      }
    }
    if (servicesMsg) {
      errors.push({ id: rows[0] ? rows[0].check.id : 'office', message: servicesMsg });
    }
    setBlock(servicesError, servicesMsg);
    const fieldset = document.getElementById('services');
    if (fieldset) fieldset.setAttribute('aria-describedby', servicesMsg ? 'services-hint services-error' : 'services-hint');
    for (const r of rows) {
      if (!r.qty) continue;
      const max = r.svc.maxQuantity ?? 1;
      const n = Number(r.qty.value);
      if (r.check.checked && (!Number.isInteger(n) || n < 1 || n > max)) {
        const msg = t('errQuantity', { max });
        errors.push({ id: r.qty.id, message: `${r.svc.name}: ${msg}` });
        r.setQtyError(msg);
      } else {
        r.setQtyError(null);
      }
    }
    if (errors.length) {
      const summary = errorSummary(errors);
      summarySlot.replaceChildren(summary);
      summary.focus();
      return;
    }
    summarySlot.replaceChildren();
    const selection: Selection = {
      office: select.value,
      services: chosen.map((r) => ({ id: r.svc.id, quantity: r.qty ? Number(r.qty.value) : 1 })),
    };
    // Remember the choice in this page's URL so "back" restores it.
    history.replaceState(null, '', `/?${selectionToQuery(selection)}`);
    ctx.navigate(`/termin?${selectionToQuery(selection)}`);
  });
}
