import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCards } from '../input/read-cards.js';
import { ERROR_PROPERTY, SOURCE_PROPERTY } from '../input/vcard-card.js';
import { AtomicPrivateFile, statePath } from '../state/private-files.js';
import type { Bucket } from './buckets.js';

/** Where a run of a vCard input copies its failed cards (failures.vcf in `reportDir`); other inputs have none. */
export function failedCardsPath(format: string | undefined, reportDir: string): string | undefined {
  return format === 'vcard' ? statePath(reportDir, 'failedCards') : undefined;
}

/** summary.json's failedCards: the file, when a vCard run had cards that failed or were duplicates. */
export function failedCardsFact(
  format: string | undefined,
  buckets: Readonly<Record<Bucket, number>>,
  reportDir: string,
): { failedCards?: string } {
  const path = failedCardsPath(format, reportDir);
  return path !== undefined && buckets.failed + buckets.duplicate > 0 ? { failedCards: path } : {};
}

// A failed card carries its reasons in ERROR_PROPERTY: replaced when it fails again, and read back only for
// their codes (a duplicate stays one). SOURCE_PROPERTY: where the card first came from (file and line), kept
// through any number of reruns, as failures.csv's _source_* columns.

/**
 * failures.vcf: each card of a vCard input that failed, byte for byte as it
 * stands in the file, with its reasons added as properties before its
 * END:VCARD. It is valid vCard and the input of a rerun as it is: fix the
 * cards in it (in the address book app or a text editor), then run it.
 * Written after the run from the failed records' lines, by reading the input
 * once more: only failed cards are copied, so nothing is held meanwhile.
 */
export async function writeFailedCards(
  path: string,
  input: string,
  reasons: ReadonlyMap<number, readonly string[]>,
  keepEdits?: (aside: string) => void,
): Promise<void> {
  const out = new AtomicPrivateFile(path, keepEdits);
  const fd = openSync(input, 'r');
  try {
    for await (const card of readCards(input)) {
      const why = reasons.get(card.line);
      if (why === undefined) continue;
      const bytes = Buffer.alloc(card.end - card.start);
      readSync(fd, bytes, 0, bytes.length, card.start);
      out.stream.write(
        Buffer.from(withReasons(bytes.toString('latin1'), why, `${resolve(input)}:${card.line}`), 'latin1'),
      );
      await out.pace();
    }
  } catch (err) {
    out.discard();
    throw err;
  } finally {
    closeSync(fd);
  }
  await out.commit();
}

/**
 * The card's text (latin1: one character a byte, so its own bytes come back
 * as they were) with the reasons of this run in place of any earlier ones,
 * before END:VCARD, in the card's own line ends. Reasons are UTF-8 text,
 * escaped as vCard text.
 */
export function withReasons(card: string, reasons: readonly string[], source: string): string {
  const eol = card.includes('\r\n') ? '\r\n' : '\n';
  const lines = card.split(/\r?\n/);
  const hadSource = lines.some((l) => l.toUpperCase().startsWith(`${SOURCE_PROPERTY}:`));
  const kept = lines.filter((l) => !l.toUpperCase().startsWith(`${ERROR_PROPERTY}:`));
  const end = kept.findIndex((l) => /^\s*END:VCARD\s*$/i.test(l));
  const added = [
    ...(hadSource ? [] : [`${SOURCE_PROPERTY}:${escapeText(source)}`]),
    ...reasons.map((r) => `${ERROR_PROPERTY}:${escapeText(r)}`),
  ].map((l) => Buffer.from(l, 'utf8').toString('latin1'));
  // A card cut off by the end of the file gets its reasons at its end (and stays as unreadable as it was).
  const at = end < 0 ? kept.length : end;
  const text = [...kept.slice(0, at), ...added, ...kept.slice(at)].join(eol);
  return text.endsWith(eol) || end < 0 ? text : `${text}${eol}`;
}

const escapeText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
