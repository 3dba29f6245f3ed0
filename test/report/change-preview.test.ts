import type { Contact } from '../../src/api/contract.js';
import { describeChange } from '../../src/report/change-preview.js';

const contact: Contact = {
  id: 'CT1',
  externalId: 'e1',
  source: 'public-api',
  sourceUrl: null,
  createdAt: 'x',
  updatedAt: 'x',
  createdByUserId: 'US1',
  defaultFields: {
    firstName: 'Ada',
    lastName: null,
    company: 'Acme',
    role: 'CTO',
    emails: [{ name: 'work', value: 'Ada@Acme.example', id: 'E1' }],
    phoneNumbers: [{ name: 'mobile', value: '+14155550100', id: 'P1' }],
  },
  customFields: [{ name: 'VIP', key: 'vip', id: 'C1', type: 'boolean', value: false }],
};
const record = {
  defaultFields: {
    firstName: 'Ada',
    company: 'Globex',
    emails: [
      { name: 'work', value: 'ada@acme.example' },
      { name: 'home', value: 'ada@home.example' },
    ],
    phoneNumbers: [],
  },
  customFields: [{ key: 'vip', value: true }],
  externalId: 'e1',
};

test('each field a sync would change, as old → new; the contact\'s own items stay with arrays "keep"', () => {
  expect(describeChange(contact, record, 'keep')).toEqual([
    'company "Acme" → "Globex"',
    'email + ada@home.example',
    'vip false → true',
  ]);
});

test('with arrays "source", what the record lacks is cleared and removed too', () => {
  expect(describeChange(contact, record, 'source')).toEqual([
    'company "Acme" → "Globex"',
    'role "CTO" → (empty)',
    'email + ada@home.example',
    'phone − +14155550100',
    'vip false → true',
  ]);
});
