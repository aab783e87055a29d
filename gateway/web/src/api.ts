// The gateway's HTTP API (issue 3; JSON keys are the proto json names). Every error becomes an
// ApiError carrying the RFC 9457 problem, so pages can say what happened and what to do next.
export interface Address {
  street?: string;
  postalCode?: string;
  city?: string;
  municipalityKey?: string; // Amtlicher Gemeindeschlüssel (registrations)
  country?: string; // ISO 3166-1 alpha-2 (registrations); empty or DE for Germany
}
export interface Office {
  id: string;
  name: string;
  address?: Address;
  timeZone?: string;
  hints?: string;
}
export interface Service {
  id: string;
  name: string;
  durationMinutes?: number;
  maxQuantity?: number;
  combinableWith?: string[];
  whatToBring?: string[];
}
export interface ServiceQuantity {
  id: string;
  quantity?: number;
}
export interface Slot {
  start: string;
  end: string;
  free?: number;
}
export interface Reservation {
  reservationId: string;
  expiresAt: string;
  start: string;
  end: string;
  office?: string;
  services?: ServiceQuantity[];
}
export interface Booking {
  code: string;
  token?: string;
  office: string;
  services?: ServiceQuantity[];
  start: string;
  end: string;
  status?: string;
  name?: string;
  email?: string;
  phone?: string;
  rescheduleCount?: number;
}
/** "Ist mein Ausweis abholbereit?": the gateway prints every field; '' means absent. */
export interface DocumentStatus {
  status: string; // IN_BEARBEITUNG, BEREIT_ZUR_ABHOLUNG, AUSGEHAENDIGT, IN_DIREKTVERSAND, ...
  documentType: string; // PERSONALAUSWEIS, REISEPASS, EXPRESS_REISEPASS, KINDERREISEPASS, EID_KARTE
  office: string;
  updatedAt?: string;
  pickupCode?: string; // only while BEREIT_ZUR_ABHOLUNG
  estimatedFrom?: string; // YYYY-MM-DD
  estimatedTo?: string;
}
/** SubmitRegistrationRequest (proto/rathaus/registrations/v1): only what applies is sent; the
 * gateway refuses unknown fields, and a `landlord` object counts as one of the §19 ways. */
export interface PersonInput {
  familyName: string;
  givenNames: string;
  doctoralDegree?: string;
  birthDate: string; // YYYY-MM-DD
  nationalities: string[]; // ISO 3166-1 alpha-2
  dwelling?: string; // HAUPTWOHNUNG | NEBENWOHNUNG
  otherHauptwohnungen?: number;
  idDocumentSerials?: string[];
}
export interface RegistrationRequest {
  type: string; // ANMELDUNG, UMMELDUNG, ABMELDUNG, NEBENWOHNUNG (HAUPTWOHNUNG: not offered here)
  office: string;
  moveDate: string;
  stayUntil?: string;
  registeredInGermany?: boolean;
  newAddress: Address;
  previousAddress?: Address;
  persons: PersonInput[];
  landlord?: { name: string; address: Address; ownerName?: string; moveInDate: string };
  landlordCode?: string;
  codeLetter?: boolean;
  language: string;
  email?: string; // optional: the messages about the case go there
}
/** A person of a case as the citizen sees it (persons with a §51/§52 block never show). */
export interface RegistrationPerson {
  number: number; // the {person} of the certificate's URL
  familyName?: string;
  givenNames?: string;
  doctoralDegree?: string;
  birthDate?: string;
  dwelling?: string;
  certificateCode?: string; // once accepted
}
/** The Registration message; the gateway prints every field ('' and false mean absent). */
export interface Registration {
  id: string;
  type: string;
  status: string; // SUBMITTED, INFORMATION_REQUESTED, CODE_LETTER_SENT, ACCEPTED, REJECTED
  office: string;
  moveDate?: string;
  dueDate?: string;
  overdue?: boolean;
  submittedAt?: string;
  updatedAt?: string;
  informationRequest?: string;
  answer?: string;
  rejectionReason?: string;
  bookingLink?: string; // rejected: /termin?office=…&service=…#vorsprache=<counterCode>
  counterCode?: string; // rejected: books one counter visit tied to this case
  confirmation?: string; // LANDLORD, LANDLORD_CODE, CODE_LETTER, '' (Abmeldung)
  codeLetterSent?: boolean;
  codeConfirmed?: boolean;
  codeLetterVoid?: boolean;
  persons?: RegistrationPerson[];
  newAddressCity?: string;
}
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number, // 0: no answer (network)
    readonly problem: Problem,
    readonly retryAfter: number | null,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  /** The problem's short name: "urn:rathaus:problem:slot-taken" -> "slot-taken". */
  get kind(): string {
    const type = this.problem.type ?? '';
    return type.slice(type.lastIndexOf(':') + 1);
  }
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  extra: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['X-Booking-Token'] = token;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, {}, null);
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }
  let problem: Problem = {};
  try {
    problem = (await res.json()) as Problem;
  } catch {
    /* not JSON (a proxy's error page): the status says enough */
  }
  const ra = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
  throw new ApiError(res.status, problem, Number.isFinite(ra) ? ra : null);
}

