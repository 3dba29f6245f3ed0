import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../errors.js';
import type { ExistingContact } from './contacts-routes.js';

const CSV_COLUMNS = ['firstName', 'lastName', 'company', 'role', 'email', 'phone', 'externalId', 'source'];

/**
 * --existing FILE: the contacts the sandbox's workspace has before a job.
 * JSON lines (`.jsonl`): one create body each, any source, with or without an
 * externalId. CSV: the columns firstName, lastName, company, role, email,
 * phone (several joined by ";"), externalId and source; an empty externalId is none.
 */
export function loadExistingContacts(file: string): ExistingContact[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new UsageError('EXISTING_UNREADABLE', `--existing ${file}: ${(err as Error).message}`, {
      hint: 'check the --existing path',
    });
  }
  if (/\.jsonl?$/i.test(file)) {
    return text.split('\n').flatMap((line, i) => {
      if (line.trim() === '') return [];
      try {
        const c = JSON.parse(line) as ExistingContact;
        if (c === null || typeof c !== 'object' || typeof c.defaultFields !== 'object')
          throw new Error('expected an object with defaultFields');
        return [c];
      } catch (err) {
        throw new UsageError(
          'EXISTING_INVALID',
          `--existing ${file}:${i + 1}: ${(err as Error).message}; expected one contact body a line`,
          {
            hint: 'write each line as e.g. {"defaultFields":{"firstName":"Ada","phoneNumbers":[{"name":"mobile","value":"+14155550100"}]},"source":"csv-v2"}',
          },
        );
      }
    });
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const unknown = Object.keys(rows[0] ?? {}).filter((k) => !CSV_COLUMNS.includes(k));
  if (unknown.length > 0)
    throw new UsageError(
      'EXISTING_INVALID',
      `--existing ${file}: unknown column(s) ${unknown.join(', ')}; expected some of ${CSV_COLUMNS.join(', ')}`,
      { hint: 'rename those columns to ones expected, or remove them' },
    );
  const many = (cell: string | undefined, name: string) =>
    (cell ?? '')
      .split(';')
      .map((v) => v.trim())
      .filter(Boolean)
      .map((value) => ({ name, value }));
  return rows.map((r) => ({
    defaultFields: {
      firstName: r.firstName || null,
      lastName: r.lastName || null,
      company: r.company || null,
      role: r.role || null,
      emails: many(r.email, 'work'),
      phoneNumbers: many(r.phone, 'mobile'),
    },
    externalId: r.externalId || null,
    source: r.source || 'csv-v2',
  }));
}
