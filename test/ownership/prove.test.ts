import type { Contact } from '../../src/api/contract.js';
import { ServerClock } from '../../src/api/server-clock.js';
import { proveOwnership } from '../../src/ownership/prove.js';

const contact = (id: string, createdAt: string): Contact => ({
  id,
  externalId: 'e1',
  source: 'public-api',
  sourceUrl: null,
  createdAt,
  updatedAt: createdAt,
  createdByUserId: 'US1',
  defaultFields: { firstName: 'A', lastName: null, company: null, role: null, emails: [], phoneNumbers: [] },
  customFields: [],
});

/** A server clock 5 s ahead of ours, known to within a few ms. */
function clockAhead(): ServerClock {
  const clock = new ServerClock();
  for (let t = 1_000_000; t < 1_002_000; t += 97) clock.sample(t, t + 2, new Date(Math.floor((t + 1 + 5_000) / 1000) * 1000).toUTCString());
  return clock;
}

const attemptAt = 1_700_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

test.each<[string, Contact[], string]>([
  ['none found: the attempt made nothing', [], 'absent'],
  ['made after the attempt left (server clock): ours', [contact('C1', iso(attemptAt + 5_000 + 20))], 'ours'],
  ['made a day before the attempt: the workspace had it, never ours', [contact('C1', iso(attemptAt + 5_000 - 86_400_000))], 'notOurs'],
  ['made a second before the attempt on the server clock, though after it on ours: not ours', [contact('C1', iso(attemptAt + 4_000))], 'notOurs'],
  ['two with the externalId (no uniqueness rule): the one made after the attempt is ours', [contact('OLD', iso(attemptAt - 60_000)), contact('NEW', iso(attemptAt + 5_000 + 30))], 'ours'],
  ['two made after the attempt: which one it made cannot be told, none is claimed', [contact('A', iso(attemptAt + 5_010)), contact('B', iso(attemptAt + 5_020))], 'notOurs'],
])('%s', (_name, candidates, kind) => {
  const proof = proveOwnership(candidates, attemptAt, clockAhead());
  expect(proof.kind).toBe(kind);
  if (proof.kind === 'ours') expect(proof.contact.createdAt >= iso(attemptAt + 5_000)).toBe(true);
});

test('the ours of two is the younger one', () => {
  const proof = proveOwnership([contact('OLD', iso(attemptAt - 60_000)), contact('NEW', iso(attemptAt + 5_030))], attemptAt, clockAhead());
  expect(proof).toMatchObject({ kind: 'ours', contact: { id: 'NEW' } });
});

test('without a departure time (an older journal) or a known server clock, nothing is proven', () => {
  const young = [contact('C1', iso(attemptAt + 5_050))];
  expect(proveOwnership(young, undefined, clockAhead())).toMatchObject({ kind: 'notOurs', why: expect.stringMatching(/does not say when/) });
  expect(proveOwnership(young, attemptAt, new ServerClock())).toMatchObject({ kind: 'notOurs', why: expect.stringMatching(/clock is unknown/) });
});

test('a candidate made within the estimate\'s error of the departure: unsure until the clock is sharpened, then the proof decides', () => {
  const rough = new ServerClock();
  rough.sample(attemptAt - 10, attemptAt, new Date(Math.floor((attemptAt + 5_000) / 1000) * 1000).toUTCString());
  const near = [contact('C1', iso(attemptAt + 5_000 + 3))];
  expect(proveOwnership(near, attemptAt, rough)).toEqual({ kind: 'unsure' });
  expect(proveOwnership(near, attemptAt, rough, true).kind).toBe('ours');
  // Far from the departure, the rough estimate is enough either way.
  expect(proveOwnership([contact('C1', iso(attemptAt - 3_600_000))], attemptAt, rough).kind).toBe('notOurs');
});
