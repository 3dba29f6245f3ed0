import type { Contact } from '../../src/api/contract.js';
import type { ValidRecord } from '../../src/classify/classify.js';
import { WorkspaceIndex } from '../../src/workspace/index.js';

let n = 0;
const contact = (fields: {
  phones?: string[];
  emails?: string[];
  externalId?: string | null;
  name?: string;
}): Contact => ({
  id: `CT${++n}`,
  externalId: fields.externalId ?? null,
  source: 'csv-v2',
  sourceUrl: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  createdByUserId: 'US1',
  defaultFields: {
    firstName: fields.name ?? 'Someone',
    lastName: null,
    company: null,
    role: null,
    emails: (fields.emails ?? []).map((value, i) => ({ name: 'work', value, id: `EM${n}${i}` })),
    phoneNumbers: (fields.phones ?? []).map((value, i) => ({ name: 'mobile', value, id: `PN${n}${i}` })),
  },
  customFields: [],
});
const record = (
  externalId: string,
  phones: string[] = [],
  emails: string[] = [],
  line = 2,
  name = 'Someone',
): ValidRecord => ({
  kind: 'valid',
  line,
  externalId,
  fields: [],
  payload: {
    defaultFields: {
      firstName: name,
      phoneNumbers: phones.map((value) => ({ name: 'mobile', value })),
      emails: emails.map((value) => ({ name: 'work', value })),
    },
    externalId,
  },
});

function index(keys: ('phone' | 'email')[], ...contacts: Contact[]) {
  const i = new WorkspaceIndex(keys, 'US');
  for (const c of contacts) i.add(c);
  return i;
}

test('a number the app kept as typed matches its E.164 form; an e-mail matches whatever its case', () => {
  const ada = contact({ phones: ['(415) 555-0101'] });
  const bob = contact({ emails: [' Bob@Example.COM '] });
  const i = index(['phone', 'email'], ada, bob);
  expect(i.match(record('a', ['+14155550101']))).toEqual({
    kind: 'adopt',
    contact: { id: ada.id, externalId: null, name: 'Someone', firstName: 'Someone', lastName: null },
  });
  expect(i.match(record('b', [], ['bob@example.com']))).toMatchObject({ kind: 'adopt', contact: { id: bob.id } });
});

test('by phone only: an e-mail match is no match', () => {
  const i = index(['phone'], contact({ emails: ['bob@example.com'] }));
  expect(i.match(record('b', [], ['bob@example.com']))).toEqual({ kind: 'none' });
});

test('one contact by phone and by e-mail is one candidate, adopted', () => {
  const c = contact({ phones: ['+14155550101'], emails: ['c@example.com'] });
  expect(index(['phone', 'email'], c).match(record('c', ['+14155550101'], ['c@example.com']))).toMatchObject({
    kind: 'adopt',
    contact: { id: c.id },
  });
});

test('several contacts: for review, with every candidate', () => {
  const a = contact({ phones: ['+14155550103'] });
  const b = contact({ emails: ['cy@example.com'] });
  const m = index(['phone', 'email'], a, b).match(record('c', ['+14155550103'], ['cy@example.com']));
  expect(m).toMatchObject({
    kind: 'review',
    why: expect.stringMatching(/matches 2 contacts .*phone \+14155550103.*email cy@example.com/),
  });
  expect(m.kind === 'review' && m.candidates.map((c) => c.id)).toEqual([a.id, b.id]);
});

test("another source's contact (it has an externalId) is never adopted", () => {
  const theirs = contact({ emails: ['dee@example.com'], externalId: 'hubspot-4' });
  expect(index(['email'], theirs).match(record('d', [], ['dee@example.com']))).toMatchObject({
    kind: 'review',
    why: expect.stringMatching(/another source holds \(externalId "hubspot-4"\)/),
  });
});

test('a contact an earlier record adopted is not adopted twice: the second record is for review', () => {
  const c = contact({ phones: ['+14155550101'] });
  const i = index(['phone'], c);
  expect(i.match(record('a', ['+14155550101'], [], 2)).kind).toBe('adopt');
  expect(i.match(record('a2', ['+14155550101'], [], 9))).toMatchObject({
    kind: 'review',
    why: expect.stringMatching(/the record on line 2 adopts/),
  });
});

test("a contact of the job's source holding the record's own externalId is another job's, never adopted, unless the job's adoption of it was left in doubt", () => {
  const c = { ...contact({ phones: ['+14155550101'], externalId: 'a' }), source: 'public-api' };
  expect(index(['phone'], c).match(record('a', ['+14155550101']))).toMatchObject({
    kind: 'ofJobSource',
    contact: { id: c.id },
  });
  expect(index(['phone'], c).match(record('a', ['+14155550101']), true)).toMatchObject({
    kind: 'adopt',
    contact: { id: c.id },
  });
});

test("another integration's contact holding the record's own externalId is that CRM record, held elsewhere: neither adopted nor made again", () => {
  const c = contact({ phones: ['+14155550101'], externalId: 'a' });
  expect(index(['phone'], c).match(record('a', ['+14155550101']))).toMatchObject({
    kind: 'heldElsewhere',
    contact: { id: c.id, source: 'csv-v2' },
  });
});

test('what it counts: contacts, and those without an externalId', () => {
  const i = index(['phone'], contact({}), contact({ externalId: 'x' }), contact({}));
  expect([i.size, i.withoutExternalId]).toEqual([3, 2]);
});

test('one number or e-mail is not a person: a contact under another name is for review, with both names', () => {
  const desk = contact({ phones: ['+14155550100'], name: 'Front Desk' });
  const m = index(['phone'], desk).match(record('alice', ['+14155550100'], [], 2, 'Alice Smith'));
  expect(m).toMatchObject({
    kind: 'review',
    why: expect.stringMatching(/"Front Desk" in the workspace, "Alice Smith" in the input/),
  });
});

test("a key several records of the input carry is nobody's: for review, whichever record comes first", () => {
  const desk = contact({ phones: ['+14155550100'], name: 'Alice' });
  const i = index(['phone'], desk);
  i.setShared(new Map([['p:+14155550100', 3]]));
  expect(i.match(record('alice', ['+14155550100'], [], 2, 'Alice'))).toMatchObject({
    kind: 'review',
    why: expect.stringMatching(/which 3 records of the input carry/),
  });
  expect(i.lookups(record('x', ['+14155550100'], ['A@B.example']))).toEqual([
    { key: 'p:+14155550100', label: 'phone +14155550100', contacts: [expect.objectContaining({ id: desk.id })] },
  ]);
});

test('a contact this job holds is never "another source\'s": the reason names the job\'s record', () => {
  const held = contact({ phones: ['+14155550100'], externalId: 'crm-7', name: 'Someone' });
  const i = new WorkspaceIndex(['phone'], 'US', (id) => id === 'crm-7');
  i.add(held);
  expect(i.match(record('crm-8', ['+14155550100']))).toMatchObject({
    kind: 'review',
    why: expect.stringMatching(/this job's record "crm-7" holds/),
  });
  expect(
    index(['phone'], contact({ phones: ['+14155550100'], externalId: 'hubspot-1' })).match(
      record('crm-8', ['+14155550100']),
    ),
  ).toMatchObject({ why: expect.stringMatching(/another source holds/) });
});
