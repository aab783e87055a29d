// The registration form's data without the DOM: the state (in memory only: it holds personal
// data, so never storage, URL or console), which steps a case has, the checks of each step, the
// SubmitRegistrationRequest built from it, and the service's problems mapped back to the field
// and step they belong to. Field paths are the service's (`persons[1].birthDate`,
// `landlord.address.postalCode`); fieldId() turns one into the id of its control.
import { ApiError, type Address, type PersonInput, type RegistrationRequest } from '../api';
import { GERMANY } from '../countries';
import { t } from '../i18n';
import { addDays, formatDate } from '../format';

export type CaseType = 'ANMELDUNG' | 'UMMELDUNG' | 'ABMELDUNG' | 'NEBENWOHNUNG';
export const CASE_TYPES: CaseType[] = ['ANMELDUNG', 'UMMELDUNG', 'ABMELDUNG', 'NEBENWOHNUNG'];
export type Confirmation = 'LANDLORD' | 'LANDLORD_CODE' | 'CODE_LETTER';
export const CONFIRMATIONS: Confirmation[] = ['LANDLORD', 'LANDLORD_CODE', 'CODE_LETTER'];
export type StepId = 'art' | 'adresse' | 'personen' | 'wohnungsgeber' | 'zusammenfassung';
export const MAX_PERSONS = 12; // the service's limit
export const MAX_EMAIL = 254; // the service's limit (RFC 5321)

export interface AddressState {
  street: string;
  postalCode: string;
  city: string;
  municipalityKey: string;
  country: string;
}
export interface PersonState {
  familyName: string;
  givenNames: string;
  doctoralDegree: string;
  birthDate: string;
  nationality: string;
  nationality2: string;
  dwelling: string; // HAUPTWOHNUNG | NEBENWOHNUNG
  serials: string; // as typed: "T22000129, L01X00T47"
}
export interface FormState {
  type: CaseType | '';
  from: 'GERMANY' | 'ABROAD' | ''; // an Anmeldung: from another municipality or from abroad
  office: string;
  moveDate: string;
  stayUntil: string;
  registeredInGermany: boolean;
  newAddress: AddressState;
  previousAddress: AddressState;
  persons: PersonState[];
  confirmation: Confirmation | '';
  landlordName: string;
  landlordAddress: AddressState;
  ownerName: string;
  moveInDate: string;
  landlordCode: string;
  email: string; // optional: for the messages about the case
}

export interface FieldError {
  path: string;
  message: string;
}

const emptyAddress = (): AddressState => ({ street: '', postalCode: '', city: '', municipalityKey: '', country: '' });
export const newPerson = (): PersonState => ({
  familyName: '',
  givenNames: '',
  doctoralDegree: '',
  birthDate: '',
  nationality: '',
  nationality2: '',
  dwelling: 'HAUPTWOHNUNG',
  serials: '',
});
export const emptyState = (): FormState => ({
  type: '',
  from: '',
  office: '',
  moveDate: '',
  stayUntil: '',
  registeredInGermany: false,
  newAddress: emptyAddress(),
  previousAddress: emptyAddress(),
  persons: [newPerson()],
  confirmation: '',
  landlordName: '',
  landlordAddress: { ...emptyAddress(), country: GERMANY },
  ownerName: '',
  moveInDate: '',
  landlordCode: '',
  email: '',
});

/** Moving into a dwelling needs the landlord's confirmation (§19 BMG); an Abmeldung does not. */
export const needsLandlord = (type: FormState['type']): boolean => type !== 'ABMELDUNG';

export function stepsFor(type: FormState['type']): StepId[] {
  return needsLandlord(type)
    ? ['art', 'adresse', 'personen', 'wohnungsgeber', 'zusammenfassung']
    : ['art', 'adresse', 'personen', 'zusammenfassung'];
}

/** How an address is asked: in Kiel/Germany (5-digit postcode), with the municipality key, abroad. */
export type AddressKind = 'germany' | 'municipality' | 'abroad';
export const newAddressKind = (s: FormState): AddressKind => (s.type === 'ABMELDUNG' ? 'abroad' : 'germany');
/** The previous address: the Kiel one for an Um- or Abmeldung, the old one for an Anmeldung. */
export function previousAddressKind(s: FormState): AddressKind | null {
  if (s.type === 'UMMELDUNG' || s.type === 'ABMELDUNG') return 'germany';
  if (s.type === 'ANMELDUNG') return s.from === 'ABROAD' ? 'abroad' : 'municipality';
  return null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: string) => DATE.test(v) && !Number.isNaN(Date.parse(`${v}T12:00:00Z`)) && v >= '1900-01-01' && v <= '2200-12-31';
