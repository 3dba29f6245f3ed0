import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';

export const HEADER = ['Record ID', 'First Name', 'Last Name', 'Company', 'Email', 'Mobile', 'VIP', 'Signed Up'];

/**
 * A contacts file of `n` records, of which every 7th is invalid in one of four
 * ways (bad phone, bad email, impossible date, no id) and every 50th repeats an
 * earlier id. Returns which record ids are valid, so tests can check buckets.
 */
export function writeContactsFile(
  path: string,
  n: number,
  idPrefix = 'r',
): { valid: string[]; invalidLines: number[]; duplicateLines: number[] } {
  const rows: string[][] = [];
  const valid: string[] = [];
  const invalidLines: number[] = [];
  const duplicateLines: number[] = [];
  for (let i = 0; i < n; i++) {
    const line = i + 2;
    const id = `${idPrefix}${i}`;
    const row = [
      id,
      `First${i}`,
      `Last${i}`,
      i % 3 === 0 ? `Company ${i}` : '',
      `user${i}@example.com`,
      `+1415${String(2000000 + i).padStart(7, '0')}`,
      i % 2 ? 'yes' : 'no',
      '03/15/2024',
    ];
    if (i % 50 === 49 && valid.length > 0) {
      row[0] = valid[valid.length - 1]!;
      duplicateLines.push(line);
    } else if (i % 7 === 6) {
      const kind = Math.floor(i / 7) % 4;
      if (kind === 0) row[5] = '12345';
      if (kind === 1) row[4] = 'not-an-email';
      if (kind === 2) row[7] = '02/30/2024';
      if (kind === 3) row[0] = '';
      invalidLines.push(line);
    } else {
      valid.push(id);
    }
    rows.push(row);
  }
  writeFileSync(path, stringify([HEADER, ...rows]));
  return { valid, invalidLines, duplicateLines };
}

export const importConfig = (api: Record<string, unknown> = {}) => ({
  externalId: 'Record ID',
  source: 'test-import',
  // The generated files' bad rows are meant to fail whole (their `valid` list says which are imported).
  invalidValues: 'fail',
  defaultFields: {
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Company',
    emails: [{ name: 'work', column: 'Email' }],
    phoneNumbers: [{ name: 'mobile', column: 'Mobile' }],
  },
  customFields: [
    { key: 'vip', type: 'boolean', column: 'VIP' },
    { key: 'signup-date', type: 'date', column: 'Signed Up', format: 'MM/dd/yyyy', timezone: 'America/New_York' },
  ],
  phone: { defaultCountry: 'US' },
  api: {
    requestsPerSecond: 1000,
    concurrency: 16,
    timeoutMs: 2000,
    retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 },
    ...api,
  },
});

/** A CLI import to run: a generated contacts file, its config file and state directory in `folder`. */
export interface CliJob {
  readonly input: string;
  readonly config: string;
  readonly stateDir: string;
  readonly file: ReturnType<typeof writeContactsFile>;
  /** `openphone-import run` of this job against the API at `url`, with `extra` flags. */
  args(url: string, ...extra: string[]): string[];
}

/** Writes `records` generated contacts (`inputName` in `folder`) and the config (`importConfig(api)`) an e2e CLI run reads. */
export function cliJob(
  folder: string,
  records: number,
  api: Record<string, unknown> = {},
  inputName = 'contacts.csv',
): CliJob {
  const input = join(folder, inputName);
  const config = join(folder, 'config.json');
  const stateDir = join(folder, 'state');
  const file = writeContactsFile(input, records);
  writeFileSync(config, JSON.stringify(importConfig(api)));
  return {
    input,
    config,
    stateDir,
    file,
    args: (url, ...extra) => ['run', '-c', config, '-i', input, '--state-dir', stateDir, '--base-url', url, ...extra],
  };
}
