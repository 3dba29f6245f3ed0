/**
 * Column names of common exports and what they hold. Matching ignores case,
 * spaces, dashes, dots and underscores ("E-mail 1 - Value" = "email1value").
 */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[\s\-_.'/]+/g, '');

export type NameField = 'firstName' | 'lastName' | 'company' | 'role';

/** In order of preference: the first present wins. */
export const NAME_COLUMNS: Record<NameField, readonly string[]> = {
  firstName: ['First Name', 'FirstName', 'Given Name', 'First'],
  lastName: ['Last Name', 'LastName', 'Family Name', 'Surname', 'Last'],
  company: ['Company', 'Company Name', 'Organization Name', 'Organization 1 - Name', 'Account.Name', 'Account Name', 'Organization', 'Organisation'],
  // Outlook's "Title" is a salutation (Mr., Dr.): only "Job Title" style names here.
  role: ['Job Title', 'Organization Title', 'Organization 1 - Title', 'Position', 'Role', 'Title'],
};

/** Google Contacts puts several values in one cell, separated by this. */
export const GOOGLE_SPLIT = ' ::: ';

/** An email or phone column: its default label, and where an export keeps a per-row label for it. */
export interface KnownLabelledColumn {
  readonly column: string;
  readonly name: string;
  readonly labelColumns?: readonly string[];
}

function numbered(prefix: string, kind: 'email' | 'phone'): KnownLabelledColumn[] {
  return Array.from({ length: 6 }, (_, i) => ({ column: `${prefix} ${i + 1} - Value`, labelColumns: [`${prefix} ${i + 1} - Label`, `${prefix} ${i + 1} - Type`], name: `${kind} ${i + 1}` }));
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
  ...numbered('Phone', 'phone'),
];

export const ID_COLUMNS = ['Record ID', 'Id', 'ID', 'Contact ID', 'External ID', 'ExternalId', 'Customer ID', 'Lead ID', 'Contact Id'];
