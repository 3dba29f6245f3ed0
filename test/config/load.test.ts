import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { configFrom, errorOf } from '../helpers/config.js';
import { ROOT } from '../helpers/paths.js';
import { useTempDir } from '../helpers/temp-dir.js';

const minimal = { externalId: 'Id', defaultFields: { firstName: 'First' } };
const problemsOf = (value: unknown) => {
  const err = errorOf(() => configFrom(value));
  expect(err.code).toBe('CONFIG_INVALID');
  expect(err.exitCode).toBe(2);
  return err.message
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
};

describe('config: defaults and shorthand', () => {
  test('a bare string is shorthand for { column }', () => {
    const c = configFrom({
      externalId: { column: 'Id' },
      defaultFields: { firstName: 'First', lastName: { column: 'Last' } },
    });
    expect(c.externalId).toEqual({ kind: 'column', column: 'Id' });
    expect(c.names).toEqual({ firstName: 'First', lastName: 'Last', company: undefined, role: undefined });
  });

  test('api and csv defaults are applied once', () => {
    const c = configFrom(minimal);
    expect(c.api).toEqual({
      baseUrl: 'https://api.openphone.com',
      requestsPerSecond: 10,
      concurrency: 8,
      timeoutMs: 15000,
      retry: { attempts: 6, baseDelayMs: 500, maxDelayMs: 30000 },
    });
    expect(c.csv).toEqual({ delimiter: undefined, encoding: 'utf-8', headerLine: 1 });
    expect(c.invalidValues).toBe('drop');
  });

  test('phone.defaultCountry applies to phone entries without their own', () => {
    const c = configFrom({
      ...minimal,
      phone: { defaultCountry: 'GB' },
      defaultFields: {
        phoneNumbers: [
          { name: 'a', column: 'A' },
          { name: 'b', column: 'B', defaultCountry: 'DE' },
        ],
      },
    });
    expect(c.phoneNumbers.map((p) => p.defaultCountry)).toEqual(['GB', 'DE']);
  });

  test('an externalId template is parsed into its columns', () => {
    const c = configFrom({ ...minimal, externalId: { template: 'hs-{Record ID}-{{x}}' } });
    expect(c.externalId).toMatchObject({
      kind: 'template',
      parts: [{ literal: 'hs-' }, { column: 'Record ID' }, { literal: '-{x}' }],
    });
    expect(c.columnUses).toContainEqual({ column: 'Record ID', configPath: 'externalId.template' });
  });

  test('the mapping hash ignores api settings but not the mapping', () => {
    const a = configFrom(minimal).mappingHash;
    expect(configFrom({ ...minimal, api: { concurrency: 2 } }).mappingHash).toBe(a);
    expect(configFrom({ ...minimal, source: 'crm' }).mappingHash).not.toBe(a);
  });

  test('config.example.json and the fixtures configs load', () => {
    expect(() => loadConfig(join(ROOT, 'config.example.json'))).not.toThrow();
    for (const f of ['demo.config.json', 'contacts.config.json', 'windows-1252.config.json']) {
      expect(() => loadConfig(join(ROOT, 'fixtures', f))).not.toThrow();
    }
  });
});

