import type { ContactRequest } from '../../src/api/contract.js';
import { apiContact } from '../helpers/api-contact.js';
import { baseOf } from '../../src/sync/base.js';
import { threeWayBody, type SyncRules } from '../../src/sync/three-way.js';

const rules = (extra: Partial<SyncRules> = {}): SyncRules => ({
  conflicts: 'workspace',
  fields: { custom: {} },
  arrays: 'keep',
  ...extra,
});
const request = (
  df: ContactRequest['defaultFields'],
  customFields?: ContactRequest['customFields'],
): ContactRequest => ({ defaultFields: df, ...(customFields && { customFields }) });
let n = 0;
const contact = apiContact;
const email = (value: string, id = `EM${++n}`) => ({ name: 'work', value, id });
const phone = (value: string, id = `PN${++n}`) => ({ name: 'mobile', value, id });

const wrote = request(
  {
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Acme',
    role: 'CTO',
    emails: [{ name: 'work', value: 'ada@acme.example' }],
    phoneNumbers: [{ name: 'mobile', value: '+14155550101' }],
  },
  [{ key: 'tier', value: 'gold' }],
);
const base = baseOf(wrote);
const asWritten = () =>
  contact(
    {
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Acme',
      role: 'CTO',
      emails: [email('ada@acme.example', 'EM1')],
      phoneNumbers: [phone('+14155550101', 'PN1')],
    },
    [{ key: 'tier', value: 'gold' }],
  );

test('the source changed a field the workspace has as the job wrote it: written, nothing else', () => {
  const r = threeWayBody(
    asWritten(),
    request({ ...wrote.defaultFields, company: 'Acme Corp' }, wrote.customFields),
    base,
    rules(),
  );
  expect(r.conflicts).toEqual([]);
  expect(r.body?.defaultFields).toEqual({
    company: 'Acme Corp',
    emails: [{ id: 'EM1', name: 'work', value: 'ada@acme.example' }],
    phoneNumbers: [{ id: 'PN1', name: 'mobile', value: '+14155550101' }],
  });
});

test("an agent corrected the role and the CRM changed the company: the company is written, the agent's role stays", () => {
  const edited = asWritten();
  const now = { ...edited, defaultFields: { ...edited.defaultFields, role: 'Chief Technology Officer' } };
  const r = threeWayBody(
    now,
    request({ ...wrote.defaultFields, company: 'Acme Corp' }, wrote.customFields),
    base,
    rules(),
  );
  expect(r.body?.defaultFields).toMatchObject({ company: 'Acme Corp' });
  expect(r.body?.defaultFields).not.toHaveProperty('role');
});

test.each(['workspace', 'source'] as const)(
  'both changed the same field: a conflict, the %s kept, and reported with the three values',
  (kept) => {
    const now = { ...asWritten(), defaultFields: { ...asWritten().defaultFields, company: 'Acme (agent)' } };
    const r = threeWayBody(
      now,
      request({ ...wrote.defaultFields, company: 'Acme Corp' }, wrote.customFields),
      base,
      rules({ conflicts: kept }),
    );
    expect(r.conflicts).toEqual([
      { field: 'company', base: 'Acme', source: 'Acme Corp', workspace: 'Acme (agent)', kept },
    ]);
    if (kept === 'source') expect(r.body?.defaultFields?.company).toBe('Acme Corp');
    else expect(r.body).toBeNull();
  },
);

test('both made the same change: no conflict, nothing to write', () => {
  const now = { ...asWritten(), defaultFields: { ...asWritten().defaultFields, company: 'Acme Corp' } };
  expect(
    threeWayBody(now, request({ ...wrote.defaultFields, company: 'Acme Corp' }, wrote.customFields), base, rules()),
  ).toEqual({ body: null, conflicts: [] });
});

test("a number the CRM replaced is removed where the contact still has it as written; the agent's own number stays", () => {
  const now = asWritten();
  const withAgents = {
    ...now,
    defaultFields: {
      ...now.defaultFields,
      phoneNumbers: [...now.defaultFields.phoneNumbers, phone('+14155550999', 'PN9')],
    },
  };
  const r = threeWayBody(
    withAgents,
    request({ ...wrote.defaultFields, phoneNumbers: [{ name: 'mobile', value: '+14155550102' }] }, wrote.customFields),
    base,
    rules(),
  );
  expect(r.body?.defaultFields?.phoneNumbers).toEqual([
    { id: 'PN1', value: null },
    { id: 'PN9', name: 'mobile', value: '+14155550999' },
    { name: 'mobile', value: '+14155550102' },
  ]);
});

test('an e-mail someone removed in the app is not put back while the source did not change it', () => {
  const now = { ...asWritten(), defaultFields: { ...asWritten().defaultFields, emails: [] } };
  const r = threeWayBody(
    now,
    request({ ...wrote.defaultFields, company: 'Acme Corp' }, wrote.customFields),
    base,
    rules(),
  );
  expect(r.body?.defaultFields?.emails).toEqual([]);
});

test("custom fields three ways too, and the contact's other custom fields go back as they are", () => {
  const now = contact({ ...asWritten().defaultFields }, [
    { key: 'tier', value: 'gold' },
    { key: 'notes', value: 'called twice' },
  ]);
  const r = threeWayBody(now, request(wrote.defaultFields, [{ key: 'tier', value: 'platinum' }]), base, rules());
  expect(r.body?.customFields).toEqual([
    { key: 'tier', value: 'platinum' },
    { key: 'notes', value: 'called twice' },
  ]);
});

test('update modes: "never" leaves a field to the workspace, "ifEmpty" fills only an empty one', () => {
  const now = { ...asWritten(), defaultFields: { ...asWritten().defaultFields, role: null } };
  const source = request({ ...wrote.defaultFields, company: 'Acme Corp', role: 'CEO' }, wrote.customFields);
  const r = threeWayBody(now, source, base, rules({ fields: { company: 'never', role: 'ifEmpty', custom: {} } }));
  expect(r.body?.defaultFields).not.toHaveProperty('company');
  expect(r.body?.defaultFields?.role).toBe('CEO');
});

test('arrays "source": the contact\'s items become exactly the record\'s', () => {
  const now = asWritten();
  const withAgents = {
    ...now,
    defaultFields: { ...now.defaultFields, emails: [...now.defaultFields.emails, email('ada@home.example', 'EM9')] },
  };
  const r = threeWayBody(withAgents, wrote, base, rules({ arrays: 'source' }));
  expect(r.body?.defaultFields?.emails).toEqual([
    { id: 'EM1', name: 'work', value: 'ada@acme.example' },
    { id: 'EM9', value: null },
  ]);
});
