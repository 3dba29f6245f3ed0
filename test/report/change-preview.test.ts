import type { Contact } from '../../src/api/contract.js';
import { describePatch } from '../../src/report/change-preview.js';
import { syncBody, updateBody } from '../../src/send/update-body.js';
import { baseOf } from '../../src/sync/base.js';
import { apiContact } from '../helpers/api-contact.js';

const contact: Contact = apiContact(
  {
    firstName: 'Ada',
    company: 'Acme',
    role: 'CTO',
    emails: [{ name: 'work', value: 'Ada@Acme.example', id: 'E1' }],
    phoneNumbers: [{ name: 'mobile', value: '+14155550100', id: 'P1' }],
  },
  [{ key: 'vip', value: false }],
);
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
  expect(describePatch(contact, updateBody(contact, record, 'keep'))).toEqual([
    'company "Acme" → "Globex"',
    'email + ada@home.example',
    'vip false → true',
  ]);
});

test('with arrays "source", what the record lacks is cleared and removed too', () => {
  expect(describePatch(contact, updateBody(contact, record, 'source'))).toEqual([
    'company "Acme" → "Globex"',
    'role "CTO" → (empty)',
    'email + ada@home.example',
    'phone − +14155550100',
    'vip false → true',
  ]);
});

test("a three-way sync's preview is its own PATCH: an agent's edit it keeps is not shown, a number the source replaced is", () => {
  // The job wrote role CTO and +14155550100; since, an agent made the role "Chief Technology Officer".
  const written = {
    defaultFields: {
      firstName: 'Ada',
      company: 'Acme',
      role: 'CTO',
      emails: [{ name: 'work', value: 'Ada@Acme.example' }],
      phoneNumbers: [{ name: 'mobile', value: '+14155550100' }],
    },
    externalId: 'e1',
  };
  const agentEdited = { ...contact, defaultFields: { ...contact.defaultFields, role: 'Chief Technology Officer' } };
  const now = {
    ...written,
    defaultFields: {
      ...written.defaultFields,
      company: 'Globex',
      phoneNumbers: [{ name: 'mobile', value: '+14155550124' }],
    },
  };
  const rules = { conflicts: 'workspace' as const, fields: { custom: {} }, arrays: 'keep' as const };
  const { body, conflicts } = syncBody(agentEdited, now, baseOf(written), rules);
  expect(describePatch(agentEdited, body!)).toEqual([
    'company "Acme" → "Globex"',
    'phone − +14155550100',
    'phone + +14155550124',
  ]);
  expect(conflicts).toEqual([]);
  // Nothing the source changed: no PATCH at all.
  expect(syncBody(agentEdited, written, baseOf(written), rules).body).toBeNull();
});
