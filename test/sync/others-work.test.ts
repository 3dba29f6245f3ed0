import type { Contact, ContactRequest } from '../../src/api/contract.js';
import { baseOf } from '../../src/sync/base.js';
import { othersWork } from '../../src/sync/others-work.js';
import { apiContact } from '../helpers/api-contact.js';

const written: ContactRequest = {
  defaultFields: {
    firstName: 'Eve',
    company: 'Globex',
    role: 'CFO',
    emails: [{ name: 'work', value: 'eve@globex.example' }],
    phoneNumbers: [{ name: 'work', value: '+14155550104' }],
  },
  customFields: [{ key: 'vip', value: true }],
  externalId: 'e1',
};
/** Eve as the job wrote her (in the workspace's own case and punctuation), with `fields` changed. */
const contact = (
  fields: Partial<Contact['defaultFields']>,
  custom: { key: string; value: unknown }[] = [{ key: 'vip', value: true }],
): Contact =>
  apiContact(
    {
      firstName: 'Eve',
      company: 'Globex',
      role: 'CFO',
      emails: [{ name: 'work', value: 'Eve@Globex.example', id: 'EM1' }],
      phoneNumbers: [{ name: 'work', value: '+1 (415) 555-0104', id: 'PN1' }],
      ...fields,
    },
    custom,
  );

test("a contact as the job wrote it holds nobody else's work (case and punctuation aside)", () => {
  expect(othersWork(contact({}), baseOf(written))).toEqual([]);
});

test("an agent's role, an added number and a custom value are someone else's; a removed item is nobody's loss", () => {
  const edited = contact(
    {
      role: 'Chief Financial Officer',
      emails: [],
      phoneNumbers: [
        { name: 'work', value: '+14155550104', id: 'PN1' },
        { name: 'home', value: '+14155550199', id: 'PN2' },
      ],
    },
    [
      { key: 'vip', value: true },
      { key: 'notes', value: 'call after 5' },
    ],
  );
  expect(othersWork(edited, baseOf(written))).toEqual([
    'role "Chief Financial Officer"',
    'phone +14155550199',
    'notes "call after 5"',
  ]);
});

test("an adopted contact: what it had before the job is not someone else's work, an edit since is", () => {
  const before = contact({
    firstName: 'Evie',
    role: 'Finance',
    phoneNumbers: [{ name: 'mobile', value: '+14155550114', id: 'PN9' }],
  });
  // The record has no role: the adoption kept the contact's; its own mobile stays beside the record's number.
  const record = { ...written, defaultFields: { ...written.defaultFields, role: undefined } };
  const now = contact({
    role: 'Finance',
    phoneNumbers: [
      { name: 'mobile', value: '+14155550114', id: 'PN9' },
      { name: 'work', value: '+14155550104', id: 'PN1' },
    ],
  });
  expect(othersWork(now, baseOf(record), before)).toEqual([]);
  expect(
    othersWork({ ...now, defaultFields: { ...now.defaultFields, lastName: 'Adams' } }, baseOf(record), before),
  ).toEqual(['lastName "Adams"']);
});
