import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEvent } from '../../src/journal/codec.js';
import type { Contact } from '../../src/api/contract.js';
import { readPriorStates } from '../../src/ownership/prior-states.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const contact = (id: string, firstName: string) =>
  ({ id, defaultFields: { firstName }, customFields: [], createdAt: 'T0', updatedAt: 'T1' }) as unknown as Contact;

// Only lines that may hold a prior event are parsed (a year's journal is 1.2 GB);
// what is read must still be every prior event, whatever its line looks like.
test('every prior event is read, as written or in another key order and spacing; the first of a contact counts', async () => {
  const journal = join(dir(), 'journal.jsonl');
  const lines = [
    '{"t":"header"}',
    encodeEvent({ t: 'attempt', id: 'a', line: 2 }),
    encodeEvent({ t: 'prior', id: 'a', cid: 'CA', c: contact('CA', 'Ann') }),
    encodeEvent({ t: 'patched', id: 'a', cid: 'CA', line: 2, why: 'sync', h: 'x' }),
    // A contact named "prior" in a line of another type: parsed, and passed over.
    encodeEvent({ t: 'prior', id: 'b', cid: 'CB', c: contact('CB', 'prior') }).replace('"t":"prior"', '"t":"done"'),
    // By hand: another key order and spacing.
    `{ "id": "c", "cid": "CC", "c": ${JSON.stringify(contact('CC', 'Cy'))}, "t": "prior" }`,
    // A second state of the same contact: not the one before the job's first write.
    encodeEvent({ t: 'prior', id: 'a', cid: 'CA', c: contact('CA', 'Later') }),
    // A type that begins like it is not it.
    '{"t":"priority","id":"d","cid":"CD","c":{}}',
  ];
  writeFileSync(journal, `${lines.join('\n')}\n`);
  const priors = await readPriorStates(journal, join(dir(), 'prior.jsonl'));
  expect([...priors.keys()].sort()).toEqual(['CA', 'CC']);
  expect(priors.get('CA')).toEqual({ externalId: 'a', contact: contact('CA', 'Ann') });
  expect(priors.get('CC')?.contact.defaultFields).toEqual({ firstName: 'Cy' });
});

test('only the wanted contacts are kept', async () => {
  const journal = join(dir(), 'journal.jsonl');
  const lines = [
    '{"t":"header"}',
    encodeEvent({ t: 'prior', id: 'a', cid: 'CA', c: contact('CA', 'Ann') }),
    encodeEvent({ t: 'prior', id: 'b', cid: 'CB', c: contact('CB', 'Bo') }),
  ];
  writeFileSync(journal, `${lines.join('\n')}\n`);
  const priors = await readPriorStates(journal, join(dir(), 'prior.jsonl'), new Set(['CB']));
  expect([...priors.keys()]).toEqual(['CB']);
});
