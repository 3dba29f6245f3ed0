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

/** The contacts' clock 5 s ahead of ours, known to within a few ms from the job's own creates. */
function clockAhead(): ServerClock {
  const clock = new ServerClock();
  for (let t = 1_000_000; t < 1_002_000; t += 97) clock.stamp(t, t + 2, new Date(t + 1 + 5_000).toISOString());
  return clock;
}

const attemptAt = 1_700_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

test.each<[string, Contact[], string]>([
  ['none found: the attempt made nothing', [], 'absent'],
  ['made after the attempt left (server clock): ours', [contact('C1', iso(attemptAt + 5_000 + 20))], 'ours'],
  [
    'made a day before the attempt: the workspace had it, never ours',
    [contact('C1', iso(attemptAt + 5_000 - 86_400_000))],
    'notOurs',
  ],
  [
    'made a second before the attempt on the server clock, though after it on ours: not ours',
    [contact('C1', iso(attemptAt + 4_000))],
    'notOurs',
  ],
  [
    'two with the externalId (no uniqueness rule): the one made after the attempt is ours',
    [contact('OLD', iso(attemptAt - 60_000)), contact('NEW', iso(attemptAt + 5_000 + 30))],
    'ours',
  ],
  [
    'two made after the attempt: which one it made cannot be told, none is claimed',
    [contact('A', iso(attemptAt + 5_010)), contact('B', iso(attemptAt + 5_020))],
    'notOurs',
  ],
])('%s', (_name, candidates, kind) => {
  const proof = proveOwnership(candidates, attemptAt, clockAhead());
  expect(proof.kind).toBe(kind);
  if (proof.kind === 'ours') expect(proof.contact.createdAt >= iso(attemptAt + 5_000)).toBe(true);
});

test('the ours of two is the younger one', () => {
  const proof = proveOwnership(
    [contact('OLD', iso(attemptAt - 60_000)), contact('NEW', iso(attemptAt + 5_030))],
    attemptAt,
    clockAhead(),
  );
  expect(proof).toMatchObject({ kind: 'ours', contact: { id: 'NEW' } });
});

test('without a departure time (an older journal) nothing is proven; without a calibrated clock nothing is decided', () => {
  const young = [contact('C1', iso(attemptAt + 5_050))];
  expect(proveOwnership(young, undefined, clockAhead())).toMatchObject({
    kind: 'notOurs',
    why: expect.stringMatching(/does not say when/),
  });
  expect(proveOwnership(young, attemptAt, new ServerClock())).toMatchObject({ kind: 'uncalibrated' });
  // Date headers alone, however many, calibrate nothing: a gateway 2 h behind would make every contact look young.
  const datesOnly = new ServerClock();
  datesOnly.sample(attemptAt, attemptAt + 5, new Date(attemptAt - 7_200_000).toUTCString());
  expect(proveOwnership([contact('C1', iso(attemptAt - 3_600_000))], attemptAt, datesOnly).kind).toBe('uncalibrated');
});

test("a Date header 2 h behind the contacts' clock claims nothing from before the attempt", () => {
  const clock = clockAhead();
  clock.sample(attemptAt, attemptAt + 5, new Date(attemptAt - 7_200_000).toUTCString());
  expect(clock.dateIgnored).toBe(true);
  expect(proveOwnership([contact('C1', iso(attemptAt + 5_000 - 3_600_000))], attemptAt, clock).kind).toBe('notOurs');
});

test("a candidate made within the estimate's error of the departure: unsure until the clock is sharpened, then the proof decides", () => {
  const rough = new ServerClock();
  rough.stamp(attemptAt - 400, attemptAt + 400, iso(attemptAt + 5_000));
  const near = [contact('C1', iso(attemptAt + 5_000 + 3))];
  expect(proveOwnership(near, attemptAt, rough)).toEqual({ kind: 'unsure' });
  expect(proveOwnership(near, attemptAt, rough, true).kind).toBe('ours');
  // Far from the departure, the rough estimate is enough either way.
  expect(proveOwnership([contact('C1', iso(attemptAt - 3_600_000))], attemptAt, rough).kind).toBe('notOurs');
});
