import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A realistic CRM export: 12 columns, US/UK/DE phones in national formats to
 * normalise, US dates, quoted fields with commas, quotes and line breaks,
 * and a sprinkling of bad values and duplicate ids, like real exports have.
 */
export const BENCH_HEADER = [
  'Record ID',
  'First Name',
  'Last Name',
  'Company',
  'Job Title',
  'Email',
  'Other Emails',
  'Mobile',
  'Phone',
  'Lead Tags',
  'Signed Up',
  'VIP',
  'Notes',
];

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'José', 'Zoë', 'Jürgen', 'Liu', 'Amara', 'Sven'];
const LAST = ['Lovelace', 'Hopper', 'Turing', "O'Neil", 'Muñoz', 'Brontë', 'Groß', 'Wei', 'Okafor', 'Berg'];
const COMPANY = [
  'Acme, Inc.',
  'Globex',
  'Initech',
  'Umbrella "Corp"',
  'Stark Industries',
  'Wayne Enterprises',
  'Hooli',
  'Vandelay Industries',
];
const AREAS = [212, 213, 305, 312, 415, 503, 512, 617, 646, 702, 713, 808, 917];
const TAGS = ['webinar', 'trial', 'partner', 'referral', 'conference'];

export function benchRecord(i: number): string[] {
  const r = (n: number) => (i * 2654435761 + n * 97) % 1000003;
  const area = AREAS[r(1) % AREAS.length]!;
  const exchange = 201 + (r(2) % 700);
  const local = String(1000 + (r(10) % 9000));
  const mobile =
    i % 7 === 0
      ? `+44 7911 123${String(r(3) % 1000).padStart(3, '0')}`
      : i % 11 === 0
        ? `+49 151 ${String(10000000 + (r(3) % 89999999))}`
        : `(${area}) ${exchange}-${local}`;
  const month = 1 + (r(4) % 12);
  const day = 1 + (r(5) % 28);
  const bad = i % 97 === 0;
  return [
    String(100000 + (i % 1000 === 999 ? i - 1 : i)),
    FIRST[i % FIRST.length]!,
    LAST[r(6) % LAST.length]!,
    COMPANY[r(7) % COMPANY.length]!,
    i % 3 === 0 ? 'Head of Sales' : 'Engineer',
    bad ? 'not-an-email' : `user${i}@example.com`,
    i % 5 === 0 ? `alt${i}@example.org;user${i}@example.com` : '',
    mobile,
    i % 4 === 0 ? `${area}.${exchange}.${local}` : '',
    `${TAGS[i % TAGS.length]};${TAGS[r(8) % TAGS.length]}`,
    `${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}/20${10 + (r(9) % 15)}`,
    i % 2 === 0 ? 'yes' : 'no',
    i % 13 === 0 ? 'Met at booth 12,\nasked for "pricing"' : 'Prefers email',
  ];
}

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function generateContacts(path: string, records: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${BENCH_HEADER.join(',')}\n`);
  for (let i = 0; i < records; i++) {
    if (!out.write(`${benchRecord(i).map(quote).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export const BENCH_CONFIG = {
  externalId: 'Record ID',
  source: 'bench-import',
  defaultFields: {
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Company',
    role: 'Job Title',
    emails: [
      { name: 'work', column: 'Email' },
      { name: 'other', column: 'Other Emails', split: ';' },
    ],
    phoneNumbers: [
      { name: 'mobile', column: 'Mobile' },
      { name: 'work', column: 'Phone' },
    ],
  },
  customFields: [
    { key: 'inbound-lead', type: 'multi-select', column: 'Lead Tags', split: ';' },
    { key: 'signup-date', type: 'date', column: 'Signed Up', format: 'MM/dd/yyyy', timezone: 'America/New_York' },
    { key: 'vip', type: 'boolean', column: 'VIP' },
    { key: 'notes', type: 'string', column: 'Notes' },
  ],
  phone: { defaultCountry: 'US' },
};

/** bench/out/ of the project (made if missing): where the benchmarks keep the files they generate. */
export function benchOutDir(): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The generated export of `records` contacts in bench/out/, written the first time a benchmark asks for it. */
export async function benchContacts(records: number): Promise<string> {
  const input = join(benchOutDir(), `contacts-${records}.csv`);
  if (!existsSync(input)) {
    console.log(`generating ${records} records...`);
    await generateContacts(input, records);
  }
  return input;
}
