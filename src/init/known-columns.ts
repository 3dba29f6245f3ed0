/**
 * Column names of common exports and what they hold: Google Contacts, Outlook
 * (English, German, French), HubSpot, Salesforce reports and Data Loader
 * extracts (FIRSTNAME, MOBILEPHONE), Zoho, Pipedrive ("Person - …"), LinkedIn,
 * and German, French and Spanish spreadsheet headers. Matching ignores case,
 * accents, spaces and punctuation ("E-mail 1 - Value" = "email1value",
 * "Téléphone" = "telephone").
 */
export const normalizeName = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s\-_.'/:()]+/g, '');

export type NameField = 'firstName' | 'lastName' | 'company' | 'role';

/** In order of preference: the first present wins. */
export const NAME_COLUMNS: Record<NameField, readonly string[]> = {
  // A full-name column is the last resort for firstName: used only when no first-name column exists.
  firstName: [
    'First Name',
    'FirstName',
    'Given Name',
    'First',
    'Person - First name',
    'Vorname',
    'Prénom',
    'Nombre',
    'Full Name',
    'Person - Name',
    'Name',
  ],
  lastName: [
    'Last Name',
    'LastName',
    'Family Name',
    'Surname',
    'Last',
    'Person - Last name',
    'Nachname',
    'Nom de famille',
    'Nom',
    'Apellidos',
    'Apellido',
  ],
  company: [
    'Company',
    'Company Name',
    'Organization Name',
    'Organization 1 - Name',
    'Account.Name',
    'Account Name',
    'Organization',
    'Organisation',
    'Person - Organization',
    'Firma',
    'Unternehmen',
    'Société',
    'Entreprise',
    'Empresa',
  ],
  // Outlook's "Title" is a salutation (Mr., Dr.): only "Job Title" style names here.
  role: [
    'Job Title',
    'Organization Title',
    'Organization 1 - Title',
    'Position',
    'Role',
    'Person - Job title',
    'Fonction',
    'Poste',
    'Cargo',
    'Puesto',
    'Title',
  ],
};

/** An email or phone column: its default label, and where an export keeps a per-row label for it. */
export interface KnownLabelledColumn {
  readonly column: string;
  readonly name: string;
  readonly labelColumns?: readonly string[];
  /** The export puts several values in the cell with this separator. */
  readonly split?: string;
}

function numbered(prefix: string, kind: 'email' | 'phone'): KnownLabelledColumn[] {
  return Array.from({ length: 6 }, (_, i) => ({
    column: `${prefix} ${i + 1} - Value`,
    labelColumns: [`${prefix} ${i + 1} - Label`, `${prefix} ${i + 1} - Type`],
    name: `${kind} ${i + 1}`,
  }));
}

export const EMAIL_COLUMNS: readonly KnownLabelledColumn[] = [
  { column: 'Email', name: 'work' },
  { column: 'E-mail', name: 'work' },
  { column: 'Email Address', name: 'work' },
  { column: 'E-mail Address', name: 'work' },
  { column: 'Work Email', name: 'work' },
  ...numbered('E-mail', 'email'),
  { column: 'E-mail 2 Address', name: 'other' },
  { column: 'E-mail 3 Address', name: 'other' },
  { column: 'Personal Email', name: 'home' },
  { column: 'Home Email', name: 'home' },
  { column: 'Secondary Email', name: 'other' },
  { column: 'Additional email addresses', name: 'other', split: ';' },
  { column: 'Person - Email - Work', name: 'work' },
  { column: 'Person - Email - Home', name: 'home' },
  { column: 'Person - Email - Other', name: 'other' },
  { column: 'Person - Email', name: 'work' },
  { column: 'E-Mail-Adresse', name: 'work' },
  { column: 'E-Mail 2: Adresse', name: 'other' },
  { column: 'E-Mail 3: Adresse', name: 'other' },
  { column: 'Courriel', name: 'work' },
  { column: 'Adresse e-mail', name: 'work' },
  { column: 'Adresse de messagerie', name: 'work' },
  { column: 'Adresse de messagerie 2', name: 'other' },
  { column: 'Correo electrónico', name: 'work' },
  { column: 'Correo', name: 'work' },
];