/** As the id-documents service reads a serial: no spaces, upper case, the letter O as 0. */
export function serialsOf(raw: string): string[] {
  return raw
    .split(/[\s,;]+/)
    .map((s) => s.toUpperCase().replace(/O/g, '0'))
    .filter(Boolean);
}
const chars = (v: string) => [...v.trim()].length;
// The booking form's check (pages/form.ts); the service checks more (an ASCII local part) and
// answers 400 naming `email`, which comes back at the field.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

function checkAddress(a: AddressState, kind: AddressKind, at: string, out: FieldError[]): void {
  if (!a.street.trim() || chars(a.street) > 120) out.push({ path: `${at}.street`, message: t('regErrStreet') });
  const plz = a.postalCode.trim();
  if (kind === 'abroad' || (a.country && a.country !== GERMANY)) {
    if (plz.length > 12) out.push({ path: `${at}.postalCode`, message: t('regErrPostalCodeAbroad') });
  } else if (!/^\d{5}$/.test(plz)) {
    out.push({ path: `${at}.postalCode`, message: t('regErrPostalCode') });
  }
  if (!a.city.trim() || chars(a.city) > 120) out.push({ path: `${at}.city`, message: t('regErrCity') });
  if (kind === 'abroad' && (!a.country || a.country === GERMANY)) out.push({ path: `${at}.country`, message: t('regErrCountry') });
  if (kind === 'municipality' && a.municipalityKey.trim() && !/^\d{8}$/.test(a.municipalityKey.trim())) {
    out.push({ path: `${at}.municipalityKey`, message: t('regErrMunicipalityKey') });
  }
}

/** The client-side checks of one step: required fields and formats. The BMG rules (moved in
 * yet? too early? a short stay? minors alone?) are the service's; its answers map back here. */
export function validateStep(step: StepId, s: FormState, today: string): FieldError[] {
  const out: FieldError[] = [];
  switch (step) {
    case 'art':
      if (!s.type) out.push({ path: 'type', message: t('regErrType') });
      if (s.type === 'ANMELDUNG' && !s.from) out.push({ path: 'from', message: t('regErrFrom') });
      if (!s.office) out.push({ path: 'office', message: t('regErrOffice') });
      if (!isDate(s.moveDate)) out.push({ path: 'moveDate', message: t('regErrMoveDate') });
      if (s.type !== 'ABMELDUNG' && s.stayUntil && (!isDate(s.stayUntil) || (isDate(s.moveDate) && s.stayUntil < s.moveDate))) {
        out.push({ path: 'stayUntil', message: t('regErrStayUntil') });
      }
      if (s.email.trim() && (!EMAIL.test(s.email.trim()) || chars(s.email) > MAX_EMAIL)) {
        out.push({ path: 'email', message: t('regErrEmail') });
      }
      break;
    case 'adresse': {
      checkAddress(s.newAddress, newAddressKind(s), 'newAddress', out);
      const prev = previousAddressKind(s);
      if (prev) checkAddress(s.previousAddress, prev, 'previousAddress', out);
      break;
    }
    case 'personen':
      if (s.persons.length === 0 || s.persons.length > MAX_PERSONS) {
        out.push({ path: 'persons', message: t('regErrPersons', { n: MAX_PERSONS }) });
      }
      s.persons.forEach((p, i) => {
        const at = `persons[${i}]`;
        if (!p.familyName.trim() || chars(p.familyName) > 120) out.push({ path: `${at}.familyName`, message: t('regErrFamilyName') });
        if (!p.givenNames.trim() || chars(p.givenNames) > 120) out.push({ path: `${at}.givenNames`, message: t('regErrGivenNames') });
        if (chars(p.doctoralDegree) > 40) out.push({ path: `${at}.doctoralDegree`, message: t('regErrDoctoralDegree') });
        if (!isDate(p.birthDate)) out.push({ path: `${at}.birthDate`, message: t('regErrBirthDate') });
        else if (p.birthDate > today) out.push({ path: `${at}.birthDate`, message: t('regErrBirthDateFuture') });
        if (!p.nationality) out.push({ path: `${at}.nationalities`, message: t('regErrNationality') });
        if (s.type === 'ANMELDUNG' || s.type === 'UMMELDUNG') {
          if (p.dwelling !== 'HAUPTWOHNUNG' && p.dwelling !== 'NEBENWOHNUNG') out.push({ path: `${at}.dwelling`, message: t('regErrDwelling') });
        }
        const serials = serialsOf(p.serials);
        if (serials.length > 4 || serials.some((x) => !/^[0-9A-Z]{9}$/.test(x))) {
          out.push({ path: `${at}.idDocumentSerials`, message: t('regErrSerials') });
        }
      });
      break;
    case 'wohnungsgeber':
      if (!needsLandlord(s.type)) break;
      if (!s.confirmation) out.push({ path: 'confirmation', message: t('regErrConfirmation') });
      if (s.confirmation === 'LANDLORD') {
        if (!s.landlordName.trim() || chars(s.landlordName) > 200) out.push({ path: 'landlord.name', message: t('regErrLandlordName') });
        checkAddress(s.landlordAddress, s.landlordAddress.country === GERMANY ? 'germany' : 'abroad', 'landlord.address', out);
        if (chars(s.ownerName) > 200) out.push({ path: 'landlord.ownerName', message: t('regErrOwnerName') });
        if (!isDate(s.moveInDate)) out.push({ path: 'landlord.moveInDate', message: t('regErrMoveDate') });
        else if (s.moveInDate !== s.moveDate) {
          out.push({ path: 'landlord.moveInDate', message: t('regRuleMoveInDate', { date: formatDate(s.moveDate) }) });
        }
      }
      if (s.confirmation === 'LANDLORD_CODE' && !/^[A-Za-z0-9-]{6,40}$/.test(s.landlordCode.trim())) {
        out.push({ path: 'landlordCode', message: t('regErrLandlordCode') });
      }
      break;
    case 'zusammenfassung':
      break;
  }
  return out;
}

