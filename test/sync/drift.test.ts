import type { ContactRequest } from '../../src/api/contract.js';
import { baseOf } from '../../src/sync/base.js';
import { driftOf } from '../../src/sync/drift.js';
import { apiContact } from '../helpers/api-contact.js';

const written: ContactRequest = {
  defaultFields: {
    firstName: 'Ada',
    company: 'Acme',
    phoneNumbers: [{ name: 'mobile', value: '+14155550101' }],
  },
  externalId: 'e1',
};
const phone = { name: 'mobile', value: '+14155550101', id: 'PN1' };

test('a field the job wrote that someone changed or cleared is drift; an item the job wrote that is gone too', () => {
  const now = apiContact({ firstName: 'Ada', company: null, phoneNumbers: [] });
  expect(driftOf(now, written, baseOf(written))).toEqual([
    { field: 'company', base: 'Acme', workspace: null },
    { field: 'phoneNumbers', base: '+14155550101', workspace: null },
  ]);
});

test("what someone added where the job wrote nothing is not drift: a role, a number, an adopted contact's own last name", () => {
  const now = apiContact({
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Acme',
    role: 'Manager',
    phoneNumbers: [phone, { name: 'desk', value: '+14155550199', id: 'PN2' }],
  });
  expect(driftOf(now, written, baseOf(written))).toEqual([]);
});
