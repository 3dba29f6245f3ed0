import { parseConfig } from '../../src/config/load.js';
import { checkExternalIdDefinition, describeExternalId } from '../../src/journal/external-id-check.js';

const config = (externalId: unknown, emailSplit?: string) =>
  parseConfig(
    JSON.stringify({
      externalId,
      defaultFields: {
        firstName: 'First',
        emails: [{ name: 'work', column: 'Email', ...(emailSplit && { split: emailSplit }) }],
      },
    }),
    'c.json',
  );
const template = { template: '{First}-{Email}', allowEmpty: true };

test("a template's definition names allowEmpty and the split of each column it uses", () => {
  expect(describeExternalId(config(template, ';').externalId)).toBe(
    'template "{First}-{Email}", allowEmpty, {Email} split ";"',
  );
  expect(describeExternalId(config('Email', ';').externalId)).toBe('column "Email"');
});

test('"split": false on the externalId reads its cells whole: a split on the e-mail column leaves the definition as it was', () => {
  expect(describeExternalId(config({ ...template, split: false }, ';').externalId)).toBe(
    describeExternalId(config(template).externalId),
  );
});

test('the same template under another split or allowEmpty is rechecked record by record, with the old way to read the ids', () => {
  const before = describeExternalId(config(template).externalId);
  const verdict = checkExternalIdDefinition(before, config(template, ';').externalId, 'j', 'c.json');
  expect(verdict).toMatchObject({
    kind: 'recheck',
    then: before,
    now: 'template "{First}-{Email}", allowEmpty, {Email} split ";"',
  });
  // The old reading has no split on {Email}.
  expect(
    verdict.kind === 'recheck' && verdict.old.kind === 'template' && verdict.old.parts.some((p) => 'split' in p),
  ).toBe(false);
  expect(
    checkExternalIdDefinition(before, config({ template: '{First}-{Email}' }).externalId, 'j', 'c.json'),
  ).toMatchObject({ kind: 'recheck', old: { allowEmpty: true } });
  // A split removed: the old reading had it.
  const withSplit = describeExternalId(config(template, ';').externalId);
  const back = checkExternalIdDefinition(withSplit, config(template).externalId, 'j', 'c.json');
  expect(
    back.kind === 'recheck' &&
      back.old.kind === 'template' &&
      back.old.parts.find((p) => 'column' in p && p.column === 'Email'),
  ).toEqual({ column: 'Email', split: ';' });
});

test('another template or column stops the run, naming both; the same definition passes', () => {
  expect(() => checkExternalIdDefinition('template "{First}"', config(template).externalId, 'j', 'c.json')).toThrow(
    expect.objectContaining({
      code: 'EXTERNAL_ID_CHANGED',
      message: expect.stringMatching(
        /found template "\{First\}-\{Email\}", allowEmpty, but this job .* by template "\{First\}"\./,
      ),
    }),
  );
  expect(() => checkExternalIdDefinition('column "Email"', config(template).externalId, 'j', 'c.json')).toThrow(
    expect.objectContaining({ code: 'EXTERNAL_ID_CHANGED' }),
  );
  expect(
    checkExternalIdDefinition(
      describeExternalId(config(template).externalId),
      config(template).externalId,
      'j',
      'c.json',
    ),
  ).toEqual({ kind: 'same' });
  expect(checkExternalIdDefinition(undefined, config(template).externalId, 'j', 'c.json')).toEqual({ kind: 'same' });
});