function address(a: AddressState, kind: AddressKind): Address {
  const out: Address = { street: a.street.trim(), postalCode: a.postalCode.trim(), city: a.city.trim() };
  if (!out.postalCode) delete out.postalCode; // abroad it may be missing
  if (kind === 'municipality' && a.municipalityKey.trim()) out.municipalityKey = a.municipalityKey.trim();
  if (kind === 'abroad' && a.country && a.country !== GERMANY) out.country = a.country;
  return out;
}

function person(p: PersonState, type: CaseType): PersonInput {
  const out: PersonInput = {
    familyName: p.familyName.trim(),
    givenNames: p.givenNames.trim(),
    birthDate: p.birthDate,
    nationalities: [...new Set([p.nationality, p.nationality2].filter(Boolean))],
  };
  if (p.doctoralDegree.trim()) out.doctoralDegree = p.doctoralDegree.trim();
  if (type !== 'ABMELDUNG') {
    const dwelling = type === 'NEBENWOHNUNG' ? 'NEBENWOHNUNG' : p.dwelling;
    out.dwelling = dwelling;
    // §21 BMG: exactly one Hauptwohnung. A Nebenwohnung here means the Hauptwohnung is another
    // one; a new Hauptwohnung means the person keeps no other.
    out.otherHauptwohnungen = dwelling === 'NEBENWOHNUNG' ? 1 : 0;
  }
  const serials = serialsOf(p.serials);
  if (serials.length) out.idDocumentSerials = serials;
  return out;
}

/** The request: only what applies to the case's type (a `landlord` object alone counts as a way). */
export function buildRequest(s: FormState, language: string): RegistrationRequest {
  const type = s.type as CaseType;
  const body: RegistrationRequest = {
    type,
    office: s.office,
    moveDate: s.moveDate,
    newAddress: address(s.newAddress, newAddressKind(s)),
    persons: s.persons.map((p) => person(p, type)),
    language,
  };
  if (type !== 'ABMELDUNG' && s.stayUntil) {
    body.stayUntil = s.stayUntil;
    body.registeredInGermany = s.registeredInGermany;
  }
  if (s.email.trim()) body.email = s.email.trim();
  const prev = previousAddressKind(s);
  if (prev) body.previousAddress = address(s.previousAddress, prev);
  if (needsLandlord(type)) {
    if (s.confirmation === 'LANDLORD') {
      body.landlord = {
        name: s.landlordName.trim(),
        address: address(s.landlordAddress, s.landlordAddress.country === GERMANY ? 'germany' : 'abroad'),
        moveInDate: s.moveInDate,
      };
      if (s.ownerName.trim()) body.landlord.ownerName = s.ownerName.trim();
    } else if (s.confirmation === 'LANDLORD_CODE') {
      body.landlordCode = s.landlordCode.trim();
    } else if (s.confirmation === 'CODE_LETTER') {
      body.codeLetter = true;
    }
  }
  return body;
}

/** The step a field path belongs to. */
export function stepOf(path: string): StepId {
  if (/^(type|from|office|moveDate|stayUntil|registeredInGermany|email)$/.test(path)) return 'art';
  if (/^(newAddress|previousAddress)\b/.test(path)) return 'adresse';
  if (/^persons\b/.test(path)) return 'personen';
  if (/^(landlord|landlordCode|codeLetter|confirmation)\b/.test(path)) return 'wohnungsgeber';
  return 'zusammenfassung';
}