function servicesQuery(services: ServiceQuantity[]): string {
  return services
    .map((s) => `service=${encodeURIComponent(s.id)}&quantity=${s.quantity ?? 1}`)
    .join('&');
}

export const api = {
  offices: () => request<{ offices?: Office[] }>('GET', '/api/v1/offices'),
  services: (office: string) =>
    request<{ services?: Service[] }>('GET', `/api/v1/services?office=${encodeURIComponent(office)}`),
  availability: (office: string, services: ServiceQuantity[], from: string, to: string) =>
    request<{ slots?: Slot[] }>(
      'GET',
      `/api/v1/availability?office=${encodeURIComponent(office)}&${servicesQuery(services)}&from=${from}&to=${to}`,
    ),
  // pickupCode: needed for the pickup of an ID document (service ausweis-abholen);
  // registrationCode: ties a counter visit to a rejected online registration (optional).
  reserve: (office: string, services: ServiceQuantity[], start: string, pickupCode?: string, registrationCode?: string) =>
    request<Reservation>('POST', '/api/v1/reservations', {
      office,
      services,
      start,
      ...(pickupCode ? { pickupCode } : {}),
      ...(registrationCode ? { registrationCode } : {}),
    }),
  release: (id: string) => request<void>('DELETE', `/api/v1/reservations/${encodeURIComponent(id)}`),
  confirm: (id: string, data: { name: string; email: string; phone?: string; language?: 'de' | 'en' }) =>
    request<Booking>('POST', `/api/v1/reservations/${encodeURIComponent(id)}/confirm`, data),
  booking: (code: string, token: string) =>
    request<Booking>('GET', `/api/v1/bookings/${encodeURIComponent(code)}`, undefined, token),
  cancel: (code: string, token: string) =>
    request<void>('DELETE', `/api/v1/bookings/${encodeURIComponent(code)}`, undefined, token),
  reschedule: (code: string, token: string, start: string) =>
    request<Booking>('POST', `/api/v1/bookings/${encodeURIComponent(code)}/reschedule`, { start }, token),
  calendar: (code: string, token: string) =>
    request<string>('GET', `/api/v1/bookings/${encodeURIComponent(code)}/calendar.ics`, undefined, token),
  // Serial and birth date only in the POST body: never in a URL.
  documentStatus: (serial: string, birthDate: string) =>
    request<DocumentStatus>('POST', '/api/v1/id-documents/status-lookup', { serial, birthDate }),
  // Registrations: the session cookie goes along (same origin); every POST carries the
  // session's CSRF token. The ID document serials travel only in the submit's body.
  submitRegistration: (body: RegistrationRequest, csrf: string, idempotencyKey: string) =>
    request<Registration>('POST', '/api/v1/registrations', body, undefined, {
      'X-CSRF-Token': csrf,
      'Idempotency-Key': idempotencyKey,
    }),
  myRegistrations: (pageToken?: string) =>
    request<{ registrations?: Registration[]; nextPageToken?: string }>(
      'GET',
      `/api/v1/registrations?pageSize=20${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`,
    ),
  answerRegistration: (id: string, message: string, csrf: string) =>
    request<Registration>('POST', `/api/v1/registrations/${encodeURIComponent(id)}/answer`, { message }, undefined, {
      'X-CSRF-Token': csrf,
    }),
  confirmRegistrationCode: (id: string, code: string, csrf: string) =>
    request<Registration>('POST', `/api/v1/registrations/${encodeURIComponent(id)}/confirm-code`, { code }, undefined, {
      'X-CSRF-Token': csrf,
    }),
};

/** A person's Meldebestätigung: a plain link, the session cookie goes with it. */
export const certificateUrl = (id: string, person: number): string =>
  `/api/v1/registrations/${encodeURIComponent(id)}/certificates/${person}.pdf`;
/** Where anyone checks a Meldebestätigung's code (the JSON answer of VerifyCertificate). */
export const certificateCheckUrl = (code: string): string =>
  `${location.origin}/api/v1/registrations/certificates/${encodeURIComponent(code)}`;

// The catalog is read once per page load (offices, and services per office).
let officesCache: Promise<Office[]> | null = null;
const servicesCache = new Map<string, Promise<Service[]>>();
export function loadOffices(): Promise<Office[]> {
  officesCache ??= api.offices().then((r) => r.offices ?? []);
  officesCache.catch(() => (officesCache = null));
  return officesCache;
}
export function loadServices(office: string): Promise<Service[]> {
  let p = servicesCache.get(office);
  if (!p) {
    p = api.services(office).then((r) => r.services ?? []);
    p.catch(() => servicesCache.delete(office));
    servicesCache.set(office, p);
  }
  return p;
}
