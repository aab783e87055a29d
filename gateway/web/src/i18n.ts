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
  // "Ist mein Ausweis abholbereit?" (/ausweis)
  idLink: 'Ausweis oder Pass beantragt?',
  idLinkText: 'Hier sehen Sie, ob er abholbereit ist.',
  idTitle: 'Ist mein Ausweis abholbereit?',
  idIntro:
    'Geben Sie die Seriennummer Ihres neuen Ausweises oder Passes und Ihr Geburtsdatum ein. Dann sehen Sie, wie weit Ihr Dokument ist und ob Sie es abholen können.',
  idSerial: 'Seriennummer',
  idSerialHint:
    'Die Seriennummer hat 9 Zeichen (Buchstaben und Ziffern). Sie steht auf Ihrem Abholschein und auf dem Dokument. Der Buchstabe O kommt darin nicht vor: Geben Sie dafür die Ziffer 0 (Null) ein.',
  idBirthDate: 'Geburtsdatum',
  idBirthDateHint: 'Das Geburtsdatum der Person, für die das Dokument ist.',
  idSubmit: 'Status abfragen',
  idChecking: 'Der Status wird abgefragt …',
  idErrSerial: 'Bitte geben Sie die Seriennummer ein.',
  idErrSerialFormat:
    'Die Seriennummer hat genau 9 Zeichen, nur Buchstaben und Ziffern. Bitte prüfen Sie Ihre Eingabe.',
  idErrBirthDate: 'Bitte geben Sie Ihr Geburtsdatum ein, zum Beispiel 17.05.1990.',
  idErrBirthDateFuture: 'Das Geburtsdatum darf nicht in der Zukunft liegen.',
  idNotFoundTitle: 'Kein Dokument gefunden',
  idNotFound:
    'Zu dieser Seriennummer und diesem Geburtsdatum haben wir kein Dokument gefunden. Bitte prüfen Sie beide Angaben und versuchen Sie es erneut.',
  idNotFoundLock:
    'Nach mehreren falschen Versuchen wird die Abfrage für diese Seriennummer eine Stunde lang gesperrt. Wenn Sie nicht weiterkommen, rufen Sie uns an: 0431 901-0.',
  idRateLimited: 'Es gab zu viele Abfragen in kurzer Zeit. Bitte versuchen Sie es später erneut.',
  idRateLimitedWait: 'Es gab zu viele Abfragen in kurzer Zeit. Bitte versuchen Sie es in {n} Minuten erneut.',
  idResultHeading: 'Ihr Ergebnis',
  idDocument: 'Dokument',
  idUpdated: 'Stand',
  idInProgress: 'Ihr Dokument wird noch hergestellt.',
  idEstimate: 'Voraussichtlich abholbereit zwischen {from} und {to}.',
  idInProgressNext: 'Sobald es abholbereit ist, sehen Sie es hier. Schauen Sie gern später wieder nach.',
  idReady: 'Ihr Dokument liegt zur Abholung bereit',
  idReadyAt: 'Sie können es im {office} abholen.',
  idBringSlip: 'Ihren Abholschein',
  idBringPin: 'den PIN-Brief, den Sie per Post bekommen haben',
  idBringOld: 'Ihr bisheriges Dokument (es wird entwertet)',
  idBook: 'Abholtermin buchen',
  idWalkIn: 'Sie können Ihr Dokument auch ohne Termin während der Öffnungszeiten abholen. Mit Termin warten Sie in der Regel kürzer.',
  idHandedOver: 'Ihr Dokument wurde bereits ausgehändigt.',
  idHandedOverNext: 'Wenn Sie es nicht selbst abgeholt haben, wenden Sie sich bitte an Ihr Bürgerbüro.',
  idInDelivery: 'Ihr Dokument ist auf dem Weg zu Ihnen.',
  idInDeliveryNext: 'Es wird Ihnen per Post direkt nach Hause geschickt. Sie müssen es nicht abholen.',
  idDelivered: 'Ihr Dokument wurde Ihnen zugestellt.',
  idDeliveredNext: 'Wenn Sie es nicht erhalten haben, wenden Sie sich bitte an Ihr Bürgerbüro.',
  idDeliveryFailed: 'Die Zustellung ist fehlgeschlagen; das Dokument geht zurück an Ihr Bürgerbüro.',
  idDeliveryFailedNext: 'Sobald es dort angekommen ist, können Sie es abholen. Schauen Sie dann wieder hier nach.',
  idUnknownStatus: 'Der Stand Ihres Dokuments: {status}.',
  docPERSONALAUSWEIS: 'Personalausweis',
  docREISEPASS: 'Reisepass',
  docEXPRESS_REISEPASS: 'Express-Reisepass',
  docKINDERREISEPASS: 'Kinderreisepass',
  docEID_KARTE: 'eID-Karte',
  errPickupCode:
    'Dieser Abholtermin kann so nicht gebucht werden: Ihr Abholcode fehlt, ist nicht gültig oder wurde schon für einen anderen Termin verwendet. Ist Ihr Dokument gerade erst abholbereit geworden, versuchen Sie es in einer Minute erneut.',
  pickupNoCode:
    'Einen Termin zur Abholung von Ausweis oder Pass buchen Sie über die Abfrage „Ist mein Ausweis abholbereit?“. Dort erhalten Sie den nötigen Abholcode, sobald Ihr Dokument bereitliegt.',
  pickupWithCode: 'Ihr Abholcode wird mit dem Termin übermittelt.',
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
  idLink: 'Applied for an ID card or passport?',
  idLinkText: 'See here whether it is ready for pickup.',
  idTitle: 'Is my ID card ready for pickup?',
  idIntro:
    'Enter the serial number of your new ID card or passport and your date of birth. You will see how far your document is and whether you can pick it up.',
  idSerial: 'Serial number',
  idSerialHint:
    'The serial number has 9 characters (letters and digits). It is on your pickup slip (Abholschein) and on the document. It never contains the letter O: type the digit 0 (zero) instead.',
  idBirthDate: 'Date of birth',
  idBirthDateHint: 'The date of birth of the person the document is for.',
  idSubmit: 'Check status',
  idChecking: 'Checking the status …',
  idErrSerial: 'Please enter the serial number.',
  idErrSerialFormat: 'The serial number has exactly 9 characters, only letters and digits. Please check your entry.',
  idErrBirthDate: 'Please enter your date of birth, for example 17/05/1990.',
  idErrBirthDateFuture: 'The date of birth cannot be in the future.',
  idNotFoundTitle: 'No document found',
  idNotFound:
    'We found no document for this serial number and this date of birth. Please check both and try again.',
  idNotFoundLock:
    'After several wrong attempts, the lookup for this serial number is blocked for one hour. If you are stuck, call us: +49 431 901-0.',
  idRateLimited: 'There were too many lookups in a short time. Please try again later.',
  idRateLimitedWait: 'There were too many lookups in a short time. Please try again in {n} minutes.',
  idResultHeading: 'Your result',
  idDocument: 'Document',
  idUpdated: 'Last update',
  idInProgress: 'Your document is still being made.',
  idEstimate: 'Expected to be ready for pickup between {from} and {to}.',
  idInProgressNext: 'As soon as it is ready for pickup, you will see it here. Please check again later.',
  idReady: 'Your document is ready for pickup',
  idReadyAt: 'You can pick it up at {office}.',
  idBringSlip: 'your pickup slip (Abholschein)',
  idBringPin: 'the PIN letter you received by post',
  idBringOld: 'your current document (it will be invalidated)',
  idBook: 'Book a pickup appointment',
  idWalkIn: 'You can also pick up your document without an appointment during opening hours. With an appointment you usually wait less.',
  idHandedOver: 'Your document has already been handed over.',
  idHandedOverNext: 'If you did not pick it up yourself, please contact your citizens’ office.',
  idInDelivery: 'Your document is on its way to you.',
  idInDeliveryNext: 'It is sent to your home by post. You do not need to pick it up.',
  idDelivered: 'Your document has been delivered to you.',
  idDeliveredNext: 'If you have not received it, please contact your citizens’ office.',
  idDeliveryFailed: 'The delivery failed; the document is going back to your citizens’ office.',
  idDeliveryFailedNext: 'As soon as it has arrived there, you can pick it up. Please check here again then.',
  idUnknownStatus: 'The state of your document: {status}.',
  docPERSONALAUSWEIS: 'Identity card (Personalausweis)',
  docREISEPASS: 'Passport (Reisepass)',
  docEXPRESS_REISEPASS: 'Express passport (Express-Reisepass)',
  docKINDERREISEPASS: 'Children’s passport (Kinderreisepass)',
  docEID_KARTE: 'eID card (eID-Karte)',
  errPickupCode:
    'This pickup appointment cannot be booked like this: your pickup code is missing, not valid or already used for another appointment. If your document has only just become ready, try again in a minute.',
  pickupNoCode:
    'You book an appointment to pick up an ID card or passport through “Is my ID card ready for pickup?”. There you get the pickup code you need as soon as your document is ready.',
  pickupWithCode: 'Your pickup code is sent with the appointment.',
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