/** A path as an element id: `persons[1].birthDate` -> `persons-1-birthDate`. */
export const domId = (path: string): string => path.replace(/\[(\d+)\]/g, '-$1').replace(/\./g, '-');

/** The id of the control a field path's message belongs next to. */
export function fieldId(path: string): string {
  let p = path
    .replace(/\.idDocumentSerials\[\d+\]$/, '.idDocumentSerials')
    .replace(/\.(hauptwohnung|otherHauptwohnungen)$/, '.dwelling');
  if (p === 'landlord' || p === 'codeLetter') p = 'confirmation';
  if (p === 'newAddress' || p === 'previousAddress' || p === 'landlord.address') p += '.street';
  if (p === 'persons') p = 'persons[0].birthDate';
  return domId(p);
}

function postalMessage(path: string, s: FormState): string {
  const abroad =
    (path.startsWith('newAddress') && newAddressKind(s) === 'abroad') ||
    (path.startsWith('previousAddress') && previousAddressKind(s) === 'abroad') ||
    (path.startsWith('landlord') && s.landlordAddress.country !== GERMANY);
  return abroad ? t('regErrPostalCodeAbroad') : t('regErrPostalCode');
}

/** Plain words for a field the service refused (400 with `field`). */
function fieldMessage(path: string, s: FormState, today: string): string | null {
  const person = /^persons\[(\d+)\]\.(\w+)/.exec(path);
  if (person) {
    const p = s.persons[Number(person[1])];
    switch (person[2]) {
      case 'familyName': return t('regErrFamilyName');
      case 'givenNames': return t('regErrGivenNames');
      case 'doctoralDegree': return t('regErrDoctoralDegree');
      case 'birthDate': return p && p.birthDate > today ? t('regErrBirthDateFuture') : t('regErrBirthDate');
      case 'nationalities': return t('regErrNationality');
      case 'dwelling':
      case 'hauptwohnung':
      case 'otherHauptwohnungen': return t('regRuleOneHauptwohnung');
      case 'idDocumentSerials': return t('regErrSerials');
      default: return null;
    }
  }
  if (path === 'newAddress.country') return s.type === 'ABMELDUNG' ? t('regRuleAbroadOnly') : t('regRuleInGermany');
  if (/\.street$/.test(path) || path === 'newAddress' || path === 'previousAddress') return t('regErrStreet');
  if (/\.postalCode$/.test(path)) return postalMessage(path, s);
  if (/\.city$/.test(path)) return t('regErrCity');
  if (/\.country$/.test(path)) return t('regErrCountry');
  if (/\.municipalityKey$/.test(path)) return t('regErrMunicipalityKey');
  switch (path) {
    case 'type': return t('regErrType');
    case 'office': return t('regErrOffice');
    case 'moveDate': return t('regErrMoveDate');
    case 'stayUntil': return t('regErrStayUntil');
    case 'email': return t('regErrEmail');
    case 'persons': return t('regErrPersons', { n: MAX_PERSONS });
    case 'landlord': return t('regRuleLandlord');
    case 'landlord.name': return t('regErrLandlordName');
    case 'landlord.ownerName': return t('regErrOwnerName');
    case 'landlord.moveInDate': return t('regRuleMoveInDate', { date: formatDate(s.moveDate) });
    case 'landlordCode': return t('regErrLandlordCode');
    default: return null;
  }
}

/** The service's answer as messages at fields, or null when it belongs to no field. */
export function problemErrors(err: unknown, s: FormState, today: string): FieldError[] | null {
  if (!(err instanceof ApiError)) return null;
  const field = err.problem.field ?? '';
  switch (err.kind) {
    case 'bmg-17-1-not-moved-in':
      return [{ path: 'moveDate', message: t('regRuleNotMovedIn') }];
    case 'bmg-17-2-too-early':
      return [{ path: 'moveDate', message: t('regRuleTooEarly', { date: isDate(s.moveDate) ? formatDate(addDays(s.moveDate, -7)) : '' }) }];
    case 'bmg-27-2-no-registration-needed':
      return [{ path: 'stayUntil', message: t('regRuleShortStay', { months: s.registeredInGermany ? 6 : 3 }) }];
    case 'bmg-17-3-minors':
      return [{ path: 'persons', message: t('regRuleMinors') }];
    case 'bmg-21-one-hauptwohnung':
      return [{ path: /^persons\[\d+\]/.test(field) ? field : 'persons[0].dwelling', message: t('regRuleOneHauptwohnung') }];
    case 'bmg-19-confirmation':
      return [{ path: 'confirmation', message: t('regRuleLandlord') }];
  }
  if ((err.status === 400 || err.status === 422) && field) {
    const message = fieldMessage(field, s, today);
    if (message) return [{ path: field, message }];
  }
  return null;
}
