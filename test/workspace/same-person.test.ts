import { nameWords, sameName } from '../../src/workspace/same-person.js';

const c = (firstName: string | null, lastName: string | null = null, company: string | null = null) => ({
  firstName,
  lastName,
  company,
});

test.each<
  [string, ReturnType<typeof c>, { firstName?: string | null; lastName?: string | null; company?: string }, boolean]
>([
  ['the same first and last name', c('Ada', 'Lovelace'), { firstName: 'Ada', lastName: 'Lovelace' }, true],
  [
    'case, accents and punctuation aside',
    c('ÉLODIE', "d'Arc-Dupont"),
    { firstName: 'Elodie', lastName: 'd Arc Dupont' },
    true,
  ],
  ['the app kept only a first name', c('Ada'), { firstName: 'Ada', lastName: 'Lovelace' }, true],
  [
    'the whole name typed into the first name, in another order',
    c('Lovelace Ada'),
    { firstName: 'Ada', lastName: 'Lovelace' },
    true,
  ],
  ['a contact without any name agrees with anyone', c(null, null), { firstName: 'Ada' }, true],
  [
    'an office line named as such is nobody in the CRM',
    c('Front Desk'),
    { firstName: 'Alice', lastName: 'Smith' },
    false,
  ],
  ["a family member's mobile", c('Eve', 'Jones'), { firstName: 'Dan', lastName: 'Brown' }, false],
  ['the same first name, another last name', c('Ada', 'Byron'), { firstName: 'Ada', lastName: 'Lovelace' }, false],
  ['a record without a name against a named contact', c('Ada'), { firstName: null }, false],
  [
    "a company's main line (no person's name) is not a person of that company",
    c(null, null, 'Acme Corp'),
    { firstName: 'Alice', lastName: 'Smith', company: 'Acme Corp' },
    false,
  ],
  [
    "a company's main line and the CRM's record of that company, without a person's name",
    c(null, null, 'Acme Corp'),
    { firstName: null, company: 'ACME corp.' },
    true,
  ],
  ["a company's main line and another company's record", c(null, null, 'Acme Corp'), { company: 'Globex' }, false],
])('%s', (_, contact, record, same) => {
  expect(sameName(contact, record)).toBe(same);
});

test('name words are folded', () => {
  expect(nameWords('  José-María ', "O'Brien")).toEqual(['jose', 'maria', 'o', 'brien']);
});
