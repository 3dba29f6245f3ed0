import type { ContactRequest } from '../../src/api/contract.js';
import { ContactStore } from '../../src/sandbox/contact-store.js';
import { DEFAULT_CUSTOM_FIELDS } from '../../src/sandbox/custom-fields.js';
import { updateBody } from '../../src/send/update-body.js';

/** A contact that exists before the job, with items of each kind. */
function existing(store: ContactStore) {
  return store.create(
    {
      defaultFields: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical',
        emails: [{ name: 'work', value: 'Ada@Example.com' }],
        phoneNumbers: [{ name: 'mobile', value: '+14155550132' }],
      },
      customFields: [
        { key: 'vip', value: true },
        { key: 'notes', value: 'met at a conference' },
      ],
      externalId: 'e1',
      createdByUserId: 'USowner',
    },
    new Date(),
  );
}

const record: ContactRequest = {
  defaultFields: {
    firstName: 'Augusta Ada',
    lastName: null,
    role: 'Countess',
    emails: [
      { name: 'work', value: 'ada@example.com' },
      { name: 'home', value: 'ada@home.example' },
      { name: 'other', value: 'ada@home.example' },
    ],
    phoneNumbers: [{ name: 'work', value: '+442071234567' }],
  },
  customFields: [
    { key: 'vip', value: false },
    { key: 'score', value: 7 },
  ],
  externalId: 'e1',
  createdByUserId: 'USimporter',
  source: 'crm-migration',
};

describe.each(['replace', 'merge'] as const)('an update under the %s reading of PATCH arrays', (arrays) => {
  test('keeps everything the contact had, adds what it lacked once, overwrites the scalars the record has', () => {
    const store = new ContactStore(DEFAULT_CUSTOM_FIELDS);
    const before = existing(store);
    const body = updateBody(before, record);
    expect(body).not.toHaveProperty('createdByUserId');
    expect(body).not.toHaveProperty('source');
    const after = store.update(before.id, body, new Date(), arrays)!;
    expect(after.defaultFields).toMatchObject({
      firstName: 'Augusta Ada',
      lastName: 'Lovelace',
      company: 'Analytical',
      role: 'Countess',
    });
    // The email differs only in case: the same address, kept once, with its id.
    expect(after.defaultFields.emails.map((e) => [e.name, e.value])).toEqual([
      ['work', 'Ada@Example.com'],
      ['home', 'ada@home.example'],
    ]);
    expect(after.defaultFields.emails[0]!.id).toBe(before.defaultFields.emails[0]!.id);
    expect(after.defaultFields.phoneNumbers.map((p) => p.value)).toEqual(['+14155550132', '+442071234567']);
    expect(Object.fromEntries(after.customFields.map((f) => [f.key, f.value]))).toEqual({
      vip: false,
      notes: 'met at a conference',
      score: 7,
    });
    expect(after.createdByUserId).toBe('USowner');
  });

  test('the same update again (a resend built from the contact as it now is) changes nothing', () => {
    const store = new ContactStore(DEFAULT_CUSTOM_FIELDS);
    const before = existing(store);
    const once = structuredClone(store.update(before.id, updateBody(before, record), new Date(), arrays)!);
    const twice = store.update(before.id, updateBody(once, record), new Date(), arrays)!;
    expect(twice.defaultFields.emails).toEqual(once.defaultFields.emails);
    expect(twice.defaultFields.phoneNumbers).toEqual(once.defaultFields.phoneNumbers);
    expect(twice.customFields.map((f) => [f.key, f.value])).toEqual(once.customFields.map((f) => [f.key, f.value]));
  });
});

test('phones match by digits: a formatted copy of a number the contact has is not added', () => {
  const store = new ContactStore(DEFAULT_CUSTOM_FIELDS);
  const before = existing(store);
  const body = updateBody(before, {
    defaultFields: { firstName: null, phoneNumbers: [{ name: 'm', value: '+1 (415) 555-0132' }] },
  });
  expect(body.defaultFields!.phoneNumbers).toEqual([
    { id: before.defaultFields.phoneNumbers[0]!.id, name: 'mobile', value: '+14155550132' },
  ]);
  expect(body.defaultFields).not.toHaveProperty('firstName');
});
