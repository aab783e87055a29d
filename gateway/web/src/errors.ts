// Every API error as a clear message with the next step (issue 6): 409 slot taken or quota,
// 410 hold expired, 429 with Retry-After, 503/504, 404, 400 and the rest.
import { ApiError } from './api';
import { h } from './dom';
import { t } from './i18n';

export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return t('errServer');
  switch (err.status) {
    case 0:
      return t('errNetwork');
    case 400:
    case 422:
      if (err.kind === 'pickup-code-invalid') return t('errPickupCode');
      if (err.kind === 'registration-code-invalid') return t('errRegistrationCode');
      return t('errInvalid');
    case 404:
      return t('errNotFound');
    case 409:
      if (err.kind === 'quota-reached') return t('errQuota');
      if (err.kind.startsWith('booking-')) {
        return t('errBookingState', { status: err.kind.slice('booking-'.length) });
      }
      return t('errSlotTaken');
    case 410:
      return t('errExpired');
    case 429:
      return t('errRateLimited', { s: err.retryAfter ?? 30 });
    case 502:
    case 503:
    case 504:
      return t('errUnavailable');
    default:
      return t('errServer');
  }
}

type Variant = 'danger' | 'warning' | 'success' | 'info';

/** A KERN alert. role=alert for errors (announced at once), status for the rest. */
export function alertBox(
  variant: Variant,
  title: string,
  body: (Node | string)[] | string,
  extra: Record<string, string> = {},
): HTMLDivElement {
  const icon = variant === 'danger' ? 'danger' : variant;
  return h(
    'div',
    {
      class: `kern-alert kern-alert--${variant}`,
      role: variant === 'danger' || variant === 'warning' ? 'alert' : 'status',
      ...extra,
    },
    h(
      'div',
      { class: 'kern-alert__header' },
      h('span', { class: `kern-icon kern-icon--${icon}`, 'aria-hidden': 'true' }),
      h('span', { class: 'kern-title' }, title),
    ),
    h(
      'div',
      { class: 'kern-alert__body' },
      typeof body === 'string' ? h('p', { class: 'kern-body' }, body) : body,
    ),
  );
}

export function errorAlert(err: unknown, ...next: (Node | string)[]): HTMLDivElement {
  return alertBox('danger', t('errorTitle'), [
    h('p', { class: 'kern-body', 'data-error-status': err instanceof ApiError ? String(err.status) : 'x' }, errorMessage(err)),
    ...next,
  ]);
}
