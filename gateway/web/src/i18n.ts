// German first; English as the second language. The choice sticks in localStorage and can be set
// with ?lang=en / ?lang=de (the header's switch link).
export type Lang = 'de' | 'en';

const de = {
  appTitle: 'Bürgerbüro – Termin buchen',
  city: 'Landeshauptstadt Kiel',
  skip: 'Zum Inhalt springen',
  switchTo: 'English',
  langNav: 'Sprache',
  footer: 'Landeshauptstadt Kiel · Bürger- und Ordnungsamt',
  loading: 'Wird geladen …',
  stepChoose: '1. Anliegen',
  stepTime: '2. Termin',
  stepData: '3. Angaben',
  stepDone: '4. Bestätigung',
  stepsLabel: 'Schritte der Buchung',
  currentStep: '(aktueller Schritt)',
  // start
  startTitle: 'Termin im Bürgerbüro buchen',
  startIntro:
    'Wählen Sie ein Bürgerbüro und Ihr Anliegen. Danach sehen Sie die nächsten freien Termine.',
  office: 'Bürgerbüro',
  officeHint: 'Sie können jedes Bürgerbüro in Kiel wählen.',
  chooseOffice: 'Bitte wählen',
  services: 'Anliegen',
  servicesHint: 'Mehrere Anliegen können Sie in einem Termin erledigen, wenn sie kombinierbar sind.',
  quantity: 'Anzahl Personen oder Dokumente',
  quantityHint: 'höchstens {max}',
  minutes: '{n} Minuten',
  whatToBring: 'Bitte mitbringen',
  showTimes: 'Freie Termine anzeigen',
  errOffice: 'Bitte wählen Sie ein Bürgerbüro.',
  errServices: 'Bitte wählen Sie mindestens ein Anliegen.',
  errQuantity: 'Bitte geben Sie eine Zahl von 1 bis {max} ein.',
  errCombine: '„{a}“ und „{b}“ können nicht im selben Termin erledigt werden. Bitte buchen Sie dafür zwei Termine.',
  errorSummary: 'Bitte korrigieren Sie folgende Angaben:',
  officeHints: 'Hinweise zum Standort',
  // calendar
  calTitle: 'Freien Termin wählen',
  calFor: '{services} in {office}',
  changeChoice: 'Auswahl ändern',
  week: 'Woche vom {from} bis {to}',
  prevWeek: 'Vorherige Woche',
  nextWeek: 'Nächste Woche',
  noSlotsWeek: 'In dieser Woche sind keine Termine frei. Bitte sehen Sie in der nächsten Woche nach.',
  noSlotsAtAll:
    'In den nächsten Wochen sind keine Termine frei. Bitte versuchen Sie es später erneut oder wählen Sie ein anderes Bürgerbüro.',
  jumped: 'Die nächsten freien Termine gibt es ab {date}.',
  freeCount: 'noch {n} Termine',
  freeCountOne: 'noch 1 Termin',
  dayFree: '{n} freie Zeiten',
  timeAt: '{time} Uhr',
  slotsHelp: 'Mit den Pfeiltasten wechseln Sie zwischen den Uhrzeiten eines Tages.',
  reserving: 'Der Termin wird für Sie reserviert …',
  // form
  formTitle: 'Ihre Angaben',
  held: 'Ihr Termin ist für Sie reserviert:',
  holdLeft: 'Reserviert für noch',
  holdAnnounce: 'Die Reservierung läuft in {time} ab.',
  holdExpired:
    'Die Reservierung ist abgelaufen. Der Termin ist wieder für alle frei. Bitte wählen Sie einen Termin erneut.',
  name: 'Vor- und Nachname',
  email: 'E-Mail-Adresse',
  emailHint: 'Dorthin schicken wir die Bestätigung.',
  phone: 'Telefonnummer',
  optional: '(optional)',
  phoneHint: 'Nur für Rückfragen, zum Beispiel wenn das Bürgerbüro schließen muss.',
  confirmBooking: 'Termin verbindlich buchen',
  release: 'Reservierung aufheben',
  chooseAgain: 'Neuen Termin wählen',
  errName: 'Bitte geben Sie Ihren Namen ein.',
  errEmail: 'Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de.',
  errPhone: 'Bitte geben Sie eine gültige Telefonnummer ein oder lassen Sie das Feld leer.',
  noReservation: 'Es ist kein Termin reserviert. Bitte wählen Sie zuerst einen Termin.',
  booking: 'Der Termin wird gebucht …',
  // confirmation
  doneTitle: 'Ihr Termin ist gebucht',
  doneIntro: 'Bitte notieren Sie Ihre Buchungsnummer. Sie brauchen sie im Bürgerbüro.',
  code: 'Buchungsnummer',
  when: 'Termin',
  where: 'Ort',
  what: 'Anliegen',
  addToCalendar: 'Zum Kalender hinzufügen (.ics)',
  manageTitle: 'Termin ändern oder absagen',
  manageIntro:
    'Mit diesem persönlichen Link können Sie Ihren Termin ansehen, verschieben oder absagen. Geben Sie ihn nicht weiter.',
  copyLink: 'Link kopieren',
  copied: 'Der Link wurde kopiert.',
  openManage: 'Termin verwalten',
  newBooking: 'Weiteren Termin buchen',
  noBooking: 'Es gibt hier keine Buchung zum Anzeigen. Ihre Buchungen finden Sie über den Link aus der Bestätigung.',
  // manage
  manageHeading: 'Ihr Termin',
  status: 'Status',
  statusBooked: 'gebucht',
  statusCancelled: 'abgesagt',
  statusCheckedIn: 'erschienen',
  statusNoShow: 'nicht erschienen',
  name2: 'Name',
  reschedule: 'Termin verschieben',
  rescheduleTitle: 'Neuen Termin wählen',
  rescheduleIntro: 'Ihr bisheriger Termin bleibt bestehen, bis der neue Termin gebucht ist.',
  rescheduleConfirm: 'Termin auf {when} verschieben?',
  rescheduleYes: 'Ja, verschieben',
  rescheduleNo: 'Abbrechen',
  rescheduled: 'Ihr Termin wurde verschoben. Neuer Termin: {when}.',
  rescheduleFailedKept: 'Ihr bisheriger Termin am {when} bleibt bestehen.',
  cancel: 'Termin absagen',
  cancelConfirm: 'Möchten Sie den Termin am {when} wirklich absagen? Das kann nicht rückgängig gemacht werden.',
  cancelYes: 'Ja, Termin absagen',
  cancelNo: 'Nein, Termin behalten',
  cancelled: 'Ihr Termin wurde abgesagt. Der Termin ist wieder für andere frei.',
  isCancelled: 'Dieser Termin ist abgesagt.',
  badLink:
    'Dieser Link ist unvollständig. Bitte öffnen Sie den vollständigen Link aus Ihrer Buchungsbestätigung.',
  back: 'Zurück',
  // errors (API)
  errNetwork:
    'Keine Verbindung zum Bürgerbüro-Server. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.',
  errSlotTaken:
    'Dieser Termin ist leider gerade vergeben worden. Bitte wählen Sie einen anderen Termin.',
  errQuota:
    'Mit dieser E-Mail-Adresse sind schon so viele Termine gebucht, wie erlaubt sind. Bitte sagen Sie zuerst einen bestehenden Termin ab.',
  errExpired:
    'Ihre Reservierung ist abgelaufen. Der Termin ist wieder für alle frei. Bitte wählen Sie erneut einen Termin.',
  errRateLimited: 'Es kamen zu viele Anfragen in kurzer Zeit. Bitte warten Sie {s} Sekunden und versuchen Sie es dann erneut.',
  errUnavailable:
    'Die Terminbuchung ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut.',
  errNotFound:
    'Die Buchung wurde nicht gefunden. Bitte prüfen Sie, ob Sie den vollständigen Link aus Ihrer Bestätigung geöffnet haben.',
  errBookingState: 'Dieser Termin kann nicht mehr geändert werden (Status: {status}).',
  errInvalid: 'Eine Angabe ist ungültig. Bitte prüfen Sie Ihre Eingaben.',
  errServer:
    'Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut. Wenn der Fehler bleibt, rufen Sie uns an: 0431 901-0.',
  retry: 'Erneut versuchen',
  errorTitle: 'Fehler',
  notFoundTitle: 'Seite nicht gefunden',
  notFoundText: 'Diese Seite gibt es nicht.',
  toStart: 'Zur Startseite',
};

