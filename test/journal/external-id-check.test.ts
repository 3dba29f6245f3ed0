import { parseConfig } from '../../src/config/load.js';
import { checkExternalIdDefinition, describeExternalId } from '../../src/journal/external-id-check.js';
import type { JournalHeader } from '../../src/journal/events.js';

const config = (externalId: unknown, emailSplit?: string) =>
  parseConfig(JSON.stringify({ externalId, defaultFields: { firstName: 'First', emails: [{ name: 'work', column: 'Email', ...(emailSplit && { split: emailSplit }) }] } }), 'c.json');
const header = (externalIdDefinition: string): JournalHeader => ({ t: 'header', format: 'openphone-import-journal', version: 1, mappingHash: 'h', baseUrl: 'x', createdAt: 'x', externalIdDefinition });
const template = { template: '{First}-{Email}', allowEmpty: true };

test("a template's definition names allowEmpty and the split of each column it uses", () => {
  expect(describeExternalId(config(template, ';').externalId)).toBe('template "{First}-{Email}", allowEmpty, {Email} split ";"');
  expect(describeExternalId(config('Email', ';').externalId)).toBe('column "Email"');
});

test('the hint "add split to the e-mail column" would change the ids of a template over it: the run is stopped, naming both', () => {
  const before = describeExternalId(config(template).externalId);
  const after = config(template, ';').externalId;
  expect(() => checkExternalIdDefinition(header(before), after, 'j', 'c.json')).toThrow(expect.objectContaining({ code: 'EXTERNAL_ID_CHANGED', message: expect.stringMatching(/found template "\{First\}-\{Email\}", allowEmpty, \{Email\} split ";", but this job .* by template "\{First\}-\{Email\}", allowEmpty\./) }));
  // allowEmpty alone changes which records get an id, and how long ones are cut.
  expect(() => checkExternalIdDefinition(header(before), config({ template: '{First}-{Email}' }).externalId, 'j', 'c.json')).toThrow(expect.objectContaining({ code: 'EXTERNAL_ID_CHANGED' }));
});

test('a journal of a version that kept only the template text is compared on the text', () => {
  expect(() => checkExternalIdDefinition(header('template "{First}-{Email}"'), config(template, ';').externalId, 'j', 'c.json')).not.toThrow();
  expect(() => checkExternalIdDefinition(header('template "{First}"'), config(template).externalId, 'j', 'c.json')).toThrow(expect.objectContaining({ code: 'EXTERNAL_ID_CHANGED' }));
});