describe('config: every error names the path, the value found and what was expected', () => {
  test('unknown key, with the nearest valid key', () => {
    expect(problemsOf({ ...minimal, defaultFields: { firstNmae: 'First' } })).toEqual([
      expect.stringMatching(
        /^test\.json: defaultFields\.firstNmae: unknown key \(did you mean "firstName"\?\); valid keys here: firstName, lastName/,
      ),
    ]);
  });

  test('unknown key inside a custom field', () => {
    const [line] = problemsOf({ ...minimal, customFields: [{ key: 'k', type: 'date', column: 'D', timezon: 'UTC' }] });
    expect(line).toMatch(/customFields\[0\]\.timezon: unknown key \(did you mean "timezone"\?\)/);
  });

  test('missing required key', () => {
    expect(problemsOf({ defaultFields: {} })).toEqual([
      expect.stringMatching(/^test\.json: externalId: found nothing: /),
    ]);
  });

  test('wrong type in a column reference', () => {
    const [line] = problemsOf({ ...minimal, defaultFields: { firstName: 5 } });
    expect(line).toMatch(/defaultFields\.firstName: found 5: .*expected string/);
  });

  test('unknown custom field type', () => {
    const [line] = problemsOf({ ...minimal, customFields: [{ key: 'k', type: 'dat', column: 'D' }] });
    expect(line).toMatch(/customFields\[0\]\.type: found "dat": .*'string'.*'multi-select'/);
  });

  test('reserved source words and prefixes, and length', () => {
    expect(problemsOf({ ...minimal, source: 'csv' })[0]).toMatch(
      /source: found "csv": this source is reserved by OpenPhone/,
    );
    expect(problemsOf({ ...minimal, source: 'openphone-sync' })[0]).toMatch(
      /source: found "openphone-sync": this source starts with "openphone"/,
    );
    expect(problemsOf({ ...minimal, source: 'x'.repeat(73) })[0]).toMatch(
      /this source is 73 characters long; a source is 1 to 72/,
    );
  });

  test('createdByUserId must start with US', () => {
    expect(problemsOf({ ...minimal, createdByUserId: 'AB12' })[0]).toMatch(
      /createdByUserId: found "AB12": expected a user id starting with "US"/,
    );
  });

  test('country, timezone, date format, encoding, template and repeated custom keys', () => {
    const lines = problemsOf({
      externalId: { template: 'id-{' },
      defaultFields: { phoneNumbers: [{ name: 'm', column: 'M', defaultCountry: 'XX' }] },
      phone: { defaultCountry: 'ZZ' },
      customFields: [
        { key: 'd', type: 'date', column: 'D', timezone: 'Mars/Olympus', format: 'qq' },
        { key: 'd', type: 'string', column: 'E' },
      ],
      csv: { encoding: 'klingon' },
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/phone\.defaultCountry: found "ZZ": expected a country code/),
        expect.stringMatching(/defaultFields\.phoneNumbers\[0\]\.defaultCountry: found "XX"/),
        expect.stringMatching(/externalId\.template: found "id-\{": unclosed "\{"/),
        expect.stringMatching(/csv\.encoding: found "klingon": expected an encoding name/),
        expect.stringMatching(/customFields\[1\]\.key: found "d": already mapped by customFields\[0\]/),
        expect.stringMatching(/customFields\[0\]\.timezone: found "Mars\/Olympus": expected an IANA time zone/),
        expect.stringMatching(/customFields\[0\]\.format: found "qq": expected a Luxon date format/),
      ]),
    );
    expect(lines).toHaveLength(7);
  });

  test('a template that names no column', () => {
    expect(problemsOf({ ...minimal, externalId: { template: 'fixed' } })[0]).toMatch(
      /externalId\.template: found "fixed": names no column/,
    );
  });

  test('numbers out of range', () => {
    expect(problemsOf({ ...minimal, api: { concurrency: 0 } })[0]).toMatch(/api\.concurrency: found 0: /);
    expect(problemsOf({ ...minimal, csv: { delimiter: ';;' } })[0]).toMatch(
      /csv\.delimiter: found ";;": expected a single character/,
    );
    for (const d of ['"', '\n', '\r'])
      expect(problemsOf({ ...minimal, csv: { delimiter: d } })[0]).toMatch(
        /csv\.delimiter: .*a quote or a line break cannot separate fields/,
      );
  });

  test('invalid JSON names line and column', () => {
    const err = errorOf(() => parseConfig('{\n  "externalId": "Id",\n  oops\n}', 'bad.json'));
    expect(err.code).toBe('CONFIG_NOT_JSON');
    expect(err.message).toMatch(/^config bad\.json:3:3 is not valid JSON/);
    expect(err.hint).toMatch(/^mend the JSON at line 3 /);
  });

  describe('files', () => {
    const dir = useTempDir();
    test('an unreadable file is a usage error naming it', () => {
      const err = errorOf(() => loadConfig(join(dir(), 'missing.json')));
      expect(err.code).toBe('CONFIG_UNREADABLE');
      expect(err.message).toContain('missing.json');
    });
    test('a BOM at the start of the config is accepted', () => {
      const f = join(dir(), 'bom.json');
      writeFileSync(f, `\uFEFF${JSON.stringify(minimal)}`);
      expect(loadConfig(f).externalId).toEqual({ kind: 'column', column: 'Id' });
    });
  });
});

test('config.schema.json is generated from the current schema (run `npm run schema`)', async () => {
  const { configJsonSchema } = await import('../../src/config/load.js');
  const onDisk = JSON.parse(readFileSync(join(ROOT, 'config.schema.json'), 'utf8'));
  expect(onDisk).toEqual({ ...configJsonSchema, title: 'openphone-import mapping config' });
});

test('durations and timeouts beyond what a timer can hold are refused, never turned into 1 ms', async () => {
  const { parseDuration } = await import('../../src/util/duration.js');
  expect(parseDuration('596h', '--max-duration')).toBe(596 * 3_600_000);
  expect(() => parseDuration('600h', '--max-duration')).toThrow(
    expect.objectContaining({
      message: '--max-duration: found "600h": longer than the longest wait a timer can hold (596h)',
      hint: 'use at most 596h, or leave it out',
    }),
  );
  expect(() => configFrom({ externalId: 'id', defaultFields: { firstName: 'n' }, api: { timeoutMs: 3e9 } })).toThrow(
    /api\.timeoutMs: found 3000000000/,
  );
});