export type Key = keyof typeof de;

const en: Record<Key, string> = {
  appTitle: 'Citizens’ office – book an appointment',
  city: 'City of Kiel',
  skip: 'Skip to content',
  switchTo: 'Deutsch',
  langNav: 'Language',
  footer: 'City of Kiel · Citizens’ and Public Order Office',
  loading: 'Loading …',
  stepChoose: '1. Service',
  stepTime: '2. Time',
  stepData: '3. Details',
  stepDone: '4. Confirmation',
  stepsLabel: 'Booking steps',
  currentStep: '(current step)',
  startTitle: 'Book an appointment at the citizens’ office',
  startIntro: 'Choose an office and what you need. You will then see the next free appointments.',
  office: 'Office',
  officeHint: 'You can choose any citizens’ office in Kiel.',
  chooseOffice: 'Please choose',
  services: 'Services',
  servicesHint: 'You can combine several services in one appointment if they are combinable.',
  quantity: 'Number of persons or documents',
  quantityHint: 'at most {max}',
  minutes: '{n} minutes',
  whatToBring: 'Please bring',
  showTimes: 'Show free appointments',
  errOffice: 'Please choose an office.',
  errServices: 'Please choose at least one service.',
  errQuantity: 'Please enter a number from 1 to {max}.',
  errCombine: '“{a}” and “{b}” cannot be done in the same appointment. Please book two appointments.',
  errorSummary: 'Please correct the following:',
  officeHints: 'Directions and accessibility',
  calTitle: 'Choose a free appointment',
  calFor: '{services} at {office}',
  changeChoice: 'Change selection',
  week: 'Week from {from} to {to}',
  prevWeek: 'Previous week',
  nextWeek: 'Next week',
  noSlotsWeek: 'There are no free appointments this week. Please look at the next week.',
  noSlotsAtAll:
    'There are no free appointments in the coming weeks. Please try again later or choose another office.',
  jumped: 'The next free appointments start on {date}.',
  freeCount: '{n} left',
  freeCountOne: '1 left',
  dayFree: '{n} free times',
  timeAt: '{time}',
  slotsHelp: 'Use the arrow keys to move between the times of a day.',
  reserving: 'Reserving the appointment for you …',
  formTitle: 'Your details',
  held: 'This appointment is reserved for you:',
  holdLeft: 'Reserved for another',
  holdAnnounce: 'The reservation ends in {time}.',
  holdExpired:
    'The reservation has expired. The appointment is free for everyone again. Please choose an appointment again.',
  name: 'First and last name',
  email: 'E-mail address',
  emailHint: 'We send the confirmation there.',
  phone: 'Phone number',
  optional: '(optional)',
  phoneHint: 'Only for questions, for example if the office has to close.',
  confirmBooking: 'Book appointment',
  release: 'Release reservation',
  chooseAgain: 'Choose a new appointment',
  errName: 'Please enter your name.',
  errEmail: 'Please enter a valid e-mail address, for example name@example.com.',
  errPhone: 'Please enter a valid phone number or leave the field empty.',
  noReservation: 'No appointment is reserved. Please choose an appointment first.',
  booking: 'Booking the appointment …',
  doneTitle: 'Your appointment is booked',
  doneIntro: 'Please note your booking number. You will need it at the office.',
  code: 'Booking number',
  when: 'Appointment',
  where: 'Place',
  what: 'Services',
  addToCalendar: 'Add to calendar (.ics)',
  manageTitle: 'Change or cancel the appointment',
  manageIntro:
    'With this personal link you can view, reschedule or cancel your appointment. Do not share it.',
  copyLink: 'Copy link',
  copied: 'The link has been copied.',
  openManage: 'Manage appointment',
  newBooking: 'Book another appointment',
  noBooking: 'There is no booking to show here. Use the link from your confirmation.',
  manageHeading: 'Your appointment',
  status: 'Status',
  statusBooked: 'booked',
  statusCancelled: 'cancelled',
  statusCheckedIn: 'checked in',
  statusNoShow: 'did not attend',
  name2: 'Name',
  reschedule: 'Reschedule',
  rescheduleTitle: 'Choose a new time',
  rescheduleIntro: 'Your current appointment stays until the new one is booked.',
  rescheduleConfirm: 'Move the appointment to {when}?',
  rescheduleYes: 'Yes, reschedule',
  rescheduleNo: 'Cancel',
  rescheduled: 'Your appointment has been moved. New appointment: {when}.',
  rescheduleFailedKept: 'Your current appointment on {when} is kept.',
  cancel: 'Cancel appointment',
  cancelConfirm: 'Do you really want to cancel the appointment on {when}? This cannot be undone.',
  cancelYes: 'Yes, cancel appointment',
  cancelNo: 'No, keep appointment',
  cancelled: 'Your appointment has been cancelled. The time is free for others again.',
  isCancelled: 'This appointment is cancelled.',
  badLink: 'This link is incomplete. Please open the full link from your booking confirmation.',
  back: 'Back',
  errNetwork: 'No connection to the server. Please check your internet connection and try again.',
  errSlotTaken: 'This appointment has just been taken. Please choose another one.',
  errQuota:
    'This e-mail address already has as many bookings as allowed. Please cancel an existing appointment first.',
  errExpired:
    'Your reservation has expired. The appointment is free for everyone again. Please choose an appointment again.',
  errRateLimited: 'Too many requests in a short time. Please wait {s} seconds and try again.',
  errUnavailable: 'Booking is not available right now. Please try again in a few minutes.',
  errNotFound: 'The booking was not found. Please check that you opened the full link from your confirmation.',
  errBookingState: 'This appointment can no longer be changed (status: {status}).',
  errInvalid: 'Some input is invalid. Please check your entries.',
  errServer: 'Something went wrong. Please try again later. If it persists, call us: +49 431 901-0.',
  retry: 'Try again',
  errorTitle: 'Error',
  notFoundTitle: 'Page not found',
  notFoundText: 'This page does not exist.',
  toStart: 'To the start page',
};

const dictionaries: Record<Lang, Record<Key, string>> = { de, en };

function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'de' || q === 'en') {
    try {
      localStorage.setItem('rathaus.lang', q);
    } catch {
      /* private mode: the choice just doesn't stick */
    }
    return q;
  }
  try {
    const stored = localStorage.getItem('rathaus.lang');
    if (stored === 'de' || stored === 'en') return stored;
  } catch {
    /* ignore */
  }
  return 'de';
}

export let lang: Lang = initialLang();

export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem('rathaus.lang', next);
  } catch {
    /* ignore */
  }
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  return dictionaries[lang][key].replace(/\{(\w+)\}/g, (_, name: string) =>
    name in params ? String(params[name]) : `{${name}}`,
  );
}

export const locale = (): string => (lang === 'de' ? 'de-DE' : 'en-GB');