export const PHONE_COLUMNS: readonly KnownLabelledColumn[] = [
  { column: 'Mobile', name: 'mobile' },
  { column: 'Mobile Phone', name: 'mobile' },
  { column: 'Mobile Phone Number', name: 'mobile' },
  { column: 'MobilePhone', name: 'mobile' },
  { column: 'Cell', name: 'mobile' },
  { column: 'Cell Phone', name: 'mobile' },
  { column: 'Phone', name: 'work' },
  { column: 'Phone Number', name: 'work' },
  { column: 'Business Phone', name: 'work' },
  { column: 'Work Phone', name: 'work' },
  { column: 'Primary Phone', name: 'main' },
  { column: 'Company Main Phone', name: 'company' },
  { column: 'Home Phone', name: 'home' },
  { column: 'Other Phone', name: 'other' },
  { column: 'Business Phone 2', name: 'work' },
  { column: 'Home Phone 2', name: 'home' },
  { column: 'Person - Phone - Work', name: 'work' },
  { column: 'Person - Phone - Mobile', name: 'mobile' },
  { column: 'Person - Phone - Home', name: 'home' },
  { column: 'Person - Phone - Other', name: 'other' },
  { column: 'Person - Phone', name: 'work' },
  { column: 'Mobiltelefon', name: 'mobile' },
  { column: 'Mobil', name: 'mobile' },
  { column: 'Handy', name: 'mobile' },
  { column: 'Telefon geschäftlich', name: 'work' },
  { column: 'Telefon', name: 'work' },
  { column: 'Haupttelefon', name: 'main' },
  { column: 'Telefon Firma', name: 'company' },
  { column: 'Telefon (privat)', name: 'home' },
  { column: 'Weiteres Telefon', name: 'other' },
  { column: 'Portable', name: 'mobile' },
  { column: 'Téléphone mobile', name: 'mobile' },
  { column: 'Tél. mobile', name: 'mobile' },
  { column: 'Téléphone', name: 'work' },
  { column: 'Téléphone bureau', name: 'work' },
  { column: 'Tél. bureau', name: 'work' },
  { column: 'Téléphone domicile', name: 'home' },
  { column: 'Tél. domicile', name: 'home' },
  { column: 'Móvil', name: 'mobile' },
  { column: 'Celular', name: 'mobile' },
  { column: 'Teléfono móvil', name: 'mobile' },
  { column: 'Teléfono', name: 'work' },
  { column: 'Teléfono del trabajo', name: 'work' },
  ...numbered('Phone', 'phone'),
];

/** A column naming each record's country: phone.countryColumn, and evidence for the default country. */
export const COUNTRY_COLUMNS = [
  'Country',
  'Country/Region',
  'Business Country/Region',
  'Business Country',
  'Mailing Country',
  'Home Country/Region',
  'Home Country',
  'Other Country/Region',
  'Billing Country',
  'Address 1 - Country',
  'Person - Country of Postal address',
  'Person - Postal address - Country',
  'Land',
  'Land/Region geschäftlich',
  'Land/Region privat',
  'Pays',
  'Pays/Région',
  'Pays/Région (bureau)',
  'País',
];

/**
 * The export's own record id, by its name: the externalId even when some
 * cells are empty or repeated (those records fail with their own codes, as a
 * user of that CRM expects), since keying on names instead duplicates a
 * contact whose name changes.
 */
export const ID_COLUMNS = [
  'Record ID',
  'Id',
  'ID',
  'Contact ID',
  'External ID',
  'ExternalId',
  'Customer ID',
  'Lead ID',
  'Contact Id',
  'Person - ID',
  'Kontakt-ID',
  'Kundennummer',
  'Kunden-Nr',
  'Kundennr',
  'Kunden-ID',
  'Identifiant',
  'N° client',
  'Numéro client',
  'Numéro de client',
  'ID client',
  'Número de cliente',
  'ID de cliente',
];

/**
 * Columns that identify a record only when every cell is filled and unique: a
 * LinkedIn profile URL (one person's, stable), a vCard's UID (some apps write
 * none); a column named "URL" in another export may be a website.
 */
export const STRICT_ID_COLUMNS = ['Profile URL', 'URL', 'UID'];

/** A CRM's owner of the record (an e-mail or a full name): config owner, for createdByUserId. */
export const OWNER_COLUMNS = [
  'Contact owner',
  'Contact Owner',
  'Record Owner',
  'Person - Owner',
  'Owner',
  'Owner Email',
  'Contact Owner Email',
  'Lead Owner',
  'Account Owner',
  'Besitzer',
  'Kontaktinhaber',
  'Inhaber',
  'Propriétaire',
  'Propriétaire du contact',
  'Propietario',
  'Propietario del contacto',
];
