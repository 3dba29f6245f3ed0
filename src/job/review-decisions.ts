import { existsSync, readFileSync, statSync } from 'node:fs';
import { firstLineOf, readTextHead } from '../util/text-head.js';
import { basename, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { detectDelimiter } from '../csv/detect-delimiter.js';
import { restoreCell } from '../csv/spreadsheet-safe.js';
import { UsageError } from '../errors.js';
import { refusedBeforeReading, runsFromJournal } from '../journal/runs.js';
import type { ReviewDecision } from '../journal/events.js';
import type { RunEvent } from '../journal/events.js';
import { REVIEW_COLUMNS } from '../report/review-report.js';
import { STATE_FILES, statePath } from '../state/private-files.js';
import { replayJournal } from '../journal/replay.js';
import type { ResumeState } from '../journal/fold-state.js';
import { isOwnReportName } from '../state/state-dir.js';
import { inputFormat } from '../input/open-input.js';
import { reportWorkbookRows } from './workbook-rows.js';

/** review.csv with a person's decisions in it: the records decided on, and how many rows are still undecided. */
export interface ReviewInput {
  readonly file: string;
  readonly decisions: ReadonlyMap<string, ReviewDecision>;
  readonly undecided: number;
}

/** A review's header: the columns a person's decisions are read by. */
export const isReviewHeader = (header: readonly string[]): boolean =>
  ['externalId', 'why', 'candidateIds', 'decision'].every((c) => header.includes(c));

/** A row of a review file: its cells by column name, and its line (a workbook's row) for messages. */
interface ReviewRow {
  readonly line: number;
  readonly cells: Record<string, string>;
}

/**
 * The decisions of a review.csv given as a run's input; undefined when the
 * input is not one. A row's `decision` is `adopt CONTACT_ID` (one of that
 * row's candidates), `create`, or `skip`; empty leaves the row for review.
 * Anything else stops the run before anything is sent (exit 2), naming the row.
 * The file may have been saved again as a workbook (Excel's "Save As" offers
 * .xlsx first): it is read as the run reads workbooks.
 */
export async function readReviewDecisions(file: string, stateDir: string): Promise<ReviewInput | undefined> {
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  const rows = (await inputFormat(file)) === 'xlsx' ? await workbookRows(file, stateDir) : csvRows(file);
  if (rows === undefined) return undefined;
  const decisions = new Map<string, ReviewDecision>();
  let undecided = 0;
  for (const { line, cells } of rows) {
    const row = Object.fromEntries(Object.entries(cells).map(([k, v]) => [k, restoreCell(v ?? '')]));
    const text = (row.decision ?? '').trim();
    if (text === '') {
      undecided++;
      continue;
    }
    const candidates = (row.candidateIds ?? '').split(' ').filter(Boolean);
    const decision = parseDecision(text, candidates);
    if (decision === undefined) {
      throw new UsageError(
        'REVIEW_DECISION_INVALID',
        `${file}:${line}: column "decision": found ${JSON.stringify(text)}: expected "adopt CONTACT_ID" with one of this row's candidateIds (${candidates.join(', ') || 'none'}), "create" or "skip"`,
        {
          hint: 'write one of those in the decision column, or leave it empty to keep the row for review, then run again with the file',
        },
      );
    }
    decisions.set(row.externalId ?? '', decision);
  }
  return { file, decisions, undecided };
}

/** A review.csv's rows; undefined when the file's header is not a review's. */
function csvRows(file: string): ReviewRow[] | undefined {
  // The header alone decides: an export of a million rows is not read whole for it.
  // Written with the input's delimiter, perhaps saved again by a spreadsheet with its own: read as an input's header is.
  const line = firstLine(file).replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(line);
  const header = line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (!isReviewHeader(header)) {
    // The job's review.csv from before the decision column: say what to do rather than read it as contacts.
    if (basename(file) === STATE_FILES.review)
      throw new UsageError(
        'REVIEW_WITHOUT_DECISIONS',
        `${file}: a review.csv without a "decision" column (written by an earlier version)`,
        {
          hint: `run the job on its export once more: the new review.csv has a "decision" column (${REVIEW_COLUMNS.join(', ')})`,
        },
      );
    return undefined;
  }
  const rows = parse(utf8Text(file), {
    columns: true,
    delimiter,
    skip_empty_lines: true,
    relax_column_count: true,
  }) as Record<string, string>[];
  return rows.map((cells, i) => ({ line: i + 2, cells }));
}

/**
 * A review saved as a workbook in the job's folder (where Excel's "Save As"
 * puts it, beside review.csv): its rows, read by the workbook reader (a number
 * cell is its text as Excel shows it); undefined when its header row is not a
 * review's. A workbook anywhere else is an export, opened once, by the run
 * (a workbook's header comes after its whole sheet when Excel stores the
 * sheet before its shared strings); a review there is said so when its
 * header does not fit the config (open-job-input.ts).
 */
async function workbookRows(file: string, stateDir: string): Promise<ReviewRow[] | undefined> {
  if (!resolve(file).startsWith(`${resolve(stateDir)}${sep}`)) return undefined;
  const review = await reportWorkbookRows(file, stateDir, isReviewHeader);
  return review?.rows.map((row) => ({
    line: row.line,
    cells: Object.fromEntries(review.header.map((h, i) => [h, row.fields[i] ?? ''])),
  }));
}

/**
 * review.csv's text: the tool writes it as UTF-8. Saved again by a spreadsheet
 * app as "CSV" (its own encoding), an accented externalId would no longer be
 * the record's, and its decision would match nothing: refused, with the way out.
 */
function utf8Text(file: string): string {
  const bytes = readFileSync(file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    throw new UsageError(
      'REVIEW_ENCODING',
      `${file}:${line}: bytes that are not UTF-8: the file was saved in another encoding (a spreadsheet app's "CSV"), so its externalIds with accents would not be the records'`,
      { hint: 'save it as "CSV UTF-8" in the spreadsheet app, then run again with it' },
    );
  }
}

/** The file's first line (at most its first 64 KiB). */
const firstLine = (file: string): string => firstLineOf(readTextHead(file, 64 * 1024));

function parseDecision(text: string, candidates: readonly string[]): ReviewDecision | undefined {
  const lower = text.toLowerCase();
  if (lower === 'create') return { kind: 'create' };
  if (lower === 'skip') return { kind: 'skip' };
  const adopt = /^adopt\s+(\S+)$/i.exec(text);
  return adopt !== null && candidates.includes(adopt[1]!) ? { kind: 'adopt', contactId: adopt[1]! } : undefined;
}

/**
 * A run of a review.csv with a person's decisions: the decisions, the job's
 * journal folded (read once: it names the export the records come from) and
 * that export. Undefined for any other input.
 */
export async function reviewRun(
  input: string,
  stateDir: string,
): Promise<{ review: ReviewInput; past: ResumeState; source: string } | undefined> {
  const review = await readReviewDecisions(input, stateDir);
  if (review === undefined) return undefined;
  const past = await replayJournal(statePath(stateDir, 'journal'), { repair: false });
  return { review, past, source: reviewSource(past.runs, input) };
}

/**
 * The export a review.csv's records come from: the input of the job's last run
 * that read one (not a report of its own). The decisions are carried out on
 * its records, found by externalId.
 */
export function reviewSource(runs: readonly RunEvent[], review: string): string {
  // Not a run refused before it read a record (refused-run.ts): its input may be anything.
  const source = runsFromJournal(runs)
    .reverse()
    .find(
      (r) => r.input !== undefined && r.report !== true && !isOwnReportName(r.input) && !refusedBeforeReading(r),
    )?.input;
  if (source === undefined || !existsSync(source)) {
    throw new UsageError(
      'REVIEW_SOURCE_MISSING',
      `${review}: the export its records come from ${source === undefined ? 'is not named in the journal' : `(${source}) is not there any more`}`,
      {
        hint: 'run the job on the current export once (its review.csv lists the same records), fill the decisions in, and run with that review.csv',
      },
    );
  }
  return source;
}

/**
 * The records a review run is for, by its decisions' externalIds; and after a
 * whole read of the export, the decisions none of its valid records took (an
 * id edited in review.csv, a record the export no longer has or that fails now).
 */
export function decidedRecords(review: ReviewInput): { only: (id: string) => boolean; unmatched: () => string[] } {
  const taken = new Set<string>();
  return {
    only: (id) => {
      if (!review.decisions.has(id)) return false;
      taken.add(id);
      return true;
    },
    unmatched: () => [...review.decisions.keys()].filter((id) => !taken.has(id)),
  };
}

/** Says which decisions were not carried out, and why that can be: nothing of them is lost (the journal keeps them). */
export function unmatchedDecisionsWarning(review: ReviewInput, source: string, ids: readonly string[]): string {
  const shown = ids
    .slice(0, 5)
    .map((id) => JSON.stringify(id))
    .join(', ');
  return `${review.file}: ${ids.length} decision(s) name an externalId no valid record of ${source} has (${shown}${ids.length > 5 ? ', …' : ''}): not carried out. Check the externalId column of those rows (it must be as review.csv wrote it), and whether the export still has those records, valid (a dry run of it says)`;
}
